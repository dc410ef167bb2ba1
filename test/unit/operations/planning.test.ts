/** Where an operation deploys: the resource group named after the environment, or the one an adopted environment already has. */
import { parseDevCenterConfig } from "../../../src/core/devcenter-config";
import { environmentTypeOf, resourceGroupOf } from "../../../src/operations/planning";
import type { EnvironmentRecord } from "../../../src/storage/records";

const CONFIG = `
devCenter: { name: test, location: westeurope }
environmentTypes: [{ name: Dev }]
projects:
  - name: web
    environmentTypes:
      - environmentType: Dev
        deploymentTargetId: /subscriptions/00000000-0000-0000-0000-00000000000a
        runnerIdentity:
          resourceId: /subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner
          clientId: 11111111-1111-1111-1111-111111111111
          principalId: 22222222-2222-2222-2222-222222222222
`;

const environment: EnvironmentRecord = {
  project: "web",
  name: "shop",
  user: "33333333-3333-3333-3333-333333333333",
  environmentType: "Dev",
  catalogName: "samples",
  environmentDefinitionName: "counter",
  parameters: {},
  provisioningState: "Succeeded",
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
};
const input = { project: "web", environmentName: "shop", operationId: "op", kind: "deploy" as const };

function typeOf(record: EnvironmentRecord) {
  const parsed = parseDevCenterConfig(CONFIG, "devcenter.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return environmentTypeOf(parsed.value, record);
}

it("names the resource group after project and environment, in the environment type's subscription", () => {
  expect(resourceGroupOf(typeOf(environment), environment, input)).toEqual({
    subscriptionId: "00000000-0000-0000-0000-00000000000a",
    resourceGroupName: "web-shop",
  });
});

it("keeps the resource group an adopted environment was deployed to", () => {
  const adopted: EnvironmentRecord = {
    ...environment,
    resourceGroupId: "/subscriptions/00000000-0000-0000-0000-00000000000B/resourceGroups/ADE-named-group",
    adopted: { source: "https://ade.example", operationId: "op", at: "2026-11-01T00:00:00Z" },
  };
  expect(resourceGroupOf(typeOf(adopted), adopted, input)).toEqual({
    subscriptionId: "00000000-0000-0000-0000-00000000000b",
    resourceGroupName: "ADE-named-group",
  });
  // A record that was not adopted never redirects the operation elsewhere.
  const notAdopted = { ...adopted, adopted: undefined };
  expect(resourceGroupOf(typeOf(notAdopted), notAdopted, input).resourceGroupName).toBe("web-shop");
});
