/**
 * The steps every data-plane request takes: its public URL (src/api/origin.ts), the bearer token,
 * then api-version; the mapping of errors to the Azure.Core error shape; and the correlation
 * headers on every answer. Handlers are plain functions of the request and this context, so they are
 * tested without a Functions host. A RequestRejected from
 * src/operations answers as the API error it describes (status, code, message, target, details).
 */
import { RequestRejected } from "../operations/rejections";
import { Caller } from "./auth";
import { correlationHeaders, DEFAULT_RETRY_AFTER_SECONDS, newRequestId } from "./headers";
import { ApiError, ApiRequest, ApiResponse, errorResponse } from "./http";
import { publicUrl } from "./origin";
import { ApiBaseDeps } from "./ports";
import { requireApiVersion } from "./versions";

export interface CallContext<D> {
  deps: D;
  caller: Caller;
  apiVersion: string;
  /** Where clients reach the API (origin and any path prefix): the base of every absolute URL in answers. */
  baseUrl: string;
  /** Retry-After of answers about running operations. */
  retryAfterSeconds: number;
}

export type Handler<D> = (request: ApiRequest, call: CallContext<D>) => Promise<ApiResponse>;

export async function handle<D extends ApiBaseDeps>(
  request: ApiRequest,
  deps: D,
  handler: Handler<D>,
): Promise<ApiResponse> {
  return respond(request, deps, async (publicRequest, baseUrl) => {
    const caller = await deps.verifier.verify(request.headers.get("authorization"));
    const apiVersion = requireApiVersion(publicRequest);
    if (request.bodyError) throw request.bodyError;
    return handler(publicRequest, {
      deps,
      caller,
      apiVersion,
      baseUrl,
      retryAfterSeconds: deps.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
    });
  });
}

/** Runs `answer` on the request as the client addressed it; errors become error answers; adds the correlation headers. */
export async function respond(
  request: ApiRequest,
  deps: ApiBaseDeps,
  answer: (request: ApiRequest, baseUrl: string) => Promise<ApiResponse>,
): Promise<ApiResponse> {
  const requestId = newRequestId();
  let response: ApiResponse;
  try {
    const { base, url } = publicUrl(request, deps.origin);
    response = await answer({ ...request, url }, base);
  } catch (error) {
    if (error instanceof ApiError) response = errorResponse(error);
    else if (error instanceof RequestRejected) {
      const { target, details } = error;
      response = errorResponse(
        new ApiError(error.status, error.code, error.message, {
          ...(target !== undefined && { target }),
          ...(details !== undefined && { details }),
        }),
      );
    } else {
      // Storage and SDK messages carry no secrets; the client only learns that it failed.
      deps.log?.error(
        `${request.method} ${request.url.pathname} failed (x-ms-request-id ${requestId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      response = errorResponse(
        new ApiError(
          500,
          "InternalServerError",
          "The service could not handle the request; it has been logged.",
        ),
      );
    }
  }
  return {
    ...response,
    headers: {
      ...response.headers,
      ...correlationHeaders(requestId, request.headers.get("x-ms-client-request-id")),
    },
  };
}
