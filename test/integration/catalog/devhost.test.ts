/**
 * The compiled app in the dev host (a child process) on a real Azurite: the catalog syncs at start
 * (timer runOnStartup), the data plane serves it, and the management endpoint publishes a sync
 * request with @azure/eventgrid to the host's Event Grid webhook, whose catalogSync trigger syncs.
 * Needs `npm run build` (npm test builds first).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startAzurite, RunningAzurite } from "../../../dev/azurite";
import { DevHostProcess, spawnDevHost } from "../../../dev/host/spawn";
import { freePort } from "../../../dev/net";
import { ensureLocalSigningKey, issueLocalToken, LocalSigningKey } from "../../../dev/token";

const REPO = path.resolve(__dirname, "..", "..", "..");
const VERSION = "api-version=2026-01-01-preview";
const HOST_KEY = "catalog-test-host-key";

function manifest(name: string, description: string): string {
  return `name: ${name}\ndescription: ${description}\nrunner: Bicep\ntemplatePath: main.bicep\n`;
}

describe("catalogs in the dev host (compiled app, Azurite)", () => {
  let azurite: RunningAzurite;
  let host: DevHostProcess;
  let dir: string;
  let key: LocalSigningKey;
  let userToken: string;
  let adminToken: string;

  beforeAll(async () => {
    azurite = await startAzurite();
    dir = await mkdtemp(path.join(os.tmpdir(), "catalog-devhost-"));
    await mkdir(path.join(dir, "catalog/hello"), { recursive: true });
    await writeFile(path.join(dir, "catalog/hello/environment.yaml"), manifest("hello", "first"));
    await writeFile(path.join(dir, "catalog/hello/main.bicep"), "// hello");
    await writeFile(
      path.join(dir, "devcenter.yaml"),
      [
        "devCenter: { name: test-devcenter, location: westeurope }",
        `catalogs: [{ name: local, localPath: ${JSON.stringify(path.join(dir, "catalog"))} }]`,
        'projects: [{ name: demo, members: ["*"] }]',
        "",
      ].join("\n"),
    );
    const files = { privateKeyFile: path.join(dir, "key.json"), jwksFile: path.join(dir, "jwks.json") };
    key = await ensureLocalSigningKey(files);
    userToken = await issueLocalToken(key, { user: "alice" });
    adminToken = await issueLocalToken(key, { user: "ops", admin: true });
    const port = await freePort();
    host = await spawnDevHost({
      appRoot: REPO,
      port,
      args: ["--quiet"],
      env: {
        AzureWebJobsStorage: azurite.connectionString,
        DEVCENTER_STORAGE: azurite.connectionString,
        DEVCENTER_CONFIG: path.join(dir, "devcenter.yaml"),
        AUTH_JWKS_FILE: files.jwksFile,
        AUTH_JWKS_URI: "",
        AUTH_ISSUER: "",
        AUTH_AUDIENCE: "",
        EVENTGRID_ENDPOINT: `http://127.0.0.1:${port}/runtime/webhooks/EventGrid?functionName=catalogSync&code=${HOST_KEY}`,
        DEVHOST_MASTER_KEY: HOST_KEY,
        EVENTGRID_KEY: "test-key",
        CATALOG_SYNC_ON_STARTUP: "true",
      },
    });
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function get(pathname: string, token = userToken) {
    const response = await fetch(`${host.url}${pathname}?${VERSION}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  /** Polls the catalog until `done` holds (the sync runs in the host, on its own schedule). */
  async function catalogWhen(
    done: (catalog: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { body } = await get("/projects/demo/catalogs/local");
      if (done(body)) return body;
      if (Date.now() > deadline)
        throw new Error(`catalog never got there: ${JSON.stringify(body)}\n${host.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("syncs the catalog at start and serves its definitions", async () => {
    const catalog = await catalogWhen((c) => c.syncState === "Succeeded");
    expect(catalog).toMatchObject({
      uri: `${host.url}/projects/demo/catalogs/local`,
      name: "local",
      lastSyncStats: { added: 1 },
      definitionErrors: [],
    });
    const definitions = await get("/projects/demo/environmentDefinitions");
    expect(definitions.body).toEqual({
      value: [
        {
          uri: `${host.url}/projects/demo/catalogs/local/environmentDefinitions/hello`,
          id: "/projects/demo/catalogs/local/environmentDefinitions/hello",
          name: "hello",
          catalogName: "local",
          description: "first",
          runner: "Bicep",
          templatePath: "main.bicep",
        },
      ],
    });
  });

  it("answers 401 with the error shape and a Bearer challenge without a token", async () => {
    const response = await fetch(`${host.url}/projects/demo/catalogs?${VERSION}`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="devcenter"');
    expect(response.headers.get("x-ms-error-code")).toBe("Unauthorized");
    expect(await response.json()).toMatchObject({ error: { code: "Unauthorized" } });
  });

  it("syncs a change when an admin requests it through Event Grid", async () => {
    const before = await catalogWhen((c) => c.syncState === "Succeeded");
    await writeFile(path.join(dir, "catalog/hello/environment.yaml"), manifest("hello", "second"));

    const denied = await fetch(`${host.url}/management/catalogs/local:sync?${VERSION}`, {
      method: "POST",
      headers: { authorization: `Bearer ${userToken}` },
    });
    expect(denied.status).toBe(403);

    const requested = await fetch(`${host.url}/management/catalogs/local:sync?${VERSION}`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(requested.status).toBe(202);
    expect(await requested.json()).toMatchObject({
      eventType: "DevCenter.Catalog.SyncRequested",
      subject: "/catalogs/local",
      status: "Requested",
    });

    const after = await catalogWhen(
      (c) => c.syncedCommit !== before.syncedCommit && c.syncState === "Succeeded",
    );
    expect(after.lastSyncStats).toEqual({
      added: 0,
      updated: 1,
      unchanged: 0,
      removed: 0,
      validationErrors: 0,
      conflicts: 0,
    });
    const definition = await get("/projects/demo/catalogs/local/environmentDefinitions/hello");
    expect(definition.body).toMatchObject({ description: "second" });
  });
});
