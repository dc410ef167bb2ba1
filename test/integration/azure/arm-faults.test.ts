import { ArmError } from "../../../src/operations/ports";
import { EMULATOR_TOKEN } from "../../../src/azure/credentials";
import { ArmTestEnv, deleteResourceGroup, startArmTestEnv } from "./arm-test-env";

const SUB = "5a3b0c1d-0000-4000-8000-000000000003";
const SCOPE = `/subscriptions/${SUB}/resourceGroups/rg-faults`;

describe("ARM adapters under injected faults (through the real SDK retry policies)", () => {
  let env: ArmTestEnv;
  beforeAll(async () => {
    env = await startArmTestEnv();
    await env.adapters.resourceGroups.ensure(SUB, "rg-faults", "westeurope", {});
  });
  afterEach(() => env.setFaults({}));
  afterAll(() => env.stop());

  async function remaining(): Promise<unknown[]> {
    return ((await env.call("GET", "/_emulator/faults")).body as { remaining: unknown[] }).remaining;
  }

  it("succeeds after 429s that carry Retry-After, waiting only as long as asked", async () => {
    await env.setFaults({
      retryAfterMs: 40,
      failures: [
        { method: "PUT", path: "/roleAssignments/", status: 429, code: "TooManyRequests", count: 2 },
      ],
    });
    const roles = env.adapters.roleAssignments;
    const roleDefinitionId = await roles.roleDefinitionIdByName(SCOPE, "Reader");
    const started = Date.now();
    await roles.grant({
      scope: SCOPE,
      roleDefinitionId,
      principalId: "dddddddd-0000-4000-8000-000000000001",
      principalType: "ServicePrincipal",
      name: "55555555-0000-4000-8000-000000000001",
    });
    const took = Date.now() - started;
    expect(await remaining()).toEqual([0]);
    expect(took).toBeGreaterThanOrEqual(80);
    expect(took).toBeLessThan(1000);
    expect((await env.state()).roleAssignments.map((a) => a.name)).toContain(
      "55555555-0000-4000-8000-000000000001",
    );
  });

  it("succeeds after 503s, on plain calls and on long-running operation polls", async () => {
    await env.setFaults({
      failures: [
        {
          method: "PUT",
          path: "/resourcegroups/rg-retry$",
          status: 503,
          code: "ServiceUnavailable",
          count: 2,
        },
        { method: "GET", path: "/operationresults/", status: 503, code: "ServiceUnavailable", count: 2 },
      ],
    });
    const groups = env.adapters.resourceGroups;
    await groups.ensure(SUB, "rg-retry", "westeurope", {});
    await deleteResourceGroup(env.adapters, SUB, "rg-retry");
    expect(await remaining()).toEqual([0, 0]);
    expect(await groups.exists(SUB, "rg-retry")).toBe(false);
  });

  it("survives random throttling and server errors with a seeded, repeatable pattern", async () => {
    await env.setFaults({ throttleRate: 0.2, errorRate: 0.1, retryAfterMs: 5, seed: 7 });
    const groups = env.adapters.resourceGroups;
    for (let i = 0; i < 15; i++) {
      await groups.ensure(SUB, `rg-random-${i}`, "westeurope", { i: String(i) });
      expect(await groups.exists(SUB, `rg-random-${i}`)).toBe(true);
    }
    const { injected } = (await env.call("GET", "/_emulator/faults")).body as {
      injected: { throttled: number; errors: number };
    };
    expect(injected.throttled).toBeGreaterThan(0);
    expect(injected.errors).toBeGreaterThan(0);
  });

  it("does not retry a named operation failing with 403 and reports ARM's code without the token", async () => {
    await env.setFaults({
      failures: [
        {
          method: "PUT",
          path: "containerGroups/run-denied$",
          status: 403,
          code: "AuthorizationFailed",
          message:
            "The client does not have authorization to perform action 'Microsoft.ContainerInstance/containerGroups/write'.",
        },
      ],
    });
    const error = await env.adapters.runnerContainers
      .start({
        subscriptionId: SUB,
        resourceGroup: "rg-faults",
        name: "run-denied",
        location: "westeurope",
        image: "img",
        environment: [{ name: "TOKEN", secureValue: "super-secret-token" }],
        identityResourceId:
          "/subscriptions/x/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArmError);
    expect(error).toMatchObject({ code: "AuthorizationFailed", statusCode: 403 });
    expect((error as Error).message).toBe(
      "Starting runner container group run-denied in rg-faults failed: The client does not have authorization to perform action 'Microsoft.ContainerInstance/containerGroups/write'.",
    );
    const shown = JSON.stringify(error) + String((error as Error).stack);
    expect(shown).not.toContain("super-secret-token");
    expect(shown).not.toContain(EMULATOR_TOKEN);
    // An operation failure without a count never runs out.
    expect(await remaining()).toEqual([null]);
  });

  it("gives up after the retry budget on persistent 500s with a typed error", async () => {
    await env.setFaults({
      failures: [
        { method: "GET", path: "containerGroups/run-broken$", status: 500, code: "InternalServerError" },
      ],
    });
    const ref = { subscriptionId: SUB, resourceGroup: "rg-faults", name: "run-broken" };
    await expect(env.adapters.runnerContainers.state(ref)).rejects.toMatchObject({
      name: "ArmError",
      code: "InternalServerError",
      statusCode: 500,
    });
    expect(await remaining()).toEqual([null]);
  });

  it("adds latency to every request", async () => {
    await env.setFaults({ latencyMs: 60 });
    const started = Date.now();
    await env.adapters.resourceGroups.exists(SUB, "rg-faults");
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });
});
