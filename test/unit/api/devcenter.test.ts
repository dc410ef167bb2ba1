/**
 * The data-plane handlers through the pipeline (token, api-version, errors), without a host: the
 * dev center config is parsed by core, catalogs are real scans of in-memory files.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, KeyLike, SignJWT } from "jose";
import { ADMIN_ROLE, createTokenVerifier } from "../../../src/api/auth";
import { describeProjectAccess } from "../../../src/api/access";
import { requestDevCenterCatalogSync, requestProjectCatalogSync } from "../../../src/api/catalog-sync";
import {
  getCatalog,
  getDefinition,
  getEnvironmentType,
  getProject,
  listCatalogs,
  listDefinitionsByCatalog,
  listDefinitionsByProject,
  listEnvironmentTypes,
  listProjects,
} from "../../../src/api/devcenter";
import { ApiRequest, ApiResponse } from "../../../src/api/http";
import { handle, Handler } from "../../../src/api/pipeline";
import { DevCenterApiDeps } from "../../../src/api/ports";
import { CatalogRecord, CatalogRef, INDEX_FORMAT_VERSION } from "../../../src/catalog/model";
import { CatalogState } from "../../../src/catalog/reader";
import { scanCatalog } from "../../../src/catalog/scan";
import { parseDevCenterConfig } from "../../../src/core/devcenter-config";

const MEMBER = "0f8fad5b-d9cb-469f-a165-70867728950e";
const STRANGER = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const PROJECT_ADMIN = "5b7c1e2a-8d4f-4c3b-9a6e-1f2d3c4b5a69";
const BASE = "https://devcenter.example.test";
const VERSION = "2026-01-01-preview";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const CONFIG = `
devCenter: { name: dc1, location: westeurope }
catalogs:
  - { name: shared, localPath: shared }
environmentTypes:
  - { name: Dev, displayName: Development }
  - { name: Prod }
projects:
  - name: demo
    description: The demo project
    displayName: Demo
    members: ["*"]
    catalogs:
      - { name: team, gitUrl: "https://git.example.test/team.git" }
    environmentTypes:
      - environmentType: dev
        deploymentTargetId: /subscriptions/00000000-0000-0000-0000-000000000000
        runnerIdentity:
          resourceId: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner
          clientId: 11111111-1111-1111-1111-111111111111
          principalId: 22222222-2222-2222-2222-222222222222
      - environmentType: Prod
        status: Disabled
        deploymentTargetId: /subscriptions/33333333-3333-3333-3333-333333333333
        runnerIdentity:
          resourceId: /subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner
          clientId: 11111111-1111-1111-1111-111111111111
          principalId: 22222222-2222-2222-2222-222222222222
  - name: private
    members: ["${MEMBER}"]
    admins: ["${PROJECT_ADMIN}"]
`;

const FOO_MANIFEST = `
name: foo
description: This environment definition is just for example purposes.
runner: ARM
templatePath: azuredeploy.json
parameters:
  - id: functionAppRuntime
    name: Function App Runtime
    type: string
    required: true
    default: dotnet
    allowed: [node, dotnet, java]
  - id: httpsOnly
    name: HTTPS only
    type: boolean
    default: true
    readOnly: true
    required: true
`;

function files(entries: Record<string, string>) {
  return new Map(Object.entries(entries).map(([n, t]) => [n, Buffer.from(t)]));
}

const parsed = parseDevCenterConfig(CONFIG, "devcenter.yaml");
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const devCenter = parsed.value;

const states = new Map<string, CatalogState>();
function setCatalog(ref: CatalogRef, state: CatalogState) {
  states.set(`${ref.project ?? ""}/${ref.catalog}`, state);
}

let key: KeyLike;
let deps: DevCenterApiDeps;
const published: CatalogRef[] = [];

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  key = pair.privateKey;
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k", alg: "RS256" }] };
  deps = {
    devCenter,
    verifier: createTokenVerifier({ issuers: ["iss"], audiences: ["aud"], keys: createLocalJWKSet(jwks) }),
    catalogs: { read: async (ref) => states.get(`${ref.project ?? ""}/${ref.catalog}`) ?? {} },
    syncRequests: {
      publish: async (ref) => {
        published.push(ref);
        return "event-1";
      },
    },
    now: () => new Date("2026-06-01T12:00:00Z"),
  };

  const team = scanCatalog(
    { project: "demo", catalog: "team" },
    "abc123",
    files({
      "foo/environment.yaml": FOO_MANIFEST,
      "foo/azuredeploy.json": "{}",
      "bar/manifest.yaml": "name: bar\nsummary: Bar summary\nrunner: Terraform\ntemplatePath: main.tf\n",
      "bar/main.tf": "",
      "bad/environment.yaml": "name: bad\n",
    }),
  ).index;
  const record: CatalogRecord = {
    project: "demo",
    catalog: "team",
    current: {
      commit: "abc123",
      snapshotBlob: "s",
      indexBlob: "i",
      indexFormatVersion: INDEX_FORMAT_VERSION,
      syncedAt: "2026-06-01T11:00:00.000Z",
      definitionCount: 2,
    },
    lastSyncResult: "Failed",
    lastSyncTime: "2026-06-01T11:30:00.000Z",
    lastSyncStats: { added: 2, updated: 0, unchanged: 0, removed: 0, validationErrors: 1, conflicts: 0 },
    lastSyncError: {
      code: "RepositoryNotFound",
      message: "The git repository https://git.example.test/team.git was not found (HTTP 404).",
    },
  };
  setCatalog({ project: "demo", catalog: "team" }, { record, index: team });
  setCatalog(
    { catalog: "shared" },
    {
      record: {
        catalog: "shared",
        lease: { id: "l", expiresAt: "2026-06-01T12:05:00.000Z", requestedAgain: false },
      },
    },
  );
});

async function tokenFor(oid: string, roles: string[] = []): Promise<string> {
  return new SignJWT({ oid, roles })
    .setProtectedHeader({ alg: "RS256", kid: "k" })
    .setIssuer("iss")
    .setAudience("aud")
    .setExpirationTime("1h")
    .sign(key);
}

async function call(
  handler: Handler<DevCenterApiDeps>,
  path: string,
  params: Record<string, string>,
  options: { oid?: string; roles?: string[]; query?: string; token?: boolean; method?: string } = {},
): Promise<ApiResponse> {
  const token = options.token === false ? undefined : await tokenFor(options.oid ?? MEMBER, options.roles);
  const request: ApiRequest = {
    method: options.method ?? "GET",
    url: new URL(`${BASE}${path}${options.query ?? `?api-version=${VERSION}`}`),
    headers: new Headers(token ? { authorization: `Bearer ${token}` } : {}),
    params,
  };
  return handle(request, deps, handler);
}

describe("projects", () => {
  it("lists the projects the caller may use, shaped like the contract", async () => {
    expect((await call(listProjects, "/projects", {})).body).toEqual({
      value: [
        { uri: `${BASE}/projects/demo`, name: "demo", description: "The demo project", displayName: "Demo" },
        { uri: `${BASE}/projects/private`, name: "private" },
      ],
    });
    expect((await call(listProjects, "/projects", {}, { oid: STRANGER })).body).toEqual({
      value: [
        { uri: `${BASE}/projects/demo`, name: "demo", description: "The demo project", displayName: "Demo" },
      ],
    });
    const admin = await call(listProjects, "/projects", {}, { oid: STRANGER, roles: [ADMIN_ROLE] });
    expect((admin.body as { value: unknown[] }).value).toHaveLength(2);
  });

  it("gets a project (names without case), 403 for a non-member, 404 for none, 400 for a bad name", async () => {
    expect(await call(getProject, "/projects/DEMO", { projectName: "DEMO" })).toEqual({
      status: 200,
      headers: { "content-type": "application/json", "x-ms-request-id": expect.stringMatching(UUID) },
      body: {
        uri: `${BASE}/projects/demo`,
        name: "demo",
        description: "The demo project",
        displayName: "Demo",
      },
    });
    const forbidden = await call(
      getProject,
      "/projects/private",
      { projectName: "private" },
      { oid: STRANGER },
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers?.["x-ms-error-code"]).toBe("Forbidden");
    expect(forbidden.body).toEqual({
      error: { code: "Forbidden", message: "The caller is not a member of the project private." },
    });
    const missing = await call(getProject, "/projects/nope", { projectName: "nope" });
    expect(missing).toMatchObject({
      status: 404,
      body: { error: { code: "ProjectNotFound", target: "projectName" } },
    });
    const bad = await call(getProject, "/projects/a", { projectName: "a" });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: "InvalidName", target: "projectName" } },
    });
    expect((bad.body as { error: { message: string } }).error.message).toContain("must be 3–63 characters");
  });
});

describe("pipeline", () => {
  it("requires a token, then api-version, answering in the Azure.Core error shape", async () => {
    const anonymous = await call(listProjects, "/projects", {}, { token: false });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers).toMatchObject({
      "x-ms-error-code": "Unauthorized",
      "www-authenticate": 'Bearer realm="devcenter"',
    });
    expect(anonymous.body).toMatchObject({ error: { code: "Unauthorized" } });

    const missing = await call(listProjects, "/projects", {}, { query: "" });
    expect(missing).toMatchObject({
      status: 400,
      headers: { "x-ms-error-code": "MissingApiVersionParameter" },
    });
    const unsupported = await call(listProjects, "/projects", {}, { query: "?api-version=2020-01-01" });
    expect(unsupported).toMatchObject({
      status: 400,
      body: { error: { code: "UnsupportedApiVersion", target: "api-version" } },
    });
    // Older than the oldest version we serve: the answer names that one.
    const message = (unsupported.body as { error: { message: string } }).error.message;
    expect(message).toContain("the oldest supported version is 2023-04-01");
    const unknown = await call(listProjects, "/projects", {}, { query: "?api-version=2099-01-01" });
    expect((unknown.body as { error: { message: string } }).error.message).toContain("2026-01-01-preview");
    expect((await call(listProjects, "/projects", {}, { query: "?api-version=2023-04-01" })).status).toBe(
      200,
    );
  });

  it("turns an unexpected failure into a 500 that tells nothing and logs the cause", async () => {
    const logged: string[] = [];
    const failing: DevCenterApiDeps = {
      ...deps,
      log: { error: (m) => logged.push(m) },
      catalogs: {
        read: async () => {
          throw new Error("storage is down");
        },
      },
    };
    const request: ApiRequest = {
      method: "GET",
      url: new URL(`${BASE}/projects/demo/catalogs?api-version=${VERSION}`),
      headers: new Headers({ authorization: `Bearer ${await tokenFor(MEMBER)}` }),
      params: { projectName: "demo" },
    };
    const response = await handle(request, failing, listCatalogs);
    expect(response).toMatchObject({ status: 500, body: { error: { code: "InternalServerError" } } });
    expect(JSON.stringify(response.body)).not.toContain("storage is down");
    expect(logged[0]).toContain("storage is down");
  });
});

describe("catalogs", () => {
  it("lists dev center and project catalogs with their sync state", async () => {
    const response = await call(listCatalogs, "/projects/demo/catalogs", { projectName: "demo" });
    expect(response.body).toEqual({
      value: [
        { uri: `${BASE}/projects/demo/catalogs/shared`, name: "shared", syncState: "InProgress" },
        {
          uri: `${BASE}/projects/demo/catalogs/team`,
          name: "team",
          syncState: "Failed",
          lastSyncTime: "2026-06-01T11:30:00.000Z",
          syncedCommit: "abc123",
          lastSyncStats: {
            added: 2,
            updated: 0,
            unchanged: 0,
            removed: 0,
            validationErrors: 1,
            conflicts: 0,
          },
          lastSyncError: {
            code: "RepositoryNotFound",
            message: "The git repository https://git.example.test/team.git was not found (HTTP 404).",
          },
          definitionErrors: [
            {
              code: "InvalidManifest",
              path: "bad/environment.yaml",
              message: expect.stringContaining("bad/environment.yaml#"),
            },
          ],
          definitionWarnings: [],
        },
      ],
    });
  });

  it("gets one catalog; 404 for a catalog the project does not see", async () => {
    const response = await call(getCatalog, "/projects/demo/catalogs/shared", {
      projectName: "demo",
      catalogName: "shared",
    });
    expect(response.body).toEqual({
      uri: `${BASE}/projects/demo/catalogs/shared`,
      name: "shared",
      syncState: "InProgress",
    });
    const other = await call(getCatalog, "/projects/private/catalogs/team", {
      projectName: "private",
      catalogName: "team",
    });
    expect(other).toMatchObject({ status: 404, body: { error: { code: "CatalogNotFound" } } });
  });
});

describe("environment definitions", () => {
  const foo = {
    uri: `${BASE}/projects/demo/catalogs/team/environmentDefinitions/foo`,
    id: "/projects/demo/catalogs/team/environmentDefinitions/foo",
    name: "foo",
    catalogName: "team",
    description: "This environment definition is just for example purposes.",
    runner: "ARM",
    parameters: [
      {
        id: "functionAppRuntime",
        name: "Function App Runtime",
        type: "string",
        required: true,
        default: "dotnet",
        allowed: ["node", "dotnet", "java"],
      },
      {
        id: "httpsOnly",
        name: "HTTPS only",
        type: "boolean",
        default: "true",
        readOnly: true,
        required: true,
      },
    ],
    parametersSchema: expect.any(String),
    templatePath: "azuredeploy.json",
  };
  const bar = {
    uri: `${BASE}/projects/demo/catalogs/team/environmentDefinitions/bar`,
    id: "/projects/demo/catalogs/team/environmentDefinitions/bar",
    name: "bar",
    catalogName: "team",
    description: "Bar summary",
    summary: "Bar summary",
    runner: "Terraform",
    templatePath: "main.tf",
  };

  it("lists a catalog's definitions like the contract's example (no parameters: neither parameters nor schema)", async () => {
    const response = await call(
      listDefinitionsByCatalog,
      "/projects/demo/catalogs/team/environmentDefinitions",
      {
        projectName: "demo",
        catalogName: "team",
      },
    );
    expect(response.body).toEqual({ value: [bar, foo] });
    const schema = JSON.parse(
      (response.body as { value: { parametersSchema: string }[] }).value[1].parametersSchema,
    );
    expect(schema).toMatchObject({
      type: "object",
      required: ["functionAppRuntime"],
      properties: { httpsOnly: { const: true } },
    });
  });

  it("lists the project's definitions across its catalogs (an unsynced catalog has none)", async () => {
    const response = await call(listDefinitionsByProject, "/projects/demo/environmentDefinitions", {
      projectName: "demo",
    });
    expect(response.body).toEqual({ value: [bar, foo] });
  });

  it("gets one definition; 404 with a code for an unknown or invalid one", async () => {
    const params = { projectName: "demo", catalogName: "Team", definitionName: "FOO" };
    expect(
      (await call(getDefinition, "/projects/demo/catalogs/Team/environmentDefinitions/FOO", params)).body,
    ).toEqual(foo);
    const invalid = await call(getDefinition, "/x", { ...params, definitionName: "bad" });
    expect(invalid).toMatchObject({
      status: 404,
      body: { error: { code: "EnvironmentDefinitionNotFound", target: "definitionName" } },
    });
  });

  it("pages long lists with a nextLink that keeps api-version", async () => {
    const many = new Map<string, string>();
    for (let i = 0; i < 150; i++) {
      many.set(
        `d${i}/environment.yaml`,
        `name: def-${String(i).padStart(3, "0")}\nrunner: ARM\ntemplatePath: t.json\n`,
      );
      many.set(`d${i}/t.json`, "{}");
    }
    const ref = { project: "private", catalog: "big" };
    const index = scanCatalog(ref, "c", files(Object.fromEntries(many))).index;
    const config = parseDevCenterConfig(
      CONFIG.replace(
        `members: ["${MEMBER}"]`,
        `members: ["${MEMBER}"]\n    catalogs: [{ name: big, localPath: big }]`,
      ),
      "devcenter.yaml",
    );
    if (!config.ok) throw new Error(JSON.stringify(config.errors));
    const big: DevCenterApiDeps = {
      ...deps,
      devCenter: config.value,
      catalogs: { read: async () => ({ index }) },
    };
    const first = await handle(
      {
        method: "GET",
        url: new URL(`${BASE}/projects/private/catalogs/big/environmentDefinitions?api-version=${VERSION}`),
        headers: new Headers({ authorization: `Bearer ${await tokenFor(MEMBER)}` }),
        params: { projectName: "private", catalogName: "big" },
      },
      big,
      listDefinitionsByCatalog,
    );
    const page1 = first.body as { value: { name: string }[]; nextLink: string };
    expect(page1.value).toHaveLength(100);
    expect(page1.nextLink).toBe(
      `${BASE}/projects/private/catalogs/big/environmentDefinitions?api-version=${VERSION}&%24skipToken=100`,
    );
    const second = await handle(
      {
        method: "GET",
        url: new URL(page1.nextLink),
        headers: new Headers({ authorization: `Bearer ${await tokenFor(MEMBER)}` }),
        params: { projectName: "private", catalogName: "big" },
      },
      big,
      listDefinitionsByCatalog,
    );
    const page2 = second.body as { value: { name: string }[]; nextLink?: string };
    expect(page2.value.map((d) => d.name)).toEqual(Array.from({ length: 50 }, (_, i) => `def-${100 + i}`));
    expect(page2.nextLink).toBeUndefined();
  });
});

describe("environment types", () => {
  const dev = {
    uri: `${BASE}/projects/demo/environmentTypes/Dev`,
    name: "Dev",
    status: "Enabled",
    deploymentTargetId: "/subscriptions/00000000-0000-0000-0000-000000000000",
    displayName: "Development",
  };
  it("lists and gets the project's environment types like the contract's examples", async () => {
    expect(
      (await call(listEnvironmentTypes, "/projects/demo/environmentTypes", { projectName: "demo" })).body,
    ).toEqual({
      value: [
        dev,
        {
          uri: `${BASE}/projects/demo/environmentTypes/Prod`,
          name: "Prod",
          status: "Disabled",
          deploymentTargetId: "/subscriptions/33333333-3333-3333-3333-333333333333",
        },
      ],
    });
    const params = { projectName: "demo", environmentTypeName: "dev" };
    expect((await call(getEnvironmentType, "/projects/demo/environmentTypes/dev", params)).body).toEqual(dev);
    const none = await call(getEnvironmentType, "/x", { ...params, environmentTypeName: "Test" });
    expect(none).toMatchObject({ status: 404, body: { error: { code: "EnvironmentTypeNotFound" } } });
  });
});

describe("a caller's access to a project", () => {
  const access = (projectName: string, options: { oid?: string; roles?: string[] } = {}) =>
    call(describeProjectAccess, `/management/projects/${projectName}/access`, { projectName }, options);

  it("says whether the caller administers the project: by its config or by the admin role", async () => {
    expect((await access("private", { oid: PROJECT_ADMIN })).body).toEqual({
      projectName: "private",
      objectId: PROJECT_ADMIN,
      projectAdmin: true,
    });
    expect((await access("private")).body).toEqual({
      projectName: "private",
      objectId: MEMBER,
      projectAdmin: false,
    });
    // A project admin of one project is a plain member of another.
    expect((await access("demo", { oid: PROJECT_ADMIN })).body).toMatchObject({ projectAdmin: false });
    expect((await access("demo", { oid: STRANGER, roles: [ADMIN_ROLE] })).body).toMatchObject({
      projectAdmin: true,
    });
  });

  it("answers only members, as the project itself", async () => {
    expect(await access("private", { oid: STRANGER })).toMatchObject({
      status: 403,
      body: { error: { code: "Forbidden" } },
    });
    expect(await access("nowhere")).toMatchObject({
      status: 404,
      body: { error: { code: "ProjectNotFound" } },
    });
  });
});

describe("catalog sync requests", () => {
  it("needs the admin role", async () => {
    const response = await call(
      requestDevCenterCatalogSync,
      "/management/catalogs/shared:sync",
      { catalogAction: "shared:sync" },
      { method: "POST" },
    );
    expect(response).toMatchObject({
      status: 403,
      body: { error: { code: "Forbidden", message: `This operation needs the ${ADMIN_ROLE} app role.` } },
    });
  });

  it("publishes the event for a dev center or project catalog and answers 202", async () => {
    published.length = 0;
    const admin = { method: "POST", roles: [ADMIN_ROLE] };
    const devCenterSync = await call(
      requestDevCenterCatalogSync,
      "/m",
      { catalogAction: "SHARED:sync" },
      admin,
    );
    expect(devCenterSync).toEqual({
      status: 202,
      headers: { "content-type": "application/json", "x-ms-request-id": expect.stringMatching(UUID) },
      body: {
        eventId: "event-1",
        eventType: "DevCenter.Catalog.SyncRequested",
        subject: "/catalogs/shared",
        status: "Requested",
      },
    });
    const projectSync = await call(
      requestProjectCatalogSync,
      "/m",
      { projectName: "demo", catalogAction: "team:sync" },
      admin,
    );
    expect(projectSync).toMatchObject({ status: 202, body: { subject: "/projects/demo/catalogs/team" } });
    expect(published).toEqual([{ catalog: "shared" }, { project: "demo", catalog: "team" }]);
  });

  it("404 for an unknown catalog or action; 503 without an Event Grid topic", async () => {
    const admin = { method: "POST", roles: [ADMIN_ROLE] };
    expect(
      await call(requestDevCenterCatalogSync, "/m", { catalogAction: "team:sync" }, admin),
    ).toMatchObject({
      status: 404,
      body: { error: { code: "CatalogNotFound" } },
    });
    expect(
      await call(requestDevCenterCatalogSync, "/m", { catalogAction: "shared:delete" }, admin),
    ).toMatchObject({ status: 404 });
    const saved = deps.syncRequests;
    delete deps.syncRequests;
    try {
      expect(
        await call(requestDevCenterCatalogSync, "/m", { catalogAction: "shared:sync" }, admin),
      ).toMatchObject({
        status: 503,
        body: { error: { code: "EventGridNotConfigured" } },
      });
    } finally {
      deps.syncRequests = saved;
    }
  });
});
