/** Mapping between the Functions HTTP types and the host-neutral ApiRequest/ApiResponse. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { ApiRequest, ApiResponse } from "./http";
import { handle, Handler } from "./pipeline";
import { ApiBaseDeps } from "./ports";

export function fromHttpRequest(request: HttpRequest): ApiRequest {
  return {
    method: request.method,
    url: new URL(request.url),
    headers: request.headers,
    params: { ...request.params },
  };
}

export function toHttpResponse(response: ApiResponse): HttpResponseInit {
  return {
    status: response.status,
    headers: response.headers,
    ...(response.body !== undefined && { jsonBody: response.body }),
  };
}

/** A Functions HTTP handler that runs an API handler through the pipeline (auth, api-version, errors). */
export function functionsHandler<D extends ApiBaseDeps>(
  deps: (context: InvocationContext) => D,
  handler: Handler<D>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) =>
    toHttpResponse(await handle(fromHttpRequest(request), deps(context), handler));
}
