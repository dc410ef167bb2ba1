/**
 * The storage the catalog code needs: narrow slices of the storage ports (src/storage/ports.ts),
 * which the src/azure adapters implement.
 */
import type { BlobStore, RecordStore } from "../storage/ports";
import type { CatalogRecord } from "./model";

export { RecordConflictError } from "../storage/ports";

export type CatalogRecords = Pick<RecordStore<CatalogRecord>, "get" | "create" | "replace">;

export type CatalogBlobs = Pick<BlobStore, "put" | "get">;

export interface CatalogStorage {
  records: CatalogRecords;
  blobs: CatalogBlobs;
}
