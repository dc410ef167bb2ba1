import { parseDevCenterConfig } from "../../../src/core/devcenter-config";
import type { AdeDevCenter, AdeProjectEnvironmentType } from "../../../src/migration/ade-model";
import { planDevCenterConfig } from "../../../src/migration/config-plan";
import yaml from "js-yaml";

const SUB = "00000000-0000-0000-0000-000000000000";
const IDENTITY = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner`;
const USER = "18e40d4e-8d2e-438d-97e1-9528336e149c";
const ADMIN = "331c37c6-af14-46d9-b9f4-e1909e1b95a0";

function pet(overrides: Partial<AdeProjectEnvironmentType> = {}): AdeProjectEnvironmentType {
  return {
    name: "Dev",
    status: "Enabled",
    deploymentTargetId: `/subscriptions/${SUB}`,
    identityType: "UserAssigned",
    userAssignedIdentities: {
      [IDENTITY]: {
        clientId: "11111111-1111-1111-1111-111111111111",
        principalId: "22222222-2222-2222-2222-222222222222",
      },
    },
    creatorRoles: [{ id: "b24988ac-6180-42a0-ab88-20f7382dd24c" }],
    userRoles: { "33333333-3333-3333-3333-333333333333": [{ id: "acdd72a7-3385-48ef-bd42-f606fba81ae7" }] },
    other: [],
    ...overrides,
  };
}

function devCenter(overrides: Partial<AdeDevCenter> = {}): AdeDevCenter {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.DevCenter/devcenters/contoso`,
    name: "contoso",
    location: "West Europe",
    catalogs: [
      {
        name: "central",
        kind: "gitHub",
        git: {
          uri: "https://github.com/contoso/catalog.git",
          branch: "main",
          path: "Environments",
          secretIdentifier: "https://kv.vault.azure.net/secrets/pat",
        },
        other: ['syncType: "Scheduled"'],
      },
    ],
    environmentTypes: [{ name: "Dev", displayName: "Development", other: [] }],
    projects: [
      {
        name: "web",
        id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.DevCenter/projects/web`,
        description: "Web team",
        catalogs: [],
        environmentTypes: [pet()],
        roleAssignments: [
          {
            principalId: "44444444-4444-4444-4444-444444444444",
            roleDefinitionGuid: USER,
            principalType: "User",
          },
          {
            principalId: "55555555-5555-5555-5555-555555555555",
            roleDefinitionGuid: ADMIN,
            principalType: "User",
          },
        ],
        other: [],
      },
    ],
    other: [],
    ...overrides,
  };
}

describe("planDevCenterConfig", () => {
  it("maps ADE's configuration to a config this control plane accepts", () => {
    const plan = planDevCenterConfig(devCenter());
    const parsed = parseDevCenterConfig(yaml.dump(plan.config), "imported.yaml");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const config = parsed.value;
    expect(config.devCenter).toEqual({ name: "contoso", location: "westeurope" });
    expect(config.catalogs[0]).toMatchObject({
      name: "central",
      gitUrl: "https://github.com/contoso/catalog.git",
      branch: "main",
      path: "/Environments",
      secretSetting: "CATALOG_CENTRAL_TOKEN",
    });
    expect(plan.settings).toEqual({
      CATALOG_CENTRAL_TOKEN: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/pat)",
    });
    const project = config.projects[0];
    expect(project.members.sort()).toEqual([
      "44444444-4444-4444-4444-444444444444",
      "55555555-5555-5555-5555-555555555555",
    ]);
    expect(project.admins).toEqual(["55555555-5555-5555-5555-555555555555"]);
    expect(project.environmentTypes[0]).toMatchObject({
      environmentType: "Dev",
      runnerIdentity: { resourceId: IDENTITY, clientId: "11111111-1111-1111-1111-111111111111" },
      creatorRoleAssignment: { roles: ["Contributor"] },
      userRoleAssignments: [{ principalId: "33333333-3333-3333-3333-333333333333", roles: ["Reader"] }],
    });
    expect(plan.unmapped).toEqual([
      'dev center catalog central: syncType: "Scheduled" (no equivalent; not imported)',
    ]);
  });

  it("reports a system-assigned identity instead of inventing one", () => {
    const plan = planDevCenterConfig(
      devCenter({
        projects: [
          {
            ...devCenter().projects[0],
            environmentTypes: [pet({ identityType: "SystemAssigned", userAssignedIdentities: {} })],
          },
        ],
      }),
    );
    expect((plan.config.projects as { environmentTypes: unknown[] }[])[0].environmentTypes).toEqual([]);
    expect(plan.unmapped.join("\n")).toMatch(
      /environment type Dev: no user-assigned identity .*SystemAssigned/,
    );
  });

  it("reports unreadable role assignments, groups, readers and unknown roles", () => {
    const base = devCenter().projects[0];
    const plan = planDevCenterConfig(
      devCenter({
        projects: [
          { ...base, name: "a", roleAssignments: undefined },
          {
            ...base,
            name: "b",
            roleAssignments: [
              {
                principalId: "66666666-6666-6666-6666-666666666666",
                roleDefinitionGuid: USER,
                principalType: "Group",
              },
              {
                principalId: "77777777-7777-7777-7777-777777777777",
                roleDefinitionGuid: "eb960402-bf75-4cc3-8d68-35b34f960f72",
              },
              {
                principalId: "88888888-8888-8888-8888-888888888888",
                roleDefinitionGuid: "12345678-0000-0000-0000-000000000000",
              },
            ],
          },
        ],
      }),
    );
    const report = plan.unmapped.join("\n");
    expect(report).toContain("project a: its role assignments could not be read");
    expect(report).toContain("Group 66666666-6666-6666-6666-666666666666: groups are not expanded");
    expect(report).toContain("Deployment Environments Reader has no equivalent");
    expect(report).toContain("role 12345678-0000-0000-0000-000000000000 is not a project role here");
    expect((plan.config.projects as { members: string[] }[])[1].members).toEqual([]);
  });

  it("uses the role name ADE gives for a custom role, and reports a role it cannot name", () => {
    const plan = planDevCenterConfig(
      devCenter({
        projects: [
          {
            ...devCenter().projects[0],
            environmentTypes: [
              pet({
                creatorRoles: [
                  { id: "aaaaaaaa-0000-0000-0000-000000000000", roleName: "Env Operator" },
                  { id: "bbbbbbbb-0000-0000-0000-000000000000" },
                ],
                userRoles: {},
              }),
            ],
          },
        ],
      }),
    );
    const type = (plan.config.projects as { environmentTypes: { creatorRoleAssignment: unknown }[] }[])[0]
      .environmentTypes[0];
    expect(type.creatorRoleAssignment).toEqual({ roles: ["Env Operator"] });
    expect(plan.unmapped.join("\n")).toContain(
      "role definition bbbbbbbb-0000-0000-0000-000000000000 has no name",
    );
  });
});
