/** What resourceGroup(), subscription(), tenant(), deployment() and environment() answer. */
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

/** ARM's public cloud endpoints, as environment() reports them. */
export const AZURE_CLOUD = {
  name: "AzureCloud",
  gallery: "https://gallery.azure.com/",
  graph: "https://graph.windows.net/",
  portal: "https://portal.azure.com",
  graphAudience: "https://graph.windows.net/",
  activeDirectoryDataLake: "https://datalake.azure.net/",
  batch: "https://batch.core.windows.net/",
  media: "https://rest.media.azure.net",
  sqlManagement: "https://management.core.windows.net:8443/",
  vmImageAliasDoc:
    "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
  resourceManager: "https://management.azure.com/",
  authentication: {
    loginEndpoint: "https://login.microsoftonline.com/",
    audiences: ["https://management.core.windows.net/", "https://management.azure.com/"],
    tenant: "common",
    identityProvider: "AAD",
  },
  suffixes: {
    acrLoginServer: ".azurecr.io",
    azureDatalakeAnalyticsCatalogAndJob: "azuredatalakeanalytics.net",
    azureDatalakeStoreFileSystem: "azuredatalakestore.net",
    azureFrontDoorEndpointSuffix: "azurefd.net",
    keyvaultDns: ".vault.azure.net",
    sqlServerHostname: ".database.windows.net",
    storage: "core.windows.net",
  },
};
