import { ArmError } from "../../../src/operations/ports";
import { ArmTestEnv, followDelete, startArmTestEnv } from "./arm-test-env";

describe("ArmResourceGroups against the ARM emulator", () => {
  let env: ArmTestEnv;
  beforeAll(async () => {
    // Long enough that the checks made while a deletion runs see it running on a busy machine too.
    env = await startArmTestEnv({ lroDurationMs: 2_000 });
  });
  afterAll(() => env.stop());

  it("creates, updates and finds a resource group with its tags", async () => {
    const groups = env.adapters.resourceGroups;
    expect(await groups.exists("sub-a", "rg-env1")).toBe(false);
    const tags = { project: "proj", environment: "env1", operation: "op-1" };
    expect(await groups.ensure("sub-a", "rg-env1", "westeurope", tags)).toEqual({
      id: "/subscriptions/sub-a/resourceGroups/rg-env1",
    });
    await groups.ensure("sub-a", "rg-env1", "West Europe", { ...tags, operation: "op-2" });
    expect(await groups.exists("sub-a", "rg-env1")).toBe(true);
    expect(await groups.exists("sub-b", "rg-env1")).toBe(false);
    const [stored] = (await env.state()).resourceGroups;
    expect(stored).toMatchObject({ subscriptionId: "sub-a", name: "rg-env1", location: "westeurope" });
    expect(stored.tags).toEqual({ project: "proj", environment: "env1", operation: "op-2" });
  });

  it("reports a group that exists elsewhere as a typed conflict", async () => {
    const groups = env.adapters.resourceGroups;
    await groups.ensure("sub-a", "rg-located", "westeurope", {});
    const error = await groups.ensure("sub-a", "rg-located", "eastus", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArmError);
    expect(error).toMatchObject({ code: "InvalidResourceGroupLocation", statusCode: 409 });
    expect((error as Error).message).toMatch(
      /^Creating resource group rg-located in subscription sub-a failed: /,
    );
  });

  it("starts a delete, follows the long-running operation until done, and treats a missing group as deleted", async () => {
    const groups = env.adapters.resourceGroups;
    await groups.ensure("sub-a", "rg-doomed", "westeurope", {});
    const started = await groups.beginDelete("sub-a", "rg-doomed");
    expect(started).toEqual({ done: false, resumeFrom: expect.any(String) });
    expect(await groups.exists("sub-a", "rg-doomed")).toBe(true);
    const looks = await followDelete(
      async () => started,
      (resumeFrom) => groups.pollDelete("sub-a", "rg-doomed", resumeFrom),
    );
    expect(looks).toBeGreaterThanOrEqual(1);
    expect(await groups.exists("sub-a", "rg-doomed")).toBe(false);
    await expect(groups.beginDelete("sub-a", "rg-doomed")).resolves.toEqual({ done: true });
    await expect(groups.beginDelete("sub-a", "never-existed")).resolves.toEqual({ done: true });
  });

  it("refuses to recreate a group while it is being deleted", async () => {
    const groups = env.adapters.resourceGroups;
    await groups.ensure("sub-a", "rg-busy", "westeurope", {});
    const started = await groups.beginDelete("sub-a", "rg-busy");
    await expect(groups.ensure("sub-a", "rg-busy", "westeurope", {})).rejects.toMatchObject({
      code: "ResourceGroupBeingDeleted",
    });
    await followDelete(
      async () => started,
      (resumeFrom) => groups.pollDelete("sub-a", "rg-busy", resumeFrom),
    );
    await expect(groups.ensure("sub-a", "rg-busy", "westeurope", {})).resolves.toEqual({
      id: "/subscriptions/sub-a/resourceGroups/rg-busy",
    });
  });
});
