/**
 * The Durable Functions management API, served under both prefixes the extension uses:
 * `/runtime/webhooks/durabletask/…` (the documented HTTP API, and the URLs in check-status
 * responses; it takes the host's key) and `/durabletask/{rpcKey}/…` (the rpcBaseUrl the
 * durable-functions SDK's client calls: the extension serves it on a loopback port of its own, and
 * the SDK sends no key, so here a random path segment of each start stands for one).
 * Also builds the durableClient input binding data that points the SDK here.
 */
import { randomBytes } from "node:crypto";
import { headerValue, HttpHandler, HttpReply, HttpRequestIn, jsonReply, textReply } from "../http-server";
import type { DurableEngine } from "./engine";
import { EventType, HistoryEvent, TaskScheduledEvent } from "./history";
import { InstanceQuery, InstanceRecord, RuntimeStatus, TooLargeError } from "./store";

const WEBHOOK_BASE = "/runtime/webhooks/durabletask";
const CONTINUATION_HEADER = "x-ms-continuation-token";
const STATUSES: RuntimeStatus[] = ["Pending", "Running", "Completed", "Failed", "Terminated", "Suspended"];

/** The SDK's own calls go to /durabletask/{rpcKey}/…: the SDK sends no key, so its path holds one. */
function rpcPrefix(rpcKey: string): string {
  return `/durabletask/${rpcKey}/`;
}

/**
 * The durableClient binding data (what `df.getClient(context)` reads), pointing at this host: the
 * management URLs carry the host's key as Azure's carry the system key (`code=`).
 */
export function durableClientData(
  origin: string,
  taskHub: string,
  keys: { masterKey: string; rpcKey: string },
): object {
  const base = `${origin}${WEBHOOK_BASE}`;
  const query = `taskHub=${encodeURIComponent(taskHub)}&connection=Storage&code=${encodeURIComponent(keys.masterKey)}`;
  const instance = `${base}/instances/INSTANCEID`;
  return {
    taskHubName: taskHub,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${query}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
    },
    managementUrls: {
      id: "INSTANCEID",
      statusQueryGetUri: `${instance}?${query}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
      purgeHistoryDeleteUri: `${instance}?${query}`,
      restartPostUri: `${instance}/restart?${query}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
      resumePostUri: `${instance}/resume?reason={text}&${query}`,
    },
    baseUrl: base,
    requiredQueryStringParameters: query,
    rpcBaseUrl: `${origin}${rpcPrefix(keys.rpcKey)}`,
  };
}

/** Instance ids become table partition keys: no / \ # ? or control characters, at most 100 characters. */
function invalidInstanceId(id: string): string | undefined {
  if (id.length === 0 || id.length > 100) return "an instance id has 1 to 100 characters";
  // eslint-disable-next-line no-control-regex
  if (/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(id))
    return "an instance id cannot contain / \\ # ? or control characters";
  return undefined;
}

function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

export class DurableClientApi {
  /** The SDK's rpcBaseUrl path; the documented API is behind the host's key (../keys.ts). */
  private readonly rpcPrefix: string;

  constructor(
    private readonly engine: DurableEngine,
    private readonly taskHub: string,
    rpcKey: string,
  ) {
    this.rpcPrefix = rpcPrefix(rpcKey);
  }

