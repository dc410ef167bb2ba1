/** The operation scheduler port over a Durable Functions client (instance id = operation id). */
import * as df from "durable-functions";
import { CANCEL_REQUESTED_EVENT, type CancelRequestedEvent } from "../operations/events";
import { OPERATION_ORCHESTRATION } from "../operations/orchestration";
import type { OperationScheduler } from "../operations/requests";

const RUNNING: string[] = [
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
  df.OrchestrationRuntimeStatus.Suspended,
];

/** Schedules operations through the invocation's durable client (instance id = operation id). */
export function operationScheduler(client: df.DurableClient): OperationScheduler {
  return {
    start: async (input) => {
      await client.startNew(OPERATION_ORCHESTRATION, { instanceId: input.operationId, input });
    },
    isRunning: async (operationId) => {
      try {
        const status = await client.getStatus(operationId);
        return RUNNING.includes(status.runtimeStatus);
      } catch (error) {
        // The SDK's only sign of a missing instance is its message (HTTP 404 underneath).
        if (error instanceof Error && error.message.includes("HTTP 404")) return false;
        throw error;
      }
    },
    cancel: async (operationId, by) => {
      const event: CancelRequestedEvent = { by };
      await client.raiseEvent(operationId, CANCEL_REQUESTED_EVENT, event);
    },
  };
}
