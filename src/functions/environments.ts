/** Data-plane routes of environments, their operations, outputs and logs, and operation statuses. */
import type { HttpRequest, InvocationContext } from "@azure/functions";
import type * as df from "durable-functions";
import {
  deleteEnvironment,
  getAction,
  getEnvironment,
  listActions,
  patchEnvironment,
  runAction,
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
import { operationScheduler } from "../azure/operation-scheduler";
import { durableHttpRoute, httpRoute } from "./routes";

const context = getAppContext();
const ENVIRONMENT = "projects/{projectName}/users/{userId}/environments/{environmentName}";

const reads: [name: string, route: string, handler: Handler<EnvironmentApiDeps>][] = [
  ["listEnvironments", "projects/{projectName}/environments", listEnvironments],
  ["listEnvironmentsByUser", "projects/{projectName}/users/{userId}/environments", listEnvironmentsByUser],
  ["getEnvironment", ENVIRONMENT, getEnvironment],
  ["getEnvironmentOutputs", `${ENVIRONMENT}/outputs`, getOutputs],
  ["listEnvironmentActions", `${ENVIRONMENT}/actions`, listActions],
  ["listEnvironmentOperations", `${ENVIRONMENT}/operations`, listOperations],
  ["getEnvironmentOperation", `${ENVIRONMENT}/operations/{operationId}`, getOperation],
  ["getEnvironmentOperationLogs", `${ENVIRONMENT}/operations/{operationId}/logs`, getOperationLogs],
  ["getOperationStatus", "projects/{projectName}/operationstatuses/{operationId}", getOperationStatus],
];

for (const [name, route, handler] of reads) {
  httpRoute(name, {
    route,
    methods: ["GET"],
    authLevel: "anonymous",
    handler: functionsHandler((log) => context.environmentApi(log), handler),
  });
}

/**
 * Routes that start or cancel orchestrations take the durable client; the GETs of the same paths are
 * functions of their own above, without one (a client per request is a cost reads need not pay).
 */
function orchestratingRoute(
  name: string,
  route: string,
  byMethod: Record<string, Handler<EnvironmentApiDeps>>,
) {
  durableHttpRoute(name, {
    route,
    methods: Object.keys(byMethod) as ("GET" | "PUT" | "PATCH" | "DELETE" | "POST")[],
    authLevel: "anonymous",
    handler: (request: HttpRequest, client: df.DurableClient, invocation: InvocationContext) =>
      functionsHandler(
        (log) => context.environmentApi(log, operationScheduler(client)),
        byMethod[request.method],
      )(request, invocation),
  });
}

orchestratingRoute("environment", ENVIRONMENT, {
  PUT: putEnvironment,
  PATCH: patchEnvironment,
  DELETE: deleteEnvironment,
});
orchestratingRoute("cancelEnvironmentOperation", `${ENVIRONMENT}/operations/{operationId}`, {
  POST: cancelOperation,
});

httpRoute("environmentAction", {
  route: `${ENVIRONMENT}/actions/{actionName}`,
  methods: ["GET", "POST"],
  authLevel: "anonymous",
  handler: (request, invocation) =>
    functionsHandler((log) => context.environmentApi(log), request.method === "POST" ? runAction : getAction)(
      request,
      invocation,
    ),
});
