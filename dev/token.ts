/**
 * Local identity: an RS256 signing key made on first use and kept in the git-ignored .local/auth
 * (the private key file is readable by its owner only and never printed), the JWKS file the app
 * verifies against (AUTH_JWKS_FILE), and tokens shaped like Entra ID's.
 *
 *   npm run token -- <user> [--admin]
 *
 * prints a token for <user>: `oid` is a uuid derived from the name (the same every time) or the
 * argument itself when it is a uuid; `--admin` adds the DevCenter.Admin app role.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, JWK, KeyLike, SignJWT } from "jose";
import { ADMIN_ROLE } from "../src/api/auth";
import { LOCAL_AUTH } from "../src/config";
import { isUuid, uuidV5, UUID_NAMESPACE } from "../src/core/names";

const ALGORITHM = "RS256";

/** The tenant id of local tokens. */
export const LOCAL_TENANT_ID = uuidV5("local-tenant", UUID_NAMESPACE);

/** The object id of a local user: a uuid argument as is, otherwise a uuid derived from the name. */
export function localObjectId(user: string): string {
  return isUuid(user) ? user.toLowerCase() : uuidV5(`local-user:${user}`, UUID_NAMESPACE);
}

export interface LocalSigningKey {
  privateKey: KeyLike | Uint8Array;
  kid: string;
}

export interface LocalKeyFiles {
  privateKeyFile: string;
  jwksFile: string;
}

export const DEFAULT_KEY_FILES: LocalKeyFiles = {
  privateKeyFile: LOCAL_AUTH.privateKeyFile,
  jwksFile: process.env.AUTH_JWKS_FILE || LOCAL_AUTH.jwksFile,
};

/** The local signing key when both files exist and the JWKS file holds its public key; else undefined. */
export async function readLocalSigningKey(files: LocalKeyFiles): Promise<LocalSigningKey | undefined> {
  if (!existsSync(files.privateKeyFile) || !existsSync(files.jwksFile)) return undefined;
  const jwk = JSON.parse(readFileSync(files.privateKeyFile, "utf8")) as JWK;
  const jwks = JSON.parse(readFileSync(files.jwksFile, "utf8")) as { keys?: JWK[] };
  if (!jwks.keys?.some((key) => key.kid === jwk.kid)) return undefined;
  return { privateKey: await importJWK(jwk, ALGORITHM), kid: jwk.kid ?? "" };
}

/** Loads the local signing key, making it (and the JWKS file) on first use. */
export async function ensureLocalSigningKey(
  files: LocalKeyFiles = DEFAULT_KEY_FILES,
): Promise<LocalSigningKey> {
  if (existsSync(files.privateKeyFile) && existsSync(files.jwksFile)) {
    const jwk = JSON.parse(readFileSync(files.privateKeyFile, "utf8")) as JWK;
    return { privateKey: await importJWK(jwk, ALGORITHM), kid: jwk.kid ?? "" };
  }
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM };
  for (const file of [files.privateKeyFile, files.jwksFile])
    mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(files.privateKeyFile, JSON.stringify(privateJwk), { mode: 0o600 });
  writeFileSync(
    files.jwksFile,
    JSON.stringify({ keys: [{ ...publicJwk, kid, alg: ALGORITHM, use: "sig" }] }, null, 2),
  );
  return { privateKey, kid };
}

export interface LocalTokenOptions {
  user: string;
  admin?: boolean;
  issuer?: string;
  audience?: string;
  /** Seconds; default 12 hours. */
  lifetime?: number;
  /** For tests: the token's issue time (seconds since the epoch). */
  issuedAt?: number;
}

export async function issueLocalToken(key: LocalSigningKey, options: LocalTokenOptions): Promise<string> {
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    oid: localObjectId(options.user),
    name: options.user,
    tid: LOCAL_TENANT_ID,
  };
  if (options.admin) claims.roles = [ADMIN_ROLE];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: "JWT" })
    .setIssuer(options.issuer ?? LOCAL_AUTH.issuer)
    .setAudience(options.audience ?? LOCAL_AUTH.audience)
    .setSubject(localObjectId(options.user))
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + (options.lifetime ?? 12 * 3600))
    .sign(key.privateKey);
}

async function main(args: string[]): Promise<void> {
  const user = args.find((a) => !a.startsWith("--"));
  const unknown = args.filter((a) => a.startsWith("--") && a !== "--admin");
  if (!user || unknown.length > 0) {
    process.stderr.write("usage: npm run token -- <user name or object id> [--admin]\n");
    process.exitCode = 2;
    return;
  }
  const key = await ensureLocalSigningKey();
  const token = await issueLocalToken(key, {
    user,
    admin: args.includes("--admin"),
    issuer: (process.env.AUTH_ISSUER || LOCAL_AUTH.issuer).split(",")[0].trim(),
    audience: (process.env.AUTH_AUDIENCE || LOCAL_AUTH.audience).split(",")[0].trim(),
  });
  process.stderr.write(
    `token for ${user} (oid ${localObjectId(user)}${args.includes("--admin") ? `, role ${ADMIN_ROLE}` : ""}):\n`,
  );
  process.stdout.write(`${token}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
