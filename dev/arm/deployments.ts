/**
 * Microsoft.Resources/deployments at resource-group scope: PUT validates the template (400
 * InvalidTemplate, as ARM's validation) and runs it as a long-running operation (Azure-AsyncOperation:
 * Accepted/Running, then Succeeded or Failed), GET, HEAD, list, DELETE, validate, and the operations
 * list. The template's resources are recorded (recorded-resources.ts); nothing real is created.
 */
import { createHash, randomUUID } from "node:crypto";
import { ArmContext, ResourceProvider } from "./context";
import {
  ArmHttpError,
  ArmRequest,
  Reply,
  badRequest,
  decode,
  isObject,
  methodNotAllowed,
  notFound,
  now,
} from "./reply";
import { assertNotDeleting } from "./resource-groups";
import { DeploymentRecord, key } from "./state";
import { TemplateRun } from "./template/deploy";
import { reportedParameters } from "./template/report";
import { TemplateError } from "./template/errors";
import {
  ArmErrorBody,
  DeploymentHost,
  DeploymentOutcome,
  OperationResult,
  RecordedResource,
} from "./template/model";

// ARM serves a group's deployment operations under ".../resourcegroups/{rg}/deployments/..." too (no provider segment).
const BASE =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)(?:\/providers\/microsoft\.resources)?\/deployments(?:\/([^/]+)(?:\/(operations|operationstatuses|validate|cancel)(?:\/([^/]+))?)?)?$/i;
const TENANT_ID = "00000000-0000-0000-0000-000000000000";

export interface DeploymentsOptions {
  /** How long a deployment stays Running before its result shows. */
  durationMs: number;
  /** The named fault (if any) for writing a resource, as for a PUT of its id. */
  resourceFault(method: string, path: string): { code: string; message: string } | undefined;
  /** Removes everything in the group that a Complete-mode deployment did not deploy; returns what went. */
  removeOthers(
    subscriptionId: string,
    resourceGroup: string,
    keep: Set<string>,
  ): Promise<{ id: string; type: string; name: string }[]>;
}

export function deploymentId(d: { subscriptionId: string; resourceGroup: string; name: string }): string {
  return `/subscriptions/${d.subscriptionId}/resourceGroups/${d.resourceGroup}/providers/Microsoft.Resources/deployments/${d.name}`;
}

function templateHash(template: unknown): string {
  return BigInt(
    `0x${createHash("sha256").update(JSON.stringify(template)).digest("hex").slice(0, 15)}`,
  ).toString();
}

function body(d: DeploymentRecord): unknown {
  return {
    id: deploymentId(d),
    name: d.name,
    type: "Microsoft.Resources/deployments",
    tags: d.tags,
    properties: {
      templateHash: d.templateHash,
      parameters: d.parameters,
      mode: d.mode,
      provisioningState: d.provisioningState,
      timestamp: d.timestamp,
      duration: d.duration,
      correlationId: d.correlationId,
      providers: [],
      dependencies: [],
      outputs: d.outputs,
      outputResources: d.outputResources.map((id) => ({ id })),
      error: d.error,
    },
  };
}

function operationBody(d: DeploymentRecord, op: OperationResult): unknown {
  const { operationId, error, provisioningOperation, ...properties } = op;
  return {
    id: `${deploymentId(d)}/operations/${operationId}`,
    operationId,
    properties: {
      provisioningOperation: provisioningOperation ?? "Create",
      ...properties,
      statusMessage: error ? { status: "Failed", error } : { status: "Succeeded" },
    },
  };
}

export class Deployments implements ResourceProvider {
  constructor(
    private readonly ctx: ArmContext,
    private readonly options: DeploymentsOptions,
  ) {}

