import { ArmError, RoleAssignmentSpec } from "../../../src/operations/ports";
import { ArmTestEnv, deleteResourceGroup, startArmTestEnv } from "./arm-test-env";

const SUB = "5a3b0c1d-0000-4000-8000-000000000001";
const RG_SCOPE = `/subscriptions/${SUB}/resourceGroups/rg-roles`;
const CONTRIBUTOR = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`;
const RUNNER = "aaaaaaaa-0000-4000-8000-000000000001";

function spec(overrides: Partial<RoleAssignmentSpec> = {}): RoleAssignmentSpec {
  return {
    scope: RG_SCOPE,
    roleDefinitionId: CONTRIBUTOR,
    principalId: RUNNER,
    principalType: "ServicePrincipal",
    name: "11111111-0000-4000-8000-000000000001",
    ...overrides,
  };
}

describe("ArmRoleAssignments against the ARM emulator", () => {
  let env: ArmTestEnv;
  beforeAll(async () => {
    env = await startArmTestEnv();
    await env.adapters.resourceGroups.ensure(SUB, "rg-roles", "westeurope", {});
  });
  afterAll(() => env.stop());

  it("finds built-in role definitions by name, with their well-known ids, and caches them", async () => {
    const roles = env.adapters.roleAssignments;
    expect(await roles.roleDefinitionIdByName(RG_SCOPE, "Contributor")).toBe(CONTRIBUTOR);
    expect(await roles.roleDefinitionIdByName(RG_SCOPE, "contributor")).toBe(CONTRIBUTOR);
    expect(await roles.roleDefinitionIdByName(RG_SCOPE, "Owner")).toMatch(
      /8e3af657-a8ff-443c-a75c-2fe8c4bcb635$/,
    );
    expect(await roles.roleDefinitionIdByName(RG_SCOPE, "Reader")).toMatch(
      /acdd72a7-3385-48ef-bd42-f606fba81ae7$/,
    );
    expect(await roles.roleDefinitionIdByName(`/subscriptions/${SUB}`, "User Access Administrator")).toBe(
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9`,
    );
    // Every role definition request now fails: only the cache can answer.
    await env.setFaults({
      failures: [{ method: "GET", path: "roleDefinitions", status: 500, code: "Boom" }],
    });
    try {
      expect(await roles.roleDefinitionIdByName(RG_SCOPE, "Contributor")).toBe(CONTRIBUTOR);
    } finally {
      await env.setFaults({});
    }
  });

  it("reports an unknown role name as RoleDefinitionNotFound", async () => {
    const error = await env.adapters.roleAssignments
      .roleDefinitionIdByName(RG_SCOPE, "Chief Everything Officer")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArmError);
    expect(error).toMatchObject({ code: "RoleDefinitionNotFound", statusCode: 404 });
  });

  it("grants idempotently, recognises a role held through another assignment, and revokes", async () => {
    const roles = env.adapters.roleAssignments;
    expect(await roles.grant(spec())).toEqual({ heldByAnotherAssignment: false });
    expect(await roles.grant(spec())).toEqual({ heldByAnotherAssignment: false });
    const other = spec({ name: "11111111-0000-4000-8000-000000000002" });
    expect(await roles.grant(other)).toEqual({ heldByAnotherAssignment: true });
    expect((await env.state()).roleAssignments.map((a) => a.name)).toEqual([spec().name]);

    await roles.revoke(RG_SCOPE, spec().name);
    await roles.revoke(RG_SCOPE, spec().name);
    await roles.revoke(RG_SCOPE, other.name);
    expect((await env.state()).roleAssignments).toEqual([]);
  });

  it("lists only the assignments made at the scope itself", async () => {
    const roles = env.adapters.roleAssignments;
    const reader = await roles.roleDefinitionIdByName(RG_SCOPE, "Reader");
    await roles.grant(spec({ name: "22222222-0000-4000-8000-000000000001" }));
    await roles.grant(
      spec({
        name: "22222222-0000-4000-8000-000000000002",
        roleDefinitionId: reader,
        principalType: "User",
        principalId: "bbbbbbbb-0000-4000-8000-000000000001",
      }),
    );
    await roles.grant(spec({ name: "22222222-0000-4000-8000-000000000003", scope: `/subscriptions/${SUB}` }));
    await roles.grant(
      spec({
        name: "22222222-0000-4000-8000-000000000004",
        scope: `${RG_SCOPE}/providers/Microsoft.ContainerInstance/containerGroups/runner-1`,
      }),
    );
    const listed = await roles.listAtScope(RG_SCOPE.toLowerCase());
    expect(listed.map((a) => a.name).sort()).toEqual([
      "22222222-0000-4000-8000-000000000001",
      "22222222-0000-4000-8000-000000000002",
    ]);
    expect(listed.find((a) => a.name.endsWith("0002"))).toMatchObject({
      scope: RG_SCOPE,
      roleDefinitionId: reader,
      principalId: "bbbbbbbb-0000-4000-8000-000000000001",
      principalType: "User",
      id: `${RG_SCOPE}/providers/Microsoft.Authorization/roleAssignments/22222222-0000-4000-8000-000000000002`,
    });
  });

  it("refuses to change who an existing assignment name grants to", async () => {
    const roles = env.adapters.roleAssignments;
    await roles.grant(
      spec({
        name: "33333333-0000-4000-8000-000000000001",
        principalId: "cccccccc-0000-4000-8000-000000000001",
      }),
    );
    const error = await roles
      .grant(
        spec({
          name: "33333333-0000-4000-8000-000000000001",
          principalId: "cccccccc-0000-4000-8000-000000000002",
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "RoleAssignmentUpdateNotPermitted", statusCode: 409 });
  });

  it("fails clearly at the scope of a missing resource group", async () => {
    const error = await env.adapters.roleAssignments
      .grant(spec({ scope: `/subscriptions/${SUB}/resourceGroups/rg-missing` }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArmError);
    expect(error).toMatchObject({ code: "ResourceGroupNotFound", statusCode: 404 });
    expect((error as Error).message).toBe(
      `Granting role ${CONTRIBUTOR} to ${RUNNER} at /subscriptions/${SUB}/resourceGroups/rg-missing failed: Resource group 'rg-missing' could not be found.`,
    );
  });

  it("removes a group's assignments with the group", async () => {
    const roles = env.adapters.roleAssignments;
    await env.adapters.resourceGroups.ensure(SUB, "rg-short-lived", "westeurope", {});
    const scope = `/subscriptions/${SUB}/resourceGroups/rg-short-lived`;
    await roles.grant(spec({ scope, name: "44444444-0000-4000-8000-000000000001" }));
    await deleteResourceGroup(env.adapters, SUB, "rg-short-lived");
    const names = (await env.state()).roleAssignments.map((a) => a.name);
    expect(names).not.toContain("44444444-0000-4000-8000-000000000001");
    await expect(roles.revoke(scope, "44444444-0000-4000-8000-000000000001")).resolves.toBeUndefined();
  });
});
