/**
 * Environment operations end to end: the compiled app in the dev host, Azurite, the ARM emulator and
 * the Core runner image's real entrypoint.sh + ade CLI as the runner. Needs `npm run build`.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { localObjectId } from "../../../dev/token";
import { createStorageAdapters } from "../../../src/azure/storage";
import { TABLES, type EnvironmentRecord, type OperationRecord } from "../../../src/storage/records";
import { RUNNER_PRINCIPAL, Stack, type Json, type Reply } from "../../support/stack";

const ENVIRONMENTS = "/projects/demo/users/me/environments";

/** A definition whose deploy never ends by itself. */
const HANGING = {
  "environment.yaml": "name: hanging\nrunner: Bicep\ntemplatePath: main.bicep\n",
  "main.bicep": "// nothing\n",
  "deploy.sh": "#!/bin/bash\necho 'waiting forever'\nexec sleep 600\n",
};

/** A definition whose deploy prints the runner's environment, token included, and fails. */
const LEAKY = {
  "environment.yaml": "name: leaky\nrunner: Bicep\ntemplatePath: main.bicep\n",
  "main.bicep": "// nothing\n",
  "deploy.sh": "#!/bin/bash\nenv | grep ADE_RUNNER_TOKEN\nexit 3\n",
};

/** A definition the force-delete test removes from the catalog. */
const EPHEMERAL = {
  "environment.yaml": "name: ephemeral\nrunner: Bicep\ntemplatePath: main.bicep\n",
  "main.bicep": "// nothing\n",
  "deploy.sh": "#!/bin/bash\necho deployed\n",
  "delete.sh": "#!/bin/bash\necho deleted\n",
};

function operationIdOf(reply: Reply): string {
  return new URL(operationLocation(reply)).pathname.split("/").pop() as string;
}

