/**
 * The ARM resources the adapters use: resource groups, role definitions and assignments, container
 * groups and their logs, with the long-running-operation protocol ARM clients follow
 * (Azure-AsyncOperation for container group creation, Location for resource group deletion).
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ContainerRuntime } from "./containers";
import { BUILT_IN_ROLES, BuiltInRole, builtInRoleById } from "./roles";
import {
  ContainerGroupRecord,
  ContainerRecord,
  EmulatorState,
  ResourceGroupRecord,
  RoleAssignmentRecord,
  StateFile,
  emptyState,
  key,
} from "./state";

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An ARM error answer: {error:{code,message}}. */
export class ArmHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface EmulatorSnapshot {
  resourceGroups: ResourceGroupRecord[];
  roleAssignments: (RoleAssignmentRecord & { id: string })[];
  containerGroups: ContainerGroupRecord[];
}

export interface ArmServiceOptions {
  stateDir: string;
  images: Record<string, string>;
  docker: boolean;
  /** How long a resource group deletion stays in progress. */
  lroDurationMs: number;
  /** Delay between accepting a container group and starting its processes. */
  containerStartDelayMs: number;
  /** https://127.0.0.1:port, for LRO URLs. */
  baseUrl: () => string;
}

interface Operation {
  status: "InProgress" | "Succeeded" | "Failed";
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
}

const AUTHORIZATION = "/providers/microsoft.authorization/";
const RG_PATH = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)$/i;
const CG_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerinstance\/containergroups\/([^/]+)$/i;
const LOGS_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerinstance\/containergroups\/([^/]+)\/containers\/([^/]+)\/logs$/i;
const AAO_PATH =
  /^\/subscriptions\/([^/]+)\/providers\/microsoft\.containerinstance\/locations\/([^/]+)\/operations\/([^/]+)$/i;
const RESULT_PATH = /^\/subscriptions\/([^/]+)\/operationresults\/([^/]+)$/i;
const SCOPE_RG = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)/i;
const ACI_API_VERSION = "2023-05-01";

function notFound(code: string, message: string): ArmHttpError {
  return new ArmHttpError(404, code, message);
}

function badRequest(code: string, message: string): ArmHttpError {
  return new ArmHttpError(400, code, message);
}

function methodNotAllowed(method: string, path: string): ArmHttpError {
  return new ArmHttpError(405, "MethodNotAllowed", `The ARM emulator does not support ${method} ${path}.`);
}

function decode(segment: string): string {
  return decodeURIComponent(segment);
}

