// Entry point for `azd up` (azure.yaml points here): a resource group for the environment, the
// control plane in it (main.bicep), and, unless turned off, the deployment target roles on this
// same subscription (target-subscription.bicep). Plain `az deployment` users deploy main.bicep and
// target-subscription.bicep themselves (infra/README.md).
// Not validated in CI (no Bicep compiler in this project's build): run `az bicep build` first.
targetScope = 'subscription'

@description('azd environment name (AZURE_ENV_NAME); names the resource group rg-<name>.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Region (AZURE_LOCATION).')
param location string

@description('AUTH_AUDIENCE of main.bicep.')
param authAudience string

@description('RUNNER_IMAGES as JSON (alias to image, as main.bicep\'s runnerImages); empty: the runner images of the registry created here.')
param runnerImages string = ''

@description('hostingPlan of main.bicep.')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('durableBackend of main.bicep.')
@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
param durableBackend string = 'AzureStorage'

@description('enableCatalogSyncSubscription of main.bicep: set it once the code is deployed.')
param enableCatalogSyncSubscription bool = false

@description('Give the app its deployment target roles on this subscription (Contributor, and role assignment limited to assignableRoleDefinitionGuids).')
param grantDeploymentRolesHere bool = true

var tags = {
  'azd-env-name': environmentName
}

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module controlPlane 'main.bicep' = {
  name: 'control-plane'
  scope: group
  params: {
    location: location
    authAudience: authAudience
    runnerImages: empty(runnerImages) ? {} : json(runnerImages)
    createContainerRegistry: empty(runnerImages)
    hostingPlan: hostingPlan
    durableBackend: durableBackend
    enableCatalogSyncSubscription: enableCatalogSyncSubscription
    tags: tags
  }
}

module deploymentTarget 'target-subscription.bicep' = if (grantDeploymentRolesHere) {
  name: 'deployment-target'
  params: {
    controlPlanePrincipalId: controlPlane.outputs.principalId
  }
}

// azd keeps outputs in the environment (`azd env get-values`).
output AZURE_RESOURCE_GROUP string = group.name
output APP_NAME string = controlPlane.outputs.appName
output APP_HOST_NAME string = controlPlane.outputs.appHostName
output APP_PRINCIPAL_ID string = controlPlane.outputs.principalId
output RUNNER_IDENTITIES array = controlPlane.outputs.runnerIdentities
output CONTAINER_REGISTRY_LOGIN_SERVER string = controlPlane.outputs.containerRegistryLoginServer
output APPLICATIONINSIGHTS_NAME string = controlPlane.outputs.appInsightsName
