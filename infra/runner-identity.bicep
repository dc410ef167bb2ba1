// One runner identity: the user-assigned managed identity that an environment type's runner
// containers run as (runnerIdentity in the dev center config). Deploy once per environment type
// (or share one between types), into any resource group of the platform team's.
// The control plane grants this identity its runnerRole on each environment for the length of an
// operation; it never holds standing rights on environments.
// Not validated in CI (no Bicep compiler in this project's build): run `az bicep build` first.
targetScope = 'resourceGroup'

@description('Name of the user-assigned managed identity.')
@minLength(3)
@maxLength(128)
param name string

@description('Region of the identity.')
param location string = resourceGroup().location

@description('Principal id of the control plane app (output principalId of main.bicep). When set, it gets Managed Identity Operator on this identity, which it needs to attach the identity to runner container groups. Empty: assign it yourself.')
param controlPlanePrincipalId string = ''

@description('Tags on the identity.')
param tags object = {}

// Built-in role: Managed Identity Operator (read and assign user-assigned identities).
var managedIdentityOperatorRoleGuid = 'f1a07417-d97a-45cb-824c-7a7467783830'

resource runnerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

resource managedIdentityOperatorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: managedIdentityOperatorRoleGuid
}

// Scoped to this identity only. (If the identity lives in the control plane's own resource group,
// the app's Contributor role there already includes the assign action; this does no harm.)
resource controlPlaneCanAssign 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(controlPlanePrincipalId)) {
  scope: runnerIdentity
  name: guid(runnerIdentity.id, controlPlanePrincipalId, managedIdentityOperatorRole.id)
  properties: {
    roleDefinitionId: managedIdentityOperatorRole.id
    principalId: controlPlanePrincipalId
    principalType: 'ServicePrincipal'
    description: 'Dev Center control plane: attach this runner identity to runner container groups.'
  }
}

@description('runnerIdentity.resourceId in the dev center config.')
output resourceId string = runnerIdentity.id

@description('runnerIdentity.clientId in the dev center config (given to runners as ADE_CLIENT_ID).')
output clientId string = runnerIdentity.properties.clientId

@description('runnerIdentity.principalId in the dev center config (the principal the runner role is granted to).')
output principalId string = runnerIdentity.properties.principalId
