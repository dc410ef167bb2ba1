// The control plane in one resource group: storage without keys, a Flex Consumption (default) or
// Elastic Premium Function App with a system-assigned identity, Application Insights on a Log
// Analytics workspace, the catalog sync Event Grid topic (Entra ID only), the runner identities,
// optionally a container registry for runner images and a Durable Task Scheduler, and every role
// the app needs here. Deployment targets get their roles from target-subscription.bicep.
// Not validated in CI (no Bicep compiler in this project's build): run `az bicep build` first.
targetScope = 'resourceGroup'

@description('Prefix of every resource name (letters, digits and hyphens); a unique suffix is added.')
@minLength(3)
@maxLength(20)
param baseName string = 'devcenter'

@description('Region of every resource in this template.')
param location string = resourceGroup().location

@description('Entra ID tenant whose tokens the data-plane API accepts; also AZURE_TENANT_ID (given to runners as ADE_TENANT_ID).')
param tenantId string = subscription().tenantId

@description('AUTH_AUDIENCE: the audiences accepted in data-plane tokens, comma-separated. Use the API app registration\'s client id (v2 tokens) and its Application ID URI (v1 tokens).')
param authAudience string

@description('RUNNER_IMAGES: runner alias to image, e.g. {"ARM":"myacr.azurecr.io/runner-arm-bicep:1","Bicep":"myacr.azurecr.io/runner-arm-bicep:1","Terraform":"myacr.azurecr.io/runner-terraform:1"}. Empty with createContainerRegistry: ARM and Bicep map to <registry>/runner-arm-bicep:latest, Terraform to <registry>/runner-terraform:latest.')
param runnerImages object = {}

@description('DEVCENTER_CONFIG: path of the dev center YAML inside the deployed app. The default expects devcenter.yaml at the root of the published package.')
param devCenterConfig string = '/home/site/wwwroot/devcenter.yaml'

@description('RUNNER_SUBSCRIPTION_ID: subscription the runner container groups are created in.')
param runnerSubscriptionId string = subscription().subscriptionId

@description('RUNNER_RESOURCE_GROUP: resource group of the runner container groups. The app\'s Contributor role covers only this resource group; grant it yourself if you choose another one.')
param runnerResourceGroup string = resourceGroup().name

@description('DURABLE_TASK_HUB: Durable task hub name (3-45 letters and digits, starting with a letter).')
@minLength(3)
@maxLength(45)
param durableTaskHub string = 'devcenter'

@description('FlexConsumption (scales to zero, pay per use) or ElasticPremium (always-warm instances, fixed monthly cost).')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Elastic Premium plan size (hostingPlan=ElasticPremium).')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param elasticPremiumSku string = 'EP1'

@description('Most instances the app scales out to (Flex Consumption: 40-1000; Elastic Premium: 1-100).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Flex Consumption instance memory.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Node.js major version of the app.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Durable Functions backend: AzureStorage (the storage account above; host.json default) or DurableTaskScheduler (a scheduler and task hub; see infra/README.md for when to switch).')
@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
param durableBackend string = 'AzureStorage'

@description('Durable Task Scheduler SKU (durableBackend=DurableTaskScheduler).')
@allowed([
  'Consumption'
  'Dedicated'
])
param durableTaskSchedulerSku string = 'Consumption'

@description('Dedicated SKU capacity units (1-3).')
@minValue(1)
@maxValue(3)
param durableTaskSchedulerCapacity int = 1

@description('User-assigned runner identities to create (an environment type\'s runnerIdentity); their ids are in the output runnerIdentities.')
param runnerIdentityNames array = [
  'devcenter-runner'
]

@description('Create an Azure Container Registry for the runner images; the runner identities get AcrPull on it.')
param createContainerRegistry bool = false

@description('Container registry SKU.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param containerRegistrySku string = 'Basic'

@description('Create the Event Grid subscription that delivers sync requests to the catalogSync function. Leave false until the code is deployed: Event Grid checks that the function exists.')
param enableCatalogSyncSubscription bool = false

@description('Log Analytics retention.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Further app settings, merged last (e.g. catalog secretSetting values as Key Vault references, RUNNER_LOCATION); see the optional settings listed below.')
@secure()
param additionalAppSettings object = {}

@description('Tags on every resource.')
param tags object = {}

var suffix = uniqueString(resourceGroup().id)
var appName = '${baseName}-${suffix}'
var useScheduler = durableBackend == 'DurableTaskScheduler'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: appName
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'st${take(toLower(replace(baseName, '-', '')), 9)}${suffix}' // at most 24 characters
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
  }
}

