/**
 * Data-plane handlers for environments and their operations, shaped per the contract: PUT answers
 * 201 + Operation-Location, DELETE 202 + Location/Operation-Location with an OperationStatus body,
 * and `/operationstatuses/{id}` is what clients poll. Each handler parses the request (path,
 * caller's rights, body shape), makes one call into src/operations, and maps the answer.
 */
import type { ProjectConfig } from "../core/devcenter-config";
import { isUuid, isValidName } from "../core/names";
import { isTerminalOperationState } from "../core/states";
import {
  isOperationIndexRow,
  operationIndexRow,
  type EnvironmentRecord,
  type OperationRecord,
} from "../storage/records";
import { openSealedParameters } from "../storage/secure-parameters";
import {
  cancelOperation as cancel,
  deleteEnvironment as requestDelete,
  deployEnvironment,
  type EnvironmentDeps,
} from "../operations/environment-commands";
import {
  findEnvironment,
  findOperation,
  listEnvironments as environmentsOf,
  listOperations as operationsOf,
  openOperationLog,
  readOutputs,
  type EnvironmentReadDeps,
} from "../operations/environment-queries";
import { changeExpiration } from "../operations/expiration";
import { canAdminister, requireName, requireProject, resolveUserId } from "./authz";
import { retryAfter } from "./headers";
import { ApiError, jsonResponse, notFound, type ApiRequest, type ApiResponse } from "./http";
import { page, pageByKey } from "./paging";
import { contentRange, resolveRange } from "./ranges";
import type { CallContext, Handler } from "./pipeline";
import type { ApiBaseDeps } from "./ports";

/** The environment commands' and queries' dependencies, and the API's own. */
export type EnvironmentApiDeps = ApiBaseDeps & EnvironmentDeps & EnvironmentReadDeps;

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

function environmentUri(baseUrl: string, record: EnvironmentRecord): string {
  return `${baseUrl}/projects/${record.project}/users/${record.user}/environments/${record.name}`;
}

function operationStatusId(project: string, operationId: string): string {
  return `/projects/${project}/operationstatuses/${operationId}`;
}

/**
 * Views show secure parameter values only where `secure` passes them: the GET of one environment
 * or operation, which only its owner and project admins reach; lists never.
 */
function environmentView(
  baseUrl: string,
  record: EnvironmentRecord,
  secure: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    uri: environmentUri(baseUrl, record),
    name: record.name,
    environmentType: record.environmentType,
    catalogName: record.catalogName,
    environmentDefinitionName: record.environmentDefinitionName,
    parameters: { ...record.parameters, ...secure },
    user: record.user,
    provisioningState: record.provisioningState,
    ...(record.resourceGroupId !== undefined && { resourceGroupId: record.resourceGroupId }),
    ...(record.expirationDate !== undefined && { expirationDate: record.expirationDate }),
    ...(record.error !== undefined && { error: record.error }),
  };
}

/**
 * While an operation runs, `properties` says which step it is on and, once a cleanup attempt has
 * failed, how the cleanup goes. The status stays `Running`: Azure SDK pollers treat a status they
 * do not know by substrings ("fail" ends the poll as failed), and `error` is for the end.
 */
function operationStatusView(record: OperationRecord): Record<string, unknown> {
  const running = !isTerminalOperationState(record.status);
  const { cleanup } = record;
  const progress = running &&
    record.step !== undefined && {
      properties: {
        step: record.step,
        ...(cleanup?.lastError && {
          cleanup: {
            activity: cleanup.activity,
            attempts: cleanup.attempts,
            lastError: cleanup.lastError,
            since: cleanup.since,
            ...(cleanup.nextRetryAt !== undefined && { nextRetryAt: cleanup.nextRetryAt }),
          },
        }),
      },
    };
  return {
    id: operationStatusId(record.project, record.id),
    name: record.id,
    status: record.status,
    resourceId: `/projects/${record.project}/users/${record.user}/environments/${record.environmentName}`,
    startTime: record.startTime,
    ...(record.endTime !== undefined && { endTime: record.endTime }),
    ...(record.error !== undefined && { error: record.error }),
    ...progress,
  };
}

