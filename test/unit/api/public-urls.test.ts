/**
 * Absolute URLs and the headers Azure clients read, through the same mapping the Functions host
 * uses (functionsHandler with @azure/functions' own HttpRequest): what the real host hands the app
 * in Azure (https://<app>.azurewebsites.net/..., App Service's forwarding headers), a trusted front,
 * an untrusted one, and PUBLIC_BASE_URL.
 */
import { HttpRequest, InvocationContext } from "@azure/functions";
import type { TokenVerifier } from "../../../src/api/auth";
import {
  deleteEnvironment,
  getEnvironment,
  getOperationStatus,
  listEnvironments,
  type EnvironmentApiDeps,
} from "../../../src/api/environments";
import { functionsHandler } from "../../../src/api/host";
import type { OriginSettings } from "../../../src/api/origin";
import type { Handler } from "../../../src/api/pipeline";
import { parseDevCenterConfig } from "../../../src/core/devcenter-config";
import type { EnvironmentRecord, ResourceGroupClaim } from "../../../src/storage/records";
import { environmentRecords } from "../../../src/storage/environment-records";
import { operationRecords } from "../../../src/storage/indexed-records";
import type { OpenTable } from "../../../src/storage/ports";
import type { RecordBatchStore } from "../../../src/storage/ports";
import { MemoryRecords } from "../../support/memory-records";

const OWNER = "0f8fad5b-d9cb-469f-a165-70867728950e";
const APP = "https://contoso-devcenter.azurewebsites.net";
/** The nextLink token of the first page of 100: the last name on it. */
const AFTER_FIRST_PAGE = Buffer.from("env-099").toString("base64url");

const parsed = parseDevCenterConfig(
  `
devCenter: { name: dc1, location: westeurope }
environmentTypes: [{ name: Dev }]
projects:
  - name: demo
    members: ["*"]
    environmentTypes:
      - environmentType: Dev
        deploymentTargetId: /subscriptions/00000000-0000-0000-0000-000000000000
        runnerIdentity:
          resourceId: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner
          clientId: 11111111-1111-1111-1111-111111111111
          principalId: 22222222-2222-2222-2222-222222222222
`,
  "devcenter.yaml",
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));

const verifier: TokenVerifier = { verify: async () => ({ objectId: OWNER, roles: [] }) };