module topic 'modules/event-grid.bicep' = {
  name: 'event-grid'
  params: {
    name: '${baseName}-catalog-sync-${suffix}'
    location: location
    tags: tags
  }
}

module scheduler 'modules/durable-task-scheduler.bicep' = if (useScheduler) {
  name: 'durable-task-scheduler'
  params: {
    name: '${baseName}-dts-${suffix}'
    location: location
    tags: tags
    taskHubName: durableTaskHub
    skuName: durableTaskSchedulerSku
    capacity: durableTaskSchedulerCapacity
  }
}

var registryName = 'cr${take(toLower(replace(baseName, '-', '')), 20)}${suffix}'
var registryServer = '${registryName}${environment().suffixes.acrLoginServer}'
var images = empty(runnerImages) && createContainerRegistry
  ? {
      ARM: '${registryServer}/runner-arm-bicep:latest'
      Bicep: '${registryServer}/runner-arm-bicep:latest'
      Terraform: '${registryServer}/runner-terraform:latest'
    }
  : runnerImages

// Read by the Functions host, not by src/config.ts: the Durable Task Scheduler backend, switched on
// through host.json overrides so host.json keeps the Azure Storage default for local runs.
var schedulerSettings = useScheduler
  ? {
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${scheduler.outputs.endpoint};Authentication=ManagedIdentity'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
    }
  : {}

// Settings src/config.ts reads that this template sets (test/unit/infra/settings-parity.test.ts
// checks them, and the optional list below, against src/config.ts). No keys or secrets: storage,
// Event Grid and telemetry use the app's identity. Dev Center Storage is the same account
// (DEVCENTER_STORAGE defaults to AzureWebJobsStorage); RUNNER_API_ENDPOINT defaults to
// https://$WEBSITE_HOSTNAME, the app's own host name.
var controlPlaneSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  DURABLE_TASK_HUB: durableTaskHub
  DEVCENTER_CONFIG: devCenterConfig
  // v2 and v1 (sts) issuers: which one a token carries depends on the app registration's
  // accessTokenAcceptedVersion.
  AUTH_ISSUER: 'https://login.microsoftonline.com/${tenantId}/v2.0,https://sts.windows.net/${tenantId}/'
  AUTH_AUDIENCE: authAudience
  AUTH_JWKS_URI: 'https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys'
  AZURE_CREDENTIAL: 'managedIdentity'
  AZURE_TENANT_ID: tenantId
  RUNNER_IMAGES: string(images)
  RUNNER_SUBSCRIPTION_ID: runnerSubscriptionId
  RUNNER_RESOURCE_GROUP: runnerResourceGroup
  EVENTGRID_ENDPOINT: topic.outputs.endpoint
  // The Functions host and the app's OpenTelemetry (src/telemetry) both send to this component,
  // with the system-assigned identity.
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
}

