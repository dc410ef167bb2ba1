/** The external events an operation's orchestration waits for. */
import type { Task } from "durable-functions";

/** External event the runner API raises on the operation's orchestration when the runner says it is done. */
export const RUNNER_FINISHED_EVENT = "RunnerFinished";

export interface RunnerFinishedEvent {
  exitCode: number;
}

/**
 * External event the runner API raises when a runner uploads its state, outputs or result: what ADE's
 * entrypoints do last, just before the container exits. The orchestration then looks at the container
 * soon, so a runner that never says `ade finished` (Microsoft's entrypoints do not) is noticed quickly.
 */
export const RUNNER_REPORTED_EVENT = "RunnerReported";

export interface RunnerReportedEvent {
  what: "files" | "outputs" | "result";
}

/** External event that cancels a running operation: the runner is stopped and everything cleaned up. */
export const CANCEL_REQUESTED_EVENT = "CancelRequested";

export interface CancelRequestedEvent {
  /** Object id of who canceled. */
  by: string;
}

/** Each event's name and data: the one place that types what a raised event carries. */
export interface OperationEvents {
  [RUNNER_FINISHED_EVENT]: RunnerFinishedEvent;
  [CANCEL_REQUESTED_EVENT]: CancelRequestedEvent;
  [RUNNER_REPORTED_EVENT]: RunnerReportedEvent;
}

/** The data of a completed waitForExternalEvent(name) task. */
export function eventData<E extends keyof OperationEvents>(_name: E, task: Task): OperationEvents[E] {
  return task.result as OperationEvents[E];
}