function environment(name: string): EnvironmentRecord {
  return {
    project: "demo",
    name,
    user: OWNER,
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "counter",
    parameters: {},
    provisioningState: "Succeeded",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

async function depsWith(origin?: OriginSettings): Promise<EnvironmentApiDeps> {
  const tables = new Map<string, MemoryRecords<object>>();
  const open: OpenTable = <T extends object>(table: string) => {
    if (!tables.has(table)) tables.set(table, new MemoryRecords<object>(table));
    return tables.get(table) as unknown as RecordBatchStore<T>;
  };
  const environments = environmentRecords(open);
  for (let i = 0; i < 101; i++) {
    const name = `env-${String(i).padStart(3, "0")}`;
    await environments.create("demo", name, environment(name));
  }
  return {
    devCenter: parsed.ok ? parsed.value : (undefined as never),
    verifier,
    ...(origin && { origin }),
    retryAfterSeconds: 7,
    catalogs: { findDefinition: async () => undefined },
    environments,
    operations: operationRecords(open),
    resourceGroupClaims: new MemoryRecords<ResourceGroupClaim>(),
    blobs: {
      get: async () => undefined,
      logSize: async () => undefined,
      streamLog: () => {
        throw new Error("not used");
      },
    },
    scheduler: {
      start: async () => undefined,
      cancel: async () => undefined,
      orchestrationState: async () => "running" as const,
      cleanUp: async () => undefined,
      runnerFinished: async () => false,
      runnerReported: async () => undefined,
    },
    now: () => new Date("2026-06-01T12:00:00Z"),
  };
}

/** What App Service's front ends add before the Functions host sees the request. */
const APP_SERVICE_HEADERS = {
  authorization: "Bearer token",
  "x-forwarded-proto": "https",
  "x-arr-ssl": "2048|256|CN=Microsoft Azure RSA TLS Issuing CA|CN=*.azurewebsites.net",
  "disguised-host": "contoso-devcenter.azurewebsites.net",
  "x-client-ip": "198.51.100.23",
};

async function call(
  deps: EnvironmentApiDeps,
  handler: Handler<EnvironmentApiDeps>,
  method: string,
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const request = new HttpRequest({ method, url, headers: { ...APP_SERVICE_HEADERS, ...headers }, params });
  return functionsHandler(() => deps, handler)(request, new InvocationContext());
}

const ENV_PARAMS = { projectName: "demo", userId: "me", environmentName: "env-000" };

describe("absolute URLs from the request's public origin", () => {
  it("under the Azure host: the https URL it hands the app, with the request's api-version", async () => {
    const deps = await depsWith();
    const forwardedFor = { "x-forwarded-for": "198.51.100.23:50123" };
    const got = await call(
      deps,
      getEnvironment,
      "GET",
      `${APP}/projects/demo/users/me/environments/env-000?api-version=2024-02-01`,
      ENV_PARAMS,
      forwardedFor,
    );
    expect(got.jsonBody).toMatchObject({ uri: `${APP}/projects/demo/users/${OWNER}/environments/env-000` });

    const list = await call(
      deps,
      listEnvironments,
      "GET",
      `${APP}/projects/demo/environments?api-version=2024-02-01`,
      { projectName: "demo" },
      forwardedFor,
    );
    expect(list.jsonBody.nextLink).toBe(
      `${APP}/projects/demo/environments?api-version=2024-02-01&%24skipToken=${AFTER_FIRST_PAGE}`,
    );

    const deleted = await call(
      deps,
      deleteEnvironment,
      "DELETE",
      // force: the in-memory catalog has no definitions, so the delete runs no script.
      `${APP}/projects/demo/users/me/environments/env-000?api-version=2024-02-01&force=true`,
      ENV_PARAMS,
      { ...forwardedFor, "x-ms-client-request-id": "c0ffee00-1111-2222-3333-444455556666" },
    );
    expect(deleted.status).toBe(202);
    const operationId = (deleted.jsonBody as { name: string }).name;
    const location = `${APP}/projects/demo/operationstatuses/${operationId}?api-version=2024-02-01`;
    expect(deleted.headers).toMatchObject({
      "operation-location": location,
      location,
      "retry-after": "7",
      "x-ms-client-request-id": "c0ffee00-1111-2222-3333-444455556666",
      "x-ms-request-id": expect.stringMatching(/^[0-9a-f-]{36}$/),
    });

    const status = await call(
      deps,
      getOperationStatus,
      "GET",
      location,
      { projectName: "demo", operationId },
      forwardedFor,
    );
    expect(status.jsonBody).toMatchObject({ status: "Running" });
    expect(status.headers).toMatchObject({ "retry-after": "7" });
  });

  it("behind a trusted front: its Forwarded or X-Forwarded-* headers; an untrusted one is ignored", async () => {
    const deps = await depsWith({ trustedFronts: ["203.0.113.0/24", "2001:db8::1"] });
    const url = `${APP}/projects/demo/users/me/environments/env-000?api-version=2026-01-01-preview`;
    const uri = (reply: { jsonBody?: unknown }) => (reply.jsonBody as { uri: string }).uri;
    const viaFront = await call(deps, getEnvironment, "GET", url, ENV_PARAMS, {
      "x-forwarded-for": "192.0.2.1, 203.0.113.9:443",
      "x-forwarded-host": "devcenter.contoso.example",
    });
    expect(uri(viaFront)).toBe(
      `https://devcenter.contoso.example/projects/demo/users/${OWNER}/environments/env-000`,
    );
    const rfc7239 = await call(deps, getEnvironment, "GET", url, ENV_PARAMS, {
      "x-forwarded-for": "[2001:db8::1]:5000",
      forwarded: 'for=192.0.2.1;proto=https;host="api.contoso.example:8443"',
    });
    expect(uri(rfc7239)).toMatch(/^https:\/\/api\.contoso\.example:8443\/projects\/demo\//);
    // A client that sends the headers itself is not the front: the platform's entry comes last.
    const forged = await call(deps, getEnvironment, "GET", url, ENV_PARAMS, {
      "x-forwarded-for": "203.0.113.9, 198.51.100.23:50123",
      "x-forwarded-host": "evil.example",
    });
    expect(uri(forged)).toMatch(new RegExp(`^${APP}/`));
    const noHost = await call(deps, getEnvironment, "GET", url, ENV_PARAMS, {
      "x-forwarded-for": "203.0.113.9",
      "x-forwarded-host": "evil.example/path@x",
    });
    expect(uri(noHost)).toMatch(new RegExp(`^${APP}/`));
  });

  it("PUBLIC_BASE_URL wins, path prefix included", async () => {
    const deps = await depsWith({
      publicBaseUrl: "https://gateway.contoso.example/devcenter",
      trustedFronts: [],
    });
    const list = await call(
      deps,
      listEnvironments,
      "GET",
      `${APP}/projects/demo/environments?api-version=2025-02-01`,
      { projectName: "demo" },
      { "x-forwarded-host": "ignored.example" },
    );
    const body = list.jsonBody as { value: { uri: string }[]; nextLink: string };
    expect(body.value[0].uri).toBe(
      `https://gateway.contoso.example/devcenter/projects/demo/users/${OWNER}/environments/env-000`,
    );
    expect(body.nextLink).toBe(
      `https://gateway.contoso.example/devcenter/projects/demo/environments?api-version=2025-02-01&%24skipToken=${AFTER_FIRST_PAGE}`,
    );
  });

  it("an error answer also carries x-ms-request-id, and a client request id that is not a token is not echoed", async () => {
    const deps = await depsWith();
    const missing = await call(
      deps,
      getEnvironment,
      "GET",
      `${APP}/projects/demo/users/me/environments/nope-env?api-version=2026-01-01-preview`,
      { ...ENV_PARAMS, environmentName: "nope-env" },
      { "x-ms-client-request-id": "has spaces in it" },
    );
    expect(missing.status).toBe(404);
    expect(missing.headers).toMatchObject({
      "x-ms-error-code": "EnvironmentNotFound",
      "x-ms-request-id": expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(missing.headers).not.toHaveProperty("x-ms-client-request-id");
  });
});
