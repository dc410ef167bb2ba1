import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../../src/config";
import { createPortalSite, portalSignIn } from "../../../src/portal/site";

const BASE = { AzureWebJobsStorage: "UseDevelopmentStorage=true" };
const ENTRA = {
  ...BASE,
  AUTH_JWKS_URI: "https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/v2.0/keys",
  AUTH_ISSUER: "https://login.microsoftonline.com/tenant/v2.0",
  AUTH_AUDIENCE: "api://devcenter",
};

describe("portal sign-in settings", () => {
  it("signs in locally while tokens are checked against the local key", () => {
    expect(portalSignIn(loadConfig(BASE))).toEqual({ kind: "local" });
  });

  it("signs in with Entra ID when the app registration and tenant are set; scopes default to the audience", () => {
    const config = loadConfig({
      ...ENTRA,
      PORTAL_CLIENT_ID: "client-1",
      PORTAL_TENANT_ID: "contoso.onmicrosoft.com",
    });
    expect(portalSignIn(config)).toEqual({
      kind: "entra",
      clientId: "client-1",
      authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com",
      scopes: ["api://devcenter/.default"],
    });
    const scoped = loadConfig({
      ...ENTRA,
      PORTAL_CLIENT_ID: "client-1",
      AZURE_TENANT_ID: "tenant-2",
      PORTAL_SCOPES: "api://devcenter/user_impersonation, openid",
    });
    expect(portalSignIn(scoped)).toMatchObject({
      authority: "https://login.microsoftonline.com/tenant-2",
      scopes: ["api://devcenter/user_impersonation", "openid"],
    });
  });

  it("says what to set when Entra ID is used but the portal has no app registration", () => {
    expect(portalSignIn(loadConfig(ENTRA))).toEqual({
      kind: "unavailable",
      message: expect.stringContaining("PORTAL_CLIENT_ID"),
    });
  });

  it("refuses a tenant that is not a tenant id or domain", () => {
    expect(() => loadConfig({ ...ENTRA, PORTAL_TENANT_ID: "a/b" })).toThrow(/PORTAL_TENANT_ID/);
  });
});

describe("portal site", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "portal-site-"));
    await writeFile(path.join(dir, "index.html"), "<!doctype html><title>portal</title>");
    await writeFile(path.join(dir, "main.js"), "console.log(1);");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const site = () => createPortalSite(dir, { kind: "local" });

  it("moves /portal to /portal/ with a relative Location (a route prefix is kept)", async () => {
    const reply = await site()("/api/portal", undefined);
    expect(reply).toMatchObject({ status: 301, headers: { location: "portal/" } });
  });

  it("serves the page and its files with their types and a restrictive policy", async () => {
    const page = await site()("/portal/", undefined);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(page.headers["content-security-policy"]).toContain("frame-src 'none'");
    expect(String(page.body)).toContain("<title>portal</title>");
    const script = await site()("/portal/main.js", "main.js");
    expect(script).toMatchObject({
      status: 200,
      headers: { "content-type": "text/javascript; charset=utf-8" },
    });
  });

  it("lets the identity provider in when signing in with Entra ID", async () => {
    const entra = createPortalSite(dir, {
      kind: "entra",
      clientId: "c",
      authority: "https://login.microsoftonline.com/t",
      scopes: ["s"],
    });
    const page = await entra("/portal/", undefined);
    expect(page.headers["content-security-policy"]).toContain(
      "connect-src 'self' https://login.microsoftonline.com",
    );
    expect(page.headers["content-security-policy"]).toContain("frame-src https://login.microsoftonline.com");
  });

  it("serves the config document with the API version and the sign-in", async () => {
    const reply = await site()("/portal/config.json", "config.json");
    expect(JSON.parse(String(reply.body))).toEqual({
      apiVersion: "2026-01-01-preview",
      signIn: { kind: "local" },
    });
  });

  it("answers 404 for other names, paths outside the bundle and unknown types", async () => {
    for (const name of ["nothing.js", "../site.test.ts", "a/b.js", ".hidden.js", "index.txt"]) {
      expect((await site()(`/portal/${name}`, name)).status).toBe(404);
    }
  });

  it("says the portal is not built when the bundle is missing", async () => {
    const reply = await createPortalSite(path.join(dir, "missing"), { kind: "local" })("/portal/", undefined);
    expect(reply.status).toBe(503);
    expect(String(reply.body)).toContain("npm run build");
  });
});
