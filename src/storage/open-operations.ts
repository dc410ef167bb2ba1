/**
 * The operations table, also indexed by "not finished yet": TABLES.openOperations holds one pointer
 * per operation that is running or whose cleanup has not ended (CleanupProgress.pending), in one
 * partition, so an operator's "which operations are stuck" reads that partition and the records it
 * points to — not every operation of every project.
 *
 * Kept in step on every write, as IndexedRecords keeps its index: the pointer is written before a
 * record that is open is created, and removed after a record is written closed or deleted. A crash
 * in between leaves at most a pointer to a closed or missing record, which `open` skips and tidies
 * up. A closed record never opens again (an operation that ended stays ended). Operations accepted
 * before this index existed are not in it.
 */
import { isTerminalOperationState } from "../core/states";
import {
  RecordConflictError,
  type IndexedRecordStore,
  type ListRecordsOptions,
  type LookupOptions,
  type RecordStore,
  type StoredRecord,
} from "./ports";
import type { OperationRecord } from "./records";

/** A pointer: where the open operation's record is, and since when (to tidy pointers to nothing). */
export interface OpenOperationPointer {
  project: string;
  operationId: string;
  startTime: string;
}

const PARTITION = "open";

/** How old a pointer to no record must be before it is removed: its record may still be being created. */
const MISSING_RECORD_GRACE_MS = 10 * 60_000;

/** Whether an operation is still to finish: running, or its cleanup still going after its end. */
export function isOpenOperation(operation: OperationRecord): boolean {
  return !isTerminalOperationState(operation.status) || operation.cleanup?.pending === true;
}

/** Project names never contain ":" (the contract's name rule). */
function pointerRow(project: string, operationId: string): string {
  return `${project}:${operationId}`;
}

export class OpenOperationRecords implements IndexedRecordStore<OperationRecord> {
  constructor(
    private readonly records: IndexedRecordStore<OperationRecord>,
    private readonly pointers: RecordStore<OpenOperationPointer>,
  ) {}

  get(partitionKey: string, rowKey: string) {
    return this.records.get(partitionKey, rowKey);
  }

  async create(partitionKey: string, rowKey: string, value: OperationRecord): Promise<string> {
    if (isOpenOperation(value)) {
      try {
        await this.pointers.create(PARTITION, pointerRow(partitionKey, rowKey), {
          project: partitionKey,
          operationId: rowKey,
          startTime: value.startTime,
        });
      } catch (error) {
        if (!(error instanceof RecordConflictError)) throw error;
      }
    }
    return this.records.create(partitionKey, rowKey, value);
  }

  async replace(partitionKey: string, rowKey: string, value: OperationRecord, etag: string): Promise<string> {
    const next = await this.records.replace(partitionKey, rowKey, value, etag);
    if (!isOpenOperation(value)) {
      await this.pointers.delete(PARTITION, pointerRow(partitionKey, rowKey));
    }
    return next;
  }

  async delete(partitionKey: string, rowKey: string, etag?: string): Promise<void> {
    await this.records.delete(partitionKey, rowKey, etag);
    await this.pointers.delete(PARTITION, pointerRow(partitionKey, rowKey));
  }

  list(partitionKey: string, options?: ListRecordsOptions): Promise<StoredRecord<OperationRecord>[]> {
    return this.records.list(partitionKey, options);
  }

  lookup(recordPartition: string, indexPartition: string, options?: LookupOptions) {
    return this.records.lookup(recordPartition, indexPartition, options);
  }

  /** Every open operation, of every project: one partition read and a point read per pointer. */
  async open(now: Date): Promise<OperationRecord[]> {
    const open: OperationRecord[] = [];
    for (const { value: pointer, rowKey } of await this.pointers.list(PARTITION)) {
      const stored = await this.records.get(pointer.project, pointer.operationId);
      if (stored && isOpenOperation(stored.value)) {
        open.push(stored.value);
        continue;
      }
      const stale = stored || now.getTime() - Date.parse(pointer.startTime) > MISSING_RECORD_GRACE_MS;
      if (stale) await this.pointers.delete(PARTITION, rowKey);
    }
    return open;
  }
}
