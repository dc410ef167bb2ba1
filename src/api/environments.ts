/**
 * Data-plane handlers for environments and their operations, shaped per the contract: PUT answers
 * 201 + Operation-Location, DELETE 202 + Location/Operation-Location with an OperationStatus body,
 * and `/operationstatuses/{id}` is what clients poll.
 */
import {
  type DevCenterConfig,
  findCatalog,
  findProjectEnvironmentType,
  isAdmin,
  type ProjectConfig,
} from "../core/devcenter-config";
import { isUuid } from "../core/names";
import { isTerminalOperationState } from "../core/states";
import { resolveParameters } from "../core/parameters";
import { formatIssues } from "../core/result";
import {
  CONTAINERS,
  environmentOutputsBlob,
  operationLogBlob,
  type EnvironmentRecord,
  type OperationRecord,
  type ResourceGroupClaim,
} from "../storage/records";
import { definitionOfEnvironment, pinDefinition, type DefinitionFinder } from "../operations/definitions";
import type { BlobStore, RecordStore } from "../storage/ports";
import { updateRecord } from "../storage/update-record";
import {
  type AcceptedOperation,
  type OperationScheduler,
  RequestRejected,
  requestDelete,
  requestDeploy,
} from "../operations/requests";
import type { Caller } from "./auth";
import { hasAdminRole } from "./auth";
import { requireName, requireProject, resolveUserId } from "./authz";
import { ApiError, jsonResponse, notFound, type ApiRequest, type ApiResponse } from "./http";
import { page } from "./paging";
import type { CallContext, Handler } from "./pipeline";
import type { ApiBaseDeps } from "./ports";

export interface EnvironmentApiDeps extends ApiBaseDeps {
  devCenter: DevCenterConfig;
  catalogs: DefinitionFinder;
  environments: RecordStore<EnvironmentRecord>;
  operations: RecordStore<OperationRecord>;
  resourceGroupClaims: RecordStore<ResourceGroupClaim>;
  blobs: Pick<BlobStore, "get" | "readLog">;
  scheduler: OperationScheduler;
  now(): Date;
}

type H = Handler<EnvironmentApiDeps>;
type Call = CallContext<EnvironmentApiDeps>;

interface EnvironmentTarget {
  project: ProjectConfig;
  user: string;
  name: string;
}

/** The project and user of the path; members act on their own environments, admins on everyone's. */
function target(request: ApiRequest, call: Call, withName: boolean): EnvironmentTarget {
  const project = requireProject(call.deps.devCenter, request.params.projectName, call.caller);
  const user = resolveUserId(request.params.userId, call.caller);
  if (user !== call.caller.objectId.toLowerCase() && !canAdminister(project, call.caller)) {
    throw new ApiError(
      403,
      "Forbidden",
      `Only project admins may act on another user's environments in project ${project.name}.`,
    );
  }
  const name = withName ? requireName(request.params.environmentName, "environmentName") : "";
  return { project, user, name };
}

function canAdminister(project: ProjectConfig, caller: Caller): boolean {
  return hasAdminRole(caller) || isAdmin(project, caller.objectId);
}

function environmentUri(baseUrl: string, record: EnvironmentRecord): string {
  return `${baseUrl}/projects/${record.project}/users/${record.user}/environments/${record.name}`;
}

function operationStatusId(project: string, operationId: string): string {
  return `/projects/${project}/operationstatuses/${operationId}`;
}

function environmentView(baseUrl: string, record: EnvironmentRecord): Record<string, unknown> {
  return {
    uri: environmentUri(baseUrl, record),
    name: record.name,
    environmentType: record.environmentType,
    catalogName: record.catalogName,
    environmentDefinitionName: record.environmentDefinitionName,
    parameters: record.parameters,
    user: record.user,
    provisioningState: record.provisioningState,
    ...(record.resourceGroupId !== undefined && { resourceGroupId: record.resourceGroupId }),
    ...(record.expirationDate !== undefined && { expirationDate: record.expirationDate }),
    ...(record.error !== undefined && { error: record.error }),
  };
}

