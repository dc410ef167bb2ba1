/** What resourceGroup(), subscription(), tenant() and deployment() answer for a deployment target. */
import { Value } from "./functions";
import { DeploymentTarget } from "./model";

export function targetObjects(
  target: DeploymentTarget,
  template: Record<string, Value>,
): Record<"resourceGroup" | "subscription" | "tenant" | "deployment", () => Value> {
  return {
    resourceGroup: () => ({
      id: target.resourceGroup.id,
      name: target.resourceGroup.name,
      type: "Microsoft.Resources/resourceGroups",
      location: target.resourceGroup.location,
      tags: target.resourceGroup.tags,
      properties: { provisioningState: "Succeeded" },
    }),
    subscription: () => ({
      id: `/subscriptions/${target.subscriptionId}`,
      subscriptionId: target.subscriptionId,
      tenantId: target.tenantId,
      displayName: target.subscriptionId,
    }),
    tenant: () => ({
      id: `/tenants/${target.tenantId}`,
      tenantId: target.tenantId,
      countryCode: "US",
      displayName: target.tenantId,
    }),
    deployment: () => ({
      name: target.deploymentName,
      properties: {
        template: { contentVersion: template.contentVersion ?? "1.0.0.0", metadata: template.metadata },
        mode: "Incremental",
        provisioningState: "Accepted",
      },
    }),
  };
}
