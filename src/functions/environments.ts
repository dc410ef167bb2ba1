/** Data-plane routes of environments, their operations, outputs and logs, and operation statuses. */
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import {
  deleteEnvironment,
  getEnvironment,
  cancelOperation,
  getOperation,
  getOperationLogs,
  getOperationStatus,
  getOutputs,
  listEnvironments,
  listEnvironmentsByUser,
  listOperations,
  putEnvironment,
  type EnvironmentApiDeps,
} from "../api/environments";
import { functionsHandler } from "../api/host";
import type { Handler } from "../api/pipeline";
import { getAppContext } from "../app-context";
import { CANCEL_REQUESTED_EVENT, type CancelRequestedEvent } from "../operations/model";
import { OPERATION_ORCHESTRATION } from "../operations/orchestration";
import type { OperationScheduler } from "../operations/requests";

const context = getAppContext();
const ENVIRONMENT = "projects/{projectName}/users/{userId}/environments/{environmentName}";
const RUNNING: string[] = [
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
  df.OrchestrationRuntimeStatus.Suspended,
];

/** Schedules operations through the invocation's durable client (instance id = operation id). */
function scheduler(client: df.DurableClient): OperationScheduler {
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

const reads: [name: string, route: string, handler: Handler<EnvironmentApiDeps>][] = [
  ["listEnvironments", "projects/{projectName}/environments", listEnvironments],
  ["listEnvironmentsByUser", "projects/{projectName}/users/{userId}/environments", listEnvironmentsByUser],
  ["getEnvironmentOutputs", `${ENVIRONMENT}/outputs`, getOutputs],
  ["listEnvironmentOperations", `${ENVIRONMENT}/operations`, listOperations],
  ["getEnvironmentOperationLogs", `${ENVIRONMENT}/operations/{operationId}/logs`, getOperationLogs],
  ["getOperationStatus", "projects/{projectName}/operationstatuses/{operationId}", getOperationStatus],
];

for (const [name, route, handler] of reads) {
  app.http(name, {
    route,
    methods: ["GET"],
    authLevel: "anonymous",
    handler: functionsHandler((log) => context.environmentApi(log), handler),
  });
}

/** One function per route; routes that start or cancel orchestrations take the durable client. */
function orchestratingRoute(
  name: string,
  route: string,
  byMethod: Record<string, Handler<EnvironmentApiDeps>>,
) {
  df.app.client.http(name, {
    route,
    methods: Object.keys(byMethod) as ("GET" | "PUT" | "DELETE" | "POST")[],
    authLevel: "anonymous",
    handler: (request: HttpRequest, client: df.DurableClient, invocation: InvocationContext) =>
      functionsHandler((log) => context.environmentApi(log, scheduler(client)), byMethod[request.method])(
        request,
        invocation,
      ),
  });
}

orchestratingRoute("environment", ENVIRONMENT, {
  GET: getEnvironment,
  PUT: putEnvironment,
  DELETE: deleteEnvironment,
});
orchestratingRoute("getOrCancelEnvironmentOperation", `${ENVIRONMENT}/operations/{operationId}`, {
  GET: getOperation,
  POST: cancelOperation,
});