// Optional settings: src/config.ts reads them and this template leaves them to their defaults
// (documented in src/config.ts); set any through additionalAppSettings. WEBSITE_HOSTNAME is set
// by the platform.
// optional: AzureWebJobsStorage, AzureWebJobsStorage__blobServiceUri, AzureWebJobsStorage__tableServiceUri, AzureWebJobsStorage__clientId
// optional: DEVCENTER_STORAGE, DEVCENTER_STORAGE__accountName, DEVCENTER_STORAGE__blobServiceUri, DEVCENTER_STORAGE__tableServiceUri, DEVCENTER_STORAGE__credential, DEVCENTER_STORAGE__clientId
// optional: AUTH_JWKS_FILE, EVENTGRID_KEY, TELEMETRY_EXPORTER, CATALOG_SYNC_SCHEDULE, CATALOG_SYNC_ON_STARTUP, EXPIRY_SWEEP_SCHEDULE
// optional: ARM_ENDPOINT, ARM_CA_CERT_FILE, AZURE_CLIENT_ID, ARM_POLL_INTERVAL_MS
// optional: RUNNER_CPU, RUNNER_MEMORY_GB, RUNNER_API_ENDPOINT, WEBSITE_HOSTNAME, RUNNER_LOCATION
// optional: RUNNER_ENVIRONMENT_STORAGE_CAP_BYTES, RUNNER_LOG_BATCH_BYTES, RUNNER_LOG_INTERVAL_MS, RUNNER_LOG_RETRY_MS, RUNNER_ENABLE_CUSTOM_DEPLOY
// optional: OPERATION_TIMEOUT_MINUTES, RUNNER_POLL_INITIAL_SECONDS, RUNNER_POLL_MAX_SECONDS
// optional: ACTIVITY_RETRY_FIRST_SECONDS, ACTIVITY_RETRY_MAX_SECONDS, ACTIVITY_RETRY_MAX_ATTEMPTS, CLEANUP_MAX_ATTEMPTS
// optional: PORTAL_CLIENT_ID, PORTAL_TENANT_ID, PORTAL_SCOPES
// optional: PUBLIC_BASE_URL, TRUSTED_FRONTS, RETRY_AFTER_SECONDS, SECURE_PARAMETERS_KEY

module app 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: appName
    location: location
    tags: tags
    hostingPlan: hostingPlan
    elasticPremiumSku: elasticPremiumSku
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    nodeVersion: nodeVersion
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appSettings: union(schedulerSettings, controlPlaneSettings, additionalAppSettings)
  }
}

module appAccess 'modules/app-access.bicep' = {
  name: 'app-access'
  params: {
    principalId: app.outputs.principalId
    appId: app.outputs.id
    storageAccountName: storage.outputs.name
    eventGridTopicName: topic.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    schedulerName: useScheduler ? scheduler.outputs.name : ''
    taskHubName: useScheduler ? scheduler.outputs.taskHubName : ''
  }
}

module runnerIdentities 'runner-identity.bicep' = [
  for name in runnerIdentityNames: {
    name: 'runner-identity-${name}'
    params: {
      name: name
      location: location
      tags: tags
      controlPlanePrincipalId: app.outputs.principalId
    }
  }
]

module registry 'modules/container-registry.bicep' = if (createContainerRegistry) {
  name: 'container-registry'
  params: {
    name: registryName
    location: location
    tags: tags
    skuName: containerRegistrySku
    pullPrincipalIds: [for (name, i) in runnerIdentityNames: runnerIdentities[i].outputs.principalId]
  }
}

module catalogSyncSubscription 'modules/catalog-sync-subscription.bicep' = if (enableCatalogSyncSubscription) {
  name: 'catalog-sync-subscription'
  params: {
    topicName: topic.outputs.name
    appName: app.outputs.name
  }
}

@description('Host name of the Function App (the data-plane API and the runner API).')
output appHostName string = app.outputs.defaultHostName

@description('Function App name, for `func azure functionapp publish` and `az functionapp deployment source config-zip`.')
output appName string = app.outputs.name

@description('Principal id of the app\'s system-assigned identity: input of target-subscription.bicep.')
output principalId string = app.outputs.principalId

@description('The runnerIdentity values (resourceId, clientId, principalId) of each runner identity, for the dev center config.')
output runnerIdentities array = [
  for (name, i) in runnerIdentityNames: {
    name: name
    resourceId: runnerIdentities[i].outputs.resourceId
    clientId: runnerIdentities[i].outputs.clientId
    principalId: runnerIdentities[i].outputs.principalId
  }
]

@description('Event Grid topic endpoint (EVENTGRID_ENDPOINT); the topic has no usable keys.')
output eventGridTopicEndpoint string = topic.outputs.endpoint

@description('Storage account holding the Functions state and Dev Center Storage.')
output storageAccountName string = storage.outputs.name

@description('Login server of the runner image registry; empty without createContainerRegistry.')
output containerRegistryLoginServer string = createContainerRegistry ? registry.outputs.loginServer : ''

@description('Durable Task Scheduler endpoint; empty with the Azure Storage backend.')
output durableTaskSchedulerEndpoint string = useScheduler ? scheduler.outputs.endpoint : ''

@description('Application Insights component the app reports to.')
output appInsightsName string = monitoring.outputs.appInsightsName
