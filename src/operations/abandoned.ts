/**
 * Operations recorded as running whose orchestration is gone: it never started (a crash between
 * accepting the request and starting it), or an operator terminated it. Whoever finds one (a new
 * request for the environment, a cancel, the periodic sweep) ends it the way the orchestration
 * would have: the runner's token stops working at once, the operation and the environment say
 * what happened, and a cleanup orchestration revokes the runner's role and deletes its container.
 */
import { isTerminalOperationState } from "../core/states";
import type { EnvironmentRecord, ErrorDetail, OperationRecord } from "../storage/records";
import type { OpenOperationIndex } from "../storage/open-operations";
import type { RecordStore } from "../storage/ports";
import { updateRecord } from "../storage/update-record";
import type { OperationInput } from "./plan";

/**
 * How long an operation may be recorded as running without an orchestration before it counts as
 * abandoned: covers a crash between accepting a request and starting its orchestration, without
 * racing a request that is still starting one.
 */
export const ABANDONED_AFTER_MS = 2 * 60_000;

/** The orchestrations of operations, as far as abandoned ones need them. */
export interface OrchestrationLookup {
  /** Whether the operation's orchestration runs, has ended (completed, failed, terminated) or does not exist. */
  orchestrationState(operationId: string): Promise<OrchestrationState>;
  /** Starts the cleanup orchestration of an operation (idempotent: the same cleanup at most once at a time). */
  cleanUp(input: OperationInput): Promise<void>;
}

export type OrchestrationState = "running" | "ended" | "missing";

export interface AbandonedDeps {
  environments: RecordStore<EnvironmentRecord>;
  operations: RecordStore<OperationRecord>;
  scheduler: OrchestrationLookup;
  now(): Date;
}

export interface AbandonedEnd {
  status: "Failed" | "Canceled";
  error: ErrorDetail;
}

/**
 * Whether an operation recorded as running has lost its orchestration: it ended without ending the
 * operation (terminated), or it was never started and the request that accepted it is long gone.
 */
export async function isAbandoned(deps: AbandonedDeps, operation: OperationRecord): Promise<boolean> {
  if (isTerminalOperationState(operation.status)) return false;
  const state = await deps.scheduler.orchestrationState(operation.id);
  const age = deps.now().getTime() - Date.parse(operation.startTime);
  if (!(state === "ended" || (state === "missing" && age > ABANDONED_AFTER_MS))) return false;
  // The record read may be older than the look at the orchestration (the sweep lists them all
  // first): one that ended its operation before it completed did so after that read.
  const current = await deps.operations.get(operation.project, operation.id);
  return current !== undefined && !isTerminalOperationState(current.value.status);
}

/**
 * Ends an abandoned operation. The cleanup is started first: if this stops half way, the
 * operation is still running and the next finder starts over. Returns the ended record.
 */
export async function endAbandonedOperation(
  deps: AbandonedDeps,
  operation: OperationRecord,
  end: AbandonedEnd,
): Promise<OperationRecord | undefined> {
  await deps.scheduler.cleanUp({
    project: operation.project,
    environmentName: operation.environmentName,
    operationId: operation.id,
    kind: operation.kind,
  });
  const endTime = deps.now().toISOString();
  await updateRecord(
    deps.environments,
    operation.project,
    operation.environmentName,
    (record): EnvironmentRecord | undefined =>
      record.currentOperationId === operation.id
        ? { ...record, provisioningState: end.status, error: end.error, updatedAt: endTime }
        : undefined,
  );
  return updateRecord(
    deps.operations,
    operation.project,
    operation.id,
    (record): OperationRecord | undefined =>
      isTerminalOperationState(record.status)
        ? undefined
        : {
            ...record,
            status: end.status,
            endTime,
            error: end.error,
            runnerTokenHash: undefined,
            // The cleanup goes on after the end: the operation stays open until it is done. One
            // that is done already (pending false) has written so first.
            cleanup:
              record.cleanup?.pending === false
                ? record.cleanup
                : { attempts: 0, since: endTime, ...record.cleanup, pending: true },
          },
  );
}

export const ABANDONED: AbandonedEnd = {
  status: "Failed",
  error: {
    code: "OperationAbandoned",
    message:
      "The operation's orchestration is no longer running; its runner's role and container are being removed.",
  },
};

/**
 * The periodic sweep: ends every abandoned operation of the projects; returns their ids. It reads
 * the operations that are open (the index of them), not every operation the projects ever had.
 */
export async function endAbandonedOperations(
  deps: AbandonedDeps & { operations: OpenOperationIndex },
  projects: string[],
): Promise<string[]> {
  await deps.operations.indexProjects(projects);
  const swept = new Set(projects);
  const ended: string[] = [];
  for (const operation of await deps.operations.open(deps.now())) {
    if (!swept.has(operation.project) || !(await isAbandoned(deps, operation))) continue;
    await endAbandonedOperation(deps, operation, ABANDONED);
    ended.push(`${operation.project}/${operation.id}`);
  }
  return ended;
}
