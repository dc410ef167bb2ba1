/** The external events an operation's orchestration waits for. */
import type { Task } from "durable-functions";

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

/** Each event's name and data: the one place that types what a raised event carries. */
export interface OperationEvents {
  [RUNNER_FINISHED_EVENT]: RunnerFinishedEvent;
  [CANCEL_REQUESTED_EVENT]: CancelRequestedEvent;
}

/** The data of a completed waitForExternalEvent(name) task. */
export function eventData<E extends keyof OperationEvents>(_name: E, task: Task): OperationEvents[E] {
  return task.result as OperationEvents[E];
}
