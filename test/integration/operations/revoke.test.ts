/**
 * Revoking the runner's role needs nothing from the group it was granted on: after a restart (no
 * cached role definitions) and with the resource group already deleted, the revoke succeeds at once.
 * The real role and resource group adapters against the ARM emulator.
 */
import { createOperationActivities, type OperationDeps } from "../../../src/operations/activities";
import type { RoleGrant } from "../../../src/operations/plan";
import { adaptersFor, deleteResourceGroup, startArmTestEnv, type ArmTestEnv } from "../azure/arm-test-env";

const SUB = "5a3b0c1d-0000-4000-8000-0000000000aa";
const RUNNER = "aaaaaaaa-0000-4000-8000-0000000000aa";

function activitiesWith(env: ArmTestEnv) {
  // Fresh adapters: as after a restart of the host, nothing is cached.
  const { adapters } = adaptersFor(env.emulator);
  return createOperationActivities({
    roles: adapters.roleAssignments,
    resourceGroups: adapters.resourceGroups,
  } as unknown as OperationDeps);
}

describe("revoking the runner's role", () => {
  let env: ArmTestEnv;
  beforeAll(async () => {
    env = await startArmTestEnv();
  });
  afterAll(() => env.stop());

  const grant: RoleGrant = {
    scope: `/subscriptions/${SUB}/resourceGroups/rg-gone`,
    roleName: "Owner",
    principalId: RUNNER,
    principalType: "ServicePrincipal",
    nameSeed: "6f1c9a52-5a0e-4c3e-9d37-0c6f9f3f2b11",
  };

  it("succeeds after the resource group is gone, whether or not the grant's answer was kept", async () => {
    await env.adapters.resourceGroups.ensure(SUB, "rg-gone", "westeurope", {});
    const granted = await activitiesWith(env).grantRole(grant);
    expect((await env.state()).roleAssignments.filter((a) => a.principalId === RUNNER)).toHaveLength(1);
    await deleteResourceGroup(env.adapters, SUB, "rg-gone");

    // The orchestration kept the assignment's name: the revoke looks nothing up.
    await expect(activitiesWith(env).revokeRole(granted)).resolves.toBeUndefined();
    // A revoke planned before the grant answered (a crash in between) derives the name at the subscription.
    await expect(activitiesWith(env).revokeRole(grant)).resolves.toBeUndefined();
    expect((await env.state()).roleAssignments.filter((a) => a.principalId === RUNNER)).toEqual([]);
  });
});
