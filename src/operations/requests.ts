/**
 * Accepting a deploy or delete request: records the operation, claims the environment for it
 * (atomically, through the environment record's ETag) and starts the orchestration. One operation
 * per environment at a time; a duplicate request never starts a second orchestration.
 */
import { randomUUID } from "node:crypto";
import { isTerminalOperationState } from "../core/states";
import type {
  EnvironmentRecord,
  OperationDefinition,
  OperationKind,
  OperationRecord,
  ResourceGroupClaim,
} from "../storage/records";
import type { RunnerFinishedEvent, RunnerReportedEvent } from "./events";
import type { OperationInput } from "./plan";
import { RecordConflictError, type RecordStore, type StoredRecord } from "../storage/ports";
import { updateRecord } from "../storage/update-record";
import { ABANDONED, endAbandonedOperation, isAbandoned, type OrchestrationLookup } from "./abandoned";
import { claimResourceGroup, ClaimRefused, claimTargetOf, type ClaimTarget } from "./resource-group-claims";
import { expirationAfter } from "./expiration";
import { RequestRejected } from "./rejections";

/**
 * Starts, cancels and tells the orchestrations of operations (instance id = operation id): every
 * call of the durable client goes through this port (src/azure/operation-scheduler.ts).
 */
export interface OperationScheduler extends OrchestrationLookup {
  start(input: OperationInput): Promise<void>;
  cancel(operationId: string, by: string): Promise<void>;
  /** Tells the orchestration that its runner finished; false when there is no such orchestration. */
  runnerFinished(operationId: string, event: RunnerFinishedEvent): Promise<boolean>;
  /** Tells the orchestration that its runner uploaded state, outputs or its result (it is about to end). */
  runnerReported(operationId: string, event: RunnerReportedEvent): Promise<void>;
}

export interface RequestDeps {
  environments: RecordStore<EnvironmentRecord>;
  operations: RecordStore<OperationRecord>;
  resourceGroupClaims: RecordStore<ResourceGroupClaim>;
  scheduler: OperationScheduler;
  now(): Date;
  newId?(): string;
}

export interface DeployRequest {
  project: string;
  environmentName: string;
  /** Object id of the environment's owner. */
  user: string;
  /** Object id of the caller (an admin may act for another user). */
  createdBy: string;
  environmentType: string;
  catalogName: string;
  environmentDefinitionName: string;
  /** Already validated against the definition, defaults applied; secure ones only sealed, below. */
  parameters: Record<string, unknown>;
  sealedParameters?: string;
  expirationDate?: string;
  definition: OperationDefinition;
}

export interface DeleteRequest {
  project: string;
  environmentName: string;
  user: string;
  createdBy: string;
  /** The definition as the catalog has it now; undefined when it is gone. */
  definition?: OperationDefinition;
  force: boolean;
}

export interface AcceptedOperation {
  environment: EnvironmentRecord;
  operation: OperationRecord;
}

export async function requestDeploy(deps: RequestDeps, request: DeployRequest): Promise<AcceptedOperation> {
  const stored = await idleEnvironment(deps, request.project, request.environmentName);
  if (stored) assertSameEnvironment(stored.value, request);
  await claim(deps, stored ? claimTargetOf(stored.value) : request);
  const now = deps.now().toISOString();
  const operation = newOperation(deps, "deploy", request, request, request.definition, now);
  const environment: EnvironmentRecord = {
    ...stored?.value,
    project: request.project,
    name: request.environmentName,
    user: request.user,
    environmentType: request.environmentType,
    catalogName: request.catalogName,
    environmentDefinitionName: request.environmentDefinitionName,
    parameters: request.parameters,
    sealedParameters: request.sealedParameters,
    ...expirationAfter(stored?.value, request.expirationDate, request.createdBy, now),
    provisioningState: stored ? "Updating" : "Creating",
    currentOperationId: operation.id,
    error: undefined,
    createdAt: stored?.value.createdAt ?? now,
    updatedAt: now,
  };
  return claimAndStart(deps, environment, operation, stored?.etag);
}

export async function requestDelete(deps: RequestDeps, request: DeleteRequest): Promise<AcceptedOperation> {
  const stored = await idleEnvironment(deps, request.project, request.environmentName);
  if (!stored || stored.value.user !== request.user) {
    throw new RequestRejected(
      404,
      "EnvironmentNotFound",
      `Environment ${request.environmentName} does not exist.`,
    );
  }
  await claim(deps, claimTargetOf(stored.value));
  if (!request.definition && !request.force) {
    throw new RequestRejected(
      409,
      "EnvironmentDefinitionNotFound",
      `Environment definition ${stored.value.environmentDefinitionName} is no longer in catalog ${stored.value.catalogName}; delete with force=true to remove the environment without running its delete script.`,
    );
  }
  const now = deps.now().toISOString();
  const operation = {
    ...newOperation(deps, "delete", request, stored.value, request.definition, now),
    force: request.force,
  };
  const environment: EnvironmentRecord = {
    ...stored.value,
    provisioningState: "Deleting",
    currentOperationId: operation.id,
    error: undefined,
    updatedAt: now,
  };
  return claimAndStart(deps, environment, operation, stored.etag);
}

