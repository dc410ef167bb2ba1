/** Dev Center Storage adapters (tables for records, blobs for files and logs) from one connection string. */
import { BlobStore, RecordStore } from "../storage/ports";
import { JsonObject } from "../core/ports";
import { createBlobStore } from "./blobs";
import { TableRecordStore, createTableClient } from "./records";

export interface StorageAdapters {
  /** The record store for one table (3-63 letters and digits), created on first use. */
  records<T extends object = JsonObject>(table: string): RecordStore<T>;
  blobs: BlobStore;
}

export function createStorageAdapters(connectionString: string): StorageAdapters {
  const stores = new Map<string, TableRecordStore<object>>();
  return {
    records<T extends object = JsonObject>(table: string): RecordStore<T> {
      let store = stores.get(table);
      if (!store) {
        store = new TableRecordStore<object>(createTableClient(connectionString, table), table);
        stores.set(table, store);
      }
      // One store (and one "table created" flag) per table, whatever value type callers read it as.
      return store as unknown as RecordStore<T>;
    },
    blobs: createBlobStore(connectionString),
  };
}
