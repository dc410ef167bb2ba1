/** An in-memory RecordStore with the same ETag rules as the table adapter, for unit tests of logic over records. */
import {
  MAX_BATCH_WRITES,
  RecordConflictError,
  type ListRecordsOptions,
  type RecordBatchStore,
  type RecordConflict,
  type RecordWrite,
  type StoredRecord,
} from "../../src/storage/ports";

interface Row<T> {
  value: T;
  etag: string;
}

export class MemoryRecords<T extends object> implements RecordBatchStore<T> {
  private readonly rows = new Map<string, Row<T>>();
  private version = 0;

  constructor(private readonly table = "memory") {}

  private key(partitionKey: string, rowKey: string): string {
    return `${partitionKey}\u0000${rowKey}`;
  }

  private stored(partitionKey: string, rowKey: string, row: Row<T>): StoredRecord<T> {
    return { partitionKey, rowKey, value: structuredClone(row.value), etag: row.etag };
  }

  private row(value: T): Row<T> {
    return { value: JSON.parse(JSON.stringify(value)) as T, etag: `v${++this.version}` };
  }

  async get(partitionKey: string, rowKey: string): Promise<StoredRecord<T> | undefined> {
    const row = this.rows.get(this.key(partitionKey, rowKey));
    return row && this.stored(partitionKey, rowKey, row);
  }

  async create(partitionKey: string, rowKey: string, value: T): Promise<string> {
    const [etag] = await this.batch(partitionKey, [{ kind: "create", rowKey, value }]);
    return etag;
  }

  async replace(partitionKey: string, rowKey: string, value: T, etag: string): Promise<string> {
    const [next] = await this.batch(partitionKey, [{ kind: "replace", rowKey, value, etag }]);
    return next;
  }

  async delete(partitionKey: string, rowKey: string, etag?: string): Promise<void> {
    const key = this.key(partitionKey, rowKey);
    const row = this.rows.get(key);
    if (row && etag !== undefined && row.etag !== etag) {
      throw new RecordConflictError(this.table, partitionKey, rowKey, "changed");
    }
    this.rows.delete(key);
  }

  /** All or none: every write is checked before any is applied. */
  async batch(partitionKey: string, writes: RecordWrite<T>[]): Promise<string[]> {
    if (writes.length > MAX_BATCH_WRITES)
      throw new Error(`A batch takes at most ${MAX_BATCH_WRITES} writes.`);
    for (const write of writes) {
      const conflict = this.conflict(write, this.rows.get(this.key(partitionKey, write.rowKey)));
      if (conflict) throw new RecordConflictError(this.table, partitionKey, write.rowKey, conflict);
    }
    return writes.map((write) => {
      const key = this.key(partitionKey, write.rowKey);
      if (write.kind === "delete") {
        this.rows.delete(key);
        return "";
      }
      const row = this.row(write.value);
      this.rows.set(key, row);
      return row.etag;
    });
  }

  private conflict(write: RecordWrite<T>, row: Row<T> | undefined): RecordConflict | undefined {
    if (write.kind === "create") return row && "exists";
    if (write.kind === "upsert") return undefined;
    if (!row) return "missing";
    return write.kind === "replace" && row.etag !== write.etag ? "changed" : undefined;
  }

  /** In row key order, as Table storage lists a partition. */
  async list(partitionKey: string, options: ListRecordsOptions = {}): Promise<StoredRecord<T>[]> {
    const { prefix = "", from, after, before, limit = Infinity } = options;
    return [...this.rows.entries()]
      .filter(([key]) => key.startsWith(`${partitionKey}\u0000`))
      .map(([key, row]) => this.stored(partitionKey, key.split("\u0000")[1], row))
      .filter(
        (r) =>
          r.rowKey.startsWith(prefix) &&
          (from === undefined || r.rowKey >= from) &&
          (after === undefined || r.rowKey > after) &&
          (before === undefined || r.rowKey < before),
      )
      .sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0))
      .slice(0, limit);
  }
}
