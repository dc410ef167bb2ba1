/**
 * Ports: the small interfaces the operations, api and catalog code call for I/O. Adapters in
 * src/azure implement them with the Azure SDKs; the errors below are part of each contract so callers
 * never see SDK error types. Every method takes an options bag with an optional AbortSignal.
 */

export interface CallOptions {
  abortSignal?: AbortSignal;
}

/** A JSON-serializable object (what a record holds). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Base of the typed errors the ports throw; `code` is stable, `message` is for people. */
export class PortError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

// ---------------------------------------------------------------------------------------------
// Records (Dev Center Storage tables)

export interface StoredRecord<T> {
  partitionKey: string;
  rowKey: string;
  value: T;
  /** Opaque version tag; pass it back to replace/delete for optimistic concurrency. */
  etag: string;
}

export interface ListRecordsOptions extends CallOptions {
  /** Only rows whose rowKey starts with this. */
  prefix?: string;
  /** At most this many rows (in rowKey order). */
  limit?: number;
}

/**
 * One table of JSON records keyed by (partitionKey, rowKey). Keys may not contain / \ # ? or control
 * characters (InvalidRecordKey). A value may be up to about 480 000 JSON characters (RecordTooLarge).
 */
export interface RecordStore<T extends object = JsonObject> {
  get(partitionKey: string, rowKey: string, options?: CallOptions): Promise<StoredRecord<T> | undefined>;
  /** Creates the record; RecordConflictError when it already exists. Returns the new etag. */
  create(partitionKey: string, rowKey: string, value: T, options?: CallOptions): Promise<string>;
  /**
   * Replaces the record if it still has `etag`; RecordConflictError when it changed or was deleted
   * since. Returns the new etag.
   */
  replace(
    partitionKey: string,
    rowKey: string,
    value: T,
    etag: string,
    options?: CallOptions,
  ): Promise<string>;
  /** Deletes the record (only if it still has `etag`, when given). A missing record is success. */
  delete(partitionKey: string, rowKey: string, etag?: string, options?: CallOptions): Promise<void>;
  list(partitionKey: string, options?: ListRecordsOptions): Promise<StoredRecord<T>[]>;
}

/** The record was created, changed or deleted by someone else (code RecordConflict). */
export class RecordConflictError extends PortError {
  constructor(
    readonly table: string,
    readonly partitionKey: string,
    readonly rowKey: string,
    reason: string,
  ) {
    super("RecordConflict", `Record ${table}/${partitionKey}/${rowKey} ${reason}.`, 409);
  }
}

/** Code RecordTooLarge, InvalidRecordKey, InvalidTableName or StorageRequestFailed. */
export class RecordStoreError extends PortError {}

// ---------------------------------------------------------------------------------------------
// Blobs (Dev Center Storage blobs)

export interface BlobInfo {
  name: string;
  size: number;
  contentType?: string;
  lastModified?: Date;
}

export interface PutBlobOptions extends CallOptions {
  contentType?: string;
}

export interface AppendLogOptions extends CallOptions {
  /**
   * Append only if the log currently has exactly this many bytes (makes a retried append
   * idempotent); BlobConflictError otherwise.
   */
  appendPosition?: number;
}

export interface ReadLogOptions extends CallOptions {
  /** Start at this byte offset (for tailing). */
  offset?: number;
}

/**
 * Block blobs and append-blob logs in named containers (created on first use). Container names:
 * 3-63 lowercase letters, digits and dashes.
 */
export interface BlobStore {
  put(container: string, name: string, data: Uint8Array | string, options?: PutBlobOptions): Promise<void>;
  /** The blob's bytes, or undefined when it does not exist. */
  get(container: string, name: string, options?: CallOptions): Promise<Buffer | undefined>;
  exists(container: string, name: string, options?: CallOptions): Promise<boolean>;
  /** Blobs whose name starts with `prefix` (all when omitted), in name order. */
  list(container: string, prefix?: string, options?: CallOptions): Promise<BlobInfo[]>;
  /** A missing blob is success. */
  delete(container: string, name: string, options?: CallOptions): Promise<void>;
  /** Appends UTF-8 text to an append blob, creating it on first append (≤ 4 MiB per block). */
  appendLog(container: string, name: string, text: string, options?: AppendLogOptions): Promise<void>;
  /** The log's text, or undefined when nothing was ever appended. */
  readLog(container: string, name: string, options?: ReadLogOptions): Promise<string | undefined>;
}

