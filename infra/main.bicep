// The control plane in one resource group: storage (Functions host, Durable engine and Dev Center
// Storage), an Elastic Premium plan with a Linux Node 20 Function App (system-assigned identity),
// the Event Grid topic that catalog sync requests go through, and the app identity's Contributor
// role on this resource group (runner container groups are created here).
// Every app setting is one that src/config.ts reads; see infra/README.md for the deployment order.
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

@description('RUNNER_IMAGES: runner alias to image, e.g. {"ARM":"myacr.azurecr.io/runner-core:1","Bicep":"myacr.azurecr.io/runner-core:1","Terraform":"myacr.azurecr.io/runner-core:1"}.')
param runnerImages object

@description('DEVCENTER_CONFIG: path of the dev center YAML inside the deployed app. The default expects devcenter.yaml at the root of the published package.')
param devCenterConfig string = '/home/site/wwwroot/devcenter.yaml'

@description('RUNNER_SUBSCRIPTION_ID: subscription the runner container groups are created in.')
param runnerSubscriptionId string = subscription().subscriptionId

@description('RUNNER_RESOURCE_GROUP: resource group of the runner container groups. The Contributor role below covers only this resource group; grant it yourself if you choose another one.')
param runnerResourceGroup string = resourceGroup().name

@description('DURABLE_TASK_HUB: Durable task hub name (3-45 letters and digits, starting with a letter).')
@minLength(3)
@maxLength(45)
param durableTaskHub string = 'devcenter'

@description('Elastic Premium plan size. Durable Functions run on it with the Azure Storage backend (host.json).')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param planSku string = 'EP1'

@description('Most instances the plan scales out to.')
@minValue(1)
@maxValue(100)
param maximumElasticWorkerCount int = 20

@description('Create the Event Grid subscription that delivers sync requests to the catalogSync function. Leave false until the code is deployed: Event Grid checks that the function exists.')
param enableCatalogSyncSubscription bool = false

@description('Further app settings, merged last (e.g. catalog secretSetting values as Key Vault references, RUNNER_LOCATION, APPLICATIONINSIGHTS_CONNECTION_STRING).')
@secure()
param additionalAppSettings object = {}

@description('Tags on every resource.')
param tags object = {}

var suffix = uniqueString(resourceGroup().id)
var storageAccountName = 'st${take(toLower(replace(baseName, '-', '')), 9)}${suffix}' // at most 24 characters
var appName = '${baseName}-${suffix}'
var contentShareName = toLower(appName)

// Built-in role: Contributor.
var contributorRoleGuid = 'b24988ac-6180-42a0-ab88-20f7382dd24c'

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // The app and the Functions host connect with connection strings (src/azure/storage.ts), so
    // shared key access must stay on.
    allowSharedKeyAccess: true
  }
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

// The Elastic Premium content share (WEBSITE_CONTENTSHARE), created here so its name is fixed.
resource contentShare 'Microsoft.Storage/storageAccounts/fileServices/shares@2024-01-01' = {
  parent: fileService
  name: contentShareName
}

// Secrets stay inside the deployment: they go only into app settings, never into outputs.
var storageConnectionString = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${baseName}-plan-${suffix}'
  location: location
  tags: tags
  kind: 'elastic'
  sku: {
    name: planSku
    tier: 'ElasticPremium'
  }
  properties: {
    reserved: true // Linux
    maximumElasticWorkerCount: maximumElasticWorkerCount
  }
}

// What the Functions platform itself needs; present from the app's creation on.
var platformSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'node'
  AzureWebJobsStorage: storageConnectionString
  WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: storageConnectionString
  WEBSITE_CONTENTSHARE: contentShareName
  WEBSITE_RUN_FROM_PACKAGE: '1'
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    reserved: true
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'Node|20'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        for setting in items(platformSettings): {
          name: setting.key
          value: setting.value
        }
      ]
    }
  }
  dependsOn: [
    contentShare
  ]
}

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: '${baseName}-catalog-sync-${suffix}'
  location: location
  tags: tags
  properties: {
    inputSchema: 'EventGridSchema' // src/catalog/events.ts publishes in the Event Grid schema
    minimumTlsVersionAllowed: '1.2'
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: false // the app publishes with the topic key (EVENTGRID_KEY)
  }
}

// Every setting src/config.ts requires in Azure; the rest keep their documented defaults.
var controlPlaneSettings = {
  DEVCENTER_STORAGE: storageConnectionString
  DURABLE_TASK_HUB: durableTaskHub
  DEVCENTER_CONFIG: devCenterConfig
  // v2 and v1 (sts) issuers: which one a token carries depends on the app registration's
  // accessTokenAcceptedVersion.
  AUTH_ISSUER: 'https://login.microsoftonline.com/${tenantId}/v2.0,https://sts.windows.net/${tenantId}/'
  AUTH_AUDIENCE: authAudience
  AUTH_JWKS_URI: 'https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys'
  AZURE_CREDENTIAL: 'managedIdentity'
  AZURE_TENANT_ID: tenantId
  RUNNER_API_ENDPOINT: 'https://${app.properties.defaultHostName}'
  RUNNER_IMAGES: string(runnerImages)
  RUNNER_SUBSCRIPTION_ID: runnerSubscriptionId
  RUNNER_RESOURCE_GROUP: runnerResourceGroup
  EVENTGRID_ENDPOINT: topic.properties.endpoint
  EVENTGRID_KEY: topic.listKeys().key1
}

// A separate resource because RUNNER_API_ENDPOINT needs the app's own host name. It replaces the
// whole set of app settings on every deployment, so settings added by hand are lost: put them in
// additionalAppSettings.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: union(platformSettings, controlPlaneSettings, additionalAppSettings)
}

// The function exists only once the code is deployed (src/functions/catalogs.ts registers it).
resource catalogSyncFunction 'Microsoft.Web/sites/functions@2024-04-01' existing = {
  parent: app
  name: 'catalogSync'
}

resource catalogSyncSubscription 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = if (enableCatalogSyncSubscription) {
  parent: topic
  name: 'catalog-sync'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: catalogSyncFunction.id
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'DevCenter.Catalog.SyncRequested'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
  dependsOn: [
    appSettings
  ]
}

resource contributorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: contributorRoleGuid
}

// Runner container groups (create, read state and logs, delete) in this resource group.
resource appContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, app.id, contributorRole.id)
  properties: {
    roleDefinitionId: contributorRole.id
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    description: 'Dev Center control plane: runner container groups in this resource group.'
  }
}

@description('Host name of the Function App (the data-plane API and RUNNER_API_ENDPOINT).')
output appHostName string = app.properties.defaultHostName

@description('Function App name, for `func azure functionapp publish`.')
output appName string = app.name

@description('Principal id of the app\'s system-assigned identity: input of runner-identity.bicep and target-subscription.bicep.')
output principalId string = app.identity.principalId

@description('Event Grid topic endpoint (EVENTGRID_ENDPOINT). The key is never an output.')
output eventGridTopicEndpoint string = topic.properties.endpoint

@description('Storage account holding the Functions state and Dev Center Storage.')
output storageAccountName string = storage.name
