/** Role assignments: the runner's temporary role and the members' lasting ones. */
import { roleAssignmentName } from "../../core/names";
import type { ActivityLog } from "../activity-table";
import type { RoleGrant } from "../plan";
import { silent, type OperationDeps } from "./deps";

/** The assignment's name is derived from the grant, so a retried grant is the same assignment. */
async function assignmentOf(
  deps: OperationDeps,
  grant: RoleGrant,
): Promise<{ roleDefinitionId: string; name: string }> {
  const roleDefinitionId = await deps.roles.roleDefinitionIdByName(grant.scope, grant.roleName);
  return {
    roleDefinitionId,
    name: roleAssignmentName(grant.nameSeed, grant.principalId, roleDefinitionId, grant.scope),
  };
}

export async function grantRole(
  deps: OperationDeps,
  grant: RoleGrant,
  log: ActivityLog = silent,
): Promise<void> {
  const { roleDefinitionId, name } = await assignmentOf(deps, grant);
  await deps.roles.grant({
    scope: grant.scope,
    roleDefinitionId,
    principalId: grant.principalId,
    principalType: grant.principalType,
    name,
  });
  log(`Granted ${grant.roleName} on ${grant.scope} to ${grant.principalType} ${grant.principalId}.`);
}

export async function revokeRole(
  deps: OperationDeps,
  grant: RoleGrant,
  log: ActivityLog = silent,
): Promise<void> {
  const { name } = await assignmentOf(deps, grant);
  await deps.roles.revoke(grant.scope, name);
  log(`Revoked ${grant.roleName} on ${grant.scope} from ${grant.principalType} ${grant.principalId}.`);
}