/** Resolves once the operation's runner container exists. */
async function runnerStarted(stack: Stack, operationId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!stack.arm().containerGroups.some((g) => g.name === `runner-${operationId}`)) {
    if (Date.now() > deadline) throw new Error(`the runner never started\n${stack.host.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function counterBody(step: number): Json {
  return {
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "counter",
    parameters: { step },
  };
}

function operationLocation(reply: Reply): string {
  const location = reply.headers.get("operation-location");
  if (!location) throw new Error(`no Operation-Location: ${reply.status} ${reply.text}`);
  return location;
}

/** Nothing the operation granted the runner or started is left in ARM. */
function expectNoRunnerLeftovers(stack: Stack): void {
  const arm = stack.arm();
  expect(arm.roleAssignments.filter((a) => a.principalId === RUNNER_PRINCIPAL)).toEqual([]);
  expect(arm.containerGroups).toEqual([]);
}

describe("environment operations (dev host + ARM emulator + real runner)", () => {
  let stack: Stack;
  let alice: string;

  beforeAll(async () => {
    stack = await Stack.start({ definitions: { hanging: HANGING, leaky: LEAKY, ephemeral: EPHEMERAL } });
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  it("deploys, redeploys with the saved state, shows logs and outputs, and deletes", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/counter-one`, alice, counterBody(2));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "counter-one", provisioningState: "Creating" });
    const first = await stack.finished(operationLocation(created), alice);
    expect(first).toMatchObject({ status: "Succeeded" });

    const environment = await stack.request("GET", `${ENVIRONMENTS}/counter-one`, alice);
    expect(environment.body).toMatchObject({
      provisioningState: "Succeeded",
      resourceGroupId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-counter-one",
    });
    const outputs = await stack.request("GET", `${ENVIRONMENTS}/counter-one/outputs`, alice);
    expect(outputs.body).toMatchObject({
      outputs: { count: { type: "int", value: 2 }, even: { value: true } },
    });
    expect(stack.arm().resourceGroups.map((g) => g.name)).toContain("demo-counter-one");
    expectNoRunnerLeftovers(stack);

    const again = await stack.request("PUT", `${ENVIRONMENTS}/counter-one`, alice, counterBody(2));
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ provisioningState: "Updating" });
    const second = await stack.finished(operationLocation(again), alice);
    expect(second).toMatchObject({ status: "Succeeded" });
    const recount = await stack.request("GET", `${ENVIRONMENTS}/counter-one/outputs`, alice);
    expect(recount.body).toMatchObject({ outputs: { count: { value: 4 } } });

    const logs = await stack.request(
      "GET",
      `${ENVIRONMENTS}/counter-one/operations/${second.name}/logs`,
      alice,
    );
    expect(logs.status).toBe(200);
    expect(logs.headers.get("content-type")).toContain("text/plain");
    expect(logs.text).toContain("counter 2 -> 4");
    const operations = await stack.request("GET", `${ENVIRONMENTS}/counter-one/operations`, alice);
    expect((operations.body.value as Json[]).map((o) => o.kind)).toEqual(["Deploy", "Deploy"]);
    expectNoRunnerLeftovers(stack);

    const deleted = await stack.request("DELETE", `${ENVIRONMENTS}/counter-one`, alice);
    expect(deleted.status).toBe(202);
    expect(deleted.body).toMatchObject({ status: "Running" });
    expect(deleted.headers.get("location")).toBe(operationLocation(deleted));
    expect(await stack.finished(operationLocation(deleted), alice)).toMatchObject({ status: "Succeeded" });
    expect((await stack.request("GET", `${ENVIRONMENTS}/counter-one`, alice)).status).toBe(404);
    expect(stack.arm().resourceGroups.map((g) => g.name)).not.toContain("demo-counter-one");
    expectNoRunnerLeftovers(stack);
  });

  it("fails a deploy whose script fails, with the script's stderr in the error", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/broken-one`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "failing",
    });
    expect(created.status).toBe(201);
    const status = await stack.finished(operationLocation(created), alice);
    expect(status).toMatchObject({ status: "Failed", error: { code: "DeploymentError" } });
    const environment = await stack.request("GET", `${ENVIRONMENTS}/broken-one`, alice);
    expect(environment.body).toMatchObject({
      provisioningState: "Failed",
      error: { code: "DeploymentError" },
    });
    expect((environment.body.error as Json).message).toContain("This deployment fails on purpose.");
    const logs = await stack.request(
      "GET",
      `${ENVIRONMENTS}/broken-one/operations/${status.name}/logs`,
      alice,
    );
    expect(logs.text).toContain("--- runner container output ---");
    expect(logs.text).toContain("This deployment fails on purpose.");
    expectNoRunnerLeftovers(stack);
  });

  it("succeeds through throttling and server errors from ARM", async () => {
    // 20% of ARM requests fail: half of them 429, half 503.
    stack.setFaults({ throttleRate: 0.1, errorRate: 0.1, errorStatus: 503, retryAfterMs: 20, seed: 7 });
    try {
      const created = await stack.request("PUT", `${ENVIRONMENTS}/flaky-arm`, alice, counterBody(1));
      expect(created.status).toBe(201);
      expect(await stack.finished(operationLocation(created), alice)).toMatchObject({ status: "Succeeded" });
      const injected = stack.services.arm.injectedFaults();
      expect(injected.throttled + injected.errors).toBeGreaterThan(0);
    } finally {
      stack.setFaults({});
    }
    expectNoRunnerLeftovers(stack);
  });

  it("answers concurrent PUTs on one environment with one operation and 409s", async () => {
    const replies = await Promise.all(
      Array.from({ length: 5 }, () =>
        stack.request("PUT", `${ENVIRONMENTS}/contended`, alice, counterBody(1)),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    for (const reply of replies.filter((r) => r.status === 409)) {
      expect(reply.body).toMatchObject({ error: { code: "EnvironmentActionInProgress" } });
      expect(reply.headers.get("x-ms-error-code")).toBe("EnvironmentActionInProgress");
    }
    const accepted = replies.find((r) => r.status === 201) as Reply;
    const busy = await stack.request("DELETE", `${ENVIRONMENTS}/contended`, alice);
    expect([202, 409]).toContain(busy.status);
    await stack.finished(operationLocation(accepted), alice);
    const operations = await stack.request("GET", `${ENVIRONMENTS}/contended/operations`, alice);
    expect((operations.body.value as Json[]).filter((o) => o.kind === "Deploy")).toHaveLength(1);
  });

  it("refuses requests without a token, without api-version and with bad parameters", async () => {
    expect((await stack.request("PUT", `${ENVIRONMENTS}/nope`, undefined, counterBody(1))).status).toBe(401);
    const unversioned = await fetch(`${stack.url}${ENVIRONMENTS}/nope`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(unversioned.status).toBe(400);
    const bad = await stack.request("PUT", `${ENVIRONMENTS}/nope`, alice, {
      ...counterBody(1),
      parameters: { step: "2", unknown: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "InvalidParameters" } });
    const missing = await stack.request("PUT", `${ENVIRONMENTS}/nope`, alice, {
      ...counterBody(1),
      environmentDefinitionName: "no-such-definition",
    });
    expect(missing.status).toBe(404);
    expect((await stack.request("GET", `${ENVIRONMENTS}/nope`, alice)).status).toBe(404);
  });

  it("cancels a running operation: the runner is stopped and its role revoked", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/canceled-one`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "hanging",
    });
    expect(created.status).toBe(201);
    const operationId = operationIdOf(created);
    await runnerStarted(stack, operationId);
    const operationPath = `${ENVIRONMENTS}/canceled-one/operations/${operationId}`;
    const cancel = await stack.request("POST", `${operationPath}:cancel`, alice);
    expect(cancel.status).toBe(202);
    const status = await stack.finished(operationLocation(created), alice);
    expect(status).toMatchObject({ status: "Canceled", error: { code: "OperationCanceled" } });
    const environment = await stack.request("GET", `${ENVIRONMENTS}/canceled-one`, alice);
    expect(environment.body).toMatchObject({ provisioningState: "Canceled" });
    expectNoRunnerLeftovers(stack);
    const again = await stack.request("POST", `${operationPath}:cancel`, alice);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "OperationNotRunning" } });
  });

  it("completes an operation and its cleanup after the host is killed mid-run", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/survivor`, alice, counterBody(1));
    expect(created.status).toBe(201);
    // Kill the host once the runner container exists: the orchestration is waiting for it.
    await runnerStarted(stack, operationIdOf(created));
    await stack.crashAndRestart();
    expect(await stack.finished(operationLocation(created), alice, 90_000)).toMatchObject({
      status: "Succeeded",
    });
    expectNoRunnerLeftovers(stack);
  });

  it("fails with ARM's error when ARM refuses a step, and cleans up", async () => {
    stack.setFaults({
      failures: [
        {
          method: "PUT",
          path: "/resourcegroups/demo-denied$",
          status: 403,
          code: "AuthorizationFailed",
          message: "The client has no authorization to write resource groups.",
        },
      ],
    });
    try {
      const created = await stack.request("PUT", `${ENVIRONMENTS}/denied`, alice, counterBody(1));
      expect(created.status).toBe(201);
      const status = await stack.finished(operationLocation(created), alice);
      expect(status).toMatchObject({
        status: "Failed",
        error: { code: "AuthorizationFailed", message: expect.stringContaining("no authorization") },
      });
      // What users see is ARM's message, not our stack.
      expect((status.error as Json).message).not.toMatch(/\bat .*\.js:\d+/);
      // A 403 cannot change on retry: the step failed on its first attempt.
      expect(stack.services.arm.injectedFaults().failures).toBe(1);
    } finally {
      stack.setFaults({});
    }
    const environment = await stack.request("GET", `${ENVIRONMENTS}/denied`, alice);
    expect(environment.body).toMatchObject({
      provisioningState: "Failed",
      error: { code: "AuthorizationFailed" },
    });
    expectNoRunnerLeftovers(stack);
  });

  it("deletes with force=true when the definition has left the catalog", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/orphan`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "ephemeral",
    });
    expect(await stack.finished(operationLocation(created), alice)).toMatchObject({ status: "Succeeded" });

    await rm(path.join(stack.dir, "catalog", "ephemeral"), { recursive: true });
    const admin = await stack.services.token("ops", { admin: true });
    expect((await stack.request("POST", "/management/catalogs/samples:sync", admin)).status).toBe(202);
    await stack.until(
      "GET",
      "/projects/demo/catalogs/samples/environmentDefinitions/ephemeral",
      alice,
      (reply) => reply.status === 404,
    );

    const refused = await stack.request("DELETE", `${ENVIRONMENTS}/orphan`, alice);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: "EnvironmentDefinitionNotFound" } });
    const forced = await stack.request("DELETE", `${ENVIRONMENTS}/orphan?force=true`, alice);
    expect(forced.status).toBe(202);
    expect(await stack.finished(operationLocation(forced), alice)).toMatchObject({ status: "Succeeded" });
    expect((await stack.request("GET", `${ENVIRONMENTS}/orphan`, alice)).status).toBe(404);
    expect(stack.arm().resourceGroups.map((g) => g.name)).not.toContain("demo-orphan");
    expectNoRunnerLeftovers(stack);
  });

  it("takes over an environment whose operation lost its orchestration", async () => {
    // As if the host died between accepting a request and starting its orchestration, an hour ago.
    const storage = createStorageAdapters(stack.services.azurite.connectionString);
    const owner = localObjectId("alice");
    const startTime = new Date(Date.now() - 3600_000).toISOString();
    const lost = "6f1c9a52-5a0e-4c3e-9d37-0c6f9f3f2b11";
    await storage.records<OperationRecord>(TABLES.operations).create("demo", lost, {
      id: lost,
      project: "demo",
      environmentName: "stranded",
      user: owner,
      kind: "deploy",
      status: "Running",
      createdBy: owner,
      startTime,
      environmentParameters: {},
    });
    await storage.records<EnvironmentRecord>(TABLES.environments).create("demo", "stranded", {
      project: "demo",
      name: "stranded",
      user: owner,
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "counter",
      parameters: { step: 1, label: "demo" },
      provisioningState: "Creating",
      currentOperationId: lost,
      createdAt: startTime,
      updatedAt: startTime,
    });

    const created = await stack.request("PUT", `${ENVIRONMENTS}/stranded`, alice, counterBody(1));
    expect(created.status).toBe(201);
    expect(await stack.finished(operationLocation(created), alice)).toMatchObject({ status: "Succeeded" });
    const abandoned = await stack.request("GET", `/projects/demo/operationstatuses/${lost}`, alice);
    expect(abandoned.body).toMatchObject({ status: "Failed", error: { code: "OperationAbandoned" } });
  });

  it("changes expirationDate with PATCH and deletes the environment once it has passed", async () => {
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    const created = await stack.request("PUT", `${ENVIRONMENTS}/expiring`, alice, {
      ...counterBody(1),
      expirationDate: inAnHour,
    });
    expect(created.body).toMatchObject({ expirationDate: inAnHour });
    expect(await stack.finished(operationLocation(created), alice)).toMatchObject({ status: "Succeeded" });

    const past = await stack.request("PATCH", `${ENVIRONMENTS}/expiring`, alice, {
      expirationDate: "2020-01-01T00:00:00Z",
    });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ error: { code: "InvalidExpirationDate" } });
    const renamed = await stack.request("PATCH", `${ENVIRONMENTS}/expiring`, alice, { catalogName: "other" });
    expect(renamed.status).toBe(400);

    const actions = await stack.request("GET", `${ENVIRONMENTS}/expiring/actions`, alice);
    expect(actions.body).toMatchObject({
      value: [{ name: "expire", actionType: "Delete", next: { scheduledTime: inAnHour } }],
    });
    const later = new Date(Date.now() + 7200_000).toISOString();
    const delayed = await stack.request(
      "POST",
      `${ENVIRONMENTS}/expiring/actions/expire:delay?until=${encodeURIComponent(later)}`,
      alice,
    );
    expect(delayed.status).toBe(200);
    expect(delayed.body).toMatchObject({ name: "expire", next: { scheduledTime: later } });
    expect((await stack.request("POST", `${ENVIRONMENTS}/expiring/actions/expire:skip`, alice)).status).toBe(
      204,
    );
    expect((await stack.request("GET", `${ENVIRONMENTS}/expiring/actions`, alice)).body).toEqual({
      value: [],
    });
    expect((await stack.request("GET", `${ENVIRONMENTS}/expiring/actions/expire`, alice)).status).toBe(404);

    const soon = new Date(Date.now() + 1500).toISOString();
    const patched = await stack.request("PATCH", `${ENVIRONMENTS}/expiring`, alice, { expirationDate: soon });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: "expiring",
      expirationDate: soon,
      provisioningState: "Succeeded",
    });
    while (Date.now() <= Date.parse(soon)) await new Promise((resolve) => setTimeout(resolve, 50));

    expect((await stack.request("POST", "/admin/functions/environmentExpiry", undefined)).status).toBe(202);
    await stack.until("GET", `${ENVIRONMENTS}/expiring`, alice, (reply) => reply.status === 404);
    expect(stack.arm().resourceGroups.map((g) => g.name)).not.toContain("demo-expiring");
    expectNoRunnerLeftovers(stack);
  });

  it("keeps the runner's token out of the operation log, even when a script prints it", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/leaky`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "leaky",
    });
    const status = await stack.finished(operationLocation(created), alice);
    expect(status).toMatchObject({ status: "Failed" });
    const logs = await stack.request(
      "GET",
      `${ENVIRONMENTS}/leaky/operations/${status.name as string}/logs`,
      alice,
    );
    expect(logs.text).toContain("--- runner container output ---");
    expect(logs.text).toContain("ADE_RUNNER_TOKEN=***");
    expect(logs.text).not.toMatch(/ADE_RUNNER_TOKEN=(?!\*\*\*)/);
  });
});

describe("an operation whose runner never finishes", () => {
  let stack: Stack;
  let alice: string;

  beforeAll(async () => {
    stack = await Stack.start({
      definitions: { hanging: HANGING },
      // 3 s: the runner is stopped and the operation fails.
      settings: { OPERATION_TIMEOUT_MINUTES: "0.05", RUNNER_POLL_INITIAL_SECONDS: "1" },
    });
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
  }, 90_000);
  afterAll(() => stack?.stop());

  it("times out, stops the runner and fails clearly", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/stuck`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "hanging",
    });
    expect(created.status).toBe(201);
    const status = await stack.finished(operationLocation(created), alice);
    expect(status).toMatchObject({ status: "Failed", error: { code: "OperationTimedOut" } });
    expectNoRunnerLeftovers(stack);
  });
});
