/** Role assignments: the runner's temporary role and the members' lasting ones. */
import { roleAssignmentName, subscriptionScopeOf } from "../../core/names";
import type { ActivityLog } from "../activity-table";
import type { GrantedRole, RoleGrant } from "../plan";
import { silent, type OperationDeps } from "./deps";

/**
 * The assignment's name is derived from the grant, so a retried grant is the same assignment. Role
 * definitions are looked up at the scope's subscription: that works when the scope's resource group
 * is gone (a revoke after an interrupted delete), and gives the same ids.
 */
async function assignmentOf(
  deps: OperationDeps,
  grant: RoleGrant,
): Promise<{ roleDefinitionId: string; name: string }> {
  const roleDefinitionId = await deps.roles.roleDefinitionIdByName(
    subscriptionScopeOf(grant.scope),
    grant.roleName,
  );
  return {
    roleDefinitionId,
    name: roleAssignmentName(grant.nameSeed, grant.principalId, roleDefinitionId, grant.scope),
  };
}

export async function grantRole(
  deps: OperationDeps,
  grant: RoleGrant,
  log: ActivityLog = silent,
): Promise<GrantedRole> {
  const { roleDefinitionId, name } = await assignmentOf(deps, grant);
  await deps.roles.grant({
    scope: grant.scope,
    roleDefinitionId,
    principalId: grant.principalId,
    principalType: grant.principalType,
    name,
  });
  log(`Granted ${grant.roleName} on ${grant.scope} to ${grant.principalType} ${grant.principalId}.`);
  return { ...grant, assignmentName: name };
}

export async function revokeRole(
  deps: OperationDeps,
  grant: RoleGrant | GrantedRole,
  log: ActivityLog = silent,
): Promise<void> {
  // A scope that is gone took its assignments with it: the port treats that as revoked.
  const name = "assignmentName" in grant ? grant.assignmentName : (await assignmentOf(deps, grant)).name;
  await deps.roles.revoke(grant.scope, name);
  log(`Revoked ${grant.roleName} on ${grant.scope} from ${grant.principalType} ${grant.principalId}.`);
}