function operationStatusView(record: OperationRecord): Record<string, unknown> {
  return {
    id: operationStatusId(record.project, record.id),
    name: record.id,
    status: record.status,
    resourceId: `/projects/${record.project}/users/${record.user}/environments/${record.environmentName}`,
    startTime: record.startTime,
    ...(record.endTime !== undefined && { endTime: record.endTime }),
    ...(record.error !== undefined && { error: record.error }),
  };
}

function operationView(baseUrl: string, record: OperationRecord): Record<string, unknown> {
  return {
    uri: `${baseUrl}/projects/${record.project}/users/${record.user}/environments/${record.environmentName}/operations/${record.id}`,
    operationId: record.id,
    kind: record.kind === "deploy" ? "Deploy" : "Delete",
    status: record.status,
    createdByObjectId: record.createdBy,
    startTime: record.startTime,
    ...(record.endTime !== undefined && { endTime: record.endTime }),
    environmentParameters: record.environmentParameters,
    ...(record.error !== undefined && { error: record.error }),
  };
}

/** Location headers of an accepted operation. */
function operationLocation(baseUrl: string, operation: OperationRecord): Record<string, string> {
  const url = `${baseUrl}${operationStatusId(operation.project, operation.id)}?api-version=${LOCATION_API_VERSION}`;
  return { "operation-location": url, location: url };
}

// Clients poll with the version they were given; this is the contract's version.
const LOCATION_API_VERSION = "2026-01-01-preview";

async function readEnvironment(deps: EnvironmentApiDeps, t: EnvironmentTarget): Promise<EnvironmentRecord> {
  const stored = await deps.environments.get(t.project.name, t.name);
  if (!stored || stored.value.user !== t.user) {
    throw notFound("EnvironmentNotFound", `The environment ${t.name} does not exist.`, "environmentName");
  }
  return stored.value;
}

function rejected(error: unknown): never {
  if (error instanceof RequestRejected) throw new ApiError(error.status, error.code, error.message);
  throw error;
}

interface DeployBody {
  environmentType: string;
  catalogName: string;
  environmentDefinitionName: string;
  parameters?: unknown;
  expirationDate?: string;
}

function readDeployBody(body: unknown, now: Date): DeployBody {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "InvalidRequestBody", "The request body must be a JSON object (an Environment).");
  }
  const fields = body as Record<string, unknown>;
  for (const field of ["environmentType", "catalogName", "environmentDefinitionName"]) {
    if (typeof fields[field] !== "string" || fields[field] === "") {
      throw new ApiError(400, "InvalidRequestBody", `The request body needs ${field} (a string).`, {
        target: field,
      });
    }
  }
  if (fields.expirationDate !== undefined) readExpirationDate(fields.expirationDate, now);
  return fields as unknown as DeployBody;
}

/** An expirationDate of a request: an RFC 3339 date-time in the future, as ISO text. */
function readExpirationDate(value: unknown, now: Date): string {
  const time = typeof value === "string" ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    throw new ApiError(400, "InvalidRequestBody", "expirationDate must be an RFC 3339 date-time.", {
      target: "expirationDate",
    });
  }
  if (time <= now.getTime()) {
    throw new ApiError(400, "InvalidExpirationDate", "expirationDate must be in the future.", {
      target: "expirationDate",
    });
  }
  return new Date(time).toISOString();
}