function operationView(
  baseUrl: string,
  record: OperationRecord,
  secure: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    uri: `${baseUrl}/projects/${record.project}/users/${record.user}/environments/${record.environmentName}/operations/${record.id}`,
    operationId: record.id,
    kind: record.kind === "deploy" ? "Deploy" : "Delete",
    status: record.status,
    createdByObjectId: record.createdBy,
    startTime: record.startTime,
    ...(record.endTime !== undefined && { endTime: record.endTime }),
    environmentParameters: { ...record.environmentParameters, ...secure },
    ...(record.error !== undefined && { error: record.error }),
  };
}

/** Headers of an accepted operation: where to poll (with the request's api-version) and how often. */
function operationLocation(call: Call, operation: OperationRecord): Record<string, string> {
  const url = `${call.baseUrl}${operationStatusId(operation.project, operation.id)}?api-version=${encodeURIComponent(call.apiVersion)}`;
  return { "operation-location": url, location: url, ...retryAfter(call.retryAfterSeconds) };
}

/** The body of a PUT: an Environment with the three names it is made from. */
function readDeployBody(body: unknown): Record<string, unknown> & {
  environmentType: string;
  catalogName: string;
  environmentDefinitionName: string;
} {
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
  return fields as ReturnType<typeof readDeployBody>;
}

