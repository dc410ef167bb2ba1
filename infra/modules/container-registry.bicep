// Optional registry for the runner images (runner/images/core and images built FROM it). Runner
// container groups pull with their runner identity, so each runner identity gets AcrPull; admin
// user and anonymous pull stay off.
targetScope = 'resourceGroup'

@minLength(5)
@maxLength(50)
param name string
param location string
param tags object

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param skuName string

@description('Principal ids of the runner identities.')
param pullPrincipalIds array

// Built-in role: AcrPull.
var acrPullRoleGuid = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
  }
}

resource acrPullRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: acrPullRoleGuid
}

resource runnerPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in pullPrincipalIds: {
    scope: registry
    name: guid(registry.id, principalId, acrPullRole.id)
    properties: {
      roleDefinitionId: acrPullRole.id
      principalId: principalId
      principalType: 'ServicePrincipal'
      description: 'Dev Center runner: pull runner images.'
    }
  }
]

output loginServer string = registry.properties.loginServer
output name string = registry.name
