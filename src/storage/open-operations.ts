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
 * before this index existed get their pointers from one scan of their projects (`indexProjects`,
 * which the periodic sweep runs before it reads the index); a marker row says it is done.
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

/** The partition whose rows say which projects' operations of before the index have their pointers. */
const INDEXED_PARTITION = "~indexed";

/** The open operations, for the sweep: what the index holds once older operations are in it. */
export interface OpenOperationIndex {
  /** Gives the projects' open operations of before the index their pointers (one scan of each, once). */
  indexProjects(projects: string[]): Promise<void>;
  open(now: Date): Promise<OperationRecord[]>;
}

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

export class OpenOperationRecords implements IndexedRecordStore<OperationRecord>, OpenOperationIndex {
  private readonly indexed = new Set<string>();

  constructor(
    private readonly records: IndexedRecordStore<OperationRecord>,
    private readonly pointers: RecordStore<OpenOperationPointer>,
  ) {}

  get(partitionKey: string, rowKey: string) {
    return this.records.get(partitionKey, rowKey);
  }

  async create(partitionKey: string, rowKey: string, value: OperationRecord): Promise<string> {
    if (isOpenOperation(value)) await this.point(value);
    return this.records.create(partitionKey, rowKey, value);
  }

  private async point(operation: OperationRecord): Promise<void> {
    try {
      await this.pointers.create(PARTITION, pointerRow(operation.project, operation.id), {
        project: operation.project,
        operationId: operation.id,
        startTime: operation.startTime,
      });
    } catch (error) {
      if (!(error instanceof RecordConflictError)) throw error;
    }
  }

  async indexProjects(projects: string[]): Promise<void> {
    for (const project of projects) {
      // Once indexed, a project stays indexed (every writer keeps the index): ask storage once.
      if (this.indexed.has(project)) continue;
      if (!(await this.pointers.get(INDEXED_PARTITION, project))) {
        for (const { value } of await this.records.list(project))
          if (isOpenOperation(value)) await this.point(value);
        await this.pointers
          .create(INDEXED_PARTITION, project, {
            project,
            operationId: "",
            startTime: new Date().toISOString(),
          })
          .catch((error: unknown) => {
            if (!(error instanceof RecordConflictError)) throw error;
          });
      }
      this.indexed.add(project);
    }
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
