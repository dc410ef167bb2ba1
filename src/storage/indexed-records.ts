/**
 * A record table with a secondary index kept in step on every write: the index table holds one
 * pointer per record, under an index partition derived from the record (e.g. project and
 * environment), so that "the operations of an environment" is one partition read and point reads,
 * not a scan of the project's partition.
 *
 * The pointer is written before the record is created and removed after the record is deleted,
 * so a crash in between leaves at most a pointer to nothing, which lookups skip. The index keys
 * of a record must not change with replace (owner and environment of a record are fixed). Records
 * written before the index existed are indexed by one scan of their partition, on first lookup.
 */
import { OpenOperationRecords, type OpenOperationPointer } from "./open-operations";
import {
  RecordConflictError,
  type IndexedRecordStore,
  type ListRecordsOptions,
  type LookupOptions,
  type OpenTable,
  type RecordStore,
  type StoredRecord,
} from "./ports";
import { operationIndexRow, operationsOfEnvironment, TABLES, type OperationRecord } from "./records";

/** An index row: where the indexed record is. */
export interface IndexPointer {
  partitionKey: string;
  rowKey: string;
}

/** Where a record's pointer goes: an index partition and a row key within it. */
export interface IndexKey {
  partition: string;
  row: string;
}

/** The partition of the index table that says which record partitions are fully indexed. */
const BUILT_PARTITION = "~indexed";

export class IndexedRecords<T extends object> implements IndexedRecordStore<T> {
  private readonly indexed = new Set<string>();

  constructor(
    private readonly records: RecordStore<T>,
    private readonly index: RecordStore<IndexPointer>,
    /** The index key of a record; its partition must not be BUILT_PARTITION. */
    private readonly keyOf: (value: T, rowKey: string) => IndexKey,
  ) {}

  get(partitionKey: string, rowKey: string): Promise<StoredRecord<T> | undefined> {
    return this.records.get(partitionKey, rowKey);
  }

  async create(partitionKey: string, rowKey: string, value: T): Promise<string> {
    await this.point(this.keyOf(value, rowKey), { partitionKey, rowKey });
    return this.records.create(partitionKey, rowKey, value);
  }

  replace(partitionKey: string, rowKey: string, value: T, etag: string): Promise<string> {
    return this.records.replace(partitionKey, rowKey, value, etag);
  }

  async delete(partitionKey: string, rowKey: string, etag?: string): Promise<void> {
    const stored = await this.records.get(partitionKey, rowKey);
    await this.records.delete(partitionKey, rowKey, etag);
    if (stored) {
      const key = this.keyOf(stored.value, rowKey);
      await this.index.delete(key.partition, key.row);
    }
  }

  list(partitionKey: string, options?: ListRecordsOptions): Promise<StoredRecord<T>[]> {
    return this.records.list(partitionKey, options);
  }

  /**
   * The records whose pointers are in `indexPartition` (in row key order, as `options` narrow them),
   * read from `recordPartition`, which is indexed first if records written before the index exist.
   * Only the pointers asked for are read: with a limit, about one page's worth.
   */
  async lookup(
    recordPartition: string,
    indexPartition: string,
    options: LookupOptions = {},
  ): Promise<StoredRecord<T>[]> {
    await this.ensureIndexed(recordPartition);
    const limit = options.limit ?? Infinity;
    const found: StoredRecord<T>[] = [];
    let after = options.after;
    for (;;) {
      const wanted = limit - found.length;
      const pointers = await this.index.list(indexPartition, {
        ...(options.from !== undefined && { from: options.from }),
        ...(after !== undefined && { after }),
        ...(options.before !== undefined && { before: options.before }),
        ...(wanted !== Infinity && { limit: wanted }),
      });
      const records = await Promise.all(
        pointers.map((p) => this.records.get(p.value.partitionKey, p.value.rowKey)),
      );
      found.push(...records.filter((r): r is StoredRecord<T> => r !== undefined));
      // Pointers to nothing (a crash between a record's delete and its pointer's) leave room: read on.
      if (found.length >= limit || pointers.length < wanted) return found;
      after = pointers[pointers.length - 1].rowKey;
    }
  }

  private async ensureIndexed(recordPartition: string): Promise<void> {
    // Once indexed, a partition stays indexed (every writer keeps the index): ask storage once.
    if (this.indexed.has(recordPartition)) return;
    if (!(await this.index.get(BUILT_PARTITION, recordPartition))) await this.build(recordPartition);
    this.indexed.add(recordPartition);
  }

  private async build(recordPartition: string): Promise<void> {
    for (const record of await this.records.list(recordPartition)) {
      await this.point(this.keyOf(record.value, record.rowKey), {
        partitionKey: record.partitionKey,
        rowKey: record.rowKey,
      });
    }
    await this.point(
      { partition: BUILT_PARTITION, row: recordPartition },
      { partitionKey: recordPartition, rowKey: "" },
    );
  }

  /** Pointers never change once written: one that exists already is success. */
  private async point(key: IndexKey, pointer: IndexPointer): Promise<void> {
    try {
      await this.index.create(key.partition, key.row, pointer);
    } catch (error) {
      if (!(error instanceof RecordConflictError)) throw error;
    }
  }
}

/**
 * The operations table with its index by project and environment and its index of open operations:
 * every writer must use this one.
 */
export function operationRecords(open: OpenTable): OpenOperationRecords {
  const byEnvironment = new IndexedRecords(
    open<OperationRecord>(TABLES.operations),
    open<IndexPointer>(TABLES.operationsByEnvironment),
    (operation) => ({
      partition: operationsOfEnvironment(operation.project, operation.environmentName),
      row: operationIndexRow(operation.startTime, operation.id),
    }),
  );
  return new OpenOperationRecords(byEnvironment, open<OpenOperationPointer>(TABLES.openOperations));
}