function newOperation(
  deps: RequestDeps,
  kind: OperationKind,
  request: { project: string; environmentName: string; user: string; createdBy: string },
  values: { parameters: Record<string, unknown>; sealedParameters?: string },
  definition: OperationDefinition | undefined,
  now: string,
): OperationRecord {
  return {
    id: (deps.newId ?? randomUUID)(),
    project: request.project,
    environmentName: request.environmentName,
    user: request.user,
    kind,
    // Accepted means running, as the service reports it: the orchestration starts right after.
    status: "Running",
    createdBy: request.createdBy,
    startTime: now,
    environmentParameters: values.parameters,
    ...(values.sealedParameters !== undefined && { sealedParameters: values.sealedParameters }),
    definition,
  };
}

/** The environment's resource group name is its own (see resource-group-claims.ts). */
async function claim(deps: RequestDeps, target: ClaimTarget): Promise<void> {
  try {
    await claimResourceGroup(deps, target);
  } catch (error) {
    if (error instanceof ClaimRefused) throw new RequestRejected(409, error.code, error.message);
    throw error;
  }
}

/**
 * The environment record, when no operation of it runs; an operation that lost its orchestration
 * is ended first (and the record read again, as that changes it).
 */
async function idleEnvironment(
  deps: RequestDeps,
  project: string,
  name: string,
): Promise<StoredRecord<EnvironmentRecord> | undefined> {
  const stored = await deps.environments.get(project, name);
  const environment = stored?.value;
  if (!environment?.currentOperationId) return stored;
  const current = await deps.operations.get(environment.project, environment.currentOperationId);
  if (!current || isTerminalOperationState(current.value.status)) return stored;
  if (await isAbandoned(deps, current.value)) {
    await endAbandonedOperation(deps, current.value, ABANDONED);
    return deps.environments.get(project, name);
  }
  throw new RequestRejected(
    409,
    "EnvironmentActionInProgress",
    `Environment ${environment.name} has an operation in progress (${current.value.id}); try again when it has finished.`,
  );
}

function assertSameEnvironment(existing: EnvironmentRecord, request: DeployRequest): void {
  if (existing.user !== request.user) {
    throw new RequestRejected(
      409,
      "EnvironmentAlreadyExists",
      `Environment ${request.environmentName} already exists in project ${request.project} for another user; environment names are unique in a project.`,
    );
  }
  for (const field of ["environmentType", "catalogName", "environmentDefinitionName"] as const) {
    if (existing[field] !== request[field]) {
      throw new RequestRejected(
        400,
        "InvalidEnvironmentUpdate",
        `${field} of an existing environment cannot change (it is ${existing[field]}, the request says ${request[field]}).`,
      );
    }
  }
}

/**
 * The operation record is written first, then the environment is claimed with one ETag-checked
 * write: of two concurrent requests exactly one claims it; the loser's operation record is removed.
 */
async function claimAndStart(
  deps: RequestDeps,
  environment: EnvironmentRecord,
  operation: OperationRecord,
  etag: string | undefined,
): Promise<AcceptedOperation> {
  await deps.operations.create(operation.project, operation.id, operation);
  try {
    if (etag) await deps.environments.replace(environment.project, environment.name, environment, etag);
    else await deps.environments.create(environment.project, environment.name, environment);
  } catch (error) {
    await deps.operations.delete(operation.project, operation.id);
    if (error instanceof RecordConflictError) {
      throw new RequestRejected(
        409,
        "EnvironmentActionInProgress",
        `Environment ${environment.name} was changed by another request at the same time; try again when its operation has finished.`,
      );
    }
    throw error;
  }

  try {
    await deps.scheduler.start({
      project: operation.project,
      environmentName: operation.environmentName,
      operationId: operation.id,
      kind: operation.kind,
    });
  } catch (error) {
    const message = `The operation could not be started: ${error instanceof Error ? error.message : String(error)}`;
    const failure = { code: "OperationStartFailed", message };
    const endTime = deps.now().toISOString();
    await updateRecord(deps.operations, operation.project, operation.id, (record): OperationRecord => ({
      ...record,
      status: "Failed",
      endTime,
      error: failure,
    }));
    await updateRecord(
      deps.environments,
      environment.project,
      environment.name,
      (record): EnvironmentRecord | undefined =>
        record.currentOperationId === operation.id
          ? { ...record, provisioningState: "Failed", error: failure }
          : undefined,
    );
    throw error;
  }
  return { environment, operation };
}
