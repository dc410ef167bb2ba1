/**
 * How an activity's failure reaches the orchestration: only an Error's message survives the trip
 * through the history, so the code, the message and whether a retry can help travel in it.
 */

export interface Failure {
  code: string;
  message: string;
  /** True when retrying cannot help (bad input, missing rights): the step fails at once. */
  permanent: boolean;
}

const PERMANENT = "permanent ";

/** A failure the operation reports as is: the message becomes the operation's error. */
export class OperationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent = true,
  ) {
    super(`${permanent ? PERMANENT : ""}${code}: ${message}`);
    this.name = "OperationError";
  }
}

/** ARM and storage answers that a retry cannot change: 4xx but timeouts, conflicts and throttling. */
export function isPermanentStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status);
}

/**
 * The failure in an activity's Error as the orchestrator sees it: "<reason> \n <details>" (the SDK
 * joins the host's reason and the activity's stack), the reason maybe behind "Activity function 'x'
 * failed: ". The stack is dropped: the message is shown to users.
 */
export function failureOf(error: unknown): Failure {
  const text = (error instanceof Error ? error.message : String(error))
    .split(" \n ")[0]
    .replace(/^Activity function '[^']*' failed: /, "")
    .trim();
  const match = /^(permanent )?([A-Za-z][A-Za-z0-9]*): ([\s\S]*)$/.exec(text);
  return match
    ? { code: match[2], message: match[3], permanent: match[1] !== undefined }
    : { code: "OperationFailed", message: text, permanent: false };
}
