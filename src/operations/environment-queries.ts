/**
 * What the data-plane API reads of environments and their operations: a user's environments are
 * visible on their own path only (`user` must match), and a missing one is a RequestRejected 404.
 */
import {
  CONTAINERS,
  environmentOutputsBlob,
  operationLogBlob,
  type EnvironmentRecord,
  type OperationRecord,
} from "../storage/records";
import type { BlobStore, RecordStore } from "../storage/ports";
import { RequestRejected } from "./requests";

export interface EnvironmentReadDeps {
  environments: RecordStore<EnvironmentRecord>;
  operations: RecordStore<OperationRecord>;
  blobs: Pick<BlobStore, "get" | "readLog">;
}

export async function findEnvironment(
  deps: Pick<EnvironmentReadDeps, "environments">,
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

/** A project's environments; only `user`'s when given. */
export async function listEnvironments(
  deps: Pick<EnvironmentReadDeps, "environments">,
  project: string,
  user?: string,
): Promise<EnvironmentRecord[]> {
  const records = (await deps.environments.list(project)).map((r) => r.value);
  return user === undefined ? records : records.filter((r) => r.user === user);
}

/** The environment's outputs document (`{ outputs: {} }` before a deploy wrote one). */
export async function readOutputs(
  deps: Pick<EnvironmentReadDeps, "environments" | "blobs">,
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
  deps: Pick<EnvironmentReadDeps, "operations">,
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

/** The operations of one environment, newest first. */
export async function listOperations(
  deps: Pick<EnvironmentReadDeps, "operations">,
  project: string,
  environmentName: string,
  user: string,
): Promise<OperationRecord[]> {
  const records = await deps.operations.list(project);
  return records
    .map((r) => r.value)
    .filter((r) => r.environmentName === environmentName && r.user === user)
    .sort((a, b) => b.startTime.localeCompare(a.startTime));
}

/** An operation's log as text ("" before anything was written); readable while it runs. */
export async function readOperationLog(
  deps: Pick<EnvironmentReadDeps, "operations" | "blobs">,
  project: string,
  operationId: string,
  of: { user: string; environmentName: string },
): Promise<string> {
  const operation = await findOperation(deps, project, operationId, of);
  return (await deps.blobs.readLog(CONTAINERS.logs, operationLogBlob(operation.project, operation.id))) ?? "";
}
