/** Microsoft.Authorization: the built-in role definitions and role assignments at any scope. */
import { ArmContext, ResourceProvider } from "./context";
import {
  ArmHttpError,
  ArmRequest,
  Reply,
  badRequest,
  decode,
  isAtOrAbove,
  isObject,
  methodNotAllowed,
  notFound,
  now,
} from "./reply";
import { BUILT_IN_ROLES, BuiltInRole, builtInRoleById } from "./roles";
import { RoleAssignmentRecord, key } from "./state";

const AUTHORIZATION = "/providers/microsoft.authorization/";
const SCOPE_RG = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)/i;

export class Authorization implements ResourceProvider {
  constructor(private readonly ctx: ArmContext) {}

  route({ method, path, query, body }: ArmRequest): Reply | undefined {
    const authIndex = path.toLowerCase().indexOf(AUTHORIZATION);
    if (authIndex < 0) return undefined;
    const scope = path.slice(0, authIndex) || "/";
    const rest = path
      .slice(authIndex + AUTHORIZATION.length)
      .split("/")
      .map(decode);
    return this.authorization(method, scope, rest, query, body);
  }

  /** Role assignments die with their scope (a deleted resource group). */
  removeUnder(scope: string): void {
    for (const [id, assignment] of Object.entries(this.ctx.state.roleAssignments)) {
      if (isAtOrAbove(scope, assignment.scope)) delete this.ctx.state.roleAssignments[id];
    }
  }

  /** What tests inspect: each assignment with its id. */
  list(): (RoleAssignmentRecord & { id: string })[] {
    return Object.values(this.ctx.state.roleAssignments).map((a) => ({
      ...a,
      id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    }));
  }

  private authorization(
    method: string,
    scope: string,
    rest: string[],
    query: URLSearchParams,
    body: unknown,
  ): Reply {
    this.checkScope(scope);
    const [collection, name] = rest;
    if (collection?.toLowerCase() === "roledefinitions" && method === "GET") {
      if (rest.length === 1) return { status: 200, body: { value: this.listRoleDefinitions(scope, query) } };
      const role = rest.length === 2 ? builtInRoleById(name) : undefined;
      if (!role)
        throw notFound("RoleDefinitionDoesNotExist", `The role definition '${name}' does not exist.`);
      return { status: 200, body: this.roleDefinitionBody(scope, role) };
    }
    if (collection?.toLowerCase() !== "roleassignments" || rest.length > 2) {
      throw notFound(
        "NotSupportedByEmulator",
        `The ARM emulator does not serve ${method} ${scope}${AUTHORIZATION}${rest.join("/")}.`,
      );
    }
    if (rest.length === 1) {
      if (method !== "GET") throw methodNotAllowed(method, `${scope}${AUTHORIZATION}${collection}`);
      return { status: 200, body: { value: this.listRoleAssignments(scope, query) } };
    }
    const id = key(scope, name);
    const existing = this.ctx.state.roleAssignments[id];
    if (method === "GET") {
      if (!existing) throw notFound("RoleAssignmentNotFound", `The role assignment '${name}' is not found.`);
      return { status: 200, body: this.roleAssignmentBody(existing) };
    }
    if (method === "DELETE") {
      if (!existing) return { status: 204 };
      delete this.ctx.state.roleAssignments[id];
      this.ctx.save();
      return { status: 200, body: this.roleAssignmentBody(existing) };
    }
    if (method === "PUT") return this.putRoleAssignment(scope, name, body);
    throw methodNotAllowed(method, `${scope}${AUTHORIZATION}${rest.join("/")}`);
  }

  /** A scope inside a resource group needs the group to exist, as in ARM. */
  private checkScope(scope: string): void {
    const m = SCOPE_RG.exec(scope);
    if (m) this.ctx.resourceGroup(decode(m[1]), decode(m[2]));
  }

