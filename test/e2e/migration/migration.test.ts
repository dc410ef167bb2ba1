/**
 * Moving a dev center from Azure Deployment Environments, end to end. One stack plays ADE: its dev
 * host serves ADE's data plane (the same API) with five environments deployed through it, and its ARM
 * emulator holds ADE's Microsoft.DevCenter resources and is the Azure both control planes share. The
 * migration CLI reads both and writes the config and adopted records of a second stack, which then
 * lists, redeploys and deletes the adopted environments in their existing resource groups.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import yaml from "js-yaml";
import { createStorageAdapters } from "../../../src/azure/storage";
import { CONTAINERS, TABLES } from "../../../src/storage/records";
import { localObjectId } from "../../../dev/token";
import { REPO_ROOT } from "../../../dev/stack";
import {
  commitFiles,
  createRepo,
  startGitServer,
  type GitServer,
} from "../../integration/catalog/git-server";
import { RUNNER_PRINCIPAL, Stack, type Json } from "../../support/stack";

const run = promisify(execFile);
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const DEV_CENTER_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/ade-rg/providers/Microsoft.DevCenter/devcenters/contoso`;
const PROJECT_ID = (name: string) =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/ade-rg/providers/Microsoft.DevCenter/projects/${name}`;
const IDENTITY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/ade-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ade-runner`;
const ROLE = {
  user: "18e40d4e-8d2e-438d-97e1-9528336e149c",
  admin: "331c37c6-af14-46d9-b9f4-e1909e1b95a0",
  reader: "eb960402-bf75-4cc3-8d68-35b34f960f72",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
};
const alice = localObjectId("alice");
const bob = localObjectId("bob");
const carol = localObjectId("carol");
const admin = localObjectId("ade-admin");

/** ADE's own configuration of the same dev center, as this product's config (for the stack playing ADE). */
function adeConfig(samples: string, team: string): string {
  const type = (environmentType: string) => ({
    environmentType,
    deploymentTargetId: `/subscriptions/${SUBSCRIPTION}`,
    runnerIdentity: {
      resourceId: IDENTITY,
      clientId: "11111111-1111-1111-1111-111111111111",
      principalId: RUNNER_PRINCIPAL,
    },
    creatorRoleAssignment: { roles: ["Contributor"] },
  });
  return yaml.dump({
    devCenter: { name: "contoso", location: "westeurope" },
    catalogs: [{ name: "samples", localPath: samples }],
    environmentTypes: [{ name: "Dev" }, { name: "Test" }, { name: "Prod" }],
    projects: [
      { name: "alpha", members: ["*"], admins: [admin], environmentTypes: [type("Dev"), type("Test")] },
      {
        name: "beta",
        members: ["*"],
        admins: [admin],
        catalogs: [{ name: "team", localPath: team }],
        environmentTypes: [type("Dev"), type("Prod")],
      },
    ],
  });
}

function armPut(
  stack: Stack,
  ca: string,
  resourcePath: string,
  body: unknown,
  apiVersion = "2024-02-01",
): Promise<void> {
  const url = new URL(`${resourcePath}?api-version=${apiVersion}`, stack.services.arm.endpoint);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      { method: "PUT", ca, headers: { "content-type": "application/json", authorization: "Bearer any" } },
      (response) => {
        response.resume();
        response.on("end", () =>
          response.statusCode! < 300
            ? resolve()
            : reject(new Error(`PUT ${resourcePath}: ${response.statusCode}`)),
        );
      },
    );
    request.on("error", reject);
    request.end(JSON.stringify(body));
  });
}

