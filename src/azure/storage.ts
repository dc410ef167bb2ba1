/**
 * Dev Center Storage adapters (tables for records, blobs for files and logs) from one connection: a
 * connection string, or service URIs with a token credential (identity-based, no keys).
 */
import type { TokenCredential } from "@azure/identity";
import type { StorageConnection } from "../config";
import { BlobStore, RecordBatchStore } from "../storage/ports";
import { JsonObject } from "../core/ports";
import { createBlobStore } from "./blobs";
import { createStorageCredential } from "./credentials";
import { TableRecordStore, createTableClient } from "./records";

export interface StorageAdapters {
  /** The record store for one table (3-63 letters and digits), created on first use. */
  records<T extends object = JsonObject>(table: string): RecordBatchStore<T>;
  blobs: BlobStore;
}

/**
 * A plain string is a connection string. An identity-based connection uses `credential`, by default
 * the one its settings choose (createStorageCredential).
 */
export function createStorageAdapters(
  connection: string | StorageConnection,
  credential?: TokenCredential,
): StorageAdapters {
  const resolved: StorageConnection =
    typeof connection === "string" ? { kind: "connectionString", connectionString: connection } : connection;
  const token = resolved.kind === "identity" ? (credential ?? createStorageCredential(resolved)) : undefined;
  const stores = new Map<string, TableRecordStore<object>>();
  return {
    records<T extends object = JsonObject>(table: string): RecordBatchStore<T> {
      let store = stores.get(table);
      if (!store) {
        store = new TableRecordStore<object>(createTableClient(resolved, table, token), table);
        stores.set(table, store);
      }
      // One store (and one "table created" flag) per table, whatever value type callers read it as.
      return store as unknown as RecordBatchStore<T>;
    },
    blobs: createBlobStore(resolved, token),
  };
}
