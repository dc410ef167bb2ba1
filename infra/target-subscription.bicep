// What a deployment target subscription (an environment type's deploymentTargetId) needs: the
// control plane identity may create and delete environment resource groups (Contributor), and may
// grant and revoke the roles it hands out (the runner's runnerRole, the creator's and configured
// users' roles). Deploy once per target subscription.
// Not validated in CI (no Bicep compiler in this project's build): run `az bicep build` first.
targetScope = 'subscription'

@description('Principal id of the control plane app (output principalId of main.bicep).')
param controlPlanePrincipalId string

@description('true: "Role Based Access Control Administrator" with a condition that lets the control plane assign and remove only the roles in assignableRoleDefinitionGuids. false: "User Access Administrator", unconstrained.')
param constrainRoleAssignments bool = true

@description('GUIDs of the role definitions the control plane may assign and remove: every runnerRole, creatorRoleAssignment and userRoleAssignments role of the environment types deploying here. Default: Owner (the default runnerRole), Contributor, Reader.')
param assignableRoleDefinitionGuids array = [
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635' // Owner
  'b24988ac-6180-42a0-ab88-20f7382dd24c' // Contributor
  'acdd72a7-3385-48ef-bd42-f606fba81ae7' // Reader
]

// Built-in roles.
var contributorRoleGuid = 'b24988ac-6180-42a0-ab88-20f7382dd24c'
var rbacAdministratorRoleGuid = 'f58310d9-a9f6-439a-9e8d-f62e7b41a168' // Role Based Access Control Administrator
var userAccessAdministratorRoleGuid = '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9'

// The "constrain roles" condition of Azure ABAC for delegated role assignment management: writes are
// checked against the requested role, deletes against the existing assignment's role.
var assignableRoles = join(assignableRoleDefinitionGuids, ', ')
var constrainRolesCondition = '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${assignableRoles}})) AND ((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${assignableRoles}}))'

resource contributorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  name: contributorRoleGuid
}

resource roleAssignerRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  name: constrainRoleAssignments ? rbacAdministratorRoleGuid : userAccessAdministratorRoleGuid
}

// Create, tag and delete environment resource groups (and read role definitions by name).
resource controlPlaneContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, controlPlanePrincipalId, contributorRole.id)
  properties: {
    roleDefinitionId: contributorRole.id
    principalId: controlPlanePrincipalId
    principalType: 'ServicePrincipal'
    description: 'Dev Center control plane: create and delete environment resource groups.'
  }
}

// Grant the runner identity its role for an operation and always revoke it; give the creator and
// configured users their roles on the environment's resource group.
resource controlPlaneRoleAssigner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, controlPlanePrincipalId, roleAssignerRole.id)
  properties: {
    roleDefinitionId: roleAssignerRole.id
    principalId: controlPlanePrincipalId
    principalType: 'ServicePrincipal'
    description: 'Dev Center control plane: grant and revoke runner and environment user roles.'
    condition: constrainRoleAssignments ? constrainRolesCondition : null
    conditionVersion: constrainRoleAssignments ? '2.0' : null
  }
}
