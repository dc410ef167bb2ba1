import { RecordConflictError, type RecordStore } from "./ports";

const MAX_ATTEMPTS = 10;

/**
 * Read-modify-write of one record under optimistic concurrency: re-reads and re-applies `change`
 * when someone else wrote in between. `change` returns undefined for "nothing to do". A missing
 * record is left missing.
 */
export async function updateRecord<T extends object>(
  store: RecordStore<T>,
  partitionKey: string,
  rowKey: string,
  change: (current: T) => NoInfer<T> | undefined,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    const stored = await store.get(partitionKey, rowKey);
    if (!stored) return undefined;
    const next = change(stored.value);
    if (next === undefined) return stored.value;
    try {
      await store.replace(partitionKey, rowKey, next, stored.etag);
      return next;
    } catch (error) {
      if (!(error instanceof RecordConflictError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
