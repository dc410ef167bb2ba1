/**
 * The composition root with the sample dev center on a real Azurite: the sample catalog syncs from
 * its local folder, sync events in both schemas reach the sync, and the data plane serves the result
 * to a token made by the local token tool.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startAzurite, RunningAzurite } from "../../../dev/azurite";
import { ensureLocalSigningKey, issueLocalToken } from "../../../dev/token";
import { listCatalogs, listDefinitionsByProject } from "../../../src/api/devcenter";
import { handle } from "../../../src/api/pipeline";
import { AppContext, createAppContext, loadDevCenterConfig } from "../../../src/app-context";
import { CATALOG_SYNC_EVENT_TYPE } from "../../../src/catalog/events";
import { handleSyncEvent, syncAllCatalogs } from "../../../src/catalog/requests";
import { ConfigError, loadConfig } from "../../../src/config";

describe("sample dev center through the app context (Azurite)", () => {
  let azurite: RunningAzurite;
  let dir: string;
  let context: AppContext;
  let token: string;

  beforeAll(async () => {
    azurite = await startAzurite();
    dir = await mkdtemp(path.join(os.tmpdir(), "samples-"));
    const files = { privateKeyFile: path.join(dir, "key.json"), jwksFile: path.join(dir, "jwks.json") };
    token = await issueLocalToken(await ensureLocalSigningKey(files), { user: "alice" });
    context = createAppContext(
      loadConfig({
        AzureWebJobsStorage: azurite.connectionString,
        DEVCENTER_CONFIG: "samples/devcenter.yaml",
        AUTH_JWKS_FILE: files.jwksFile,
      }),
    );
  });
  afterAll(async () => {
    await azurite.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("syncs the sample catalog with no invalid or conflicting definitions", async () => {
    const results = await syncAllCatalogs(context.devCenter, context.catalogSync());
    expect(results).toEqual([
      {
        ref: { catalog: "samples" },
        outcome: {
          status: "Synced",
          commit: expect.stringMatching(/^[0-9a-f]{64}$/),
          stats: expect.objectContaining({
            updated: 0,
            unchanged: 0,
            removed: 0,
            validationErrors: 0,
            conflicts: 0,
          }),
        },
      },
    ]);
  });

  it("runs a sync for events in the Event Grid and CloudEvents schemas, and ignores others with a reason", async () => {
    const deps = context.catalogSync();
    const eventGrid = {
      id: "e1",
      eventType: CATALOG_SYNC_EVENT_TYPE,
      subject: "/catalogs/samples",
      eventTime: new Date().toISOString(),
      dataVersion: "1.0",
      data: { catalog: "SAMPLES" },
    };
    const cloudEvent = {
      specversion: "1.0",
      id: "e2",
      source: "/test",
      type: CATALOG_SYNC_EVENT_TYPE,
      data: { catalog: "samples" },
    };
    expect(await handleSyncEvent(eventGrid, context.devCenter, deps)).toMatchObject({ status: "Unchanged" });
    expect(await handleSyncEvent(cloudEvent, context.devCenter, deps)).toMatchObject({ status: "Unchanged" });
    expect(
      await handleSyncEvent({ ...eventGrid, data: { catalog: "nope" } }, context.devCenter, deps),
    ).toEqual({
      status: "Ignored",
      reason: "the dev center config has no dev center catalog nope",
    });
    expect(
      await handleSyncEvent(
        { ...eventGrid, data: { project: "demo", catalog: "samples" } },
        context.devCenter,
        deps,
      ),
    ).toEqual({
      status: "Ignored",
      reason: "the dev center config has no catalog samples of project demo",
    });
  });

  it("serves the synced definitions and the catalog state to a signed-in user", async () => {
    const request = (pathname: string) => ({
      method: "GET",
      url: new URL(`http://127.0.0.1:7071${pathname}?api-version=2024-02-01`),
      headers: new Headers({ authorization: `Bearer ${token}` }),
      params: { projectName: "demo" },
    });
    const definitions = await handle(
      request("/projects/demo/environmentDefinitions"),
      context.api(),
      listDefinitionsByProject,
    );
    expect(definitions.status).toBe(200);
    const value = (definitions.body as { value: { id: string; parameters?: { id: string }[] }[] }).value;
    const byId = new Map(value.map((d) => [d.id, d.parameters?.map((p) => p.id)]));
    expect(byId.get("/projects/demo/catalogs/samples/environmentDefinitions/counter")).toEqual([
      "step",
      "label",
    ]);
    expect(byId.get("/projects/demo/catalogs/samples/environmentDefinitions/failing")).toEqual(["message"]);
    const catalogs = await handle(request("/projects/demo/catalogs"), context.api(), listCatalogs);
    expect(catalogs.body).toMatchObject({
      value: [{ name: "samples", syncState: "Succeeded", definitionErrors: [] }],
    });
  });

  it("refuses a dev center config with issues, naming the file and each issue", async () => {
    const bad = path.join(dir, "devcenter.yaml");
    await (
      await import("node:fs/promises")
    ).writeFile(
      bad,
      "devCenter: { name: x, location: West Europe }\nprojects: [{ name: p1 }, { name: P1 }]\n",
    );
    expect(() => loadDevCenterConfig(bad)).toThrow(ConfigError);
    try {
      loadDevCenterConfig(bad);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(`The dev center config ${bad} is not valid:`);
      expect(message).toContain(`${bad}#/devCenter/name`);
      expect(message).toContain(`${bad}#/devCenter/location`);
    }
    expect(() => loadDevCenterConfig(path.join(dir, "missing.yaml"))).toThrow(
      /missing\.yaml \(DEVCENTER_CONFIG\) cannot be read/,
    );
  });
});
