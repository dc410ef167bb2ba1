/**
 * How an activity's failure reaches the orchestration. An expected failure (a port's typed error, an
 * OperationError) is answered as a value, `{ ok: false, failure }` (see activity-table.ts), so its
 * code and whether a retry can help are fields in the history, not words in a message. A thrown
 * error (a bug, a lost connection) reaches the orchestration only as text and counts as transient.
 */
import { PortError } from "../core/ports";

export interface Failure {
  code: string;
  message: string;
  /** True when retrying cannot help (bad input, missing rights): the step fails at once. */
  permanent: boolean;
}

/** A failure the operation reports as is: the message becomes the operation's error. */
export class OperationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent = true,
  ) {
    super(message);
    this.name = "OperationError";
  }
}

/** ARM and storage answers that a retry cannot change: 4xx but timeouts, conflicts and throttling. */
export function isPermanentStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status);
}

/**
 * The Failure of an expected error: an OperationError as it says, a port's error (ARM, storage)
 * with its code (AuthorizationFailed, …) and message. Undefined for anything else.
 */
export function expectedFailure(error: unknown): Failure | undefined {
  if (error instanceof OperationError) {
    return { code: error.code, message: error.message, permanent: error.permanent };
  }
  if (error instanceof PortError) {
    return { code: error.code, message: error.message, permanent: isPermanentStatus(error.statusCode) };
  }
  return undefined;
}

/**
 * The failure of an error thrown by an activity, as the orchestrator sees it: "<reason> \n <details>"
 * (the SDK joins the host's reason and the activity's stack), the reason maybe behind "Activity
 * function 'x' failed: ". The stack is dropped: the message is shown to users.
 */
export function thrownFailure(error: unknown): Failure {
  const message = (error instanceof Error ? error.message : String(error))
    .split(" \n ")[0]
    .replace(/^Activity function '[^']*' failed: /, "")
    .trim();
  return { code: "OperationFailed", message, permanent: false };
}
