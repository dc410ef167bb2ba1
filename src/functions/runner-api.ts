/** HTTP triggers of the runner API (src/runner-api): routes, request/response mapping, wiring. */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { readBodyUpTo } from "../api/body";
import { getAppContext } from "../app-context";
import { operationScheduler } from "../azure/operation-scheduler";
import { type RunnerApi, type RunnerRequest, type RunnerResponse } from "../runner-api/handlers";
import type { RunnerReportedEvent } from "../operations/events";
import { durableHttpRoute, httpRoute } from "./routes";

const OPERATION_ROUTE = "runner/projects/{project}/operations/{operationId}";

const runnerApi = () => getAppContext().runnerApi();

function toRunnerRequest(request: HttpRequest): RunnerRequest {
  return {
    params: request.params,
    query: request.query,
    authorization: request.headers.get("authorization"),
    body: (limit) => readBodyUpTo(request, limit),
  };
}

function toResponse(response: RunnerResponse): HttpResponseInit {
  return {
    status: response.status,
    headers: response.headers,
    body: response.body,
    jsonBody: response.jsonBody,
  };
}

function route(
  name: string,
  path: string,
  methods: ("GET" | "PUT" | "POST")[],
  pick: (api: RunnerApi, request: HttpRequest) => (request: RunnerRequest) => Promise<RunnerResponse>,
): void {
  httpRoute(name, {
    route: `${OPERATION_ROUTE}${path}`,
    methods,
    authLevel: "anonymous",
    handler: async (request) => toResponse(await pick(runnerApi(), request)(toRunnerRequest(request))),
  });
}

route("runnerContext", "", ["GET"], (api) => api.getContext);
route("runnerDefinitionContent", "/definition/content", ["GET"], (api) => api.getDefinitionContent);
route("runnerFiles", "/files", ["GET"], (api) => api.listFiles);
route("runnerLogs", "/logs", ["POST"], (api) => api.appendLog);

/**
 * Routes whose successful PUT means the runner is about to end (ADE's entrypoints upload state,
 * outputs and their result last): the orchestration is told (RunnerReported), so that it looks at the
 * container soon even when no finished notice comes. Telling it is best effort: it polls anyway.
 */
function reportingRoute(
  name: string,
  path: string,
  methods: ("GET" | "PUT")[],
  what: RunnerReportedEvent["what"],
  pick: (api: RunnerApi, request: HttpRequest) => (request: RunnerRequest) => Promise<RunnerResponse>,
): void {
  durableHttpRoute(name, {
    route: `${OPERATION_ROUTE}${path}`,
    methods,
    authLevel: "anonymous",
    handler: async (request, client, context) => {
      const response = await pick(runnerApi(), request)(toRunnerRequest(request));
      if (request.method === "PUT" && response.status < 300) {
        await operationScheduler(client)
          .runnerReported(request.params.operationId, { what })
          .catch((error: unknown) => {
            context.warn(
              `Could not tell operation ${request.params.operationId} that its runner reported ${what}: ${error}`,
            );
          });
      }
      return toResponse(response);
    },
  });
}

reportingRoute("runnerFile", "/files/{fileName}", ["GET", "PUT"], "files", (api, request) =>
  request.method === "PUT" ? api.putFile : api.getFile,
);
reportingRoute("runnerOutputs", "/outputs", ["PUT"], "outputs", (api) => api.putOutputs);
reportingRoute("runnerResult", "/result", ["PUT"], "result", (api) => api.putResult);

durableHttpRoute("runnerFinished", {
  route: `${OPERATION_ROUTE}/finished`,
  methods: ["POST"],
  authLevel: "anonymous",
  handler: async (request, client) => {
    const scheduler = operationScheduler(client);
    const finished = runnerApi().finished((operationId, event) =>
      scheduler.runnerFinished(operationId, event),
    );
    return toResponse(await finished(toRunnerRequest(request)));
  },
});
