/**
 * The catalog sync request event, `DevCenter.Catalog.SyncRequested`, with data
 * `{ project?: string, catalog: string }` (no project: a dev center catalog). It arrives in the Event
 * Grid schema or as a CloudEvent (1.0); both carry the same data. Published by src/azure/event-grid-publisher.ts.
 */
import type { CatalogRef } from "./model";

export const CATALOG_SYNC_EVENT_TYPE = "DevCenter.Catalog.SyncRequested";
export const CATALOG_SYNC_DATA_VERSION = "1.0";

export interface CatalogSyncEventData {
  project?: string;
  catalog: string;
}

export type ParsedSyncEvent = { ok: true; ref: CatalogRef; id?: string } | { ok: false; message: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The catalog a delivered event asks to sync, from either schema. */
export function parseSyncEvent(event: unknown): ParsedSyncEvent {
  if (!isObject(event)) return { ok: false, message: "the event is not an object" };
  // Event Grid schema: eventType; CloudEvents: type (with specversion).
  const type = event.eventType ?? event.type;
  if (type !== CATALOG_SYNC_EVENT_TYPE) {
    return {
      ok: false,
      message: `unexpected event type ${JSON.stringify(type)}; expected ${CATALOG_SYNC_EVENT_TYPE}`,
    };
  }
  let data = event.data;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      return { ok: false, message: "the event data is not JSON" };
    }
  }
  if (!isObject(data) || typeof data.catalog !== "string" || data.catalog === "") {
    return { ok: false, message: 'the event data must be { "catalog": string, "project"?: string }' };
  }
  if (data.project !== undefined && (typeof data.project !== "string" || data.project === "")) {
    return { ok: false, message: "the event data's project must be a non-empty string when present" };
  }
  const ref: CatalogRef = {
    catalog: data.catalog,
    ...(data.project !== undefined && { project: data.project }),
  };
  return { ok: true, ref, ...(typeof event.id === "string" && { id: event.id }) };
}

export function catalogSubject(ref: CatalogRef): string {
  return ref.project ? `/projects/${ref.project}/catalogs/${ref.catalog}` : `/catalogs/${ref.catalog}`;
}

/** Publishes sync requests; the trigger that receives them runs the sync. */
export interface SyncRequestPublisher {
  /** Returns the event id. */
  publish(ref: CatalogRef): Promise<string>;
}
