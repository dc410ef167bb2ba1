/**
 * Local sign-in for the developer portal: `POST /runtime/local-auth/token` with `{ "user": "<name>",
 * "admin"?: true }` answers `{ accessToken, expiresOn }`, a token like `npm run token -- <name> [--admin]`
 * prints. Offered only while the app verifies tokens with the local signing key: AUTH_JWKS_URI unset
 * and the key next to AUTH_JWKS_FILE (signing-key.json) being the one that file publishes. The host
 * listens on 127.0.0.1 only; in Azure the portal signs in with Entra ID.
 */
import path from "node:path";
import { LOCAL_AUTH } from "../../src/config";
import { issueLocalToken, readLocalSigningKey } from "../token";
import { type HttpHandler, jsonReply } from "./http-server";

export const LOCAL_SIGN_IN_PATH = "/runtime/local-auth/token";

const LIFETIME_SECONDS = 8 * 3600;
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

type Env = Record<string, string | undefined>;

function firstOf(value: string | undefined, fallback: string): string {
  return (value?.trim() || fallback).split(",")[0].trim();
}

/** The sign-in handler, or undefined when the local signing key is not what the app trusts. */
export async function localSignIn(env: Env = process.env): Promise<HttpHandler | undefined> {
  if (env.AUTH_JWKS_URI?.trim()) return undefined;
  const jwksFile = path.resolve(env.AUTH_JWKS_FILE?.trim() || LOCAL_AUTH.jwksFile);
  const key = await readLocalSigningKey({
    jwksFile,
    privateKeyFile: path.join(path.dirname(jwksFile), path.basename(LOCAL_AUTH.privateKeyFile)),
  });
  if (!key) return undefined;
  const issuer = firstOf(env.AUTH_ISSUER, LOCAL_AUTH.issuer);
  const audience = firstOf(env.AUTH_AUDIENCE, LOCAL_AUTH.audience);
  return async (request) => {
    if (request.url.pathname.toLowerCase() !== LOCAL_SIGN_IN_PATH) return undefined;
    if (request.method !== "POST") return jsonReply(405, { message: "Use POST." }, { allow: "POST" });
    let body: { user?: unknown; admin?: unknown };
    try {
      body = JSON.parse(request.body.toString("utf8") || "{}") as typeof body;
    } catch {
      return jsonReply(400, { message: 'The body must be JSON: { "user": "<name>", "admin"?: true }.' });
    }
    if (typeof body.user !== "string" || !USER_NAME.test(body.user)) {
      return jsonReply(400, {
        message:
          "The user name must be 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.",
      });
    }
    const issuedAt = Math.floor(Date.now() / 1000);
    const accessToken = await issueLocalToken(key, {
      user: body.user,
      admin: body.admin === true,
      issuer,
      audience,
      issuedAt,
      lifetime: LIFETIME_SECONDS,
    });
    return jsonReply(200, {
      accessToken,
      expiresOn: new Date((issuedAt + LIFETIME_SECONDS) * 1000).toISOString(),
    });
  };
}
