/**
 * The storage the catalog code needs: narrow slices of the shared ports (src/operations/ports.ts),
 * which the src/azure adapters implement.
 */
import type { BlobStore, RecordStore } from "../operations/ports";
import type { CatalogRecord } from "./model";

export { RecordConflictError } from "../operations/ports";

export type CatalogRecords = Pick<RecordStore<CatalogRecord>, "get" | "create" | "replace">;

export type CatalogBlobs = Pick<BlobStore, "put" | "get">;

export interface CatalogStorage {
  records: CatalogRecords;
  blobs: CatalogBlobs;
}
