/**
 * The operation scheduler port over a Durable Functions client (instance id = operation id): the
 * one place that calls the durable client and reads its errors.
 */
import * as df from "durable-functions";
import {
  CANCEL_REQUESTED_EVENT,
  RUNNER_FINISHED_EVENT,
  RUNNER_REPORTED_EVENT,
  type CancelRequestedEvent,
  type RunnerFinishedEvent,
  type RunnerReportedEvent,
} from "../operations/events";
import type { OrchestrationState } from "../operations/abandoned";
import { CLEANUP_ORCHESTRATION, cleanupInstanceId } from "../operations/cleanup";
import { OPERATION_ORCHESTRATION } from "../operations/orchestration";
import type { OperationScheduler } from "../operations/requests";

const RUNNING: string[] = [
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
  df.OrchestrationRuntimeStatus.Suspended,
];

/**
 * The SDK's only sign of a missing instance is its message (HTTP 404 underneath): getStatus says
 * "replied with HTTP 404", raiseEvent and the other instance calls "No instance with ID".
 */
export function isInstanceNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.message.includes("replied with HTTP 404") || error.message.startsWith("No instance with ID"))
  );
}

/** Schedules operations through the invocation's durable client (instance id = operation id). */
export function operationScheduler(client: df.DurableClient): OperationScheduler {
  return {
    start: async (input) => {
      await client.startNew(OPERATION_ORCHESTRATION, { instanceId: input.operationId, input });
    },
    orchestrationState: (operationId) => orchestrationState(client, operationId),
    cleanUp: async (input) => {
      const instanceId = cleanupInstanceId(input.operationId);
      if ((await orchestrationState(client, instanceId)) === "running") return;
      try {
        await client.startNew(CLEANUP_ORCHESTRATION, { instanceId, input });
      } catch (error) {
        // Started by someone else in between: that cleanup does the work.
        if ((await orchestrationState(client, instanceId)) !== "running") throw error;
      }
    },
    cancel: async (operationId, by) => {
      const event: CancelRequestedEvent = { by };
      await client.raiseEvent(operationId, CANCEL_REQUESTED_EVENT, event);
    },
    runnerReported: async (operationId, event: RunnerReportedEvent) => {
      await client.raiseEvent(operationId, RUNNER_REPORTED_EVENT, event);
    },
    runnerFinished: async (operationId, event: RunnerFinishedEvent) => {
      try {
        await client.raiseEvent(operationId, RUNNER_FINISHED_EVENT, event);
        return true;
      } catch (error) {
        if (isInstanceNotFound(error)) return false;
        throw error;
      }
    },
  };
}

async function orchestrationState(client: df.DurableClient, instanceId: string): Promise<OrchestrationState> {
  try {
    const status = await client.getStatus(instanceId);
    return RUNNING.includes(status.runtimeStatus) ? "running" : "ended";
  } catch (error) {
    if (isInstanceNotFound(error)) return "missing";
    throw error;
  }
}
