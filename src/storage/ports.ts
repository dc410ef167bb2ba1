/**
 * The storage ports: records (tables) and blobs of Dev Center Storage. Adapters in src/azure implement
 * them with the Azure SDKs; operations, catalog, api and runner-api call them.
 */
import { PortError, type JsonObject } from "../core/ports";

// Records (Dev Center Storage tables)

export interface StoredRecord<T> {
  partitionKey: string;
  rowKey: string;
  value: T;
  /** Opaque version tag; pass it back to replace/delete for optimistic concurrency. */
  etag: string;
}

export interface ListRecordsOptions {
  /** Only rows whose rowKey starts with this. */
  prefix?: string;
  /** Only rows whose rowKey is this or greater. */
  from?: string;
  /** Only rows whose rowKey is greater than this (the last key of the page before). */
  after?: string;
  /** Only rows whose rowKey is less than this. */
  before?: string;
  /** At most this many rows (in rowKey order). */
  limit?: number;
}

/**
 * One table of JSON records keyed by (partitionKey, rowKey). Keys may not contain / \ # ? or control
 * characters (InvalidRecordKey). A value may be up to about 480 000 JSON characters (RecordTooLarge).
 */
export interface RecordStore<T extends object = JsonObject> {
  get(partitionKey: string, rowKey: string): Promise<StoredRecord<T> | undefined>;
  /** Creates the record; RecordConflictError when it already exists. Returns the new etag. */
  create(partitionKey: string, rowKey: string, value: T): Promise<string>;
  /**
   * Replaces the record if it still has `etag`; RecordConflictError when it changed or was deleted
   * since. Returns the new etag.
   */
  replace(partitionKey: string, rowKey: string, value: T, etag: string): Promise<string>;
  /** Deletes the record (only if it still has `etag`, when given). A missing record is success. */
  delete(partitionKey: string, rowKey: string, etag?: string): Promise<void>;
  list(partitionKey: string, options?: ListRecordsOptions): Promise<StoredRecord<T>[]>;
}

/** One write of a batch (RecordBatchStore.batch). A delete in a batch is unconditional. */
export type RecordWrite<T> =
  | { kind: "create"; rowKey: string; value: T }
  | { kind: "replace"; rowKey: string; value: T; etag: string }
  | { kind: "upsert"; rowKey: string; value: T }
  | { kind: "delete"; rowKey: string };

/** The most writes one batch takes (Table storage's limit for an entity group transaction). */
export const MAX_BATCH_WRITES = 100;

/** A record table that also writes several rows of one partition at once, all or none. */
export interface RecordBatchStore<T extends object = JsonObject> extends RecordStore<T> {
  /**
   * Applies `writes` (at most MAX_BATCH_WRITES, each to another row) to one partition atomically:
   * all or none. RecordConflictError when a create finds its row, a replace finds another etag or
   * no row, or a delete finds no row; nothing was written then. Returns each write's new etag
   * ("" for a delete).
   */
  batch(partitionKey: string, writes: RecordWrite<T>[]): Promise<string[]>;
}

/** Opens a table of Dev Center Storage (StorageAdapters.records). */
export type OpenTable = <T extends object>(table: string) => RecordBatchStore<T>;

/** A record table that can also be read through a secondary index (indexed-records.ts). */
export interface IndexedRecordStore<T extends object> extends RecordStore<T> {
  lookup(
    recordPartition: string,
    indexPartition: string,
    options?: LookupOptions,
  ): Promise<StoredRecord<T>[]>;
}

/** Which pointers of an index partition a lookup follows, in their row key order. */
export interface LookupOptions {
  /** Pointers whose row key is this or greater. */
  from?: string;
  /** Pointers whose row key is greater than this (the last key of the page before). */
  after?: string;
  /** Pointers whose row key is less than this. */
  before?: string;
  /** At most this many records. */
  limit?: number;
}

/** Why a write conflicted: the row was there (create), had changed, or was not there (any longer). */
export type RecordConflict = "exists" | "changed" | "missing";

const CONFLICT_REASONS: Record<RecordConflict, string> = {
  exists: "already exists",
  changed: "was changed by someone else since it was read",
  missing: "was deleted by someone else since it was read",
};

/** The record was created, changed or deleted by someone else (code RecordConflict). */
export class RecordConflictError extends PortError {
  constructor(
    readonly table: string,
    readonly partitionKey: string,
    readonly rowKey: string,
    readonly conflict: RecordConflict,
  ) {
    super("RecordConflict", `Record ${table}/${partitionKey}/${rowKey} ${CONFLICT_REASONS[conflict]}.`, 409);
  }
}

/** Code RecordTooLarge, InvalidRecordKey, InvalidTableName or StorageRequestFailed. */
export class RecordStoreError extends PortError {}

// Blobs (Dev Center Storage blobs)

export interface BlobInfo {
  name: string;
  size: number;
  contentType?: string;
  lastModified?: Date;
}

export interface PutBlobOptions {
  contentType?: string;
}

export interface AppendLogOptions {
  /**
   * Append only if the log currently has exactly this many bytes (makes a retried append
   * idempotent); BlobConflictError otherwise.
   */
  appendPosition?: number;
}

/**
 * Block blobs and append-blob logs in named containers (created on first use). Container names:
 * 3-63 lowercase letters, digits and dashes.
 */
export interface BlobStore {
  put(container: string, name: string, data: Uint8Array | string, options?: PutBlobOptions): Promise<void>;
  /** The blob's bytes, or undefined when it does not exist. */
  get(container: string, name: string): Promise<Buffer | undefined>;
  exists(container: string, name: string): Promise<boolean>;
  /** Blobs whose name starts with `prefix` (all when omitted), in name order. */
  list(container: string, prefix?: string): Promise<BlobInfo[]>;
  /** A missing blob is success. */
  delete(container: string, name: string): Promise<void>;
  /** Appends UTF-8 text to an append blob, creating it on first append (≤ 4 MiB per block). */
  appendLog(container: string, name: string, text: string, options?: AppendLogOptions): Promise<void>;
  /** The log's size in bytes now, or undefined when nothing was ever appended. */
  logSize(container: string, name: string): Promise<number | undefined>;
  /**
   * Bytes [start, end) of a log as they come from storage, never all held in memory: a log of any
   * size can be served. `end` must not exceed a size the log had.
   */
  streamLog(container: string, name: string, start: number, end: number): AsyncIterable<Uint8Array>;
}

/** Code BlobConflict (append position not met), InvalidContainerName or StorageRequestFailed. */
export class BlobStoreError extends PortError {}
