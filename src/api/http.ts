/**
 * Host-neutral request and response of the data-plane handlers, and the Azure.Core error shape
 * `{ error: { code, message, target?, details? } }` with the `x-ms-error-code` header.
 */

export interface ApiRequest {
  method: string;
  /** Absolute URL as the client sent it (its origin is the base of every `uri` in responses). */
  url: URL;
  headers: { get(name: string): string | null };
  /** Route parameters, as the host matched them. */
  params: Record<string, string | undefined>;
  /** Parsed JSON body, when the route takes one. */
  body?: unknown;
  /** Why the body could not be read; answered after the caller is authenticated. */
  bodyError?: ApiError;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialized as JSON; absent for empty responses. */
  body?: unknown;
  /** Bytes sent as they come instead of a JSON body (operation logs). */
  stream?: AsyncIterable<Uint8Array>;
}

export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
  details?: ErrorDetail[];
}

/** An error the client gets as it is: status, code and message (never secrets). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { target?: string; details?: ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function errorResponse(error: ApiError): ApiResponse {
  const body: ErrorDetail = { code: error.code, message: error.message };
  if (error.extra.target !== undefined) body.target = error.extra.target;
  if (error.extra.details !== undefined) body.details = error.extra.details;
  return {
    status: error.status,
    headers: { "content-type": "application/json", "x-ms-error-code": error.code, ...error.extra.headers },
    body: { error: body },
  };
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { "content-type": "application/json", ...headers }, body };
}

export function notFound(code: string, message: string, target?: string): ApiError {
  return new ApiError(404, code, message, target === undefined ? {} : { target });
}
