/**
 * Syncing one catalog. A sync first claims the catalog record (a lease written with an ETag-checked
 * replace); a sync that finds an unexpired lease does not start, it only asks the holder to check the
 * head once more when done, so duplicate and concurrent requests coalesce into one sync. The holder
 * fetches the source, and unless the commit is the one it serves, scans it, writes the snapshot zip
 * and the index (blobs named by commit) and then switches the record to them with one ETag-checked
 * replace. A failed sync keeps the last good snapshot and records the error.
 */
import { randomUUID } from "node:crypto";
import {
  CATALOG_CONTAINER,
  CatalogIndex,
  CatalogRecord,
  CatalogRef,
  CatalogSnapshotPointer,
  catalogKeys,
  describeCatalog,
  INDEX_FORMAT_VERSION,
  indexBlobName,
  snapshotBlobName,
  SyncError,
  SyncStats,
} from "./model";
import { CatalogStorage, RecordConflictError } from "./ports";
import { brokenDefinitions, compareIndexes, scanCatalog } from "./scan";
import { buildSnapshotZip } from "./snapshot";
import { CatalogSource, CatalogSourceError } from "./sources";

export type SyncOutcome =
  | { status: "Synced"; commit: string; stats: SyncStats }
  | { status: "Unchanged"; commit: string }
  | { status: "Failed"; error: SyncError }
  | { status: "AlreadyRunning" }
  /** This sync's claim expired while it ran and another sync took over: its result was dropped. */
  | { status: "Superseded" };

export interface CatalogSyncDeps extends CatalogStorage {
  /** Made when the sync starts (so a missing secret is this sync's error, not the host's). */
  source: (ref: CatalogRef) => CatalogSource;
  now?: () => Date;
  /** How long a claim holds without being released (a crashed sync's claim expires). */
  leaseMs?: number;
  log?: (message: string) => void;
}

export const DEFAULT_SYNC_LEASE_MS = 10 * 60_000;

/** What one pass of a sync concluded, applied to the record when the claim is released. */
type PassResult =
  | { kind: "synced"; pointer: CatalogSnapshotPointer; stats: SyncStats }
  | { kind: "unchanged"; commit: string }
  | { kind: "failed"; error: SyncError };

/** The record as this sync last wrote it: releasing tries to replace it before reading the record again. */
interface Held {
  value: CatalogRecord;
  etag: string;
}

type Claim =
  { claimed: true; leaseId: string; held: Held; current?: CatalogSnapshotPointer } | { claimed: false };

export async function syncCatalog(deps: CatalogSyncDeps, ref: CatalogRef): Promise<SyncOutcome> {
  const claim = await claimCatalog(deps, ref);
  if (!claim.claimed) {
    deps.log?.(`Sync of ${describeCatalog(ref)} is already running; it will check the head again when done.`);
    return { status: "AlreadyRunning" };
  }
  let current = claim.current;
  let held: Held | undefined = claim.held;
  // A pass that finds the head unchanged after an earlier pass switched it still reports that switch.
  let switched: PassResult | undefined;
  for (;;) {
    let result: PassResult;
    try {
      result = await syncPass(deps, ref, current);
    } catch (error) {
      // Storage failed: record it, let go of the claim and let the trigger fail (Event Grid redelivers).
      const message = error instanceof Error ? error.message : String(error);
      await release(
        deps,
        ref,
        claim.leaseId,
        { kind: "failed", error: { code: "SyncFailed", message } },
        held,
      ).catch(() => undefined);
      throw error;
    }
    const released = await release(deps, ref, claim.leaseId, result, held);
    if (released.lost) return { status: "Superseded" };
    held = released.held;
    if (result.kind === "synced") {
      current = result.pointer;
      switched = result;
    }
    if (!released.again) {
      const final = result.kind === "unchanged" && switched ? switched : result;
      deps.log?.(`Sync of ${describeCatalog(ref)}: ${describeResult(final)}.`);
      return toOutcome(final);
    }
    deps.log?.(`Sync of ${describeCatalog(ref)} was requested again while it ran; checking the head again.`);
  }
}

function describeResult(result: PassResult): string {
  if (result.kind === "synced") {
    const s = result.stats;
    return (
      `switched to ${result.pointer.commit} (${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ` +
      `${s.removed} removed, ${s.validationErrors} invalid, ${s.conflicts} conflicts)`
    );
  }
  if (result.kind === "unchanged") return `unchanged at ${result.commit}`;
  return `failed: ${result.error.message}`;
}

function toOutcome(result: PassResult): SyncOutcome {
  if (result.kind === "synced")
    return { status: "Synced", commit: result.pointer.commit, stats: result.stats };
  if (result.kind === "unchanged") return { status: "Unchanged", commit: result.commit };
  return { status: "Failed", error: result.error };
}

function isConflict(error: unknown): boolean {
  return error instanceof RecordConflictError;
}

