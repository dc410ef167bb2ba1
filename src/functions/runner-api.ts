/** HTTP triggers of the runner API (src/runner-api): routes, request/response mapping, wiring. */
import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import * as df from "durable-functions";
import { getAppContext } from "../app-context";
import { operationScheduler } from "../azure/operation-scheduler";
import { type RunnerApi, type RunnerRequest, type RunnerResponse } from "../runner-api/handlers";

const OPERATION_ROUTE = "runner/projects/{project}/operations/{operationId}";

const runnerApi = () => getAppContext().runnerApi();

function toRunnerRequest(request: HttpRequest): RunnerRequest {
  return {
    params: request.params,
    query: request.query,
    authorization: request.headers.get("authorization"),
    body: async () => new Uint8Array(await request.arrayBuffer()),
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
  app.http(name, {
    route: `${OPERATION_ROUTE}${path}`,
    methods,
    authLevel: "anonymous",
    handler: async (request) => toResponse(await pick(runnerApi(), request)(toRunnerRequest(request))),
  });
}

route("runnerContext", "", ["GET"], (api) => api.getContext);
route("runnerDefinitionContent", "/definition/content", ["GET"], (api) => api.getDefinitionContent);
route("runnerFiles", "/files", ["GET"], (api) => api.listFiles);
route("runnerFile", "/files/{fileName}", ["GET", "PUT"], (api, request) =>
  request.method === "PUT" ? api.putFile : api.getFile,
);
route("runnerLogs", "/logs", ["POST"], (api) => api.appendLog);
route("runnerOutputs", "/outputs", ["PUT"], (api) => api.putOutputs);
route("runnerResult", "/result", ["PUT"], (api) => api.putResult);

df.app.client.http("runnerFinished", {
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
