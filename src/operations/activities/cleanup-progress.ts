/**
 * How a cleanup goes, on the operation record (OperationRecord.cleanup): written when a cleanup
 * attempt fails, so the operation's status and an operator's list of stuck operations say what is
 * failing, how often, and when it is tried again — not only after a day of retries.
 */
import { scrubRecognised } from "../../core/secrets";
import { RUNNER_TOKEN_CHARACTERS, runnerTokenMatches } from "../../runner-protocol/token";
import type { ErrorDetail, OperationRecord } from "../../storage/records";
import { updateRecord } from "../../storage/update-record";
import type { CleanupEndInput, CleanupRetryInput } from "../plan";
import type { OperationDeps } from "./deps";

/** Error messages are kept short on the record: enough to say what failed. */
const MAX_MESSAGE_CHARACTERS = 1000;

/** The error as shown: no runner token in any form (an ARM message may quote a request), bounded. */
function shownError(error: ErrorDetail, record: OperationRecord): ErrorDetail {
  const message = scrubRecognised(
    error.message.slice(0, MAX_MESSAGE_CHARACTERS),
    RUNNER_TOKEN_CHARACTERS,
    (word) => runnerTokenMatches(word, record.runnerTokenHash),
  );
  return { code: error.code.slice(0, 100), message };
}

export async function recordCleanupRetry(
  deps: Pick<OperationDeps, "operations">,
  input: CleanupRetryInput,
): Promise<void> {
  await updateRecord(deps.operations, input.project, input.operationId, (record): OperationRecord => {
    const pending = record.cleanup?.pending;
    return {
      ...record,
      cleanup: {
        activity: input.activity,
        attempts: input.attempts,
        lastError: shownError(input.error, record),
        nextRetryAt: input.retryAt,
        since: record.cleanup?.since ?? input.failedAt,
        ...(pending !== undefined && { pending }),
      },
    };
  });
}

/**
 * The cleanup of an abandoned operation ended. Done: the record says so (pending false, which
 * also keeps endAbandonedOperation, if it has not written yet, from marking it pending). Out of
 * retries: it stays pending, with the error and no next attempt, for an operator.
 */
export async function endCleanup(
  deps: Pick<OperationDeps, "operations" | "now">,
  input: CleanupEndInput,
): Promise<void> {
  await updateRecord(deps.operations, input.project, input.operationId, (record): OperationRecord => {
    const since = record.cleanup?.since ?? deps.now().toISOString();
    const cleanup = { ...record.cleanup, attempts: record.cleanup?.attempts ?? 0, since };
    delete cleanup.nextRetryAt;
    if (!input.error) return { ...record, cleanup: { ...cleanup, pending: false } };
    return { ...record, cleanup: { ...cleanup, lastError: shownError(input.error, record), pending: true } };
  });
}