  route({ method, path, query, body: request }: ArmRequest): Promise<Reply> | Reply | undefined {
    const m = BASE.exec(path);
    if (!m) return undefined;
    const [subscriptionId, resourceGroup, name, action, item] = m
      .slice(1)
      .map((s) => (s === undefined ? s : decode(s)));
    this.ctx.resourceGroup(subscriptionId, resourceGroup);
    if (name === undefined) {
      if (method !== "GET") throw methodNotAllowed(method, path);
      const prefix = `${key(subscriptionId, resourceGroup)}/`;
      const value = Object.entries(this.ctx.state.deployments)
        .filter(([k]) => k.startsWith(prefix))
        .map(([, d]) => body(d));
      return { status: 200, body: { value } };
    }
    const id = key(subscriptionId, resourceGroup, name);
    const record = this.ctx.state.deployments[id];
    const required = () => {
      if (!record) throw notFound("DeploymentNotFound", `Deployment '${name}' could not be found.`);
      return record;
    };
    switch (action?.toLowerCase()) {
      case undefined:
        if (method === "GET") return { status: 200, body: body(required()) };
        if (method === "HEAD") return { status: record ? 204 : 404 };
        if (method === "PUT") return this.put(subscriptionId, resourceGroup, name, request, query);
        if (method === "DELETE") return this.delete(id, record);
        throw methodNotAllowed(method, path);
      case "validate":
        if (method !== "POST") throw methodNotAllowed(method, path);
        return this.validate(subscriptionId, resourceGroup, name, request);
      case "operations": {
        if (method !== "GET") throw methodNotAllowed(method, path);
        const d = required();
        if (item === undefined)
          return { status: 200, body: { value: d.operations.map((op) => operationBody(d, op)) } };
        const op = d.operations.find((o) => o.operationId.toLowerCase() === item.toLowerCase());
        if (!op)
          throw notFound("DeploymentOperationNotFound", `Deployment operation '${item}' could not be found.`);
        return { status: 200, body: operationBody(d, op) };
      }
      case "operationstatuses": {
        if (method !== "GET" || item === undefined) throw methodNotAllowed(method, path);
        const operation = this.ctx.operation(item);
        if (!operation) throw notFound("OperationNotFound", `Operation '${item}' was not found.`);
        return { status: 200, body: { status: operation.status, error: operation.error } };
      }
      default:
        throw notFound("NotSupportedByEmulator", `The ARM emulator does not serve ${method} ${path}.`);
    }
  }

  /** After a restart: a deployment that was running lost its secure values and its run; it failed. */
  recover(): void {
    for (const d of Object.values(this.ctx.state.deployments)) {
      if (d.provisioningState === "Accepted" || d.provisioningState === "Running") {
        d.provisioningState = "Failed";
        d.error = {
          code: "DeploymentInterrupted",
          message: "The ARM emulator restarted while this deployment ran; deploy it again.",
        };
      }
    }
  }

  removeIn(subscriptionId: string, resourceGroup: string): void {
    const prefix = `${key(subscriptionId, resourceGroup)}/`;
    for (const id of Object.keys(this.ctx.state.deployments))
      if (id.startsWith(prefix)) delete this.ctx.state.deployments[id];
  }