export const putEnvironment: H = async (request, call) => {
  const { deps, caller, baseUrl } = call;
  const t = target(request, call, true);
  const body = readDeployBody(request.body, deps.now());

  const type = findProjectEnvironmentType(deps.devCenter, t.project.name, body.environmentType);
  if (!type) {
    throw notFound(
      "EnvironmentTypeNotFound",
      `The project ${t.project.name} has no environment type ${body.environmentType}.`,
      "environmentType",
    );
  }
  if (type.status !== "Enabled") {
    throw new ApiError(
      400,
      "EnvironmentTypeDisabled",
      `The environment type ${type.environmentType} is disabled in project ${t.project.name}.`,
      { target: "environmentType" },
    );
  }
  const catalog = findCatalog(deps.devCenter, t.project, body.catalogName);
  if (!catalog) {
    throw notFound(
      "CatalogNotFound",
      `The project ${t.project.name} has no catalog ${body.catalogName}.`,
      "catalogName",
    );
  }
  const found = await pinDefinition(deps.catalogs, catalog, body.environmentDefinitionName);
  if (!found) {
    throw notFound(
      "EnvironmentDefinitionNotFound",
      `The catalog ${catalog.name} has no environment definition ${body.environmentDefinitionName}.`,
      "environmentDefinitionName",
    );
  }
  const parameters = resolveParameters(found.manifest, body.parameters, "parameters");
  if (!parameters.ok) {
    throw new ApiError(
      400,
      "InvalidParameters",
      `The parameters are not valid:\n${formatIssues(parameters.errors)}`,
      {
        target: "parameters",
        details: parameters.errors.map((issue) => ({
          code: "InvalidParameter",
          message: issue.message,
          target: issue.pointer,
        })),
      },
    );
  }

  const accepted: AcceptedOperation = await requestDeploy(deps, {
    project: t.project.name,
    environmentName: t.name,
    user: t.user,
    createdBy: caller.objectId.toLowerCase(),
    environmentType: type.environmentType,
    catalogName: catalog.name,
    environmentDefinitionName: found.definition.name,
    parameters: parameters.value,
    ...(body.expirationDate !== undefined && { expirationDate: new Date(body.expirationDate).toISOString() }),
    definition: found.definition,
  }).catch(rejected);
  return jsonResponse(
    environmentView(baseUrl, accepted.environment),
    201,
    operationLocation(baseUrl, accepted.operation),
  );
};

/**
 * PATCH (application/merge-patch+json): the only property that changes after creation is
 * expirationDate; null removes it.
 */
export const patchEnvironment: H = async (request, call) => {
  const t = target(request, call, true);
  const body = request.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "InvalidRequestBody", "The request body must be a JSON object (merge patch).");
  }
  const unknown = Object.keys(body).filter((key) => key !== "expirationDate");
  if (unknown.length > 0) {
    throw new ApiError(
      400,
      "InvalidRequestBody",
      `Only expirationDate can change after an environment is created, not ${unknown.join(", ")}.`,
      { target: unknown[0] },
    );
  }
  const value = (body as { expirationDate?: unknown }).expirationDate;
  const now = call.deps.now();
  const expirationDate = value === null || value === undefined ? undefined : readExpirationDate(value, now);
  await readEnvironment(call.deps, t);
  const updated = await updateRecord(
    call.deps.environments,
    t.project.name,
    t.name,
    (record): EnvironmentRecord => ({
      ...record,
      expirationDate: value === undefined ? record.expirationDate : expirationDate,
      updatedAt: now.toISOString(),
    }),
  );
  if (!updated)
    throw notFound("EnvironmentNotFound", `The environment ${t.name} does not exist.`, "environmentName");
  return jsonResponse(environmentView(call.baseUrl, updated));
};

// ---------------------------------------------------------------------------------------------
// Actions: the scheduled deletion of an environment. Ours has one, `expire`, from expirationDate.

const EXPIRE_ACTION = "expire";

function actionView(baseUrl: string, record: EnvironmentRecord): Record<string, unknown> | undefined {
  if (record.expirationDate === undefined) return undefined;
  return {
    uri: `${environmentUri(baseUrl, record)}/actions/${EXPIRE_ACTION}`,
    name: EXPIRE_ACTION,
    actionType: "Delete",
    next: { scheduledTime: record.expirationDate },
    ...(record.expirationModified && {
      lastModifiedBy: record.expirationModified.by,
      lastModifiedAt: record.expirationModified.at,
    }),
  };
}

