/**
 * The resources template deployments record, read as ARM's generic resource API serves them: GET (any
 * api-version) and DELETE by id, and the list of a resource group's resources. They are records only:
 * nothing behind them exists or runs.
 */
import { ArmContext, ResourceProvider } from "./context";
import { ArmRequest, Reply, badRequest, decode, notFound } from "./reply";
import { key } from "./state";
import { RecordedResource } from "./template/model";

const LIST_PATH = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/resources$/i;
const IN_GROUP = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/(.+)$/i;

export function groupPrefix(subscriptionId: string, resourceGroup: string): string {
  return `${key("/subscriptions", subscriptionId, "resourcegroups", resourceGroup)}/`;
}

export function resourceBody(r: RecordedResource): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    location: r.location,
    tags: r.tags,
    sku: r.sku,
    kind: r.kind,
    identity: r.identity,
    plan: r.plan,
    zones: r.zones,
    properties: { ...(r.properties as object), provisioningState: "Succeeded" },
  };
}

export class RecordedResources implements ResourceProvider {
  constructor(private readonly ctx: ArmContext) {}

  /** Answers requests for recorded ids and group listings; leaves everything else to the other providers. */
  route({ method, path, query }: ArmRequest): Reply | undefined {
    const list = LIST_PATH.exec(path);
    if (list && method === "GET") {
      const [subscriptionId, resourceGroup] = list.slice(1).map(decode);
      this.ctx.resourceGroup(subscriptionId, resourceGroup);
      return {
        status: 200,
        body: { value: this.inGroup(subscriptionId, resourceGroup, query.get("$filter")) },
      };
    }
    const recorded = this.ctx.state.resources[decode(path).toLowerCase()];
    if (!recorded) return undefined;
    if (method === "GET") return { status: 200, body: resourceBody(recorded) };
    if (method === "HEAD") return { status: 204 };
    if (method === "DELETE") {
      delete this.ctx.state.resources[recorded.id.toLowerCase()];
      this.ctx.save();
      return { status: 200 };
    }
    return undefined;
  }

  /** For a path no provider serves: a GET of a resource in an existing group is ARM's ResourceNotFound. */
  notFound({ method, path }: ArmRequest): Reply | undefined {
    const m = IN_GROUP.exec(path);
    if (!m || (method !== "GET" && method !== "HEAD")) return undefined;
    const [subscriptionId, resourceGroup, rest] = m.slice(1).map(decode);
    const parts = rest.split("/");
    // A namespace with type/name pairs names one resource; anything else is a collection the emulator does not list.
    if (parts.length < 3 || parts.length % 2 === 0) return undefined;
    this.ctx.resourceGroup(subscriptionId, resourceGroup);
    if (method === "HEAD") return { status: 404 };
    const type = [parts[0], ...parts.slice(1).filter((_, i) => i % 2 === 0)].join("/");
    const name = parts.filter((_, i) => i > 0 && i % 2 === 0).join("/");
    throw notFound(
      "ResourceNotFound",
      `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found.`,
    );
  }

  /** Removes the group's recorded resources, except those `keep` names (lower-case ids); returns the removed. */
  removeIn(subscriptionId: string, resourceGroup: string, keep: Set<string> = new Set()): RecordedResource[] {
    const prefix = groupPrefix(subscriptionId, resourceGroup);
    const removed: RecordedResource[] = [];
    for (const [id, resource] of Object.entries(this.ctx.state.resources)) {
      if (id.startsWith(prefix) && !keep.has(id)) {
        removed.push(resource);
        delete this.ctx.state.resources[id];
      }
    }
    return removed;
  }

  private inGroup(subscriptionId: string, resourceGroup: string, filter: string | null): unknown[] {
    const byType = filter ? /^\s*resourceType\s+eq\s+'([^']+)'\s*$/i.exec(filter) : undefined;
    if (filter && !byType) {
      throw badRequest(
        "UnsupportedFilter",
        `The ARM emulator supports only resourceType eq '…' filters, not '${filter}'.`,
      );
    }
    const prefix = groupPrefix(subscriptionId, resourceGroup);
    const containerGroups = Object.values(this.ctx.state.containerGroups)
      .filter((g) => key(g.subscriptionId, g.resourceGroup) === key(subscriptionId, resourceGroup))
      .map((g) => ({
        id: `/subscriptions/${g.subscriptionId}/resourceGroups/${g.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${g.name}`,
        name: g.name,
        type: "Microsoft.ContainerInstance/containerGroups",
        location: g.location,
        tags: g.tags,
      }));
    const recorded = Object.entries(this.ctx.state.resources)
      .filter(([id]) => id.startsWith(prefix))
      .map(([, r]) => ({
        id: r.id,
        name: r.name,
        type: r.type,
        location: r.location,
        tags: r.tags,
        sku: r.sku,
        kind: r.kind,
      }));
    return [...recorded, ...containerGroups].filter(
      (r) => !byType || r.type.toLowerCase() === byType[1].toLowerCase(),
    );
  }
}
