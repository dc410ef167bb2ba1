/** The external events an operation's orchestration waits for. */

/** External event the runner API raises on the operation's orchestration when the runner says it is done. */
export const RUNNER_FINISHED_EVENT = "RunnerFinished";

export interface RunnerFinishedEvent {
  exitCode: number;
}

/** External event that cancels a running operation: the runner is stopped and everything cleaned up. */
export const CANCEL_REQUESTED_EVENT = "CancelRequested";

export interface CancelRequestedEvent {
  /** Object id of who canceled. */
  by: string;
}