function now(): string {
  return new Date().toISOString();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

/** True when `outer` is `inner` or one of its ancestors. */
function isAtOrAbove(outer: string, inner: string): boolean {
  const o = outer.toLowerCase().replace(/\/$/, "");
  const i = inner.toLowerCase();
  return o === "" || i === o || i.startsWith(`${o}/`);
}

export class ArmService {
  state: EmulatorState;
  private readonly file: StateFile;
  private readonly runtime: ContainerRuntime;
  private readonly operations = new Map<string, Operation>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Secure values, in memory only, from a PUT until the process starts. */
  private readonly pendingSecrets = new Map<string, Record<string, string>[]>();

  constructor(private readonly options: ArmServiceOptions) {
    this.file = new StateFile(options.stateDir);
    this.state = this.file.load();
    this.runtime = new ContainerRuntime(options.images, options.docker, (pid, exitCode) =>
      this.containerExited(pid, exitCode),
    );
    this.recover();
  }

  async handle(method: string, path: string, query: URLSearchParams, body: unknown): Promise<Reply> {
    const lower = path.toLowerCase();
    const authIndex = lower.indexOf(AUTHORIZATION);
    if (authIndex >= 0) {
      const scope = path.slice(0, authIndex) || "/";
      const rest = path
        .slice(authIndex + AUTHORIZATION.length)
        .split("/")
        .map(decode);
      return this.authorization(method, scope, rest, query, body);
    }
    let m: RegExpExecArray | null;
    if ((m = LOGS_PATH.exec(path))) return this.logs(method, m.slice(1).map(decode), query);
    if ((m = CG_PATH.exec(path))) {
      const [subscriptionId, resourceGroup, name] = m.slice(1).map(decode);
      if (method === "GET")
        return {
          status: 200,
          body: this.containerGroupBody(this.getGroup(subscriptionId, resourceGroup, name)),
        };
      if (method === "PUT") return this.putContainerGroup(subscriptionId, resourceGroup, name, body);
      if (method === "DELETE") return this.deleteContainerGroup(subscriptionId, resourceGroup, name);
      throw methodNotAllowed(method, path);
    }
    if ((m = RG_PATH.exec(path))) {
      const [subscriptionId, name] = m.slice(1).map(decode);
      if (method === "GET")
        return { status: 200, body: this.resourceGroupBody(this.getResourceGroup(subscriptionId, name)) };
      if (method === "HEAD")
        return { status: this.state.resourceGroups[key(subscriptionId, name)] ? 204 : 404 };
      if (method === "PUT") return this.putResourceGroup(subscriptionId, name, body);
      if (method === "DELETE") return this.deleteResourceGroup(subscriptionId, name, query);
      throw methodNotAllowed(method, path);
    }
    if ((m = AAO_PATH.exec(path)) && method === "GET") return this.asyncOperation(decode(m[3]));
    if ((m = RESULT_PATH.exec(path)) && method === "GET")
      return this.operationResult(decode(m[1]), decode(m[2]), query);
    throw notFound("NotSupportedByEmulator", `The ARM emulator does not serve ${method} ${path}.`);
  }

  /** What tests inspect: every resource, with container processes. */
  snapshot(): EmulatorSnapshot {
    return {
      resourceGroups: Object.values(this.state.resourceGroups),
      roleAssignments: Object.values(this.state.roleAssignments).map((a) => ({
        ...a,
        id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
      })),
      containerGroups: Object.values(this.state.containerGroups),
    };
  }

  async reset(): Promise<void> {
    await this.killAll("Killed: the ARM emulator was reset.");
    for (const group of Object.values(this.state.containerGroups)) this.removeFolders(group);
    this.state = emptyState();
    this.operations.clear();
    this.pendingSecrets.clear();
    this.save();
  }

  async stop(): Promise<void> {
    await this.killAll("Killed: the ARM emulator stopped.");
    this.runtime.close();
    this.save();
  }

  // ------------------------------------------------------------------------------------------
  // Resource groups

  private getResourceGroup(subscriptionId: string, name: string): ResourceGroupRecord {
    const group = this.state.resourceGroups[key(subscriptionId, name)];
    if (!group) throw notFound("ResourceGroupNotFound", `Resource group '${name}' could not be found.`);
    return group;
  }

  private resourceGroupBody(group: ResourceGroupRecord): unknown {
    return {
      id: `/subscriptions/${group.subscriptionId}/resourceGroups/${group.name}`,
      name: group.name,
      type: "Microsoft.Resources/resourceGroups",
      location: group.location,
      tags: group.tags,
      properties: { provisioningState: group.provisioningState },
    };
  }

  private putResourceGroup(subscriptionId: string, name: string, body: unknown): Reply {
    if (!isObject(body) || typeof body.location !== "string" || !body.location) {
      throw badRequest("LocationRequired", "The location property is required for this definition.");
    }
    if (!/^[-\w._()]{1,90}$/.test(name) || name.endsWith(".")) {
      throw badRequest(
        "InvalidResourceGroup",
        `The provided resource group name '${name}' has these invalid characters.`,
      );
    }
    const tags = isObject(body.tags) ? (body.tags as Record<string, string>) : {};
    const existing = this.state.resourceGroups[key(subscriptionId, name)];
    if (existing?.provisioningState === "Deleting") {
      throw new ArmHttpError(
        409,
        "ResourceGroupBeingDeleted",
        `The resource group '${name}' is in deprovisioning state and cannot perform this operation.`,
      );
    }
    if (existing && normalizeLocation(existing.location) !== normalizeLocation(body.location)) {
      throw new ArmHttpError(
        409,
        "InvalidResourceGroupLocation",
        `Invalid resource group location '${body.location}'. The Resource group already exists in location '${existing.location}'.`,
      );
    }
    const group: ResourceGroupRecord = existing
      ? { ...existing, tags }
      : { subscriptionId, name, location: body.location, tags, provisioningState: "Succeeded" };
    this.state.resourceGroups[key(subscriptionId, name)] = group;
    this.save();
    return { status: existing ? 200 : 201, body: this.resourceGroupBody(group) };
  }

  private deleteResourceGroup(subscriptionId: string, name: string, query: URLSearchParams): Reply {
    const group = this.getResourceGroup(subscriptionId, name);
    group.provisioningState = "Deleting";
    const scope = `/subscriptions/${subscriptionId}/resourceGroups/${name}`;
    for (const [id, assignment] of Object.entries(this.state.roleAssignments)) {
      if (isAtOrAbove(scope, assignment.scope)) delete this.state.roleAssignments[id];
    }
    this.save();
    const operationId = randomUUID();
    const operation: Operation = { status: "InProgress", startTime: now() };
    this.operations.set(operationId, operation);
    const groupsInside = Object.values(this.state.containerGroups).filter(
      (g) => key(g.subscriptionId, g.resourceGroup) === key(subscriptionId, name),
    );
    const deletion = Promise.all(groupsInside.map((g) => this.removeContainerGroup(g)));
    this.later(this.options.lroDurationMs, async () => {
      await deletion;
      delete this.state.resourceGroups[key(subscriptionId, name)];
      this.save();
      Object.assign(operation, { status: "Succeeded", endTime: now() });
    });
    const apiVersion = query.get("api-version") ?? "";
    return { status: 202, headers: { location: this.resultUrl(subscriptionId, operationId, apiVersion) } };
  }

  private operationResult(subscriptionId: string, operationId: string, query: URLSearchParams): Reply {
    const operation = this.operations.get(operationId);
    if (!operation) throw notFound("OperationNotFound", `Operation '${operationId}' was not found.`);
    if (operation.status === "InProgress") {
      return {
        status: 202,
        headers: { location: this.resultUrl(subscriptionId, operationId, query.get("api-version") ?? "") },
      };
    }
    if (operation.error) throw new ArmHttpError(500, operation.error.code, operation.error.message);
    return { status: 200 };
  }

  private resultUrl(subscriptionId: string, operationId: string, apiVersion: string): string {
    return `${this.options.baseUrl()}/subscriptions/${subscriptionId}/operationresults/${operationId}?api-version=${encodeURIComponent(apiVersion)}`;
  }

  // ------------------------------------------------------------------------------------------
  // Role definitions and assignments

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
    const existing = this.state.roleAssignments[id];
    if (method === "GET") {
      if (!existing) throw notFound("RoleAssignmentNotFound", `The role assignment '${name}' is not found.`);
      return { status: 200, body: this.roleAssignmentBody(existing) };
    }
    if (method === "DELETE") {
      if (!existing) return { status: 204 };
      delete this.state.roleAssignments[id];
      this.save();
      return { status: 200, body: this.roleAssignmentBody(existing) };
    }
    if (method === "PUT") return this.putRoleAssignment(scope, name, body);
    throw methodNotAllowed(method, `${scope}${AUTHORIZATION}${rest.join("/")}`);
  }

  /** A scope inside a resource group needs the group to exist, as in ARM. */
  private checkScope(scope: string): void {
    const m = SCOPE_RG.exec(scope);
    if (m) this.getResourceGroup(decode(m[1]), decode(m[2]));
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
    return Object.values(this.state.roleAssignments)
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
    const existing = this.state.roleAssignments[id];
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
    const duplicate = Object.values(this.state.roleAssignments).find(
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
    this.state.roleAssignments[id] = record;
    this.save();
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

  // ------------------------------------------------------------------------------------------
  // Container groups

  private getGroup(subscriptionId: string, resourceGroup: string, name: string): ContainerGroupRecord {
    this.getResourceGroup(subscriptionId, resourceGroup);
    const group = this.state.containerGroups[key(subscriptionId, resourceGroup, name)];
    if (!group) {
      throw notFound(
        "ResourceNotFound",
        `The Resource 'Microsoft.ContainerInstance/containerGroups/${name}' under resource group '${resourceGroup}' was not found.`,
      );
    }
    return group;
  }

  private putContainerGroup(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    body: unknown,
  ): Reply {
    const rg = this.getResourceGroup(subscriptionId, resourceGroup);
    if (rg.provisioningState === "Deleting") {
      throw new ArmHttpError(
        409,
        "ResourceGroupBeingDeleted",
        `The resource group '${resourceGroup}' is being deleted.`,
      );
    }
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
      throw badRequest(
        "ContainerGroupNameInvalid",
        `The container group name '${name}' is invalid: use 1-63 lowercase letters, digits and dashes.`,
      );
    }
    const existing = this.state.containerGroups[key(subscriptionId, resourceGroup, name)];
    // The emulator does not update groups: a repeated PUT (a retried start) returns the group as it is.
    if (existing) return { status: 200, body: this.containerGroupBody(existing) };
    const { group, secrets } = this.parseContainerGroup(subscriptionId, resourceGroup, name, body);
    const groupKey = key(subscriptionId, resourceGroup, name);
    this.state.containerGroups[groupKey] = group;
    this.pendingSecrets.set(groupKey, secrets);
    this.save();
    const operationId = randomUUID();
    const operation: Operation = { status: "InProgress", startTime: now() };
    this.operations.set(operationId, operation);
    this.later(this.options.containerStartDelayMs, async () => this.provision(groupKey, operation));
    const asyncUrl = `${this.options.baseUrl()}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerInstance/locations/${normalizeLocation(group.location)}/operations/${operationId}?api-version=${ACI_API_VERSION}`;
    return {
      status: 201,
      body: this.containerGroupBody(group),
      headers: { "azure-asyncoperation": asyncUrl },
    };
  }

  private parseContainerGroup(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    body: unknown,
  ): { group: ContainerGroupRecord; secrets: Record<string, string>[] } {
    const invalid = (message: string) => badRequest("InvalidRequestContent", message);
    if (!isObject(body) || typeof body.location !== "string") throw invalid("location is required.");
    const properties = isObject(body.properties) ? body.properties : undefined;
    const containers = properties?.containers;
    if (!Array.isArray(containers) || containers.length === 0)
      throw invalid("properties.containers must not be empty.");
    if (properties?.osType !== "Linux" && properties?.osType !== "Windows")
      throw invalid("properties.osType must be Linux or Windows.");
    const secrets: Record<string, string>[] = [];
    const records: ContainerRecord[] = containers.map((c: unknown, index: number) => {
      const cp = isObject(c) && isObject(c.properties) ? c.properties : undefined;
      const requests =
        isObject(cp?.resources) && isObject(cp.resources.requests) ? cp.resources.requests : undefined;
      if (!isObject(c) || typeof c.name !== "string" || typeof cp?.image !== "string") {
        throw invalid(`containers[${index}] needs a name and properties.image.`);
      }
      if (typeof requests?.cpu !== "number" || typeof requests?.memoryInGB !== "number") {
        throw invalid(`containers[${index}] needs properties.resources.requests.cpu and memoryInGB.`);
      }
      if (
        cp.command !== undefined &&
        !(Array.isArray(cp.command) && cp.command.every((a) => typeof a === "string"))
      ) {
        throw invalid(`containers[${index}].properties.command must be an array of strings.`);
      }
      const variables = Array.isArray(cp.environmentVariables) ? cp.environmentVariables : [];
      const secret: Record<string, string> = {};
      const environment = variables.map((v: unknown) => {
        if (!isObject(v) || typeof v.name !== "string")
          throw invalid(`containers[${index}] has a variable without a name.`);
        if (typeof v.secureValue === "string") {
          secret[v.name] = v.secureValue;
          return { name: v.name, secure: true };
        }
        return { name: v.name, value: typeof v.value === "string" ? v.value : "", secure: false };
      });
      secrets.push(secret);
      return {
        name: c.name,
        image: cp.image,
        command: cp.command as string[] | undefined,
        environment,
        cpu: requests.cpu,
        memoryInGB: requests.memoryInGB,
        currentState: { state: "Waiting", detailStatus: "Pending" },
        events: [],
        folder: join(this.options.stateDir, "containers", `${name}-${c.name}-${randomUUID().slice(0, 8)}`),
      };
    });
    return {
      group: {
        subscriptionId,
        resourceGroup,
        name,
        location: body.location,
        tags: isObject(body.tags) ? (body.tags as Record<string, string>) : undefined,
        identity: body.identity,
        osType: properties.osType,
        restartPolicy: typeof properties.restartPolicy === "string" ? properties.restartPolicy : "Always",
        imageRegistryCredentials: Array.isArray(properties.imageRegistryCredentials)
          ? properties.imageRegistryCredentials
          : undefined,
        provisioningState: "Pending",
        containers: records,
      },
      secrets,
    };
  }

  /** Starts the group's processes, or fails it like ACI when an image cannot be pulled. */
  private provision(groupKey: string, operation: Operation): void {
    const group = this.state.containerGroups[groupKey];
    const secrets = this.pendingSecrets.get(groupKey) ?? [];
    this.pendingSecrets.delete(groupKey);
    if (!group) return;
    const resolved = group.containers.map((c) => this.runtime.resolveImage(c.image));
    const failure = resolved.find((r): r is { error: string } => "error" in r);
    if (failure) {
      group.provisioningState = "Failed";
      group.containers.forEach((c, i) => {
        const r = resolved[i];
        c.currentState = { state: "Waiting", detailStatus: "error" in r ? "ErrImagePull" : "Pending" };
        if ("error" in r) c.events.push(this.event("Warning", "Failed", r.error));
      });
      Object.assign(operation, {
        status: "Failed",
        endTime: now(),
        error: { code: "InaccessibleImage", message: failure.error },
      });
      this.save();
      return;
    }
    group.containers.forEach((c, i) => {
      const environment: Record<string, string> = {};
      for (const v of c.environment) if (!v.secure) environment[v.name] = v.value ?? "";
      Object.assign(environment, secrets[i]);
      c.events.push(this.event("Normal", "Started", `Started container ${c.name}`));
      try {
        c.pid = this.runtime.start(
          {
            image: c.image,
            command: c.command,
            environment,
            folder: c.folder,
            dockerName: `aci-${group.name}-${c.name}`,
          },
          (resolved[i] as { folder: string }).folder,
        );
        c.currentState = { state: "Running", detailStatus: "", startTime: now() };
      } catch (error) {
        c.currentState = {
          state: "Terminated",
          detailStatus: (error as Error).message,
          exitCode: 1,
          finishTime: now(),
        };
      }
    });
    group.provisioningState = "Succeeded";
    Object.assign(operation, { status: "Succeeded", endTime: now() });
    this.save();
  }

  private event(type: "Normal" | "Warning", name: string, message: string) {
    const at = now();
    return { type, name, message, firstTimestamp: at, lastTimestamp: at, count: 1 };
  }

  private containerExited(pid: number, exitCode: number | undefined): void {
    for (const group of Object.values(this.state.containerGroups)) {
      const container = group.containers.find((c) => c.pid === pid && c.currentState.state === "Running");
      if (!container) continue;
      container.pid = undefined;
      container.currentState = {
        ...container.currentState,
        state: "Terminated",
        exitCode,
        finishTime: now(),
        detailStatus:
          exitCode === undefined
            ? "The process ended while the ARM emulator was not running and left no exit code."
            : exitCode === 0
              ? "Completed"
              : "Error",
      };
      container.events.push(this.event("Normal", "Killing", `Container ${container.name} terminated`));
      this.save();
      return;
    }
  }

  private async deleteContainerGroup(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
  ): Promise<Reply> {
    this.getResourceGroup(subscriptionId, resourceGroup);
    const group = this.state.containerGroups[key(subscriptionId, resourceGroup, name)];
    if (!group) return { status: 204 };
    await this.removeContainerGroup(group);
    return { status: 200, body: this.containerGroupBody(group) };
  }

  private async removeContainerGroup(group: ContainerGroupRecord): Promise<void> {
    const groupKey = key(group.subscriptionId, group.resourceGroup, group.name);
    this.pendingSecrets.delete(groupKey);
    await Promise.all(
      group.containers.map(async (c) => {
        if (c.pid !== undefined) await this.runtime.kill(c.pid, `aci-${group.name}-${c.name}`);
      }),
    );
    this.removeFolders(group);
    delete this.state.containerGroups[groupKey];
    this.save();
  }

  private removeFolders(group: ContainerGroupRecord): void {
    for (const c of group.containers) rmSync(c.folder, { recursive: true, force: true });
  }

  private logs(
    method: string,
    [subscriptionId, resourceGroup, name, containerName]: string[],
    query: URLSearchParams,
  ): Reply {
    if (method !== "GET") throw methodNotAllowed(method, "logs");
    const group = this.getGroup(subscriptionId, resourceGroup, name);
    const container = group.containers.find((c) => c.name === containerName);
    if (!container)
      throw notFound(
        "ContainerNotFound",
        `Container '${containerName}' was not found in container group '${name}'.`,
      );
    const tail = query.get("tail");
    return {
      status: 200,
      body: { content: this.runtime.logs(container.folder, tail ? Number(tail) : undefined) },
    };
  }

  private asyncOperation(operationId: string): Reply {
    const operation = this.operations.get(operationId);
    if (!operation) throw notFound("OperationNotFound", `Operation '${operationId}' was not found.`);
    return { status: 200, body: { id: operationId, name: operationId, ...operation } };
  }

  private containerGroupBody(group: ContainerGroupRecord): unknown {
    const states = group.containers.map((c) => c.currentState);
    const groupState =
      group.provisioningState === "Failed"
        ? "Failed"
        : states.every((s) => s.state === "Terminated")
          ? states.every((s) => s.exitCode === 0)
            ? "Succeeded"
            : "Failed"
          : states.some((s) => s.state === "Running")
            ? "Running"
            : "Pending";
    return {
      id: `/subscriptions/${group.subscriptionId}/resourceGroups/${group.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${group.name}`,
      name: group.name,
      type: "Microsoft.ContainerInstance/containerGroups",
      location: group.location,
      tags: group.tags,
      identity: group.identity,
      properties: {
        provisioningState: group.provisioningState,
        osType: group.osType,
        restartPolicy: group.restartPolicy,
        sku: "Standard",
        imageRegistryCredentials: group.imageRegistryCredentials,
        containers: group.containers.map((c) => ({
          name: c.name,
          properties: {
            image: c.image,
            command: c.command,
            environmentVariables: c.environment.map((v) =>
              v.secure ? { name: v.name } : { name: v.name, value: v.value },
            ),
            resources: { requests: { cpu: c.cpu, memoryInGB: c.memoryInGB } },
            instanceView: { restartCount: 0, currentState: c.currentState, events: c.events },
          },
        })),
        instanceView: { state: groupState, events: [] },
      },
    };
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle

  /** After a restart: follow processes still running, finish interrupted work. */
  private recover(): void {
    for (const group of Object.values(this.state.containerGroups)) {
      if (group.provisioningState === "Pending" || group.provisioningState === "Creating") {
        group.provisioningState = "Failed";
        for (const c of group.containers) {
          c.events.push(
            this.event(
              "Warning",
              "Failed",
              "The ARM emulator restarted before the container started; delete the group and create it again.",
            ),
          );
        }
        continue;
      }
      for (const c of group.containers) {
        if (c.currentState.state === "Running" && c.pid !== undefined) this.runtime.adopt(c.pid, c.folder);
      }
    }
    for (const [groupKey, group] of Object.entries(this.state.resourceGroups)) {
      if (group.provisioningState === "Deleting") delete this.state.resourceGroups[groupKey];
    }
    this.save();
  }

  private async killAll(detail: string): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const running = Object.values(this.state.containerGroups).flatMap((group) =>
      group.containers.filter((c) => c.pid !== undefined).map((c) => ({ group, c })),
    );
    await Promise.all(
      running.map(async ({ group, c }) => {
        await this.runtime.kill(c.pid as number, `aci-${group.name}-${c.name}`);
        c.pid = undefined;
        c.currentState = {
          ...c.currentState,
          state: "Terminated",
          exitCode: c.currentState.exitCode ?? 137,
          finishTime: c.currentState.finishTime ?? now(),
          detailStatus: detail,
        };
      }),
    );
  }

  private later(ms: number, work: () => Promise<void> | void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void Promise.resolve(work()).catch((error: unknown) => console.error("ARM emulator:", error));
    }, ms);
    this.timers.add(timer);
  }

  private save(): void {
    this.file.save(this.state);
  }
}
