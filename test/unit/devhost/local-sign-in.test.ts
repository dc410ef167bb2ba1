import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createLocalJWKSet } from "jose";
import { createTokenVerifier, readJwksFile } from "../../../src/api/auth";
import { LOCAL_AUTH } from "../../../src/config";
import { localSignIn } from "../../../dev/host/local-sign-in";
import type { HttpHandler, HttpRequestIn } from "../../../dev/host/http-server";
import { ensureLocalSigningKey, localObjectId } from "../../../dev/token";

function post(body: unknown, pathname = "/runtime/local-auth/token"): HttpRequestIn {
  return {
    method: "POST",
    url: new URL(`http://127.0.0.1:7071${pathname}`),
    headers: {},
    body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
  };
}

describe("dev host local sign-in", () => {
  let dir: string;
  let jwksFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "local-sign-in-"));
    jwksFile = path.join(dir, "auth", "jwks.json");
    await ensureLocalSigningKey({ jwksFile, privateKeyFile: path.join(dir, "auth", "signing-key.json") });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function handler(env: Record<string, string> = {}): Promise<HttpHandler> {
    const signIn = await localSignIn({ AUTH_JWKS_FILE: jwksFile, ...env });
    if (!signIn) throw new Error("local sign-in not offered");
    return signIn;
  }

  it("issues tokens the app accepts, for any user name, with the admin role when asked", async () => {
    const reply = await (await handler())(post({ user: "alice", admin: true }));
    expect(reply?.status).toBe(200);
    const body = JSON.parse(String(reply?.body)) as { accessToken: string; expiresOn: string };
    expect(Date.parse(body.expiresOn)).toBeGreaterThan(Date.now());
    const verifier = createTokenVerifier({
      issuers: [LOCAL_AUTH.issuer],
      audiences: [LOCAL_AUTH.audience],
      keys: createLocalJWKSet(readJwksFile(jwksFile)),
    });
    expect(await verifier.verify(`Bearer ${body.accessToken}`)).toEqual({
      objectId: localObjectId("alice"),
      name: "alice",
      tenantId: expect.any(String),
      roles: ["DevCenter.Admin"],
    });
  });

  it("refuses bad bodies and user names, other methods, and leaves other paths alone", async () => {
    const signIn = await handler();
    expect((await signIn(post("{")))?.status).toBe(400);
    expect((await signIn(post({ user: "" })))?.status).toBe(400);
    expect((await signIn(post({ user: "a b" })))?.status).toBe(400);
    expect((await signIn({ ...post({}), method: "GET" }))?.status).toBe(405);
    expect(await signIn(post({ user: "alice" }, "/projects"))).toBeUndefined();
  });

  it("is not offered with Entra ID tokens, without the key, or when the JWKS file is another key's", async () => {
    expect(
      await localSignIn({ AUTH_JWKS_FILE: jwksFile, AUTH_JWKS_URI: "https://login.example/keys" }),
    ).toBeUndefined();
    expect(await localSignIn({ AUTH_JWKS_FILE: path.join(dir, "none", "jwks.json") })).toBeUndefined();
    const other = path.join(dir, "other");
    await ensureLocalSigningKey({
      jwksFile: path.join(other, "jwks.json"),
      privateKeyFile: path.join(other, "x.json"),
    });
    await writeFile(path.join(other, "signing-key.json"), JSON.stringify({ kid: "not-published" }));
    expect(await localSignIn({ AUTH_JWKS_FILE: path.join(other, "jwks.json") })).toBeUndefined();
  });
});