export const putEnvironment: H = async (request, call) => {
  const t = target(request, call, true);
  const body = readDeployBody(request.body);
  const accepted = await deployEnvironment(call.deps, {
    project: t.project,
    environmentName: t.name,
    user: t.user,
    createdBy: call.caller.objectId.toLowerCase(),
    environmentType: body.environmentType,
    catalogName: body.catalogName,
    environmentDefinitionName: body.environmentDefinitionName,
    parameters: body.parameters,
    expirationDate: body.expirationDate,
  });
  return jsonResponse(
    environmentView(call.baseUrl, accepted.environment),
    201,
    operationLocation(call, accepted.operation),
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
  const updated = await changeExpiration(call.deps, {
    project: t.project.name,
    environmentName: t.name,
    user: t.user,
    by: call.caller.objectId.toLowerCase(),
    expirationDate: (body as { expirationDate?: unknown }).expirationDate,
  });
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

/** The environment of the path, as its owner sees it. */
function readEnvironment(deps: EnvironmentApiDeps, t: EnvironmentTarget): Promise<EnvironmentRecord> {
  return findEnvironment(deps, t.project.name, t.name, t.user);
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
  if (name?.toLowerCase() !== EXPIRE_ACTION) {
    throw notFound("ActionNotFound", `The environment ${t.name} has no action ${name ?? ""}.`, "actionName");
  }
  if (verb !== "skip" && verb !== "delay") {
    throw new ApiError(404, "ActionNotFound", "An action can be skipped (:skip) or delayed (:delay?until=).");
  }
  const updated = await changeExpiration(call.deps, {
    project: t.project.name,
    environmentName: t.name,
    user: t.user,
    by: call.caller.objectId.toLowerCase(),
    expirationDate: verb === "delay" ? (request.url.searchParams.get("until") ?? "") : null,
    onlyIfScheduled: { action: name },
  });
  return verb === "skip" ? { status: 204 } : jsonResponse(actionView(call.baseUrl, updated));
};

export const getEnvironment: H = async (request, call) => {
  const t = target(request, call, true);
  const record = await readEnvironment(call.deps, t);
  const secure = openSealedParameters(call.deps.secureParameters, record.sealedParameters);
  return jsonResponse(environmentView(call.baseUrl, record, secure));
};

export const deleteEnvironment: H = async (request, call) => {
  const t = target(request, call, true);
  const force = parseForce(request.url.searchParams.get("force"));
  const accepted = await requestDelete(call.deps, {
    project: t.project.name,
    environmentName: t.name,
    user: t.user,
    createdBy: call.caller.objectId.toLowerCase(),
    force,
  });
  if (!accepted) return { status: 204 };
  return jsonResponse(
    operationStatusView(accepted.operation),
    202,
    operationLocation(call, accepted.operation),
  );
};

function parseForce(value: string | null): boolean {
  if (value === null || value === "false") return false;
  if (value === "true") return true;
  throw new ApiError(400, "InvalidQueryParameter", "force must be true or false.", { target: "force" });
}

/** A page of environments in name order, the project's or one user's: storage reads that page only. */
async function environmentPage(request: ApiRequest, call: Call, project: string, user?: string) {
  return jsonResponse(
    await pageByKey(request, isValidName, async (after, limit) => {
      const records = await environmentsOf(call.deps, project, user, { ...(after && { after }), limit });
      return records.map((r) => ({ key: r.name, value: environmentView(call.baseUrl, r) }));
    }),
  );
}

export const listEnvironmentsByUser: H = async (request, call) => {
  const t = target(request, call, false);
  return environmentPage(request, call, t.project.name, t.user);
};

export const listEnvironments: H = async (request, call) => {
  const project = requireProject(call.deps.devCenter, request.params.projectName, call.caller);
  return environmentPage(request, call, project.name);
};

export const getOutputs: H = async (request, call) => {
  const t = target(request, call, true);
  return jsonResponse(await readOutputs(call.deps, t.project.name, t.name, t.user));
};

function requireOperationId(value: string | undefined): string {
  if (value === undefined || !isUuid(value)) {
    throw new ApiError(400, "InvalidOperationId", "The operationId must be a uuid.", {
      target: "operationId",
    });
  }
  return value.toLowerCase();
}

/** A page of the environment's operations, newest first: storage reads that page only. */
export const listOperations: H = async (request, call) => {
  const t = target(request, call, true);
  return jsonResponse(
    await pageByKey(request, isOperationIndexRow, async (after, limit) => {
      const records = await operationsOf(call.deps, t.project.name, t.name, t.user, {
        ...(after && { after }),
        limit,
      });
      return records.map((r) => ({
        key: operationIndexRow(r.startTime, r.id),
        value: operationView(call.baseUrl, r),
      }));
    }),
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
  const operation = await cancel(call.deps, {
    project: t.project.name,
    environmentName: t.name,
    user: t.user,
    operationId: requireOperationId(action.slice(0, -":cancel".length)),
    by: call.caller.objectId.toLowerCase(),
  });
  return jsonResponse(operationStatusView(operation), 202, operationLocation(call, operation));
};

export const getOperation: H = async (request, call) => {
  const t = target(request, call, true);
  const id = requireOperationId(request.params.operationId);
  const operation = await findOperation(call.deps, t.project.name, id, {
    user: t.user,
    environmentName: t.name,
  });
  const secure = openSealedParameters(call.deps.secureParameters, operation.sealedParameters);
  return jsonResponse(operationView(call.baseUrl, operation, secure));
};

/**
 * The operation's log as text, readable while the operation runs, streamed from storage. A single
 * `Range: bytes=…` is served as 206 (`bytes=-N` is the tail); a range past the end is 416.
 */
export const getOperationLogs: H = async (request, call): Promise<ApiResponse> => {
  const t = target(request, call, true);
  const id = requireOperationId(request.params.operationId);
  const log = await openOperationLog(call.deps, t.project.name, id, {
    user: t.user,
    environmentName: t.name,
  });
  const range = resolveRange(request.headers.get("range"), log.size);
  if (range.kind === "unsatisfiable") {
    throw new ApiError(
      416,
      "RangeNotSatisfiable",
      `The log has ${log.size} bytes; the requested range is not in it.`,
      { headers: { "content-range": `bytes */${log.size}` } },
    );
  }
  const { start, end } = range.kind === "part" ? range : { start: 0, end: log.size };
  return {
    status: range.kind === "part" ? 206 : 200,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "accept-ranges": "bytes",
      "content-length": String(end - start),
      ...(range.kind === "part" && { "content-range": contentRange(start, end, log.size) }),
    },
    stream: log.read(start, end),
  };
};

/** Everyone sees the statuses of their own operations; admins those of the project. */
export const getOperationStatus: H = async (request, { deps, caller, retryAfterSeconds }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const id = requireOperationId(request.params.operationId);
  const operation = await findOperation(deps, project.name, id, {
    ...(!canAdminister(project, caller) && { user: caller.objectId.toLowerCase() }),
  });
  const running = !isTerminalOperationState(operation.status);
  return jsonResponse(operationStatusView(operation), 200, running ? retryAfter(retryAfterSeconds) : {});
};
