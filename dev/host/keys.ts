/**
 * The host's keys, as the Functions host in Azure asks for them: the Event Grid webhook
 * (/runtime/webhooks/eventgrid), the Durable management API (/runtime/webhooks/durabletask/…) and
 * the admin endpoints (/admin/…) answer 401 without a key, given as the `code` query parameter or
 * the `x-functions-key` header. Azure takes the extension's system key or the master key there;
 * this host has one master key for all of them: DEVHOST_MASTER_KEY, or a random one per start.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { headerValue, HttpHandler, jsonReply } from "./http-server";

export const MASTER_KEY_SETTING = "DEVHOST_MASTER_KEY";

const PROTECTED_PREFIXES = ["/runtime/webhooks/", "/admin/"];

/** The configured master key, or a new random one (then it lasts as long as the process). */
export function masterKeyFrom(env: Record<string, string | undefined>): string {
  return env[MASTER_KEY_SETTING]?.trim() || newKey();
}

/** A key as the Functions host makes them: 32 random bytes, URL-safe base64. */
export function newKey(): string {
  return randomBytes(32).toString("base64url");
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Answers 401 to a call of a key-protected endpoint without the key; passes every other request on. */
export function keyGuard(masterKey: string): HttpHandler {
  const expected = digest(masterKey);
  return async (request) => {
    const path = request.url.pathname.toLowerCase();
    if (!PROTECTED_PREFIXES.some((prefix) => path.startsWith(prefix) || `${path}/` === prefix)) {
      return undefined;
    }
    const given = request.url.searchParams.get("code") ?? headerValue(request.headers, "x-functions-key");
    if (given && timingSafeEqual(digest(given), expected)) return undefined;
    return jsonReply(
      401,
      {
        error: {
          code: "Unauthorized",
          message: `${request.url.pathname} needs the host's key (the code query parameter or the x-functions-key header).`,
        },
      },
      { "x-ms-error-code": "Unauthorized" },
    );
  };
}
