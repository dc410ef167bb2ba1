import { mkdtemp, rm } from "node:fs/promises";
import { createServer, Server } from "node:http";
import os from "node:os";
import path from "node:path";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  JWTVerifyGetKey,
  KeyLike,
  SignJWT,
} from "jose";
import { ensureLocalSigningKey, issueLocalToken, localObjectId } from "../../../dev/token";
import {
  ADMIN_ROLE,
  createTokenVerifier,
  createVerifierFromConfig,
  readJwksFile,
} from "../../../src/api/auth";
import { ApiError } from "../../../src/api/http";
import { LOCAL_AUTH } from "../../../src/config";

const ISSUER = "https://login.example.test/tenant/v2.0";
const AUDIENCE = "https://devcenter.azure.com";
const OID = "0f8fad5b-d9cb-469f-a165-70867728950e";

let key: KeyLike;
let otherKey: KeyLike;
let jwks: { keys: object[] };

beforeAll(async () => {
  const trusted = await generateKeyPair("RS256");
  key = trusted.privateKey;
  otherKey = (await generateKeyPair("RS256")).privateKey;
  jwks = { keys: [{ ...(await exportJWK(trusted.publicKey)), kid: "trusted", alg: "RS256", use: "sig" }] };
});

interface TokenOptions {
  claims?: Record<string, unknown>;
  issuer?: string;
  audience?: string;
  expiresIn?: number | null;
  notBefore?: number;
  signWith?: KeyLike;
  kid?: string;
}

async function token(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ oid: OID, name: "Alice", tid: "t1", ...options.claims })
    .setProtectedHeader({ alg: "RS256", kid: options.kid ?? "trusted" })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now);
  if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 600));
  if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(options.signWith ?? key);
}

function verifier() {
  return createTokenVerifier({
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    keys: createLocalJWKSet(jwks as never),
  });
}

async function rejection(authorization: string | null): Promise<ApiError> {
  try {
    await verifier().verify(authorization);
  } catch (error) {
    return error as ApiError;
  }
  throw new Error("the token was accepted");
}

describe("bearer token verification", () => {
  it("accepts a good token and returns the caller", async () => {
    const caller = await verifier().verify(`Bearer ${await token({ claims: { roles: [ADMIN_ROLE, 7] } })}`);
    expect(caller).toEqual({ objectId: OID, name: "Alice", tenantId: "t1", roles: [ADMIN_ROLE] });
  });

  it("answers a missing token with 401, the error shape and a bare Bearer challenge", async () => {
    const error = await rejection(null);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    expect(error.code).toBe("Unauthorized");
    expect(error.message).toContain("Authorization: Bearer");
    expect(error.extra.headers?.["www-authenticate"]).toBe('Bearer realm="devcenter"');
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ["expired", () => token({ expiresIn: -3600 }), /has expired/],
    [
      "wrong audience",
      () => token({ audience: "api://other" }),
      /another audience; expected https:\/\/devcenter\.azure\.com/,
    ],
    ["wrong issuer", () => token({ issuer: "https://evil.test" }), /another issuer/],
    ["not yet valid", () => token({ notBefore: 3600 }), /not valid yet/],
    ["no expiry", () => token({ expiresIn: null }), /no valid expiry/],
    ["bad signature", () => token({ signWith: otherKey }), /signature is not valid/],
    ["unknown key", () => token({ kid: "unknown" }), /key this service does not trust/],
    ["no oid", () => token({ claims: { oid: undefined } }), /no oid/],
    ["oid not a uuid", () => token({ claims: { oid: "alice" } }), /no oid/],
    ["malformed", async () => "not.a.jwt", /malformed/],
    [
      "HS256",
      () =>
        new SignJWT({ oid: OID })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode("x".repeat(32))),
      /algorithm that is not accepted/,
    ],
  ])(
    "rejects a token that is %s with a 401 that says so without echoing it",
    async (_what, make, message) => {
      const jwt = await make();
      const error = await rejection(`Bearer ${jwt}`);
      expect(error.status).toBe(401);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(jwt);
      expect(error.extra.headers?.["www-authenticate"]).toMatch(
        /^Bearer realm="devcenter", error="invalid_token"/,
      );
      expect(error.extra.headers?.["www-authenticate"]).not.toContain(jwt);
    },
  );

  it("rejects other schemes", async () => {
    expect((await rejection("Basic dXNlcjpwYXNz")).message).toBe(
      "The Authorization header must be: Bearer <token>.",
    );
  });
});

