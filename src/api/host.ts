/** Mapping between the Functions HTTP types and the host-neutral ApiRequest/ApiResponse. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { MAX_API_REQUEST_BODY_BYTES } from "../core/limits";
import { readBodyUpTo } from "./body";
import { ApiError, ApiRequest, ApiResponse } from "./http";
import { handle, Handler } from "./pipeline";
import { ApiBaseDeps } from "./ports";

export async function fromHttpRequest(request: HttpRequest): Promise<ApiRequest> {
  const bytes =
    request.method === "GET" || request.method === "DELETE"
      ? new Uint8Array(0)
      : await readBodyUpTo(request, MAX_API_REQUEST_BODY_BYTES);
  const text = bytes === undefined ? "" : new TextDecoder().decode(bytes);
  let body: unknown;
  let bodyError: ApiError | undefined;
  if (bytes === undefined) {
    bodyError = new ApiError(
      413,
      "RequestBodyTooLarge",
      `The request body is larger than ${MAX_API_REQUEST_BODY_BYTES} bytes, the most this API accepts.`,
    );
  } else if (text.trim() !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      bodyError = new ApiError(400, "InvalidRequestBody", "The request body is not valid JSON.");
    }
  }
  return {
    method: request.method,
    url: new URL(request.url),
    headers: request.headers,
    params: { ...request.params },
    ...(body !== undefined && { body }),
    ...(bodyError && { bodyError }),
  };
}

export function toHttpResponse(response: ApiResponse): HttpResponseInit {
  // Streamed bodies (operation logs) go out as they come; everything else is JSON.
  if (response.stream) return { status: response.status, headers: response.headers, body: response.stream };
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
    toHttpResponse(await handle(await fromHttpRequest(request), deps(context), handler));
}
