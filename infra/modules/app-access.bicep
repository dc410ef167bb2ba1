// Every data-plane and resource-group role the control plane app's system-assigned identity needs
// in its own resource group. Assigned after the app exists; until the assignments propagate (a
// few minutes) the host may log storage authorization errors and retry.
targetScope = 'resourceGroup'

param principalId string

@description('Resource id of the app (names its Contributor assignment as earlier versions of this template did).')
param appId string
param storageAccountName string
param eventGridTopicName string
param appInsightsName string

@description('Durable Task Scheduler and task hub; empty: the Azure Storage backend.')
param schedulerName string = ''
param taskHubName string = ''

// Built-in roles.
var roles = {
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  durableTaskDataContributor: '0ad04412-c4d5-4796-b79c-f76d14c8d402'
}

// Host (leases, timers, Flex deployment package), Durable Azure Storage backend (blobs, queues,
// tables) and Dev Center Storage (tables, blobs). Blob Data Owner because the host manages blob leases.
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    scope: storage
    name: guid(storage.id, principalId, role)
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: principalId
      principalType: 'ServicePrincipal'
      description: 'Dev Center control plane: Functions host, Durable state and Dev Center Storage without keys.'
    }
  }
]

resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: eventGridTopicName
}

resource publishSyncRequests 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: topic
  name: guid(topic.id, principalId, roles.eventGridDataSender)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Dev Center control plane: publish catalog sync requests with Entra ID.'
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource publishTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: appInsights
  name: guid(appInsights.id, principalId, roles.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Dev Center control plane: send telemetry with Entra ID.'
  }
}

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' existing = if (!empty(schedulerName)) {
  name: schedulerName
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' existing = if (!empty(schedulerName)) {
  parent: scheduler
  name: taskHubName
}

resource durableAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(schedulerName)) {
  scope: taskHub
  name: guid(resourceGroup().id, schedulerName, taskHubName, principalId, roles.durableTaskDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.durableTaskDataContributor
    )
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Dev Center control plane: Durable Task Scheduler task hub.'
  }
}

// Runner container groups (create, read state and logs, delete) in this resource group.
resource runnerContainers 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, appId, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.contributor))
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.contributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Dev Center control plane: runner container groups in this resource group.'
  }
}