async function claimCatalog(deps: CatalogSyncDeps, ref: CatalogRef): Promise<Claim> {
  const { partitionKey, rowKey } = catalogKeys(ref);
  const now = deps.now?.() ?? new Date();
  const leaseId = randomUUID();
  const lease = {
    id: leaseId,
    expiresAt: new Date(now.getTime() + (deps.leaseMs ?? DEFAULT_SYNC_LEASE_MS)).toISOString(),
    requestedAgain: false,
  };
  for (;;) {
    const stored = await deps.records.get(partitionKey, rowKey);
    try {
      if (!stored) {
        const record: CatalogRecord = {
          ...(ref.project !== undefined && { project: ref.project }),
          catalog: ref.catalog,
          lease,
        };
        const etag = await deps.records.create(partitionKey, rowKey, record);
        return { claimed: true, leaseId, held: { value: record, etag } };
      }
      const held = stored.value.lease;
      if (held && new Date(held.expiresAt) > now) {
        if (!held.requestedAgain) {
          await deps.records.replace(
            partitionKey,
            rowKey,
            { ...stored.value, lease: { ...held, requestedAgain: true } },
            stored.etag,
          );
        }
        return { claimed: false };
      }
      const value = { ...stored.value, lease };
      const etag = await deps.records.replace(partitionKey, rowKey, value, stored.etag);
      return { claimed: true, leaseId, held: { value, etag }, current: usableCurrent(stored.value) };
    } catch (error) {
      // Someone else wrote the record between our read and write: look again.
      if (!isConflict(error)) throw error;
    }
  }
}

/** The served snapshot, unless it was indexed by another index format (then the commit is indexed again). */
function usableCurrent(record: CatalogRecord): CatalogSnapshotPointer | undefined {
  return record.current?.indexFormatVersion === INDEX_FORMAT_VERSION ? record.current : undefined;
}

async function syncPass(
  deps: CatalogSyncDeps,
  ref: CatalogRef,
  current: CatalogSnapshotPointer | undefined,
): Promise<PassResult> {
  let fetched;
  try {
    fetched = await deps.source(ref).fetch(current?.commit);
  } catch (error) {
    if (error instanceof CatalogSourceError)
      return { kind: "failed", error: { code: error.code, message: error.message } };
    throw error;
  }
  if (fetched.unchanged) return { kind: "unchanged", commit: fetched.commit };

  const { index, snapshotFiles } = scanCatalog(ref, fetched.commit, fetched.files);
  const previous = current ? await readIndex(deps, current.indexBlob) : undefined;
  const broken = brokenDefinitions(previous, index);
  if (broken) return { kind: "failed", error: broken };

  const snapshotBlob = snapshotBlobName(ref, index.commit);
  const indexBlob = indexBlobName(ref, index.commit);
  // Blobs first, record last: a reader never sees a record pointing at blobs that are not there yet.
  await deps.blobs.put(CATALOG_CONTAINER, snapshotBlob, buildSnapshotZip(snapshotFiles), {
    contentType: "application/zip",
  });
  await deps.blobs.put(CATALOG_CONTAINER, indexBlob, JSON.stringify(index), {
    contentType: "application/json",
  });
  const syncedAt = (deps.now?.() ?? new Date()).toISOString();
  return {
    kind: "synced",
    pointer: {
      commit: index.commit,
      snapshotBlob,
      indexBlob,
      indexFormatVersion: INDEX_FORMAT_VERSION,
      syncedAt,
      definitionCount: index.definitions.length,
    },
    stats: compareIndexes(previous, index),
  };
}

export async function readIndex(
  storage: Pick<CatalogStorage, "blobs">,
  indexBlob: string,
): Promise<CatalogIndex | undefined> {
  const data = await storage.blobs.get(CATALOG_CONTAINER, indexBlob);
  return data ? (JSON.parse(data.toString("utf8")) as CatalogIndex) : undefined;
}

/**
 * Applies the pass's result and lets go of the claim, unless a request came in meanwhile: then the
 * claim is kept (renewed) and the caller runs another pass. A claim that expired and was taken by
 * another sync is not ours any more: that sync's result will be written, not this one's. The record
 * as this sync wrote it is tried first (one request); whoever wrote it since (a request asking for
 * another pass, a sync taking over) changed its ETag, and then it is read again.
 */
async function release(
  deps: CatalogSyncDeps,
  ref: CatalogRef,
  leaseId: string,
  result: PassResult,
  held: Held | undefined,
): Promise<{ again: boolean; held?: Held; lost?: true }> {
  const { partitionKey, rowKey } = catalogKeys(ref);
  let known = held?.etag ? held : undefined;
  for (;;) {
    const stored = known ?? (await deps.records.get(partitionKey, rowKey));
    known = undefined;
    const lease = stored?.value.lease;
    if (!stored || lease?.id !== leaseId) {
      deps.log?.(`Sync of ${describeCatalog(ref)} lost its claim (it expired); its result is dropped.`);
      return { again: false, lost: true };
    }
    const now = deps.now?.() ?? new Date();
    const record: CatalogRecord = { ...stored.value, lastSyncTime: now.toISOString() };
    if (result.kind === "failed") {
      record.lastSyncResult = "Failed";
      record.lastSyncError = result.error;
    } else {
      record.lastSyncResult = "Succeeded";
      delete record.lastSyncError;
      if (result.kind === "synced") {
        record.current = result.pointer;
        record.lastSyncStats = result.stats;
      }
    }
    const again = lease.requestedAgain;
    if (again) {
      const expiresAt = new Date(now.getTime() + (deps.leaseMs ?? DEFAULT_SYNC_LEASE_MS)).toISOString();
      record.lease = { id: leaseId, expiresAt, requestedAgain: false };
    } else {
      delete record.lease;
    }
    try {
      const etag = await deps.records.replace(partitionKey, rowKey, record, stored.etag);
      return { again, held: { value: record, etag } };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
}