  private listRoleDefinitions(scope: string, query: URLSearchParams): unknown[] {
    const filter = query.get("$filter") ?? "";
    const byName = /roleName\s+eq\s+'((?:[^']|'')*)'/i.exec(filter);
    const roles = byName
      ? BUILT_IN_ROLES.filter((r) => r.roleName.toLowerCase() === byName[1].replace(/''/g, "'").toLowerCase())
      : BUILT_IN_ROLES;
    return roles.map((role) => this.roleDefinitionBody(scope, role));
  }

  private roleDefinitionBody(scope: string, role: BuiltInRole): unknown {
    const subscription = /^\/subscriptions\/([^/]+)/i.exec(scope);
    const prefix = subscription ? `/subscriptions/${subscription[1]}` : "";
    return {
      id: `${prefix}/providers/Microsoft.Authorization/roleDefinitions/${role.id}`,
      name: role.id,
      type: "Microsoft.Authorization/roleDefinitions",
      properties: {
        roleName: role.roleName,
        type: "BuiltInRole",
        description: role.description,
        assignableScopes: ["/"],
        permissions: [
          { actions: role.actions, notActions: role.notActions, dataActions: [], notDataActions: [] },
        ],
      },
    };
  }

  private listRoleAssignments(scope: string, query: URLSearchParams): unknown[] {
    const filter = query.get("$filter") ?? "";
    const atScope = /atScope\(\)/i.test(filter);
    const principal = /principalId\s+eq\s+'([^']*)'/i.exec(filter)?.[1]?.toLowerCase();
    const rest = filter
      .replace(/atScope\(\)/gi, "")
      .replace(/principalId\s+eq\s+'[^']*'/gi, "")
      .replace(/\band\b/gi, "")
      .trim();
    if (rest)
      throw badRequest(
        "UnsupportedFilter",
        `The ARM emulator supports atScope() and principalId eq '…' filters, not '${filter}'.`,
      );
    return Object.values(this.ctx.state.roleAssignments)
      .filter((a) => isAtOrAbove(a.scope, scope) || (!atScope && isAtOrAbove(scope, a.scope)))
      .filter((a) => principal === undefined || a.principalId.toLowerCase() === principal)
      .map((a) => this.roleAssignmentBody(a));
  }

  private putRoleAssignment(scope: string, name: string, body: unknown): Reply {
    const properties = isObject(body) && isObject(body.properties) ? body.properties : undefined;
    const roleDefinitionId = properties?.roleDefinitionId;
    const principalId = properties?.principalId;
    if (typeof roleDefinitionId !== "string" || typeof principalId !== "string" || !principalId) {
      throw badRequest(
        "InvalidRequestContent",
        "properties.roleDefinitionId and properties.principalId are required.",
      );
    }
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name)) {
      throw badRequest(
        "InvalidRoleAssignmentId",
        `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
      );
    }
    const role = builtInRoleById(roleDefinitionId);
    if (!role) {
      throw badRequest(
        "RoleDefinitionDoesNotExist",
        `The specified role definition with ID '${roleDefinitionId.split("/").pop()}' does not exist.`,
      );
    }
    const id = key(scope, name);
    const existing = this.ctx.state.roleAssignments[id];
    if (existing) {
      const same =
        existing.principalId.toLowerCase() === principalId.toLowerCase() &&
        builtInRoleById(existing.roleDefinitionId) === role;
      if (!same) {
        throw new ArmHttpError(
          409,
          "RoleAssignmentUpdateNotPermitted",
          "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
        );
      }
      return { status: 201, body: this.roleAssignmentBody(existing) };
    }
    const duplicate = Object.values(this.ctx.state.roleAssignments).find(
      (a) =>
        a.scope.toLowerCase() === scope.toLowerCase() &&
        a.principalId.toLowerCase() === principalId.toLowerCase() &&
        builtInRoleById(a.roleDefinitionId) === role,
    );
    if (duplicate) throw new ArmHttpError(409, "RoleAssignmentExists", "The role assignment already exists.");
    const record: RoleAssignmentRecord = {
      scope,
      name,
      roleDefinitionId,
      principalId,
      principalType: typeof properties?.principalType === "string" ? properties.principalType : undefined,
      createdOn: now(),
    };
    this.ctx.state.roleAssignments[id] = record;
    this.ctx.save();
    return { status: 201, body: this.roleAssignmentBody(record) };
  }

  private roleAssignmentBody(a: RoleAssignmentRecord): unknown {
    return {
      id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
      name: a.name,
      type: "Microsoft.Authorization/roleAssignments",
      properties: {
        scope: a.scope,
        roleDefinitionId: a.roleDefinitionId,
        principalId: a.principalId,
        principalType: a.principalType,
        createdOn: a.createdOn,
        updatedOn: a.createdOn,
      },
    };
  }
}
