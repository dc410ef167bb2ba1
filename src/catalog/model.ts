/**
 * What a catalog sync stores: the catalog record (table `catalogs`), and per synced commit a snapshot
 * zip and an index JSON (blob container `catalogs`). The record points at the current snapshot and
 * index; switching to a new commit is one ETag-checked replace of the record.
 */
import type { ValidationIssue } from "../core/result";
import type { EnvironmentManifest } from "../core/manifest";
import type { ContractParameter } from "../core/parameters";
import { CONTAINERS } from "../storage/records";

/** A catalog of the dev center (`project` unset) or of one project. */
export interface CatalogRef {
  project?: string;
  catalog: string;
}

export const CATALOG_TABLE = "catalogs";
export const CATALOG_CONTAINER = CONTAINERS.catalogs;

/** Table keys: one partition; the row names the scope, so a project catalog and a dev center catalog of the same name differ. */
export function catalogKeys(ref: CatalogRef): { partitionKey: string; rowKey: string } {
  return {
    partitionKey: "catalogs",
    rowKey: ref.project ? `project:${ref.project}:${ref.catalog}` : `devcenter:${ref.catalog}`,
  };
}

/** Blob name prefix of a catalog's snapshots: `devcenter/{catalog}/` or `projects/{project}/{catalog}/`. */
export function catalogBlobPrefix(ref: CatalogRef): string {
  return ref.project ? `projects/${ref.project}/${ref.catalog}/` : `devcenter/${ref.catalog}/`;
}

export function snapshotBlobName(ref: CatalogRef, commit: string): string {
  return `${catalogBlobPrefix(ref)}${commit}/snapshot.zip`;
}

/** Bumped when the index's content changes meaning: a catalog indexed by an older version is indexed again. */
export const INDEX_FORMAT_VERSION = 4;

export function indexBlobName(ref: CatalogRef, commit: string): string {
  return `${catalogBlobPrefix(ref)}${commit}/index.v${INDEX_FORMAT_VERSION}.json`;
}

export function describeCatalog(ref: CatalogRef): string {
  return ref.project
    ? `catalog ${ref.catalog} of project ${ref.project}`
    : `dev center catalog ${ref.catalog}`;
}

export interface SyncStats {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  /** Manifests that are invalid or whose template file is missing. */
  validationErrors: number;
  /** Manifests ignored because an earlier one (in path order) has the same name. */
  conflicts: number;
}

export interface SyncError {
  code: string;
  message: string;
  /** Per-manifest issues behind the error (at most MAX_RECORDED_ISSUES). */
  details?: ValidationIssue[];
}

/** The snapshot the catalog serves: written once, replaced only by a later successful sync. */
export interface CatalogSnapshotPointer {
  commit: string;
  snapshotBlob: string;
  indexBlob: string;
  indexFormatVersion: number;
  syncedAt: string;
  definitionCount: number;
}

/** A running sync's claim on the catalog; another sync that finds it unexpired does not start. */
export interface SyncLease {
  id: string;
  expiresAt: string;
  /** Set by a sync request that arrived while this one ran: the holder checks the head again before letting go. */
  requestedAgain: boolean;
}

export interface CatalogRecord {
  project?: string;
  catalog: string;
  current?: CatalogSnapshotPointer;
  /** Outcome of the last finished sync attempt. */
  lastSyncResult?: "Succeeded" | "Failed";
  lastSyncTime?: string;
  /** Stats of the last sync that switched to a new snapshot. */
  lastSyncStats?: SyncStats;
  /** Why the last attempt failed (cleared by a successful one). */
  lastSyncError?: SyncError;
  lease?: SyncLease;
}

export type DefinitionErrorCode =
  "InvalidManifest" | "TemplateNotFound" | "DuplicateDefinitionName" | "DuplicateManifest";

/** A manifest the sync could not publish, and why. */
export interface DefinitionError {
  code: DefinitionErrorCode;
  /** The manifest file, relative to the catalog folder. */
  file: string;
  /** The definition name, when the manifest could be read. */
  name?: string;
  message: string;
  issues: ValidationIssue[];
}

export interface IndexedDefinition {
  name: string;
  /** The definition's folder inside the snapshot (relative to the catalog folder; "" for the root). */
  path: string;
  manifestFile: string;
  summary?: string;
  description?: string;
  version?: string;
  runner: string;
  /** Relative to `path`. */
  templatePath: string;
  parameters: ContractParameter[];
  /** The JSON Schema of the parameters, serialized (the contract's parametersSchema is a string). */
  parametersSchema: string;
  /** sha256 of the folder's files and names: tells updated from unchanged definitions. */
  contentHash: string;
  /** The parsed manifest: what a deploy request's parameters are checked against (core resolveParameters). */
  manifest: EnvironmentManifest;
  /** What ADE accepts but would likely go wrong (core manifestWarnings); the definition is published. */
  warnings?: ValidationIssue[];
}

/** Everything the data plane and the operations need to know about one synced commit. */
export interface CatalogIndex {
  formatVersion: number;
  project?: string;
  catalog: string;
  commit: string;
  /** Valid definitions, sorted by name. */
  definitions: IndexedDefinition[];
  errors: DefinitionError[];
}

/** Cap on the issues copied into a record (the full list is in the index blob). */
export const MAX_RECORDED_ISSUES = 20;