export const listActions: H = async (request, call) => {
  const t = target(request, call, true);
  const action = actionView(call.baseUrl, await readEnvironment(call.deps, t));
  return jsonResponse(page(action ? [action] : [], request));
};

function requireAction(
  record: EnvironmentRecord,
  name: string | undefined,
  baseUrl: string,
): Record<string, unknown> {
  const action = name?.toLowerCase() === EXPIRE_ACTION ? actionView(baseUrl, record) : undefined;
  if (!action) {
    throw notFound(
      "ActionNotFound",
      `The environment ${record.name} has no action ${name ?? ""}.`,
      "actionName",
    );
  }
  return action;
}

export const getAction: H = async (request, call) => {
  const t = target(request, call, true);
  return jsonResponse(
    requireAction(await readEnvironment(call.deps, t), request.params.actionName, call.baseUrl),
  );
};

/** POST `.../actions/expire:skip` (no expiration any more) and `.../actions/expire:delay?until=` (a later one). */
export const runAction: H = async (request, call) => {
  const t = target(request, call, true);
  const [name, verb] = (request.params.actionName ?? "").split(":");
  requireAction(await readEnvironment(call.deps, t), name, call.baseUrl);
  if (verb !== "skip" && verb !== "delay") {
    throw new ApiError(404, "ActionNotFound", "An action can be skipped (:skip) or delayed (:delay?until=).");
  }
  const now = call.deps.now();
  const until =
    verb === "delay" ? readExpirationDate(request.url.searchParams.get("until") ?? "", now) : undefined;
  const updated = await updateRecord(
    call.deps.environments,
    t.project.name,
    t.name,
    (record): EnvironmentRecord => ({
      ...record,
      expirationDate: until,
      expirationModified: { by: call.caller.objectId.toLowerCase(), at: now.toISOString() },
      updatedAt: now.toISOString(),
    }),
  );
  if (!updated)
    throw notFound("EnvironmentNotFound", `The environment ${t.name} does not exist.`, "environmentName");
  return verb === "skip" ? { status: 204 } : jsonResponse(actionView(call.baseUrl, updated));
};

export const getEnvironment: H = async (request, call) => {
  const t = target(request, call, true);
  return jsonResponse(environmentView(call.baseUrl, await readEnvironment(call.deps, t)));
};

export const deleteEnvironment: H = async (request, call) => {
  const { deps, caller, baseUrl } = call;
  const t = target(request, call, true);
  const force = parseForce(request.url.searchParams.get("force"));
  const stored = await deps.environments.get(t.project.name, t.name);
  if (!stored || stored.value.user !== t.user) return { status: 204 };

  const definition = await definitionOfEnvironment(deps.devCenter, deps.catalogs, stored.value);
  const accepted = await requestDelete(deps, {
    project: t.project.name,
    environmentName: t.name,
    user: t.user,
    createdBy: caller.objectId.toLowerCase(),
    ...(definition && { definition }),
    force,
  }).catch(rejected);
  return jsonResponse(
    operationStatusView(accepted.operation),
    202,
    operationLocation(baseUrl, accepted.operation),
  );
};

function parseForce(value: string | null): boolean {
  if (value === null || value === "false") return false;
  if (value === "true") return true;
  throw new ApiError(400, "InvalidQueryParameter", "force must be true or false.", { target: "force" });
}

export const listEnvironmentsByUser: H = async (request, call) => {
  const t = target(request, call, false);
  const records = await call.deps.environments.list(t.project.name);
  const mine = records.map((r) => r.value).filter((r) => r.user === t.user);
  return jsonResponse(
    page(
      mine.map((r) => environmentView(call.baseUrl, r)),
      request,
    ),
  );
};

