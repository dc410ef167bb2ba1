/**
 * The environments table (partition = project, row = environment name) with a copy of each record
 * under its owner, row `~user:{user}:{name}` of the same partition, written in the same batch (one
 * entity group transaction) as the record. A user's environments are then one range read that costs
 * what the user has, never out of step with the records; the project's list reads only the rows
 * before "~" (names start with a letter or digit), so it never sees a copy. The owner of a record
 * never changes with replace.
 *
 * Callers hold the record's etag, never a copy's. A delete writes the record back under the
 * caller's etag while it removes the copy (Azurite ignores the etag of a delete inside a batch),
 * then deletes the record under the etag that write gave: a crash in between leaves a record
 * without its copy (missing from its owner's list while it goes), never a copy of nothing.
 *
 * Records written before copies existed get theirs by one scan of their project, on the first list
 * of a user's environments there; the row `~copied` says the project is done.
 */
import {
  RecordConflictError,
  type ListRecordsOptions,
  type OpenTable,
  type RecordBatchStore,
  type RecordStore,
  type StoredRecord,
} from "./ports";
import { TABLES, type EnvironmentRecord } from "./records";

/** Rows from here on are the store's own (copies and the marker), not environments. */
const OWN_ROWS = "~";
const COPIED_ROW = "~copied";
/** Attempts of an unconditional delete that keeps meeting concurrent writes. */
const MAX_DELETE_ATTEMPTS = 10;

/** The row of an environment's copy under its owner (object ids never contain ":"). */
export function environmentCopyRow(user: string, name: string): string {
  return `~user:${user}:${name}`;
}

/** Which environments of a user: names after `after`, at most `limit`. */
export interface UserEnvironmentRange {
  after?: string;
  limit?: number;
}

/** The environments table: records by project and name, and each user's in name order. */
export interface EnvironmentStore extends RecordStore<EnvironmentRecord> {
  /** `user`'s environments of `project` in name order: one range read of their copies. */
  listOfUser(project: string, user: string, range?: UserEnvironmentRange): Promise<EnvironmentRecord[]>;
}

interface CopiedMarker {
  copiedAt: string;
}

export class EnvironmentRecords implements EnvironmentStore {
  /** Per project: the check that its records have copies (and the scan that gives them), once done or under way. */
  private readonly copied = new Map<string, Promise<void>>();

  constructor(
    private readonly records: RecordBatchStore<EnvironmentRecord>,
    private readonly markers: RecordStore<CopiedMarker>,
  ) {}

  get(project: string, name: string): Promise<StoredRecord<EnvironmentRecord> | undefined> {
    return this.records.get(project, name);
  }

  async create(project: string, name: string, value: EnvironmentRecord): Promise<string> {
    const [etag] = await this.records.batch(project, [
      { kind: "create", rowKey: name, value },
      { kind: "upsert", rowKey: environmentCopyRow(value.user, name), value },
    ]);
    return etag;
  }

  async replace(project: string, name: string, value: EnvironmentRecord, etag: string): Promise<string> {
    // Upsert: a record from before copies gets its copy here.
    const [next] = await this.records.batch(project, [
      { kind: "replace", rowKey: name, value, etag },
      { kind: "upsert", rowKey: environmentCopyRow(value.user, name), value },
    ]);
    return next;
  }

  async delete(project: string, name: string, etag?: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.records.get(project, name);
      if (!stored) return;
      if (etag !== undefined && stored.etag !== etag) {
        throw new RecordConflictError(TABLES.environments, project, name, "changed");
      }
      try {
        return await this.deleteWithCopy(stored);
      } catch (error) {
        // Without an etag the caller wants it gone whatever changed: read it again and retry.
        const retry = error instanceof RecordConflictError && etag === undefined;
        if (!retry || attempt >= MAX_DELETE_ATTEMPTS) throw error;
      }
    }
  }

  private async deleteWithCopy(stored: StoredRecord<EnvironmentRecord>): Promise<void> {
    const { partitionKey: project, rowKey: name, value } = stored;
    const copy = environmentCopyRow(value.user, name);
    let etag = stored.etag;
    try {
      [etag] = await this.records.batch(project, [
        { kind: "replace", rowKey: name, value, etag },
        { kind: "delete", rowKey: copy },
      ]);
    } catch (error) {
      // "missing": the copy is (a record from before copies) or the record is (deleted meanwhile).
      if (!(error instanceof RecordConflictError && error.conflict === "missing")) throw error;
      await this.records.delete(project, name, etag);
      // A first list's scan may have copied the record meanwhile.
      await this.records.delete(project, copy);
      return;
    }
    await this.records.delete(project, name, etag);
  }

  /** The project's environments: the rows before the store's own. */
  list(project: string, options: ListRecordsOptions = {}): Promise<StoredRecord<EnvironmentRecord>[]> {
    const before = options.before !== undefined && options.before < OWN_ROWS ? options.before : OWN_ROWS;
    return this.records.list(project, { ...options, before });
  }

  async listOfUser(
    project: string,
    user: string,
    range: UserEnvironmentRange = {},
  ): Promise<EnvironmentRecord[]> {
    await this.ensureCopied(project);
    const prefix = environmentCopyRow(user, "");
    const copies = await this.records.list(project, {
      prefix,
      ...(range.after !== undefined && { after: prefix + range.after }),
      ...(range.limit !== undefined && { limit: range.limit }),
    });
    return copies.map((copy) => copy.value);
  }

  private ensureCopied(project: string): Promise<void> {
    // Once copied, a project stays copied (every writer keeps the copies): ask storage once, and
    // let concurrent first lists wait for the one check (and scan) under way.
    let copied = this.copied.get(project);
    if (!copied) {
      copied = this.markers.get(project, COPIED_ROW).then(async (marker) => {
        if (!marker) await this.copyAll(project);
      });
      this.copied.set(project, copied);
      copied.catch(() => this.copied.delete(project));
    }
    return copied;
  }

  /** Gives every record of `project` without a copy its copy, then marks the project copied. */
  private async copyAll(project: string): Promise<void> {
    const rows = await this.records.list(project);
    const present = new Set(rows.map((row) => row.rowKey));
    for (const { rowKey: name, value } of rows) {
      const copy = environmentCopyRow(value.user, name);
      if (name >= OWN_ROWS || present.has(copy)) continue;
      // A create, not an upsert: a copy written meanwhile by a replace is newer than this value.
      if (!(await this.createIfMissing(this.records, project, copy, value))) continue;
      // The record may have been deleted since the list (its delete found no copy to remove).
      if (!(await this.records.get(project, name))) {
        await this.records.delete(project, copy);
      }
    }
    await this.createIfMissing(this.markers, project, COPIED_ROW, { copiedAt: new Date().toISOString() });
  }

  /** Whether this call created the row (false: it was there). */
  private async createIfMissing<T extends object>(
    store: RecordStore<T>,
    project: string,
    row: string,
    value: T,
  ): Promise<boolean> {
    try {
      await store.create(project, row, value);
      return true;
    } catch (error) {
      if (error instanceof RecordConflictError) return false;
      throw error;
    }
  }
}

/** The environments table with its copies by user: every writer must use this one. */
export function environmentRecords(open: OpenTable): EnvironmentRecords {
  return new EnvironmentRecords(
    open<EnvironmentRecord>(TABLES.environments),
    open<CopiedMarker>(TABLES.environments),
  );
}
