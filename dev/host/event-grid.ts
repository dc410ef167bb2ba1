/**
 * Event Grid triggers, served where the Functions host serves them locally:
 * POST /runtime/webhooks/EventGrid?functionName=NAME.
 *
 * - `aeg-event-type: SubscriptionValidation` answers `{ validationResponse }` (Event Grid schema);
 * - OPTIONS with `WebHook-Request-Origin` is the CloudEvents abuse-protection handshake;
 * - `Notification`, or no aeg-event-type at all (what @azure/eventgrid's EventGridPublisherClient
 *   sends), carries one event or an array of Event Grid schema events or CloudEvents (structured
 *   JSON): the function runs once per event, in order; the first failure answers 500.
 */
import type { FunctionsWorker, RegisteredFunction } from "./functions-worker";
import { headerValue, HttpHandler, HttpReply, jsonReply, textReply } from "./http-server";
import type { HostLogger } from "./logger";

const WEBHOOK_PATH = "/runtime/webhooks/eventgrid";
const VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent";

type EventObject = Record<string, unknown>;

export class EventGridWebhook {
  constructor(
    private readonly worker: FunctionsWorker,
    private readonly logger: HostLogger,
  ) {}

  readonly handle: HttpHandler = async (request) => {
    if (request.url.pathname.replace(/\/+$/, "").toLowerCase() !== WEBHOOK_PATH) return undefined;
    if (request.method === "OPTIONS")
      return this.cloudEventsHandshake(headerValue(request.headers, "webhook-request-origin"));
    if (request.method !== "POST") return textReply(405, "Method Not Allowed", { allow: "OPTIONS, POST" });

    const functionName = request.url.searchParams.get("functionName") ?? "";
    const fn = this.worker.get(functionName);
    if (!fn || fn.triggerType !== "eventgridtrigger") {
      return textReply(404, `No Event Grid triggered function named '${functionName}'`);
    }

    let payload: unknown;
    try {
      payload = JSON.parse(request.body.toString("utf8"));
    } catch {
      return textReply(400, "The request body is not JSON");
    }
    const events = (Array.isArray(payload) ? payload : [payload]) as unknown[];
    if (!events.every((e): e is EventObject => typeof e === "object" && e !== null && !Array.isArray(e))) {
      return textReply(400, "Expected an event object or an array of event objects");
    }

    const eventType = headerValue(request.headers, "aeg-event-type") ?? "Notification";
    switch (eventType.toLowerCase()) {
      case "subscriptionvalidation":
        return this.validate(events);
      case "notification":
        return this.deliver(fn, events);
      case "unsubscribe":
        return { status: 202 };
      default:
        return textReply(400, `Unknown aeg-event-type '${eventType}'`);
    }
  };

  private cloudEventsHandshake(origin: string | undefined): HttpReply {
    if (!origin) return textReply(400, "Missing WebHook-Request-Origin header");
    return {
      status: 200,
      headers: { "webhook-allowed-origin": origin, "webhook-allowed-rate": "*", allow: "POST" },
    };
  }

  private validate(events: EventObject[]): HttpReply {
    const validation = events.find((e) => e.eventType === VALIDATION_EVENT);
    const code = (validation?.data as { validationCode?: unknown } | undefined)?.validationCode;
    if (typeof code !== "string")
      return textReply(400, `Expected a ${VALIDATION_EVENT} with data.validationCode`);
    return jsonReply(200, { validationResponse: code });
  }

  private async deliver(fn: RegisteredFunction, events: EventObject[]): Promise<HttpReply> {
    const schemaError = events.map(checkSchema).find((error) => error !== undefined);
    if (schemaError) return textReply(400, schemaError);
    for (const event of events) {
      try {
        await this.worker.invoke(fn, { json: JSON.stringify(event) });
      } catch (error) {
        this.logger.host(
          "error",
          `Executed 'Functions.${fn.name}' (Failed): ${(error as Error)?.stack ?? error}`,
        );
        return textReply(500, `Function '${fn.name}' failed for event ${String(event.id)}`);
      }
    }
    return { status: 202 };
  }
}

/** Undefined when the event is a valid Event Grid schema event or structured CloudEvent. */
function checkSchema(event: EventObject): string | undefined {
  const required =
    "specversion" in event ? ["id", "source", "type"] : ["id", "subject", "eventType", "eventTime"];
  const missing = required.filter((key) => typeof event[key] !== "string" || event[key] === "");
  if (missing.length === 0) return undefined;
  const schema = "specversion" in event ? "CloudEvent" : "Event Grid event";
  return `Invalid ${schema}: missing ${missing.join(", ")}`;
}