  readonly handle: HttpHandler = async (request) => {
    const path = request.url.pathname;
    const lower = path.toLowerCase();
    const prefix =
      lower.startsWith(`${WEBHOOK_BASE}/`) || lower === WEBHOOK_BASE
        ? `${WEBHOOK_BASE}/`
        : path.startsWith(this.rpcPrefix)
          ? this.rpcPrefix
          : undefined;
    if (!prefix) return undefined;
    const hub = request.url.searchParams.get("taskHub");
    if (hub && hub.toLowerCase() !== this.taskHub.toLowerCase()) {
      return textReply(400, `Task hub '${hub}' is not served by this host (it serves '${this.taskHub}')`);
    }
    let segments: string[];
    try {
      segments = request.url.pathname
        .slice(prefix.length)
        .split("/")
        .filter((s) => s !== "")
        .map((s) => decodeURIComponent(s));
    } catch {
      return textReply(400, "Malformed path");
    }
    const [collection, id, action, eventName] = segments;
    switch (collection?.toLowerCase()) {
      case "orchestrators":
        if (request.method !== "POST") return textReply(405, "Method Not Allowed", { allow: "POST" });
        return this.start(request, id, action);
      case "instances":
        return this.instances(request, id, action?.toLowerCase(), eventName, segments.length);
      case "entities":
        return textReply(501, "Durable entities are not supported by the dev host");
      default:
        return textReply(404, "Not Found");
    }
  };