export const listEnvironments: H = async (request, { deps, caller, baseUrl }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const records = await deps.environments.list(project.name);
  return jsonResponse(
    page(
      records.map((r) => environmentView(baseUrl, r.value)),
      request,
    ),
  );
};

export const getOutputs: H = async (request, call) => {
  const t = target(request, call, true);
  await readEnvironment(call.deps, t);
  const blob = await call.deps.blobs.get(
    CONTAINERS.environments,
    environmentOutputsBlob(t.project.name, t.name),
  );
  return jsonResponse(blob ? JSON.parse(blob.toString("utf8")) : { outputs: {} });
};

async function readOperation(
  call: Call,
  t: EnvironmentTarget,
  operationId: string | undefined,
): Promise<OperationRecord> {
  const id = requireOperationId(operationId);
  const stored = await call.deps.operations.get(t.project.name, id);
  if (!stored || stored.value.environmentName !== t.name || stored.value.user !== t.user) {
    throw notFound("OperationNotFound", `The operation ${id} does not exist.`, "operationId");
  }
  return stored.value;
}

function requireOperationId(value: string | undefined): string {
  if (value === undefined || !isUuid(value)) {
    throw new ApiError(400, "InvalidOperationId", "The operationId must be a uuid.", {
      target: "operationId",
    });
  }
  return value.toLowerCase();
}

export const listOperations: H = async (request, call) => {
  const t = target(request, call, true);
  const records = await call.deps.operations.list(t.project.name);
  const ofEnvironment = records
    .map((r) => r.value)
    .filter((r) => r.environmentName === t.name && r.user === t.user)
    .sort((a, b) => b.startTime.localeCompare(a.startTime));
  return jsonResponse(
    page(
      ofEnvironment.map((r) => operationView(call.baseUrl, r)),
      request,
    ),
  );
};

/**
 * POST `.../operations/{operationId}:cancel` (ours; the contract has no cancel): the owner or an admin
 * stops a running operation. The runner is stopped, its role revoked, and the operation ends Canceled.
 */
export const cancelOperation: H = async (request, call) => {
  const t = target(request, call, true);
  const action = request.params.operationId ?? "";
  if (!action.endsWith(":cancel")) {
    throw new ApiError(404, "ActionNotFound", "The only action on an operation is :cancel.");
  }
  const operation = await readOperation(call, t, action.slice(0, -":cancel".length));
  if (isTerminalOperationState(operation.status)) {
    throw new ApiError(
      409,
      "OperationNotRunning",
      `The operation ${operation.id} has already ended (${operation.status}).`,
    );
  }
  await call.deps.scheduler.cancel(operation.id, call.caller.objectId.toLowerCase());
  return jsonResponse(operationStatusView(operation), 202, operationLocation(call.baseUrl, operation));
};

export const getOperation: H = async (request, call) => {
  const t = target(request, call, true);
  return jsonResponse(operationView(call.baseUrl, await readOperation(call, t, request.params.operationId)));
};

/** The operation's log as text; readable while the operation runs. */
export const getOperationLogs: H = async (request, call): Promise<ApiResponse> => {
  const t = target(request, call, true);
  const operation = await readOperation(call, t, request.params.operationId);
  const text = await call.deps.blobs.readLog(
    CONTAINERS.logs,
    operationLogBlob(operation.project, operation.id),
  );
  return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: text ?? "" };
};

export const getOperationStatus: H = async (request, { deps, caller }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const id = requireOperationId(request.params.operationId);
  const stored = await deps.operations.get(project.name, id);
  const visible =
    stored && (stored.value.user === caller.objectId.toLowerCase() || canAdminister(project, caller));
  if (!stored || !visible)
    throw notFound("OperationNotFound", `The operation ${id} does not exist.`, "operationId");
  return jsonResponse(operationStatusView(stored.value));
};
