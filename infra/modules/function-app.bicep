// The control plane Function App: Linux, Node.js, system-assigned identity, on a Flex Consumption
// (FC1) or Elastic Premium plan. Flex Consumption takes runtime, scale and the deployment package
// location from functionAppConfig and refuses FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION,
// WEBSITE_RUN_FROM_PACKAGE and the content share settings, so those are set on Elastic Premium only.
// Neither plan gets an Azure Files content share: it would need an account key, and the storage
// account has none (Linux Elastic Premium runs from the package deployed with zip deploy).
targetScope = 'resourceGroup'

param name string
param location string
param tags object

@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string

@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param elasticPremiumSku string

@description('Most instances: Flex Consumption maximumInstanceCount, Elastic Premium maximumElasticWorkerCount.')
param maximumInstanceCount int

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@allowed([
  '20'
  '22'
])
param nodeVersion string

@description('Blob container URL the Flex Consumption plan deploys packages to (read with the app identity).')
param deploymentContainerUrl string

@description('Every app setting (host and control plane); replaces the app\'s settings on each deployment.')
@secure()
param appSettings object

var flex = hostingPlan == 'FlexConsumption'

var elasticPremiumSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'node'
  WEBSITE_RUN_FROM_PACKAGE: '1'
}

var settings = union(flex ? {} : elasticPremiumSettings, appSettings)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${name}-plan'
  location: location
  tags: tags
  kind: flex ? 'functionapp' : 'elastic'
  sku: flex
    ? {
        name: 'FC1'
        tier: 'FlexConsumption'
      }
    : {
        name: elasticPremiumSku
        tier: 'ElasticPremium'
      }
  properties: {
    reserved: true // Linux
    maximumElasticWorkerCount: flex ? null : maximumInstanceCount
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd deploys the `api` service of azure.yaml to the resource carrying this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    reserved: true
    httpsOnly: true
    functionAppConfig: flex
      ? {
          deployment: {
            storage: {
              type: 'blobContainer'
              value: deploymentContainerUrl
              authentication: {
                type: 'SystemAssignedIdentity'
              }
            }
          }
          scaleAndConcurrency: {
            maximumInstanceCount: maximumInstanceCount
            instanceMemoryMB: instanceMemoryMB
          }
          runtime: {
            name: 'node'
            version: nodeVersion
          }
        }
      : null
    siteConfig: {
      linuxFxVersion: flex ? null : 'Node|${nodeVersion}'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        for setting in items(settings): {
          name: setting.key
          value: setting.value
        }
      ]
    }
  }
}

output name string = app.name
output id string = app.id
output defaultHostName string = app.properties.defaultHostName
output principalId string = app.identity.principalId
