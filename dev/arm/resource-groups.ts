/**
 * Microsoft.Resources resource groups: create, read, exists, and deletion as a Location long-running
 * operation that removes everything inside the group.
 */
import { ArmContext, ResourceProvider } from "./context";
import {
  ArmHttpError,
  ArmRequest,
  Reply,
  badRequest,
  decode,
  isObject,
  methodNotAllowed,
  normalizeLocation,
  notFound,
  now,
} from "./reply";
import { EmulatorState, ResourceGroupRecord, key } from "./state";

const RG_PATH = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)$/i;
const RESULT_PATH = /^\/subscriptions\/([^/]+)\/operationresults\/([^/]+)$/i;

/** The group, or ARM's ResourceGroupNotFound. */
export function findResourceGroup(
  state: EmulatorState,
  subscriptionId: string,
  name: string,
): ResourceGroupRecord {
  const group = state.resourceGroups[key(subscriptionId, name)];
  if (!group) throw notFound("ResourceGroupNotFound", `Resource group '${name}' could not be found.`);
  return group;
}

/** A group being deleted accepts no new resources, as in ARM. */
export function assertNotDeleting(group: ResourceGroupRecord): void {
  if (group.provisioningState === "Deleting") {
    throw new ArmHttpError(
      409,
      "ResourceGroupBeingDeleted",
      `The resource group '${group.name}' is in deprovisioning state and cannot perform this operation.`,
    );
  }
}

export class ResourceGroups implements ResourceProvider {
  constructor(
    private readonly ctx: ArmContext,
    /** Removes everything inside a group being deleted. */
    private readonly removeContents: (subscriptionId: string, name: string) => Promise<void>,
    /** How long a resource group deletion stays in progress. */
    private readonly lroDurationMs: number,
  ) {}

  route({ method, path, query, body }: ArmRequest): Reply | undefined {
    let m: RegExpExecArray | null;
    if ((m = RG_PATH.exec(path))) {
      const [subscriptionId, name] = m.slice(1).map(decode);
      if (method === "GET")
        return { status: 200, body: this.resourceGroupBody(this.ctx.resourceGroup(subscriptionId, name)) };
      if (method === "HEAD")
        return { status: this.ctx.state.resourceGroups[key(subscriptionId, name)] ? 204 : 404 };
      if (method === "PUT") return this.putResourceGroup(subscriptionId, name, body);
      if (method === "DELETE") return this.deleteResourceGroup(subscriptionId, name, query);
      throw methodNotAllowed(method, path);
    }
    if ((m = RESULT_PATH.exec(path)) && method === "GET")
      return this.operationResult(decode(m[1]), decode(m[2]), query);
    return undefined;
  }

  /** After a restart: a deletion that was under way is finished. */
  recover(): void {
    for (const [groupKey, group] of Object.entries(this.ctx.state.resourceGroups)) {
      if (group.provisioningState === "Deleting") delete this.ctx.state.resourceGroups[groupKey];
    }
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
    const existing = this.ctx.state.resourceGroups[key(subscriptionId, name)];
    if (existing) assertNotDeleting(existing);
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
    this.ctx.state.resourceGroups[key(subscriptionId, name)] = group;
    this.ctx.save();
    return { status: existing ? 200 : 201, body: this.resourceGroupBody(group) };
  }

  private deleteResourceGroup(subscriptionId: string, name: string, query: URLSearchParams): Reply {
    const group = this.ctx.resourceGroup(subscriptionId, name);
    group.provisioningState = "Deleting";
    const deletion = this.removeContents(subscriptionId, name);
    this.ctx.save();
    const { id: operationId, operation } = this.ctx.startOperation();
    this.ctx.later(this.lroDurationMs, async () => {
      await deletion;
      delete this.ctx.state.resourceGroups[key(subscriptionId, name)];
      this.ctx.save();
      Object.assign(operation, { status: "Succeeded", endTime: now() });
    });
    const apiVersion = query.get("api-version") ?? "";
    return { status: 202, headers: { location: this.resultUrl(subscriptionId, operationId, apiVersion) } };
  }

  private operationResult(subscriptionId: string, operationId: string, query: URLSearchParams): Reply {
    const operation = this.ctx.operation(operationId);
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
    return `${this.ctx.baseUrl()}/subscriptions/${subscriptionId}/operationresults/${operationId}?api-version=${encodeURIComponent(apiVersion)}`;
  }
}
