/** An in-memory RecordStore with the same ETag rules as the table adapter, for unit tests of logic over records. */
import {
  RecordConflictError,
  type ListRecordsOptions,
  type RecordStore,
  type StoredRecord,
} from "../../src/storage/ports";

export class MemoryRecords<T extends object> implements RecordStore<T> {
  private readonly rows = new Map<string, { value: T; etag: string }>();
  private version = 0;

  constructor(private readonly table = "memory") {}

  private key(partitionKey: string, rowKey: string): string {
    return `${partitionKey}\u0000${rowKey}`;
  }

  private stored(partitionKey: string, rowKey: string, row: { value: T; etag: string }): StoredRecord<T> {
    return { partitionKey, rowKey, value: structuredClone(row.value), etag: row.etag };
  }

  async get(partitionKey: string, rowKey: string): Promise<StoredRecord<T> | undefined> {
    const row = this.rows.get(this.key(partitionKey, rowKey));
    return row && this.stored(partitionKey, rowKey, row);
  }

  async create(partitionKey: string, rowKey: string, value: T): Promise<string> {
    const key = this.key(partitionKey, rowKey);
    if (this.rows.has(key)) throw new RecordConflictError(this.table, partitionKey, rowKey, "already exists");
    const etag = `v${++this.version}`;
    this.rows.set(key, { value: JSON.parse(JSON.stringify(value)) as T, etag });
    return etag;
  }

  async replace(partitionKey: string, rowKey: string, value: T, etag: string): Promise<string> {
    const key = this.key(partitionKey, rowKey);
    const row = this.rows.get(key);
    if (!row || row.etag !== etag) {
      throw new RecordConflictError(
        this.table,
        partitionKey,
        rowKey,
        "was changed by someone else since it was read",
      );
    }
    const next = `v${++this.version}`;
    this.rows.set(key, { value: JSON.parse(JSON.stringify(value)) as T, etag: next });
    return next;
  }

  async delete(partitionKey: string, rowKey: string, etag?: string): Promise<void> {
    const key = this.key(partitionKey, rowKey);
    const row = this.rows.get(key);
    if (row && etag !== undefined && row.etag !== etag) {
      throw new RecordConflictError(
        this.table,
        partitionKey,
        rowKey,
        "was changed by someone else since it was read",
      );
    }
    this.rows.delete(key);
  }

  /** In row key order, as Table storage lists a partition. */
  async list(partitionKey: string, options: ListRecordsOptions = {}): Promise<StoredRecord<T>[]> {
    const { prefix = "", from, after, limit = Infinity } = options;
    return [...this.rows.entries()]
      .filter(([key]) => key.startsWith(`${partitionKey}\u0000`))
      .map(([key, row]) => this.stored(partitionKey, key.split("\u0000")[1], row))
      .filter(
        (r) =>
          r.rowKey.startsWith(prefix) &&
          (from === undefined || r.rowKey >= from) &&
          (after === undefined || r.rowKey > after),
      )
      .sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0))
      .slice(0, limit);
  }
}
