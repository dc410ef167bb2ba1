/** RoleAssignments on @azure/arm-authorization. */
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import {
  ArmError,
  GrantResult,
  RoleAssignmentInfo,
  RoleAssignmentSpec,
  RoleAssignments,
} from "../operations/ports";
import { toArmError } from "./arm-options";
import { restCode, restStatus } from "./rest-errors";

/** The SDK puts scopes under "/{scope}": pass them without their leading slash. */
function sdkScope(scope: string): string {
  return scope.replace(/^\/+/, "");
}

function sameScope(a: string, b: string): boolean {
  const norm = (s: string) => `/${sdkScope(s)}`.replace(/\/+$/, "").toLowerCase();
  return norm(a) === norm(b);
}

export class ArmRoleAssignments implements RoleAssignments {
  private readonly roleIds = new Map<string, Promise<string>>();

  constructor(private readonly client: AuthorizationManagementClient) {}

  async grant(spec: RoleAssignmentSpec): Promise<GrantResult> {
    try {
      await this.client.roleAssignments.create(sdkScope(spec.scope), spec.name, {
        roleDefinitionId: spec.roleDefinitionId,
        principalId: spec.principalId,
        principalType: spec.principalType,
      });
      return { heldByAnotherAssignment: false };
    } catch (error) {
      if (restCode(error) !== "RoleAssignmentExists") {
        throw toArmError(
          error,
          `Granting role ${spec.roleDefinitionId} to ${spec.principalId} at ${spec.scope}`,
        );
      }
    }
    // ARM answers RoleAssignmentExists when the principal already holds the role at the scope,
    // whatever the assignment's name: find out whether that assignment is ours.
    const mine = await this.get(spec.scope, spec.name);
    return { heldByAnotherAssignment: mine === undefined };
  }

  async revoke(scope: string, name: string): Promise<void> {
    try {
      await this.client.roleAssignments.delete(sdkScope(scope), name);
    } catch (error) {
      if (restStatus(error) === 404) return;
      throw toArmError(error, `Revoking role assignment ${name} at ${scope}`);
    }
  }

  async listAtScope(scope: string): Promise<RoleAssignmentInfo[]> {
    const assignments: RoleAssignmentInfo[] = [];
    try {
      // atScope() returns the scope's assignments and inherited ones; keep those made at the scope.
      const pages = this.client.roleAssignments.listForScope(sdkScope(scope), { filter: "atScope()" });
      for await (const a of pages) {
        if (!a.scope || !sameScope(a.scope, scope)) continue;
        assignments.push({
          id: a.id ?? "",
          name: a.name ?? "",
          scope: a.scope,
          roleDefinitionId: a.roleDefinitionId ?? "",
          principalId: a.principalId ?? "",
          principalType: a.principalType,
        });
      }
    } catch (error) {
      throw toArmError(error, `Listing role assignments at ${scope}`);
    }
    return assignments;
  }

  roleDefinitionIdByName(scope: string, roleName: string): Promise<string> {
    const cacheKey = `${sdkScope(scope).toLowerCase()}|${roleName}`;
    let id = this.roleIds.get(cacheKey);
    if (!id) {
      id = this.findRoleDefinition(scope, roleName);
      this.roleIds.set(cacheKey, id);
      id.catch(() => this.roleIds.delete(cacheKey));
    }
    return id;
  }

  private async findRoleDefinition(scope: string, roleName: string): Promise<string> {
    try {
      const pages = this.client.roleDefinitions.list(sdkScope(scope), {
        filter: `roleName eq '${roleName.replace(/'/g, "''")}'`,
      });
      for await (const definition of pages) {
        if (definition.id && definition.roleName?.toLowerCase() === roleName.toLowerCase())
          return definition.id;
      }
    } catch (error) {
      throw toArmError(error, `Looking up role "${roleName}" at ${scope}`);
    }
    throw new ArmError("RoleDefinitionNotFound", `No role named "${roleName}" is defined at ${scope}.`, 404);
  }

  private async get(scope: string, name: string): Promise<unknown> {
    try {
      return await this.client.roleAssignments.get(sdkScope(scope), name);
    } catch (error) {
      if (restStatus(error) === 404) return undefined;
      throw toArmError(error, `Reading role assignment ${name} at ${scope}`);
    }
  }
}
