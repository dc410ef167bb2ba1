/**
 * Reading what a catalog serves, for the data plane and the operations: its record and the index of
 * its current snapshot. Index blobs are named by commit and index format and never change, so they
 * are cached in memory by name.
 */
import { CatalogIndex, CatalogRecord, CatalogRef, catalogKeys, IndexedDefinition } from "./model";
import { CatalogStorage } from "./ports";
import { readIndex } from "./sync";

export interface CatalogState {
  record?: CatalogRecord;
  /** The index of the snapshot the catalog serves (undefined before the first successful sync). */
  index?: CatalogIndex;
}

export type CatalogSyncState = "NotSynced" | "InProgress" | "Succeeded" | "Failed";

/** InProgress while an unexpired claim is held; otherwise the last attempt's outcome. */
export function syncStateOf(record: CatalogRecord | undefined, now: Date): CatalogSyncState {
  if (record?.lease && new Date(record.lease.expiresAt) > now) return "InProgress";
  return record?.lastSyncResult ?? "NotSynced";
}

export class CatalogReader {
  private readonly cache = new Map<string, CatalogIndex>();

  constructor(
    private readonly storage: CatalogStorage,
    private readonly cacheSize = 100,
  ) {}

  async read(ref: CatalogRef): Promise<CatalogState> {
    const { partitionKey, rowKey } = catalogKeys(ref);
    const stored = await this.storage.records.get(partitionKey, rowKey);
    const record = stored?.value;
    if (!record?.current) return { record };
    return { record, index: await this.index(record.current.indexBlob) };
  }

  /**
   * A definition of the catalog by name (without case) and the snapshot that holds its folder: what
   * an operation pins (OperationDefinition) and checks parameters against. Undefined when absent.
   */
  async findDefinition(
    ref: CatalogRef,
    name: string,
  ): Promise<{ definition: IndexedDefinition; snapshotBlob: string } | undefined> {
    const { record, index } = await this.read(ref);
    const definition = index?.definitions.find((d) => d.name.toLowerCase() === name.toLowerCase());
    return definition && record?.current
      ? { definition, snapshotBlob: record.current.snapshotBlob }
      : undefined;
  }

  private async index(name: string): Promise<CatalogIndex | undefined> {
    const cached = this.cache.get(name);
    if (cached) {
      // Refresh its place: the map's order is the eviction order.
      this.cache.delete(name);
      this.cache.set(name, cached);
      return cached;
    }
    const index = await readIndex(this.storage, name);
    if (!index) return undefined;
    this.cache.set(name, index);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    return index;
  }
}
