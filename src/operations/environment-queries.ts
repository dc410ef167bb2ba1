/**
 * What the data-plane API reads of environments and their operations: a user's environments are
 * visible on their own path only (`user` must match), and a missing one is a RequestRejected 404.
 */
import {
  CONTAINERS,
  environmentOutputsBlob,
  operationIndexRow,
  operationIndexRowsSince,
  operationsOfEnvironment,
  operationLogBlob,
  type EnvironmentRecord,
  type OperationRecord,
} from "../storage/records";
import type { EnvironmentStore } from "../storage/environment-records";
import type { BlobStore, IndexedRecordStore, RecordStore } from "../storage/ports";
import { RequestRejected } from "./rejections";

/** Operations are listed for this long after they started, as ADE does. */
export const OPERATION_RETENTION_DAYS = 90;

export interface EnvironmentReadDeps {
  environments: EnvironmentStore;
  operations: IndexedRecordStore<OperationRecord>;
  blobs: Pick<BlobStore, "get" | "logSize" | "streamLog">;
  now(): Date;
}

export async function findEnvironment(
  deps: { environments: RecordStore<EnvironmentRecord> },
  project: string,
  name: string,
  user: string,
): Promise<EnvironmentRecord> {
  const stored = await deps.environments.get(project, name);
  if (!stored || stored.value.user !== user) {
    throw new RequestRejected(404, "EnvironmentNotFound", `The environment ${name} does not exist.`, {
      target: "environmentName",
    });
  }
  return stored.value;
}

/** Which environments of a list: names after `after`, at most `limit` (one page and one more). */
export interface EnvironmentRange {
  after?: string;
  limit?: number;
}

/**
 * A project's environments in name order; only `user`'s when given (read from their copies by
 * user); only those of `range`, so a page costs a page.
 */
export async function listEnvironments(
  deps: Pick<EnvironmentReadDeps, "environments">,
  project: string,
  user?: string,
  range: EnvironmentRange = {},
): Promise<EnvironmentRecord[]> {
  if (user !== undefined) return deps.environments.listOfUser(project, user, range);
  return (await deps.environments.list(project, range)).map((r) => r.value);
}

/** The environment's outputs document (`{ outputs: {} }` before a deploy wrote one). */
export async function readOutputs(
  deps: { environments: RecordStore<EnvironmentRecord>; blobs: EnvironmentReadDeps["blobs"] },
  project: string,
  name: string,
  user: string,
): Promise<unknown> {
  await findEnvironment(deps, project, name, user);
  const blob = await deps.blobs.get(CONTAINERS.environments, environmentOutputsBlob(project, name));
  return blob ? JSON.parse(blob.toString("utf8")) : { outputs: {} };
}

/** An operation of a project, if it belongs to `of.user` (and to `of.environmentName`, when given). */
export async function findOperation(
  deps: { operations: RecordStore<OperationRecord> },
  project: string,
  operationId: string,
  of: { user?: string; environmentName?: string },
): Promise<OperationRecord> {
  const stored = await deps.operations.get(project, operationId);
  const mismatch =
    stored &&
    ((of.user !== undefined && stored.value.user !== of.user) ||
      (of.environmentName !== undefined && stored.value.environmentName !== of.environmentName));
  if (!stored || mismatch) {
    throw new RequestRejected(404, "OperationNotFound", `The operation ${operationId} does not exist.`, {
      target: "operationId",
    });
  }
  return stored.value;
}

/** Which operations of a list: after the one of index row `after`, at most `limit`. */
export interface OperationRange {
  after?: string;
  limit?: number;
}

/**
 * The operations of one environment that started in the last 90 days, newest first (through the
 * index, whose rows sort so: operationIndexRow); only those of `range`, so a page costs a page.
 */
export async function listOperations(
  deps: Pick<EnvironmentReadDeps, "operations" | "now">,
  project: string,
  environmentName: string,
  user: string,
  range: OperationRange = {},
): Promise<OperationRecord[]> {
  const since = new Date(deps.now().getTime() - OPERATION_RETENTION_DAYS * 86_400_000).toISOString();
  const limit = range.limit ?? Infinity;
  const found: OperationRecord[] = [];
  let after = range.after;
  for (;;) {
    const wanted = limit - found.length;
    const records = await deps.operations.lookup(project, operationsOfEnvironment(project, environmentName), {
      before: operationIndexRowsSince(since),
      ...(after !== undefined && { after }),
      ...(wanted !== Infinity && { limit: wanted }),
    });
    // An environment of the same name another user had before has its operations here too.
    found.push(
      ...records.map((r) => r.value).filter((r) => r.environmentName === environmentName && r.user === user),
    );
    if (found.length >= limit || records.length < wanted) return found;
    const last = records[records.length - 1].value;
    after = operationIndexRow(last.startTime, last.id);
  }
}

/** An operation's log: its size now and its bytes [start, end), streamed from storage. */
export interface OperationLog {
  size: number;
  read(start: number, end: number): AsyncIterable<Uint8Array>;
}

/** An operation's log (empty before anything was written); readable while the operation runs. */
export async function openOperationLog(
  deps: { operations: RecordStore<OperationRecord>; blobs: EnvironmentReadDeps["blobs"] },
  project: string,
  operationId: string,
  of: { user: string; environmentName: string },
): Promise<OperationLog> {
  const operation = await findOperation(deps, project, operationId, of);
  const blob = operationLogBlob(operation.project, operation.id);
  const size = (await deps.blobs.logSize(CONTAINERS.logs, blob)) ?? 0;
  return { size, read: (start, end) => deps.blobs.streamLog(CONTAINERS.logs, blob, start, end) };
}