  private prepare(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    request: unknown,
  ): { run: TemplateRun; mode: "Incremental" | "Complete"; template: unknown } {
    const group = this.ctx.resourceGroup(subscriptionId, resourceGroup);
    assertNotDeleting(group);
    const properties = isObject(request) && isObject(request.properties) ? request.properties : undefined;
    if (!properties) throw badRequest("InvalidRequestContent", "The request content must have 'properties'.");
    if (properties.onErrorDeployment !== undefined) {
      throw badRequest(
        "InvalidRequestContent",
        "The ARM emulator does not run onErrorDeployment (rollback on error).",
      );
    }
    if (properties.templateLink !== undefined || properties.parametersLink !== undefined) {
      throw badRequest(
        "InvalidTemplate",
        "The ARM emulator reads no URLs: send 'template' and 'parameters' inline, not templateLink or parametersLink.",
      );
    }
    const mode = typeof properties.mode === "string" ? properties.mode.toLowerCase() : "";
    if (mode !== "incremental" && mode !== "complete") {
      throw badRequest(
        "InvalidDeploymentMode",
        `The deployment mode '${String(properties.mode)}' is not valid: use Incremental or Complete.`,
      );
    }
    const host = this.host();
    try {
      const run = new TemplateRun(
        {
          template: properties.template,
          parameters: properties.parameters,
          target: {
            subscriptionId,
            tenantId: TENANT_ID,
            resourceGroup: {
              id: `/subscriptions/${subscriptionId}/resourceGroups/${group.name}`,
              name: group.name,
              location: group.location,
              tags: group.tags,
            },
            deploymentName: name,
          },
        },
        host,
      );
      return { run, mode: mode === "complete" ? "Complete" : "Incremental", template: properties.template };
    } catch (error) {
      if (error instanceof TemplateError)
        throw new ArmHttpError(400, error.code, `Deployment template validation failed: '${error.message}'`);
      throw error;
    }
  }

  private put(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    request: unknown,
    query: URLSearchParams,
  ): Reply {
    if (!/^[-\w.()]{1,64}$/.test(name)) {
      throw badRequest(
        "InvalidDeploymentName",
        `The deployment name '${name}' is invalid: use 1-64 letters, digits and -._() characters.`,
      );
    }
    const id = key(subscriptionId, resourceGroup, name);
    const existing = this.ctx.state.deployments[id];
    if (existing && (existing.provisioningState === "Accepted" || existing.provisioningState === "Running")) {
      throw new ArmHttpError(
        409,
        "DeploymentActive",
        `Unable to edit or replace deployment '${name}': previous deployment from '${existing.timestamp}' is still active.`,
      );
    }
    const { run, mode, template } = this.prepare(subscriptionId, resourceGroup, name, request);
    const record: DeploymentRecord = {
      subscriptionId,
      resourceGroup: this.ctx.resourceGroup(subscriptionId, resourceGroup).name,
      name,
      mode,
      provisioningState: "Accepted",
      timestamp: now(),
      correlationId: randomUUID(),
      templateHash: templateHash(template),
      parameters: reportedParameters(run.bound),
      outputResources: [],
      operations: [],
      tags:
        isObject(request) && isObject(request.tags) ? (request.tags as Record<string, string>) : undefined,
    };
    this.ctx.state.deployments[id] = record;
    this.ctx.save();
    const accepted = body(record);
    const { id: operationId, operation } = this.ctx.startOperation();
    Object.assign(operation, { status: "Running" });
    record.provisioningState = "Running";
    const started = Date.now();
    this.ctx.later(this.options.durationMs, async () => {
      const outcome = run.run();
      const removed =
        outcome.provisioningState === "Succeeded" && mode === "Complete"
          ? await this.complete(record, outcome)
          : [];
      this.finish(record, outcome, started, removed);
      Object.assign(operation, { status: record.provisioningState, endTime: now(), error: record.error });
    });
    const asyncUrl = `${this.ctx.baseUrl()}${deploymentId(record)}/operationStatuses/${operationId}?api-version=${encodeURIComponent(query.get("api-version") ?? "")}`;
    return { status: existing ? 200 : 201, body: accepted, headers: { "azure-asyncoperation": asyncUrl } };
  }

  private async complete(record: DeploymentRecord, outcome: DeploymentOutcome): Promise<OperationResult[]> {
    const keep = new Set(
      [...outcome.resourceIds, ...outcome.nested.flatMap((n) => n.outcome.resourceIds)].map((i) =>
        i.toLowerCase(),
      ),
    );
    const removed = await this.options.removeOthers(record.subscriptionId, record.resourceGroup, keep);
    return removed.map((r) => ({
      operationId: randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase(),
      provisioningOperation: "Delete",
      provisioningState: "Succeeded",
      timestamp: now(),
      duration: "PT0S",
      statusCode: "OK",
      targetResource: { id: r.id, resourceType: r.type, resourceName: r.name },
    }));
  }

