/** Publishes catalog sync requests to an Event Grid topic (or, locally, a Functions host's webhook) with @azure/eventgrid. */
import { randomUUID } from "node:crypto";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import type { TokenCredential } from "@azure/identity";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import {
  CATALOG_SYNC_DATA_VERSION,
  CATALOG_SYNC_EVENT_TYPE,
  catalogSubject,
  type CatalogSyncEventData,
  type SyncRequestPublisher,
} from "../catalog/events";

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

/** `credential`: the topic key, or a token credential (Entra ID; the identity needs EventGrid Data Sender). */
export function createEventGridPublisher(
  endpoint: string,
  credential: string | TokenCredential,
): SyncRequestPublisher {
  if (!endpoint.startsWith("https://") && !isLoopbackHttp(endpoint)) {
    throw new Error("EVENTGRID_ENDPOINT must be an https URL (plain http is accepted on loopback only).");
  }
  const auth = typeof credential === "string" ? new AzureKeyCredential(credential) : credential;
  const client = new EventGridPublisherClient(endpoint, "EventGrid", auth, {
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
