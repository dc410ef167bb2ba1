/**
 * Which open operations are stuck, for an operator (`npm run operations -- stuck`): a cleanup that
 * keeps failing, one that ran out of retries after its operation ended, or an operation running
 * past its timeout. The open operations come from TABLES.openOperations. And the operator's way out
 * of a cleanup that gave up (`npm run operations -- dismiss`), once they removed what it left.
 */
import { isTerminalOperationState } from "../core/states";
import type { RecordStore } from "../storage/ports";
import type { ErrorDetail, OperationRecord } from "../storage/records";
import { updateRecord } from "../storage/update-record";

export interface StuckCriteria {
  /** A cleanup activity that failed this many times in a row. */
  cleanupAttempts: number;
  /** A cleanup failing (or, after an abandoned end, still going) for this long. */
  cleanupMinutes: number;
  /** An operation running this long (its timeout and some time to clean up). */
  runningMinutes: number;
}

export type StuckReason = "CleanupOutOfRetries" | "CleanupFailing" | "RunningTooLong";

export interface StuckOperation {
  project: string;
  operationId: string;
  environmentName: string;
  kind: string;
  status: string;
  step?: string;
  startTime: string;
  reason: StuckReason;
  /** One line saying what is wrong, for people. */
  detail: string;
  cleanup?: {
    activity?: string;
    attempts: number;
    since: string;
    lastError?: ErrorDetail;
    nextRetryAt?: string;
  };
}

function minutesBetween(from: string, to: Date): number {
  return Math.floor((to.getTime() - Date.parse(from)) / 60_000);
}

function reasonOf(
  operation: OperationRecord,
  now: Date,
  criteria: StuckCriteria,
): { reason: StuckReason; detail: string } | undefined {
  const { cleanup } = operation;
  const error = cleanup?.lastError;
  const failing =
    error &&
    `${cleanup.activity ?? "cleanup"} failed ${cleanup.attempts} times, last ${error.code}: ${error.message}`;
  if (cleanup?.pending && cleanup.nextRetryAt === undefined && error) {
    return { reason: "CleanupOutOfRetries", detail: `the operation ended, its cleanup gave up: ${failing}` };
  }
  const cleaningFor = cleanup ? minutesBetween(cleanup.since, now) : 0;
  if (
    cleanup &&
    (cleanup.attempts >= criteria.cleanupAttempts ||
      (cleaningFor >= criteria.cleanupMinutes && (error || cleanup.pending)))
  ) {
    const next = cleanup.nextRetryAt ? `; next attempt ${cleanup.nextRetryAt}` : "";
    return {
      reason: "CleanupFailing",
      detail: `cleaning up for ${cleaningFor} min: ${failing ?? "no attempt failed yet"}${next}`,
    };
  }
  const runningFor = minutesBetween(operation.startTime, now);
  if (!isTerminalOperationState(operation.status) && runningFor >= criteria.runningMinutes) {
    return {
      reason: "RunningTooLong",
      detail: `running for ${runningFor} min, on step ${operation.step ?? "(none recorded)"}`,
    };
  }
  return undefined;
}

/** The stuck ones among `open`, oldest first. */
export function stuckOperations(
  open: OperationRecord[],
  now: Date,
  criteria: StuckCriteria,
): StuckOperation[] {
  const stuck: StuckOperation[] = [];
  for (const operation of open) {
    const why = reasonOf(operation, now, criteria);
    if (!why) continue;
    const { cleanup } = operation;
    stuck.push({
      project: operation.project,
      operationId: operation.id,
      environmentName: operation.environmentName,
      kind: operation.kind,
      status: operation.status,
      ...(operation.step !== undefined && { step: operation.step }),
      startTime: operation.startTime,
      ...why,
      ...(cleanup && {
        cleanup: {
          ...(cleanup.activity !== undefined && { activity: cleanup.activity }),
          attempts: cleanup.attempts,
          since: cleanup.since,
          ...(cleanup.lastError && { lastError: cleanup.lastError }),
          ...(cleanup.nextRetryAt !== undefined && { nextRetryAt: cleanup.nextRetryAt }),
        },
      }),
    });
  }
  return stuck.sort((a, b) => a.startTime.localeCompare(b.startTime));
}

/**
 * Marks the cleanup of an ended operation as done by hand: it leaves the stuck list and the open
 * operations. Refused (with the reason) for an operation that still runs or has no pending cleanup.
 */
export async function dismissCleanup(
  operations: RecordStore<OperationRecord>,
  project: string,
  operationId: string,
): Promise<void> {
  let refusal: string | undefined = `There is no operation ${operationId} in project ${project}.`;
  await updateRecord(operations, project, operationId, (record): OperationRecord | undefined => {
    refusal = undefined;
    if (!isTerminalOperationState(record.status)) {
      refusal = `Operation ${operationId} is still ${record.status}: its orchestration does the cleanup.`;
      return undefined;
    }
    if (!record.cleanup?.pending) {
      refusal = `Operation ${operationId} has no cleanup going on.`;
      return undefined;
    }
    return { ...record, cleanup: { ...record.cleanup, pending: false } };
  });
  if (refusal) throw new Error(refusal);
}
