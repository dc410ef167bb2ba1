/**
 * Headers Azure clients read on every answer: `x-ms-request-id` (ours, also in the log line of a
 * failure) and the client's `x-ms-client-request-id` echoed; and `Retry-After` on answers that start
 * or report a running long-running operation, so pollers wait that long instead of their default.
 */
import { randomUUID } from "node:crypto";

/** Default seconds between polls of a running operation (RETRY_AFTER_SECONDS). */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

// What Azure clients send (a uuid) with room for others' ids; anything else is not echoed.
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,256}$/;

export function newRequestId(): string {
  return randomUUID();
}

export function correlationHeaders(
  requestId: string,
  clientRequestId: string | null,
): Record<string, string> {
  return {
    "x-ms-request-id": requestId,
    ...(clientRequestId !== null &&
      CLIENT_REQUEST_ID.test(clientRequestId) && { "x-ms-client-request-id": clientRequestId }),
  };
}

export function retryAfter(seconds: number): Record<string, string> {
  return { "retry-after": String(Math.max(1, Math.round(seconds))) };
}