/** ADE's management-plane view of the dev center, in ADE's REST shapes. */
async function seedAdeManagementPlane(ade: Stack, git: GitServer): Promise<void> {
  const ca = await readFile(ade.services.arm.caCertFile, "utf8");
  const put = (p: string, body: unknown, version?: string) => armPut(ade, ca, p, body, version);
  await put(`/subscriptions/${SUBSCRIPTION}/resourceGroups/ade-rg`, { location: "westeurope" }, "2025-04-01");
  await put(DEV_CENTER_ID, {
    location: "westeurope",
    properties: { devCenterUri: ade.url, displayName: "Contoso", provisioningState: "Succeeded" },
  });
  await put(`${DEV_CENTER_ID}/catalogs/samples`, {
    properties: { gitHub: { uri: git.url("samples"), branch: "main", path: "/" }, syncType: "Scheduled" },
  });
  for (const name of ["Dev", "Test", "Prod"]) {
    await put(`${DEV_CENTER_ID}/environmentTypes/${name}`, {
      properties: { displayName: name },
      tags: { owner: "platform" },
    });
  }
  const pet = (name: string) => ({
    location: "westeurope",
    identity: {
      type: "UserAssigned",
      userAssignedIdentities: {
        [IDENTITY]: { clientId: "11111111-1111-1111-1111-111111111111", principalId: RUNNER_PRINCIPAL },
      },
    },
    properties: {
      deploymentTargetId: `/subscriptions/${SUBSCRIPTION}`,
      status: "Enabled",
      creatorRoleAssignment: { roles: { [ROLE.contributor]: { roleName: "Contributor" } } },
      userRoleAssignments: {},
      displayName: name,
    },
  });
  for (const [project, types] of [
    ["alpha", ["Dev", "Test"]],
    ["beta", ["Dev", "Prod"]],
  ] as const) {
    await put(PROJECT_ID(project), {
      location: "westeurope",
      properties: { devCenterId: DEV_CENTER_ID, description: `Project ${project}` },
    });
    for (const type of types) await put(`${PROJECT_ID(project)}/environmentTypes/${type}`, pet(type));
    const assignments: [string, string, string][] = [
      [alice, ROLE.user, "User"],
      [bob, ROLE.user, "User"],
      [carol, ROLE.user, "User"],
      [admin, ROLE.admin, "User"],
      [localObjectId("auditor"), ROLE.reader, "User"],
      ["99999999-9999-9999-9999-999999999999", ROLE.user, "Group"],
    ];
    for (const [i, [principalId, role, principalType]] of assignments.entries()) {
      await put(
        `${PROJECT_ID(project)}/providers/Microsoft.Authorization/roleAssignments/${`0000000${i}`.slice(-8)}-0000-0000-0000-00000000000${project === "alpha" ? 1 : 2}`,
        {
          properties: {
            roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
            principalId,
            principalType,
          },
        },
        "2022-04-01",
      );
    }
  }
  await put(`${PROJECT_ID("beta")}/catalogs/team`, {
    properties: { adoGit: { uri: git.url("team"), branch: "main" } },
  });
}

