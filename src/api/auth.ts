/**
 * Identity: bearer JWTs checked with jose (signature, issuer, audience, expiry, not-before). In Azure
 * the keys come from Entra ID's JWKS endpoint; locally from the JWKS file next to the key that
 * `npm run token` signs with. Both go through the same `createTokenVerifier`.
 * A bad token is a 401 in the contract's error shape with `WWW-Authenticate: Bearer`; the message
 * says what is wrong, never the token. Verified tokens are remembered (./verified-tokens.ts) until
 * their expiry, so a caller's next requests skip the signature check; every hit still asks the key
 * set for the token's key and must get the very key that verified it.
 */
import { readFileSync } from "node:fs";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  JSONWebKeySet,
  JWTHeaderParameters,
  JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import type { AuthConfig } from "../config";
import { isUuid } from "../core/names";
import { ApiError } from "./http";
import { VerifiedTokens } from "./verified-tokens";

/** The app role that the management endpoints (catalog sync) require. */
export const ADMIN_ROLE = "DevCenter.Admin";

/** Who is calling, from the token's claims. */
export interface Caller {
  /** Entra object id (`oid`), lower case. */
  objectId: string;
  name?: string;
  tenantId?: string;
  roles: string[];
}

export function hasAdminRole(caller: Caller): boolean {
  return caller.roles.includes(ADMIN_ROLE);
}

export interface TokenVerifier {
  /** The caller, or ApiError 401 (503 when the signing keys cannot be fetched). */
  verify(authorization: string | null | undefined): Promise<Caller>;
}

export interface TokenVerifierOptions {
  issuers: string[];
  audiences: string[];
  keys: JWTVerifyGetKey;
  /** Entra ID signs with RS256; so does the local key. */
  algorithms?: string[];
  clockToleranceSeconds?: number;
  /** How many verified tokens are remembered (default 10 000). */
  cacheSize?: number;
  /** Epoch milliseconds now (tests move the clock). */
  now?: () => number;
}

const DEFAULT_CACHE_SIZE = 10_000;

const REALM = 'Bearer realm="devcenter"';

function unauthorized(message: string, withError = true): ApiError {
  // RFC 6750: no error attribute when the request carried no credentials at all.
  const challenge = withError
    ? `${REALM}, error="invalid_token", error_description="${message.replace(/["\\]/g, "")}"`
    : REALM;
  return new ApiError(401, "Unauthorized", message, { headers: { "www-authenticate": challenge } });
}

function describeFailure(error: unknown, options: TokenVerifierOptions): ApiError {
  if (error instanceof errors.JWTExpired) return unauthorized("The access token has expired.");
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "aud":
        return unauthorized(
          `The access token is for another audience; expected ${options.audiences.join(" or ")}.`,
        );
      case "iss":
        return unauthorized(
          `The access token is from another issuer; expected ${options.issuers.join(" or ")}.`,
        );
      case "nbf":
        return unauthorized("The access token is not valid yet (nbf is in the future).");
      case "exp":
        return unauthorized("The access token has no valid expiry (exp).");
      default:
        return unauthorized(`The access token's ${error.claim} claim is not valid.`);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return unauthorized("The access token's signature is not valid.");
  if (error instanceof errors.JWKSNoMatchingKey)
    return unauthorized("The access token is signed with a key this service does not trust.");
  if (error instanceof errors.JOSEAlgNotAllowed)
    return unauthorized("The access token is signed with an algorithm that is not accepted.");
  // Not the token's fault: the key set could not be fetched or read.
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError)
  ) {
    return new ApiError(
      503,
      "SigningKeysUnavailable",
      "The token signing keys could not be fetched; try again later.",
    );
  }
  return unauthorized("The access token is malformed.");
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const verified = new VerifiedTokens<Caller>(options.cacheSize ?? DEFAULT_CACHE_SIZE);
  const now = options.now ?? Date.now;
  return {
    async verify(authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
      if (!authorization) {
        throw unauthorized(
          "The request has no access token: send the header Authorization: Bearer <token>.",
          false,
        );
      }
      if (!match) throw unauthorized("The Authorization header must be: Bearer <token>.");
      const token = match[1];
      const id = VerifiedTokens.idOf(token);
      const at = now();
      const known = verified.get(id, at);
      if (known) {
        if ((await currentKey(options.keys, token)) === known.key) return copy(known.value);
        verified.delete(id);
      }
      let result;
      try {
        result = await jwtVerify(token, options.keys, {
          issuer: options.issuers,
          audience: options.audiences,
          algorithms: options.algorithms ?? ["RS256"],
          requiredClaims: ["exp"],
          clockTolerance: options.clockToleranceSeconds ?? 60,
          currentDate: new Date(at),
        });
      } catch (error) {
        throw describeFailure(error, options);
      }
      const { payload, key } = result;
      const oid = payload.oid;
      if (typeof oid !== "string" || !isUuid(oid)) {
        throw unauthorized("The access token has no oid (object id) claim holding a uuid.");
      }
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r: unknown): r is string => typeof r === "string")
        : [];
      const caller: Caller = {
        objectId: oid.toLowerCase(),
        roles,
        ...(typeof payload.name === "string" && { name: payload.name }),
        ...(typeof payload.tid === "string" && { tenantId: payload.tid }),
      };
      verified.set(id, { value: caller, key, expiresAt: (payload.exp as number) * 1000 }, at);
      return copy(caller);
    },
  };
}

/** The key the key set gives for the token now, or undefined when it gives none. */
async function currentKey(keys: JWTVerifyGetKey, token: string): Promise<unknown> {
  const [protectedHeader, payload, signature] = token.split(".");
  try {
    return await keys(decodeProtectedHeader(token) as JWTHeaderParameters, {
      protected: protectedHeader,
      payload,
      signature,
    });
  } catch {
    return undefined;
  }
}

/** Handlers get their own copy: a remembered caller is shared by the token's requests. */
function copy(caller: Caller): Caller {
  return { ...caller, roles: [...caller.roles] };
}

/** Reads the local JWKS file; a clear error names the file and how to make it. */
export function readJwksFile(file: string): JSONWebKeySet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(
      `The JWKS file ${file} (AUTH_JWKS_FILE) does not exist: run \`npm run token -- <user>\` or \`npm start\` once to make the local signing key, ` +
        "or set AUTH_JWKS_URI, AUTH_ISSUER and AUTH_AUDIENCE for Entra ID.",
    );
  }
  const jwks = JSON.parse(text) as JSONWebKeySet;
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0)
    throw new Error(`The JWKS file ${file} has no keys.`);
  return jwks;
}

export function createVerifierFromConfig(auth: AuthConfig): TokenVerifier {
  const keys = auth.jwksUri
    ? createRemoteJWKSet(new URL(auth.jwksUri), { timeoutDuration: 10_000 })
    : createLocalJWKSet(readJwksFile(auth.jwksFile ?? ""));
  return createTokenVerifier({ issuers: auth.issuers, audiences: auth.audiences, keys });
}