  private async start(
    request: HttpRequestIn,
    name: string | undefined,
    requestedId: string | undefined,
  ): Promise<HttpReply> {
    if (!name || !this.engine.isOrchestrator(name)) {
      return textReply(
        400,
        `The function '${name ?? ""}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const instanceId = requestedId ?? randomBytes(16).toString("hex");
    const invalid = invalidInstanceId(instanceId);
    if (invalid) return textReply(400, invalid);
    const body = request.body.toString("utf8");
    let inputJson: string | null = null;
    if (body.trim() !== "") {
      try {
        JSON.parse(body);
      } catch {
        return textReply(400, "The orchestration input must be JSON");
      }
      inputJson = body;
    }
    let result: "started" | "exists";
    try {
      result = await this.engine.startNew(name, instanceId, inputJson);
    } catch (error) {
      if (error instanceof TooLargeError) return textReply(400, error.message);
      throw error;
    }
    if (result === "exists") {
      return textReply(409, `An instance with ID '${instanceId}' already exists and is not finished.`);
    }
    const links = this.managementLinks(request.url.origin, instanceId);
    return jsonReply(202, { id: instanceId, ...links }, { location: links.statusQueryGetUri });
  }

  private managementLinks(origin: string, instanceId: string) {
    const instance = `${origin}${WEBHOOK_BASE}/instances/${encodeURIComponent(instanceId)}`;
    const query = `taskHub=${encodeURIComponent(this.taskHub)}&connection=Storage`;
    return {
      statusQueryGetUri: `${instance}?${query}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
      purgeHistoryDeleteUri: `${instance}?${query}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
      resumePostUri: `${instance}/resume?reason={text}&${query}`,
    };
  }

  private async instances(
    request: HttpRequestIn,
    id: string | undefined,
    action: string | undefined,
    eventName: string | undefined,
    depth: number,
  ): Promise<HttpReply> {
    const query = request.url.searchParams;
    if (id === undefined) {
      if (request.method === "GET") return this.list(request);
      if (request.method === "DELETE") {
        const parsed = parseQuery(query);
        if (typeof parsed === "string") return textReply(400, parsed);
        const deleted = await this.engine.purgeWhere(parsed);
        return deleted > 0
          ? jsonReply(200, { instancesDeleted: deleted })
          : textReply(404, "No finished instances matched");
      }
      return textReply(405, "Method Not Allowed", { allow: "DELETE, GET" });
    }
    if (action === undefined) {
      if (request.method === "GET") return this.status(id, request.url);
      if (request.method === "DELETE") {
        const result = await this.engine.purge(id);
        if (result === "purged") return jsonReply(200, { instancesDeleted: 1 });
        return textReply(
          404,
          result === "notFound" ? `No instance with ID '${id}'` : `Instance '${id}' is not finished`,
        );
      }
      return textReply(405, "Method Not Allowed", { allow: "DELETE, GET" });
    }
    if (request.method !== "POST") return textReply(405, "Method Not Allowed", { allow: "POST" });
    const reason = query.get("reason") ?? "";
    switch (action) {
      case "raiseevent": {
        if (!eventName || depth !== 4)
          return textReply(400, "Expected instances/{id}/raiseEvent/{eventName}");
        const body = request.body.toString("utf8");
        if (body.trim() !== "") {
          try {
            JSON.parse(body);
          } catch {
            return textReply(400, "The event data must be JSON");
          }
        }
        try {
          return sendReply(
            id,
            await this.engine.send(id, { kind: "EventRaised", name: eventName, inputJson: body }),
          );
        } catch (error) {
          if (error instanceof TooLargeError) return textReply(400, error.message);
          throw error;
        }
      }
      case "terminate":
        return sendReply(id, await this.engine.send(id, { kind: "Terminate", reason }));
      case "suspend":
        return sendReply(id, await this.engine.send(id, { kind: "Suspend", reason }));
      case "resume":
        return sendReply(id, await this.engine.send(id, { kind: "Resume", reason }));
      case "rewind":
      case "restart":
        return textReply(501, `The ${action} operation is not supported by the dev host`);
      default:
        return textReply(404, "Not Found");
    }
  }

  private async status(instanceId: string, url: URL): Promise<HttpReply> {
    const query = url.searchParams;
    const record = await this.engine.getInstance(instanceId);
    if (!record) return textReply(404, `No instance with ID '${instanceId}' found.`);
    const showInput = query.get("showInput")?.toLowerCase() !== "false";
    const body: Record<string, unknown> = statusJson(record, showInput);
    if (query.get("showHistory")?.toLowerCase() === "true") {
      const history = (await this.engine.getHistory(instanceId)) ?? [];
      body.historyEvents = historyJson(history, query.get("showHistoryOutput")?.toLowerCase() === "true");
    }
    const running =
      record.status === "Pending" || record.status === "Running" || record.status === "Suspended";
    const failedAs500 =
      record.status === "Failed" && query.get("returnInternalServerErrorOnFailure") === "true";
    const headers: Record<string, string> = running ? { location: url.href, "retry-after": "1" } : {};
    return jsonReply(running ? 202 : failedAs500 ? 500 : 200, body, headers);
  }

  private async list(request: HttpRequestIn): Promise<HttpReply> {
    const query = request.url.searchParams;
    const parsed = parseQuery(query);
    if (typeof parsed === "string") return textReply(400, parsed);
    const top = Number(query.get("top") ?? 100);
    if (!Number.isInteger(top) || top < 1 || top > 1000)
      return textReply(400, "top must be an integer from 1 to 1000");
    const showInput = query.get("showInput")?.toLowerCase() !== "false";
    const page = await this.engine.listInstances(
      parsed,
      top,
      headerValue(request.headers, CONTINUATION_HEADER) || undefined,
    );
    const headers: Record<string, string> = page.continuationToken
      ? { [CONTINUATION_HEADER]: page.continuationToken }
      : {};
    return jsonReply(
      200,
      page.records.map((record) => statusJson(record, showInput)),
      headers,
    );
  }
}

function sendReply(instanceId: string, result: "accepted" | "notFound" | "finished"): HttpReply {
  if (result === "accepted") return { status: 202 };
  if (result === "notFound") return textReply(404, `No instance with ID '${instanceId}' found.`);
  return textReply(410, `Instance '${instanceId}' is already finished.`);
}

/** Filters shared by list and purge; a string is the reason the query is invalid. */
function parseQuery(query: URLSearchParams): InstanceQuery | string {
  const result: InstanceQuery = {};
  for (const key of ["createdTimeFrom", "createdTimeTo"] as const) {
    const value = query.get(key);
    if (!value) continue;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return `${key} is not a date: ${value}`;
    result[key] = date;
  }
  const statuses = query.get("runtimeStatus");
  if (statuses) {
    const wanted: RuntimeStatus[] = [];
    for (const raw of statuses
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const status = STATUSES.find((s) => s.toLowerCase() === raw.toLowerCase());
      // Statuses this host never produces (ContinuedAsNew, Canceled) simply match nothing.
      if (status) wanted.push(status);
      else if (!/^(ContinuedAsNew|Canceled)$/i.test(raw)) return `Unknown runtimeStatus '${raw}'`;
    }
    result.statuses = wanted;
  }
  const prefix = query.get("instanceIdPrefix");
  if (prefix) result.instanceIdPrefix = prefix;
  return result;
}

function statusJson(record: InstanceRecord, showInput: boolean): Record<string, unknown> {
  return {
    name: record.name,
    instanceId: record.instanceId,
    runtimeStatus: record.status,
    input: showInput ? parseJson(record.inputJson) : null,
    customStatus: parseJson(record.customStatusJson),
    output: parseJson(record.outputJson),
    createdTime: record.createdTime.toISOString(),
    lastUpdatedTime: record.lastUpdatedTime.toISOString(),
  };
}

/** A summary of the history as the HTTP API shows it: one entry per thing that happened. */
function historyJson(history: HistoryEvent[], showOutput: boolean): Record<string, unknown>[] {
  const scheduled = new Map<number, TaskScheduledEvent>();
  const finished = new Set<number>();
  for (const event of history) {
    if (event.EventType === EventType.TaskScheduled) scheduled.set(event.EventId, event);
    if (event.EventType === EventType.TaskCompleted || event.EventType === EventType.TaskFailed) {
      finished.add(event.TaskScheduledId);
    }
  }
  const out: Record<string, unknown>[] = [];
  const withOutput = (entry: Record<string, unknown>, key: string, json: string | null) => {
    if (showOutput && json !== null && json !== "") entry[key] = JSON.parse(json);
    return entry;
  };
  for (const event of history) {
    const common = { Timestamp: event.Timestamp };
    switch (event.EventType) {
      case EventType.ExecutionStarted:
        out.push(
          withOutput(
            { EventType: "ExecutionStarted", FunctionName: event.Name, ...common },
            "Input",
            event.Input,
          ),
        );
        break;
      case EventType.TaskScheduled:
        if (!finished.has(event.EventId))
          out.push({ EventType: "TaskScheduled", FunctionName: event.Name, ...common });
        break;
      case EventType.TaskCompleted: {
        const task = scheduled.get(event.TaskScheduledId);
        out.push(
          withOutput(
            {
              EventType: "TaskCompleted",
              FunctionName: task?.Name,
              ScheduledTime: task?.Timestamp,
              ...common,
            },
            "Result",
            event.Result,
          ),
        );
        break;
      }
      case EventType.TaskFailed: {
        const task = scheduled.get(event.TaskScheduledId);
        out.push({
          EventType: "TaskFailed",
          FunctionName: task?.Name,
          ScheduledTime: task?.Timestamp,
          Reason: event.Reason ?? event.FailureDetails?.ErrorMessage,
          Details: event.Details,
          ...common,
        });
        break;
      }
      case EventType.TimerCreated:
        break;
      case EventType.TimerFired:
        out.push({ EventType: "TimerFired", FireAt: event.FireAt, ...common });
        break;
      case EventType.EventRaised:
        out.push(withOutput({ EventType: "EventRaised", Name: event.Name, ...common }, "Input", event.Input));
        break;
      case EventType.ExecutionCompleted:
        out.push(
          withOutput(
            { EventType: "ExecutionCompleted", OrchestrationStatus: event.OrchestrationStatus, ...common },
            "Result",
            event.Result,
          ),
        );
        break;
      case EventType.ExecutionTerminated:
        out.push({ EventType: "ExecutionTerminated", Reason: event.Input, ...common });
        break;
      case EventType.ExecutionSuspended:
        out.push({ EventType: "ExecutionSuspended", Reason: event.Reason, ...common });
        break;
      case EventType.ExecutionResumed:
        out.push({ EventType: "ExecutionResumed", Reason: event.Reason, ...common });
        break;
    }
  }
  return out;
}
