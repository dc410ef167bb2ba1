/**
 * The developer portal as the app serves it under /portal: the browser bundle that `npm run build`
 * makes from portal/ (in dist/static/portal), and config.json, which tells the browser how to sign in.
 * Same origin as the API, so the browser needs no CORS; the page only calls relative URLs.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LATEST_API_VERSION } from "../api/versions";
import type { Config } from "../config";

/** How the portal gets its access token. */
export type PortalSignIn =
  /** Entra ID with MSAL (authorization code + PKCE). */
  | { kind: "entra"; clientId: string; authority: string; scopes: string[] }
  /** The local signing key: the dev host (npm start) issues tokens for any user name. */
  | { kind: "local" }
  /** Entra ID tokens are expected but the portal has no app registration: the page says what to set. */
  | { kind: "unavailable"; message: string };

export interface PortalReply {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export function portalSignIn(config: Config): PortalSignIn {
  if (!config.auth.jwksUri) return { kind: "local" };
  const { clientId, authority, scopes } = config.portal;
  if (!clientId || !authority) {
    return {
      kind: "unavailable",
      message:
        "The portal cannot sign in: set PORTAL_CLIENT_ID (its single-page app registration) and PORTAL_TENANT_ID.",
    };
  }
  return { kind: "entra", clientId, authority, scopes };
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Bundle files are flat: a plain file name, nothing else is looked up on disk. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

function securityHeaders(signIn: PortalSignIn): Record<string, string> {
  const identity = signIn.kind === "entra" ? new URL(signIn.authority).origin : undefined;
  const csp = [
    "default-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${identity ? ` ${identity}` : ""}`,
    // MSAL renews tokens silently in a hidden iframe of the identity provider.
    `frame-src ${identity ?? "'none'"}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
  };
}

function text(status: number, message: string, headers: Record<string, string>): PortalReply {
  return { status, headers: { ...headers, "content-type": "text/plain; charset=utf-8" }, body: message };
}

/**
 * Answers GET /portal/{*path}: `requestPath` is the URL's path (to tell /portal from /portal/),
 * `file` the catch-all route parameter.
 */
export function createPortalSite(bundleDir: string, signIn: PortalSignIn) {
  const headers = securityHeaders(signIn);
  return async (requestPath: string, file: string | undefined): Promise<PortalReply> => {
    const name = file ?? "";
    if (name === "") {
      // Relative URLs in the page resolve against /portal/, so /portal itself moves there.
      if (!requestPath.endsWith("/")) {
        return { status: 301, headers: { ...headers, location: `${path.posix.basename(requestPath)}/` } };
      }
      return serveFile(bundleDir, "index.html", headers);
    }
    if (name === "config.json") {
      return {
        status: 200,
        headers: { ...headers, "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({ apiVersion: LATEST_API_VERSION, signIn }),
      };
    }
    if (!FILE_NAME.test(name)) return text(404, "Not Found", headers);
    return serveFile(bundleDir, name, headers);
  };
}

async function serveFile(dir: string, name: string, headers: Record<string, string>): Promise<PortalReply> {
  const type = CONTENT_TYPES[path.extname(name)];
  if (!type) return text(404, "Not Found", headers);
  try {
    const body = await readFile(path.join(dir, name));
    return { status: 200, headers: { ...headers, "content-type": type }, body };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (name === "index.html") {
      return text(503, "The portal is not built: run npm run build.", headers);
    }
    return text(404, "Not Found", headers);
  }
}
