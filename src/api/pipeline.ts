/**
 * The steps every data-plane request takes before its handler: the bearer token, then api-version;
 * and the mapping of errors to the Azure.Core error shape. Handlers are plain functions of the
 * request and this context, so they are tested without a Functions host. A RequestRejected from
 * src/operations answers as the API error it describes (status, code, message, target, details).
 */
import { RequestRejected } from "../operations/requests";
import { Caller } from "./auth";
import { ApiError, ApiRequest, ApiResponse, errorResponse } from "./http";
import { ApiBaseDeps } from "./ports";
import { requireApiVersion } from "./versions";

export interface CallContext<D> {
  deps: D;
  caller: Caller;
  apiVersion: string;
  /** Origin of the request: the base of every `uri` in responses. */
  baseUrl: string;
}

export type Handler<D> = (request: ApiRequest, call: CallContext<D>) => Promise<ApiResponse>;

export async function handle<D extends ApiBaseDeps>(
  request: ApiRequest,
  deps: D,
  handler: Handler<D>,
): Promise<ApiResponse> {
  try {
    const caller = await deps.verifier.verify(request.headers.get("authorization"));
    const apiVersion = requireApiVersion(request);
    if (request.bodyError) throw request.bodyError;
    return await handler(request, { deps, caller, apiVersion, baseUrl: request.url.origin });
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    if (error instanceof RequestRejected) {
      const { target, details } = error;
      return errorResponse(
        new ApiError(error.status, error.code, error.message, {
          ...(target !== undefined && { target }),
          ...(details !== undefined && { details }),
        }),
      );
    }
    // Storage and SDK messages carry no secrets; the client only learns that it failed.
    deps.log?.error(
      `${request.method} ${request.url.pathname} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return errorResponse(
      new ApiError(
        500,
        "InternalServerError",
        "The service could not handle the request; it has been logged.",
      ),
    );
  }
}