describe("migration from Azure Deployment Environments", () => {
  let work: string;
  let git: GitServer;
  let ade: Stack;
  let target: Stack | undefined;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "migration-e2e-"));
    // The catalogs: folders for the stack playing ADE, the same files in git for the target.
    const counter: Record<string, string> = {};
    for (const file of ["environment.yaml", "deploy.sh", "delete.sh", "main.bicep"]) {
      counter[`counter/${file}`] = await readFile(
        path.join(REPO_ROOT, "samples", "catalog", "counter", file),
        "utf8",
      );
    }
    for (const name of ["samples", "team"]) {
      await cp(
        path.join(REPO_ROOT, "samples", "catalog", "counter"),
        path.join(work, "folders", name, "counter"),
        { recursive: true },
      );
      await createRepo(path.join(work, "repos", name));
      await commitFiles(path.join(work, "repos", name), counter);
    }
    git = await startGitServer({ root: path.join(work, "repos") });
    await writeFile(
      path.join(work, "ade.yaml"),
      adeConfig(path.join(work, "folders", "samples"), path.join(work, "folders", "team")),
    );
    ade = await Stack.start({ devCenterConfigFile: path.join(work, "ade.yaml") });
    await seedAdeManagementPlane(ade, git);
  }, 180_000);

  afterAll(async () => {
    await target?.stop();
    await ade?.stop();
    await git?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("imports the dev center, adopts its environments, and they redeploy and delete here", async () => {
    // Five environments in ADE, of three users in two projects and three environment types.
    const deployed: [string, string, string, string, string][] = [
      ["alpha", "alice", "web-dev", "Dev", "samples"],
      ["alpha", "alice", "web-test", "Test", "samples"],
      ["alpha", "bob", "api-dev", "Dev", "samples"],
      ["beta", "alice", "data-dev", "Dev", "team"],
      ["beta", "carol", "data-prod", "Prod", "team"],
    ];
    const adeTokens = Object.fromEntries(
      await Promise.all(["alice", "bob", "carol"].map(async (u) => [u, await ade.token(u)] as const)),
    );
    await ade.until(
      "GET",
      "/projects/alpha/catalogs/samples",
      adeTokens.alice,
      (r) => r.body.syncState === "Succeeded",
    );
    await ade.until(
      "GET",
      "/projects/beta/catalogs/team",
      adeTokens.alice,
      (r) => r.body.syncState === "Succeeded",
    );
    const operations = await Promise.all(
      deployed.map(async ([project, user, name, environmentType, catalogName]) => {
        const reply = await ade.request(
          "PUT",
          `/projects/${project}/users/me/environments/${name}`,
          adeTokens[user],
          {
            environmentType,
            catalogName,
            environmentDefinitionName: "counter",
            parameters: { step: 2 },
          },
        );
        expect(reply.status).toBe(201);
        return ade.finished(reply.headers.get("operation-location")!, adeTokens[user], 120_000);
      }),
    );
    expect(operations.map((o) => o.status)).toEqual(Array(5).fill("Succeeded"));

    // ADE kept the counter's state; its public API does not serve it, so it is given as a file.
    const adeBlobs = createStorageAdapters(ade.services.azurite.connectionString).blobs;
    const state = await adeBlobs.get(CONTAINERS.environments, "alpha/web-dev/files/storage.zip");
    expect(state).toBeDefined();
    await writeFile(path.join(work, "web-dev.zip"), state!);
    await writeFile(path.join(work, "arm-token"), "any-arm-token");
    await writeFile(
      path.join(work, "data-plane-token"),
      await ade.services.token("ade-admin", { admin: true }),
    );

    const out = path.join(work, "imported.yaml");
    const migrate = (storage: string, ...extra: string[]) =>
      run(
        process.execPath,
        [
          path.join(REPO_ROOT, "dist", "src", "migration", "main.js"),
          "--dev-center",
          DEV_CENTER_ID,
          "--out",
          out,
          "--arm-endpoint",
          ade.services.arm.endpoint,
          "--ca-cert",
          ade.services.arm.caCertFile,
          "--arm-token-file",
          path.join(work, "arm-token"),
          "--data-plane-token-file",
          path.join(work, "data-plane-token"),
          "--state",
          `alpha/web-dev=${path.join(work, "web-dev.zip")}`,
          ...extra,
        ],
        { env: { ...process.env, DEVCENTER_STORAGE: storage, AzureWebJobsStorage: storage } },
      );

    let report = "";
    target = await Stack.start({
      devCenterConfigFile: out,
      // The same Azure: the target deploys into the resource groups ADE made.
      settings: { ARM_ENDPOINT: ade.services.arm.endpoint, ARM_CA_CERT_FILE: ade.services.arm.caCertFile },
      async beforeHost(services) {
        const storage = services.azurite.connectionString;
        const records = createStorageAdapters(storage).records(TABLES.environments);

        const dry = await migrate(storage, "--dry-run");
        expect(dry.stdout).toContain("Dry run: nothing was written.");
        expect(dry.stdout).toMatch(/alpha\/web-dev \(.*\) would be adopted/);
        await expect(readFile(out)).rejects.toThrow();
        expect(await records.list("alpha")).toEqual([]);

        const first = await migrate(storage);
        report = first.stdout;
        expect(first.stderr).toContain("Reading the environments of project beta");

        const second = await migrate(storage);
        expect(second.stdout).toContain(`${out} is up to date.`);
        expect(second.stdout.match(/already adopted/g)).toHaveLength(5);
        expect(second.stdout).not.toMatch(/ was adopted/);
      },
    });

    // The report: what was adopted, and what did not map.
    for (const [project, , name] of deployed)
      expect(report).toMatch(new RegExp(`${project}/${name} \\(.*\\) was adopted`));
    expect(report).toContain("with its state");
    expect(report).toContain("Deployment Environments Reader has no equivalent");
    expect(report).toContain("groups are not expanded");
    expect(report).toContain("syncType");
    expect(report).toContain("tag owner");
    const config = yaml.load(await readFile(out, "utf8")) as Json;
    expect((config.projects as Json[]).map((p) => p.name)).toEqual(["alpha", "beta"]);
    expect((config.environmentTypes as Json[]).map((t) => t.name)).toEqual(["Dev", "Test", "Prod"]);
    const alpha = (config.projects as Json[])[0];
    expect(alpha.admins).toEqual([admin]);
    expect(alpha.members).toEqual([alice, bob, carol, admin].sort());

    // The target serves the adopted environments to their owners.
    const tokens = Object.fromEntries(
      await Promise.all(["alice", "bob", "carol"].map(async (u) => [u, await target!.token(u)] as const)),
    );
    await target.until(
      "GET",
      "/projects/alpha/catalogs/samples",
      tokens.alice,
      (r) => r.body.syncState === "Succeeded",
      60_000,
    );
    const mine = await target.request("GET", "/projects/alpha/users/me/environments", tokens.alice);
    expect((mine.body.value as Json[]).map((e) => e.name).sort()).toEqual(["web-dev", "web-test"]);
    const webDev = await target.request("GET", "/projects/alpha/users/me/environments/web-dev", tokens.alice);
    expect(webDev.body).toMatchObject({
      provisioningState: "Succeeded",
      environmentType: "Dev",
      parameters: { step: 2 },
    });
    expect(webDev.body.resourceGroupId).toBe(`/subscriptions/${SUBSCRIPTION}/resourceGroups/alpha-web-dev`);
    const history = await target.request(
      "GET",
      "/projects/alpha/users/me/environments/web-dev/operations",
      tokens.alice,
    );
    expect((history.body.value as Json[]).map((o) => [o.kind, o.status])).toEqual([["Deploy", "Succeeded"]]);
    const outputs = await target.request(
      "GET",
      "/projects/alpha/users/me/environments/web-dev/outputs",
      tokens.alice,
    );
    expect((outputs.body.outputs as Json).count).toMatchObject({ value: 2 });

    // Redeploy: it continues from ADE's state, in the same resource group.
    const redeploy = await target.request(
      "PUT",
      "/projects/alpha/users/me/environments/web-dev",
      tokens.alice,
      {
        environmentType: "Dev",
        catalogName: "samples",
        environmentDefinitionName: "counter",
        parameters: { step: 3 },
      },
    );
    expect(redeploy.status).toBe(201);
    const redeployed = await target.finished(
      redeploy.headers.get("operation-location")!,
      tokens.alice,
      120_000,
    );
    expect(redeployed.status).toBe("Succeeded");
    const after = await target.request(
      "GET",
      "/projects/alpha/users/me/environments/web-dev/outputs",
      tokens.alice,
    );
    expect((after.body.outputs as Json).count).toMatchObject({ value: 5 });

    // Delete: the resource group ADE made is gone.
    expect(ade.services.arm.snapshot().resourceGroups.map((g) => g.name)).toContain("alpha-api-dev");
    const deletion = await target.request(
      "DELETE",
      "/projects/alpha/users/me/environments/api-dev",
      tokens.bob,
    );
    expect(deletion.status).toBe(202);
    const deleted = await target.finished(deletion.headers.get("operation-location")!, tokens.bob, 120_000);
    expect(deleted.status).toBe("Succeeded");
    expect(ade.services.arm.snapshot().resourceGroups.map((g) => g.name)).not.toContain("alpha-api-dev");
    expect(
      ade.services.arm.snapshot().roleAssignments.filter((a) => a.principalId === RUNNER_PRINCIPAL),
    ).toEqual([]);
    // Five deployments, three migration runs, a second stack, a redeploy and a delete.
  }, 600_000);
});