/** Code BlobConflict (append position not met), InvalidContainerName or StorageRequestFailed. */
export class BlobStoreError extends PortError {}

// ---------------------------------------------------------------------------------------------
// Azure Resource Manager

/** An ARM call failed: `code` is ARM's error code (e.g. AuthorizationFailed), `statusCode` its status. */
export class ArmError extends PortError {}

export type PrincipalType = "User" | "Group" | "ServicePrincipal" | "ForeignGroup" | "Device";

export interface RoleAssignmentSpec {
  /** e.g. /subscriptions/{id}/resourceGroups/{name} */
  scope: string;
  /** Full id: /subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid} */
  roleDefinitionId: string;
  principalId: string;
  principalType: PrincipalType;
  /** A GUID the caller derives deterministically, so a retried grant is the same assignment. */
  name: string;
}

export interface RoleAssignmentInfo {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
}

export interface GrantResult {
  /**
   * True when ARM answered RoleAssignmentExists: the principal already holds the role at the scope
   * through another assignment, which revoke(scope, name) will (rightly) leave in place.
   */
  heldByAnotherAssignment: boolean;
}

export interface RoleAssignments {
  /** Idempotent: granting the same name again, or a role already held, is success. */
  grant(spec: RoleAssignmentSpec, options?: CallOptions): Promise<GrantResult>;
  /** A missing assignment is success. */
  revoke(scope: string, name: string, options?: CallOptions): Promise<void>;
  /** Assignments at the scope itself (not inherited ones, not ones below it). */
  listAtScope(scope: string, options?: CallOptions): Promise<RoleAssignmentInfo[]>;
  /** The full role definition id of a role name (e.g. "Contributor"); ArmError RoleDefinitionNotFound. Cached. */
  roleDefinitionIdByName(scope: string, roleName: string, options?: CallOptions): Promise<string>;
}

export interface ResourceGroups {
  /** Creates or updates the group; returns its id. Tags name the project, environment and operation. */
  ensure(
    subscriptionId: string,
    name: string,
    location: string,
    tags: Record<string, string>,
    options?: CallOptions,
  ): Promise<{ id: string }>;
  exists(subscriptionId: string, name: string, options?: CallOptions): Promise<boolean>;
  /** Deletes the group and waits until it is gone. A missing group is success. */
  delete(subscriptionId: string, name: string, options?: CallOptions): Promise<void>;
}

export interface RunnerContainerRef {
  subscriptionId: string;
  resourceGroup: string;
  /** Container group name: 1-63 lowercase letters, digits and dashes. */
  name: string;
}

export interface EnvironmentVariable {
  name: string;
  value?: string;
  /** Not shown by ARM on reads; use for tokens and secure parameters. */
  secureValue?: string;
}

export interface RunnerContainerSpec extends RunnerContainerRef {
  location: string;
  image: string;
  /** Overrides the image's entrypoint. */
  command?: string[];
  environment: EnvironmentVariable[];
  /** Defaults from the RUNNER_CPU / RUNNER_MEMORY_GB settings. */
  cpu?: number;
  memoryInGB?: number;
  /** User-assigned managed identity the runner runs as (full resource id). */
  identityResourceId: string;
  /** Private registry whose image is pulled with that identity. */
  registryLoginServer?: string;
}

export interface RunnerContainerState {
  state: "Pending" | "Running" | "Terminated" | "NotFound";
  /** Set when the process ran; Terminated without an exit code means it never started (see detail). */
  exitCode?: number;
  startTime?: Date;
  finishTime?: Date;
  /** What ARM says about the container (e.g. why it cannot start). */
  detail?: string;
}

export interface RunnerLogsOptions extends CallOptions {
  /** Only the last N lines. */
  tail?: number;
}

export interface RunnerContainers {
  /**
   * Creates the container group (restart policy Never, Linux) and returns once ARM accepted it,
   * without waiting for the image to be pulled: follow it with state(). Same name again is a no-op.
   */
  start(spec: RunnerContainerSpec, options?: CallOptions): Promise<void>;
  state(ref: RunnerContainerRef, options?: CallOptions): Promise<RunnerContainerState>;
  /** The container's combined output; "" when the group does not exist. */
  logs(ref: RunnerContainerRef, options?: RunnerLogsOptions): Promise<string>;
  /** Deletes the group (stopping a running container) and waits until it is gone. Missing is success. */
  delete(ref: RunnerContainerRef, options?: CallOptions): Promise<void>;
}
