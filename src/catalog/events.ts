/**
 * The catalog sync request event, `DevCenter.Catalog.SyncRequested`, with data
 * `{ project?: string, catalog: string }` (no project: a dev center catalog). It arrives in the Event
 * Grid schema or as a CloudEvent (1.0); both carry the same data. Published with @azure/eventgrid.
 */
import { randomUUID } from "node:crypto";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
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

/**
 * Locally the endpoint is a Functions host's Event Grid webhook, not a topic: it is plain http on
 * loopback (which the SDK refuses unless allowed) and answers 202 Accepted where a topic answers 200
 * (the only status the SDK takes as success).
 */
const loopbackWebhook: PipelinePolicy = {
  name: "loopbackEventGridWebhook",
  sendRequest: async (request, next) => {
    request.allowInsecureConnection = true;
    const response = await next(request);
    return response.status === 202 ? { ...response, status: 200 } : response;
  },
};

function isLoopbackHttp(endpoint: string): boolean {
  const url = new URL(endpoint);
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

export function createEventGridPublisher(endpoint: string, key: string): SyncRequestPublisher {
  if (!endpoint.startsWith("https://") && !isLoopbackHttp(endpoint)) {
    throw new Error("EVENTGRID_ENDPOINT must be an https URL (plain http is accepted on loopback only).");
  }
  const client = new EventGridPublisherClient(endpoint, "EventGrid", new AzureKeyCredential(key), {
    additionalPolicies: isLoopbackHttp(endpoint) ? [{ policy: loopbackWebhook, position: "perRetry" }] : [],
  });
  return {
    async publish(ref) {
      const id = randomUUID();
      const data: CatalogSyncEventData = {
        catalog: ref.catalog,
        ...(ref.project !== undefined && { project: ref.project }),
      };
      await client.send([
        {
          id,
          eventType: CATALOG_SYNC_EVENT_TYPE,
          subject: catalogSubject(ref),
          dataVersion: CATALOG_SYNC_DATA_VERSION,
          eventTime: new Date(),
          data,
        },
      ]);
      return id;
    },
  };
}
