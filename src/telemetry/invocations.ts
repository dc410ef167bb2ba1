/**
 * One span per function invocation (HTTP handlers, activities, timers, Event Grid; not orchestrator
 * replays), joined to the host's trace when it passes one, with the Azure SDK spans of the calls
 * made inside as children. Activities also record the operation metrics. Spans carry routes, methods,
 * status codes, names and ids, never request headers, bodies, query strings or activity inputs.
 */
import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from "@opentelemetry/api";
import type { FunctionHandler, HttpRequest, InvocationContext } from "@azure/functions";
import { operationFields, operationLogLine, type OperationFields } from "./fields";
import { operationMetrics } from "./metrics";

const TRACER = "devcenter-control-plane";

/** The steps whose failures the orchestration retries as cleanup. */
const CLEANUP_STEPS = new Set(["revokeRole", "deleteRunner", "pollRunnerDelete"]);

/** When each operation's runner started, for the runner duration (this process only). */
const runnerStarts = new Map<string, number>();

function hostContext(invocation: InvocationContext) {
  const traceparent = invocation.traceContext?.traceParent;
  if (!traceparent) return otelContext.active();
  return propagation.extract(ROOT_CONTEXT, {
    traceparent,
    ...(invocation.traceContext?.traceState && { tracestate: invocation.traceContext.traceState }),
  });
}

async function inSpan<T>(
  invocation: InvocationContext,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  run: (span: Span) => Promise<T>,
): Promise<T> {
  return trace
    .getTracer(TRACER)
    .startActiveSpan(name, { kind, attributes }, hostContext(invocation), async (span) => {
      try {
        return await run(span);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode(error) });
        span.setAttribute("error.type", errorCode(error));
        throw error;
      } finally {
        span.end();
      }
    });
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && code) return code;
  return error instanceof Error ? error.name : "Error";
}

export function activityInstanceId(invocation: InvocationContext): string | undefined {
  const id = invocation.triggerMetadata?.instanceId;
  return typeof id === "string" && id ? id : undefined;
}

/** The activity's log: every line a JSON object with the operation's fields and the step. */
export function activityLog(invocation: InvocationContext, input: unknown): (message: string) => void {
  const step = invocation.functionName;
  return (message) =>
    invocation.log(operationLogLine(operationFields(activityInstanceId(invocation), input), step, message));
}

/**
 * What an activity answered: an expected failure comes back as `{ ok: false, failure }`
 * (src/operations/activity-table.ts), so the orchestration can decide on it; success as `{ ok: true, value }`.
 */
interface Answer {
  ok?: boolean;
  value?: unknown;
  failure?: { code?: string };
}

function kindOf(input: unknown): string {
  const given = input as { kind?: unknown; input?: { kind?: unknown } } | undefined;
  const kind = given?.kind ?? given?.input?.kind;
  return typeof kind === "string" ? kind : "unknown";
}

function recordSuccess(
  step: string,
  fields: OperationFields,
  input: unknown,
  value: unknown,
  ms: number,
): void {
  const m = operationMetrics();
  m.stepDuration.record(ms, { step, outcome: "succeeded" });
  if (step === "resolveOperation") m.started.add(1, { kind: kindOf(input) });
  if (step === "startRunner" && fields.operationId) runnerStarts.set(fields.operationId, Date.now());
  if (step === "collectRunnerResults" && fields.operationId) {
    const started = runnerStarts.get(fields.operationId);
    runnerStarts.delete(fields.operationId);
    const outcome = (value as { status?: string } | undefined)?.status ?? "unknown";
    if (started !== undefined) m.runnerDuration.record((Date.now() - started) / 1000, { outcome });
  }
  if (step === "finishOperation") {
    const outcome = (input as { outcome?: { status?: string; error?: { code?: string } } }).outcome;
    const kind = { kind: kindOf(input) };
    if (outcome?.status === "Succeeded") m.succeeded.add(1, kind);
    else if (outcome?.status === "Canceled") m.canceled.add(1, kind);
    else if (outcome?.status === "Failed")
      m.failed.add(1, { ...kind, code: outcome.error?.code ?? "Unknown" });
  }
}

function recordFailure(step: string, ms: number): void {
  const m = operationMetrics();
  m.stepDuration.record(ms, { step, outcome: "failed" });
  if (CLEANUP_STEPS.has(step)) m.cleanupRetries.add(1, { step });
}

function activityHandler(invocation: InvocationContext, handler: FunctionHandler): FunctionHandler {
  const step = invocation.functionName;
  return (request, context) => {
    // Every activity gets { input, step? } (src/operations/activity-table.ts: ActivityRequest).
    const input = (request as { input?: unknown } | undefined)?.input;
    const fields = operationFields(activityInstanceId(invocation), input);
    const attributes: Attributes = {
      "devcenter.step": step,
      ...(fields.operationId && { "devcenter.operation.id": fields.operationId }),
      ...(fields.project && { "devcenter.project": fields.project }),
      ...(fields.environment && { "devcenter.environment": fields.environment }),
    };
    return inSpan(invocation, `activity ${step}`, SpanKind.INTERNAL, attributes, async (span) => {
      const started = Date.now();
      let answer: Answer | undefined;
      try {
        answer = (await handler(request, context)) as Answer | undefined;
      } catch (error) {
        recordFailure(step, Date.now() - started);
        invocation.warn(operationLogLine(fields, step, `${step} threw (${errorCode(error)}).`));
        throw error;
      }
      if (answer?.ok === false) {
        const code = answer.failure?.code ?? "Unknown";
        span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        span.setAttribute("error.type", code);
        recordFailure(step, Date.now() - started);
      } else {
        recordSuccess(step, fields, input, answer?.value, Date.now() - started);
      }
      return answer;
    });
  };
}

function httpHandler(
  invocation: InvocationContext,
  route: string,
  handler: FunctionHandler,
): FunctionHandler {
  return (request: HttpRequest, context) =>
    inSpan(
      invocation,
      `${request.method} /${route}`,
      SpanKind.SERVER,
      {
        "http.request.method": request.method,
        "http.route": `/${route}`,
        "faas.name": invocation.functionName,
      },
      async (span) => {
        const response = (await handler(request, context)) as { status?: number } | undefined;
        const status = response?.status ?? 200;
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      },
    );
}

/** The handler to run for this invocation: the app's own, inside its span. */
export function traceInvocation(invocation: InvocationContext, handler: FunctionHandler): FunctionHandler {
  const trigger = invocation.options.trigger;
  switch (trigger.type) {
    case "orchestrationTrigger":
      // Replayed for every event; the activities it schedules carry the spans.
      return handler;
    case "activityTrigger":
      return activityHandler(invocation, handler);
    case "httpTrigger":
      return httpHandler(invocation, String(trigger.route ?? invocation.functionName), handler);
    default:
      return (input, context) =>
        inSpan(
          invocation,
          `${trigger.type} ${invocation.functionName}`,
          SpanKind.INTERNAL,
          { "faas.name": invocation.functionName },
          async () => handler(input, context),
        );
  }
}