describe("remembered tokens (the verifier skips the signature check of a token it verified)", () => {
  function verifierWith(keys: JWTVerifyGetKey, now?: () => number) {
    return createTokenVerifier({ issuers: [ISSUER], audiences: [AUDIENCE], keys, ...(now && { now }) });
  }

  it("refuses a remembered token once it has expired, beyond the clock tolerance", async () => {
    let clock = Date.now();
    const verify = verifierWith(createLocalJWKSet(jwks as never), () => clock);
    const jwt = await token({ expiresIn: 600 });
    expect((await verify.verify(`Bearer ${jwt}`)).objectId).toBe(OID);
    clock += 630_000; // past exp, within the 60 s tolerance: verified again, still good
    expect((await verify.verify(`Bearer ${jwt}`)).objectId).toBe(OID);
    clock += 60_000;
    await expect(verify.verify(`Bearer ${jwt}`)).rejects.toMatchObject({
      status: 401,
      message: "The access token has expired.",
    });
  });

  it("does not remember a refusal: a token not valid yet passes once its nbf has come", async () => {
    let clock = Date.now();
    const verify = verifierWith(createLocalJWKSet(jwks as never), () => clock);
    const jwt = await token({ notBefore: 300 });
    await expect(verify.verify(`Bearer ${jwt}`)).rejects.toMatchObject({ status: 401 });
    clock += 400_000;
    expect((await verify.verify(`Bearer ${jwt}`)).objectId).toBe(OID);
  });

  it("refuses a remembered token once its key is rotated out of the key set", async () => {
    const next = await generateKeyPair("RS256");
    const nextJwk = { ...(await exportJWK(next.publicKey)), kid: "next", alg: "RS256", use: "sig" };
    let current = createLocalJWKSet({ keys: [...jwks.keys, nextJwk] } as never);
    const verify = verifierWith((header, input) => current(header, input));
    const jwt = await token();
    expect((await verify.verify(`Bearer ${jwt}`)).objectId).toBe(OID);
    current = createLocalJWKSet({ keys: [nextJwk] } as never);
    await expect(verify.verify(`Bearer ${jwt}`)).rejects.toMatchObject({
      status: 401,
      message: "The access token is signed with a key this service does not trust.",
    });
    expect(
      (await verify.verify(`Bearer ${await token({ kid: "next", signWith: next.privateKey })}`)).objectId,
    ).toBe(OID);
  });

  it("refuses a remembered token once its key id names another key", async () => {
    let current = createLocalJWKSet(jwks as never);
    const verify = verifierWith((header, input) => current(header, input));
    const jwt = await token();
    expect((await verify.verify(`Bearer ${jwt}`)).objectId).toBe(OID);
    const replacement = await generateKeyPair("RS256");
    current = createLocalJWKSet({
      keys: [{ ...(await exportJWK(replacement.publicKey)), kid: "trusted", alg: "RS256", use: "sig" }],
    } as never);
    await expect(verify.verify(`Bearer ${jwt}`)).rejects.toMatchObject({
      status: 401,
      message: "The access token's signature is not valid.",
    });
  });

  it("refuses a token with another signature or another payload than a remembered one", async () => {
    const verify = verifierWith(createLocalJWKSet(jwks as never));
    const jwt = await token();
    expect((await verify.verify(`Bearer ${jwt}`)).objectId).toBe(OID);
    const [header, payload, signature] = jwt.split(".");
    const forged = await token({ signWith: otherKey });
    await expect(verify.verify(`Bearer ${header}.${payload}.${forged.split(".")[2]}`)).rejects.toMatchObject({
      status: 401,
      message: "The access token's signature is not valid.",
    });
    const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
    await expect(verify.verify(`Bearer ${header}.${payload}.${flipped}`)).rejects.toMatchObject({
      status: 401,
    });
    const otherUser = await token({ claims: { oid: "1b4e28ba-2fa1-11d2-883f-0016d3cca427" } });
    await expect(
      verify.verify(`Bearer ${header}.${otherUser.split(".")[1]}.${signature}`),
    ).rejects.toMatchObject({ status: 401, message: "The access token's signature is not valid." });
    expect((await verify.verify(`Bearer ${jwt}`)).objectId).toBe(OID);
  });

  it("gives each request its own caller: changing one does not change the next", async () => {
    const verify = verifierWith(createLocalJWKSet(jwks as never));
    const jwt = await token({ claims: { roles: [ADMIN_ROLE] } });
    const first = await verify.verify(`Bearer ${jwt}`);
    first.roles.pop();
    first.objectId = "someone-else";
    expect(await verify.verify(`Bearer ${jwt}`)).toMatchObject({ objectId: OID, roles: [ADMIN_ROLE] });
  });
});