  private finish(
    record: DeploymentRecord,
    outcome: DeploymentOutcome,
    started: number,
    removed: OperationResult[],
  ): void {
    for (const nested of outcome.nested) {
      const n = nested.outcome;
      this.ctx.state.deployments[key(nested.subscriptionId, nested.resourceGroup, nested.name)] = {
        subscriptionId: nested.subscriptionId,
        resourceGroup: nested.resourceGroup,
        name: nested.name,
        mode: "Incremental",
        provisioningState: n.provisioningState,
        timestamp: now(),
        duration: "PT0S",
        correlationId: record.correlationId,
        templateHash: record.templateHash,
        parameters: nested.parameters,
        outputs: n.provisioningState === "Succeeded" ? n.outputs : undefined,
        outputResources: n.resourceIds,
        error: n.error,
        operations: n.operations,
      };
    }
    Object.assign(record, {
      provisioningState: outcome.provisioningState,
      duration: `PT${((Date.now() - started) / 1000).toFixed(3)}S`,
      outputs: outcome.provisioningState === "Succeeded" ? outcome.outputs : undefined,
      outputResources: outcome.resourceIds,
      error: outcome.error,
      operations: [...outcome.operations, ...removed],
    });
    this.ctx.save();
  }

  private validate(subscriptionId: string, resourceGroup: string, name: string, request: unknown): Reply {
    try {
      const { run, mode, template } = this.prepare(subscriptionId, resourceGroup, name, request);
      const record = {
        subscriptionId,
        resourceGroup,
        name,
        mode,
        provisioningState: "Succeeded",
        timestamp: now(),
        correlationId: randomUUID(),
        templateHash: templateHash(template),
        parameters: reportedParameters(run.bound),
        outputResources: [],
        operations: [],
      } satisfies DeploymentRecord;
      return { status: 200, body: body(record) };
    } catch (error) {
      if (error instanceof ArmHttpError && error.status === 400) {
        return { status: 400, body: { error: { code: error.code, message: error.message } } };
      }
      throw error;
    }
  }

  private delete(id: string, record: DeploymentRecord | undefined): Reply {
    if (!record) return { status: 204 };
    if (record.provisioningState === "Accepted" || record.provisioningState === "Running") {
      throw new ArmHttpError(409, "DeploymentActive", `The deployment '${record.name}' is still running.`);
    }
    // Deleting a deployment removes its record, never the resources it deployed (as in ARM).
    delete this.ctx.state.deployments[id];
    this.ctx.save();
    return { status: 200 };
  }

  private host(): DeploymentHost {
    return {
      resourceGroup: (subscriptionId, name) => {
        const group = this.ctx.state.resourceGroups[key(subscriptionId, name)];
        if (!group || group.provisioningState === "Deleting") return undefined;
        return {
          id: `/subscriptions/${subscriptionId}/resourceGroups/${group.name}`,
          name: group.name,
          location: group.location,
          tags: group.tags,
        };
      },
      existing: (id) => this.ctx.state.resources[id.toLowerCase()],
      provision: (resource: RecordedResource): ArmErrorBody | undefined => {
        const m = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\//i.exec(resource.id);
        if (!m) {
          return {
            code: "UnsupportedScope",
            message: `The ARM emulator records only resources inside a resource group, not '${resource.id}'.`,
          };
        }
        const group = this.ctx.state.resourceGroups[key(m[1], m[2])];
        if (!group || group.provisioningState === "Deleting") {
          return { code: "ResourceGroupNotFound", message: `Resource group '${m[2]}' could not be found.` };
        }
        const fault = this.options.resourceFault("PUT", resource.id);
        if (fault) return { code: fault.code, message: fault.message };
        this.ctx.state.resources[resource.id.toLowerCase()] = resource;
        return undefined;
      },
    };
  }
}
