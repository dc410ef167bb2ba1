/**
 * What Dev Center Storage holds: the environment and operation records, the tables and blob
 * containers, and blob names. Shared by operations, catalog, the data-plane API and the runner API.
 */
import type { OperationState, ProvisioningState } from "../core/states";

export interface ErrorDetail {
  code: string;
  message: string;
}

/**
 * Table `environments`: partition = project, row = environment name (unique in a project without
 * regard to case, through its resource group claim), and a copy per record under its owner
 * (environment-records.ts).
 */
export interface EnvironmentRecord {
  project: string;
  name: string;
  /** Object id of the owner. */
  user: string;
  environmentType: string;
  catalogName: string;
  environmentDefinitionName: string;
  /** Values of the definition's parameters, but for secure ones. */
  parameters: Record<string, unknown>;
  /** Values of secure parameters, sealed (src/storage/secure-parameters.ts): never in clear in a record. */
  sealedParameters?: string;
  expirationDate?: string;
  /** Who last set or changed expirationDate, and when (the `expire` action's lastModifiedBy/At). */
  expirationModified?: { by: string; at: string };
  provisioningState: ProvisioningState;
  resourceGroupId?: string;
  /** The operation that runs now or ran last. */
  currentOperationId?: string;
  error?: ErrorDetail;
  /** Set when the environment was deployed elsewhere (Azure Deployment Environments) and adopted here. */
  adopted?: { source: string; operationId: string; at: string };
  createdAt: string;
  updatedAt: string;
}

export type OperationKind = "deploy" | "delete";

/** The definition an operation runs: pinned to the catalog snapshot current when the operation started. */
export interface OperationDefinition {
  catalogName: string;
  name: string;
  /** Blob name of the catalog snapshot zip that holds the definition folder. */
  snapshotBlob: string;
  /** Folder of the definition inside the snapshot, e.g. `Environments/Counter`. */
  path: string;
  templatePath: string;
  runner: string;
}

/** Table `operations`: partition = project, row = operation id (uuid; also the orchestration instance id). */
export interface OperationRecord {
  id: string;
  project: string;
  environmentName: string;
  user: string;
  kind: OperationKind;
  status: OperationState;
  createdBy: string;
  startTime: string;
  endTime?: string;
  environmentParameters: Record<string, unknown>;
  /** As the environment's sealedParameters when the operation was accepted. */
  sealedParameters?: string;
  definition?: OperationDefinition;
  /** Reported by the runner through `ade operation-result`. */
  result?: ErrorDetail;
  error?: ErrorDetail;
  /** sha256 (hex) of the runner's bearer token; the token itself is never stored. */
  runnerTokenHash?: string;
  /** The step the orchestration is on (Resolving … CleaningUp, Finishing), for people watching. */
  step?: string;
  /** How the cleanup (revoke the runner's role, delete its container) goes, once a step of it failed. */
  cleanup?: CleanupProgress;
  force?: boolean;
  /** Set on the operation an adoption records: the environment's deployment as the source reported it. */
  imported?: { source: string };
}

/** A cleanup that has failed at least once, or the cleanup of an abandoned operation (abandoned.ts). */
export interface CleanupProgress {
  /** The cleanup activity that failed last: revokeRole, deleteRunner or pollRunnerDelete. */
  activity?: string;
  /** Failed attempts of that activity so far. */
  attempts: number;
  /** Its last error, scrubbed of the runner's token. */
  lastError?: ErrorDetail;
  /** When the next attempt is due; absent when none will follow. */
  nextRetryAt?: string;
  /** When the first attempt failed (or the abandoned operation's cleanup started). */
  since: string;
  /**
   * The operation has ended but its cleanup has not (an abandoned operation's): true until the
   * cleanup orchestration succeeds; while true the operation stays in TABLES.openOperations.
   */
  pending?: boolean;
}

/**
 * Table `resourceGroupClaims`: partition = RESOURCE_GROUP_CLAIMS_PARTITION, row = the resource group
 * name in lower case (Azure ignores case). Created before the environment record that uses the
 * group, so no two environments ever share one; released when the environment is deleted.
 */
export interface ResourceGroupClaim {
  resourceGroupName: string;
  project: string;
  environmentName: string;
  claimedAt: string;
}

export const RESOURCE_GROUP_CLAIMS_PARTITION = "resourceGroups";

/** Tables of Dev Center Storage. */
export const TABLES = {
  environments: "environments",
  operations: "operations",
  /**
   * Secondary index of operations: partition = project:environment, row = operationIndexRow (newest
   * first). Earlier versions kept an oldest-first index in table `operationsByEnvironment`, no
   * longer read; this one is built from the operations table on first lookup of each project.
   */
  operationsByEnvironment: "operationsByEnvironmentNewest",
  resourceGroupClaims: "resourceGroupClaims",
  /** Operations not finished (running, or cleaning up after an abandoned end): see open-operations.ts. */
  openOperations: "openOperations",
} as const;

/** Blob containers of Dev Center Storage. */
export const CONTAINERS = {
  catalogs: "catalogs",
  environments: "environments",
  logs: "operation-logs",
} as const;

/** Environment files (`storage.zip`, uploads) of one environment. */
export function environmentFilePrefix(project: string, environment: string): string {
  return `${project}/${environment}/files/`;
}

export function environmentOutputsBlob(project: string, environment: string): string {
  return `${project}/${environment}/outputs.json`;
}

export function operationLogBlob(project: string, operationId: string): string {
  return `${project}/${operationId}.log`;
}

/** Where an operation's pointer goes in TABLES.operationsByEnvironment. */
export function operationsOfEnvironment(project: string, environmentName: string): string {
  return `${project}:${environmentName}`;
}

/** Milliseconds since 1970 up to which start times sort (the year 2286): 13 digits. */
const LAST_TIME_MS = 9_999_999_999_999;
const OPERATION_INDEX_ROW = /^\d{13}:[0-9A-Za-z-]+$/;

/**
 * An operation's row in TABLES.operationsByEnvironment: rows sort newest first (the time left until
 * LAST_TIME_MS, 13 digits), then by operation id, because Table storage reads only in ascending
 * row key order and lists are read newest first a page at a time.
 */
export function operationIndexRow(startTime: string, operationId: string): string {
  const time = Date.parse(startTime);
  if (!Number.isFinite(time) || time < 0 || time > LAST_TIME_MS) {
    throw new Error(`The operation ${operationId} has no valid start time (${JSON.stringify(startTime)}).`);
  }
  return `${String(LAST_TIME_MS - time).padStart(13, "0")}:${operationId}`;
}

/** Whether `row` has the shape of an operationIndexRow (a `$skipToken` of the operations list). */
export function isOperationIndexRow(row: string): boolean {
  return OPERATION_INDEX_ROW.test(row);
}

/** The row key that the rows of every operation started at or after `since` sort before. */
export function operationIndexRowsSince(since: string): string {
  return operationIndexRow(since, "~");
}