describe("remote JWKS (the Entra ID path) through the same verifier", () => {
  let server: Server;
  let url: string;
  let served: { keys: object[] };
  beforeAll(async () => {
    served = jwks;
    server = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(served)),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/keys`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("verifies with keys fetched from the endpoint", async () => {
    const remote = createTokenVerifier({
      issuers: [ISSUER],
      audiences: [AUDIENCE],
      keys: createRemoteJWKSet(new URL(url)),
    });
    expect((await remote.verify(`Bearer ${await token()}`)).objectId).toBe(OID);
  });

  it("refuses a remembered token once the endpoint no longer publishes its key", async () => {
    const remote = createTokenVerifier({
      issuers: [ISSUER],
      audiences: [AUDIENCE],
      // Every request reads the keys afresh, as one does once the JWKS cache has aged.
      keys: createRemoteJWKSet(new URL(url), { cacheMaxAge: 0 }),
    });
    const jwt = await token();
    expect((await remote.verify(`Bearer ${jwt}`)).objectId).toBe(OID);
    served = { keys: [] };
    try {
      await expect(remote.verify(`Bearer ${jwt}`)).rejects.toMatchObject({ status: 401 });
    } finally {
      served = jwks;
    }
  });

  it("answers 503 when the keys cannot be fetched", async () => {
    const remote = createTokenVerifier({
      issuers: [ISSUER],
      audiences: [AUDIENCE],
      keys: createRemoteJWKSet(new URL("http://127.0.0.1:1/keys")),
    });
    await expect(remote.verify(`Bearer ${await token()}`)).rejects.toMatchObject({
      status: 503,
      code: "SigningKeysUnavailable",
    });
  });
});

describe("local identity (npm run token)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "local-auth-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("makes a key once, and its tokens pass the app's verifier built from the settings", async () => {
    const files = {
      privateKeyFile: path.join(dir, "auth/signing-key.json"),
      jwksFile: path.join(dir, "auth/jwks.json"),
    };
    const first = await ensureLocalSigningKey(files);
    const again = await ensureLocalSigningKey(files);
    expect(again.kid).toBe(first.kid);
    expect(JSON.stringify(readJwksFile(files.jwksFile))).not.toContain('"d"');

    const app = createVerifierFromConfig({
      issuers: [LOCAL_AUTH.issuer],
      audiences: [LOCAL_AUTH.audience],
      jwksFile: files.jwksFile,
    });
    const alice = await app.verify(`Bearer ${await issueLocalToken(again, { user: "alice" })}`);
    expect(alice).toMatchObject({ objectId: localObjectId("alice"), name: "alice", roles: [] });
    const admin = await app.verify(`Bearer ${await issueLocalToken(first, { user: "alice", admin: true })}`);
    expect(admin).toMatchObject({ objectId: alice.objectId, roles: [ADMIN_ROLE] });
    const expired = await issueLocalToken(first, { user: "bob", issuedAt: 1_000_000, lifetime: 60 });
    await expect(app.verify(`Bearer ${expired}`)).rejects.toMatchObject({
      status: 401,
      message: "The access token has expired.",
    });
  });

  it("derives stable object ids from names and keeps uuids as they are", () => {
    expect(localObjectId("alice")).toBe(localObjectId("alice"));
    expect(localObjectId("alice")).not.toBe(localObjectId("bob"));
    expect(localObjectId("alice")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(localObjectId(OID.toUpperCase())).toBe(OID);
  });

  it("says how to make the JWKS file when it is missing", () => {
    expect(() => readJwksFile(path.join(dir, "none.json"))).toThrow(
      /none\.json \(AUTH_JWKS_FILE\) does not exist: run `npm run token/,
    );
  });
});
