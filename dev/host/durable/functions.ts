/**
 * Runs the app's orchestrator and activity functions for the engine, with the bindings the Durable
 * extension would send, and translates what they return into history terms.
 */
import type { FunctionsWorker } from "../functions-worker";
import type { RpcTypedData } from "../worker-types";
import { isOrchestratorState, orchestratorFailure } from "./actions";
import type { OrchestratorOutcome } from "./episode";
import type { FailureDetails } from "./history";

export type ActivityOutcome =
  | { ok: true; resultJson: string }
  | { ok: false; reason?: string; details?: string; failureDetails?: FailureDetails };

export class DurableFunctions {
  constructor(private readonly worker: FunctionsWorker) {}

  isOrchestrator(name: string): boolean {
    return this.worker.get(name)?.triggerType === "orchestrationtrigger";
  }

  /** Replays the orchestrator with the given trigger payload; failures become an outcome, never a throw. */
  async runOrchestrator(name: string, payload: object): Promise<OrchestratorOutcome> {
    const fn = this.worker.get(name);
    if (!fn || fn.triggerType !== "orchestrationtrigger") {
      return {
        kind: "failed",
        message: `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      };
    }
    try {
      const invocation = await this.worker.invoke(fn, { string: JSON.stringify(payload) });
      if (!isOrchestratorState(invocation.result)) {
        return {
          kind: "failed",
          message:
            "The orchestrator did not return an orchestration state (is it registered with df.app.orchestration?)",
        };
      }
      return { kind: "state", state: invocation.result };
    } catch (error) {
      return { kind: "failed", ...orchestratorFailure(error) };
    }
  }

  /**
   * Runs an activity with its input (JSON text) and, as the Durable extension does, its
   * orchestration's instance id in the trigger metadata; a throw becomes a failure outcome.
   */
  async runActivity(name: string, inputJson: string | null, instanceId: string): Promise<ActivityOutcome> {
    const fn = this.worker.get(name);
    if (!fn || fn.triggerType !== "activitytrigger") {
      return {
        ok: false,
        reason: `The function '${name}' doesn't exist, is disabled, or is not an activity function.`,
        details: "",
      };
    }
    try {
      const invocation = await this.worker.invoke(fn, inputJson === null ? undefined : { json: inputJson }, {
        instanceId: { string: instanceId },
      });
      const response = await invocation.response();
      return { ok: true, resultJson: resultJson(response.returnValue) };
    } catch (error) {
      return activityFailure(fn.name, error);
    }
  }
}

/** The activity's return value as the JSON text the orchestrator will parse. */
export function resultJson(value: RpcTypedData | null | undefined): string {
  if (!value) return "null";
  if (typeof value.json === "string") return value.json;
  if (typeof value.string === "string") return JSON.stringify(value.string);
  if (typeof value.int === "number") return JSON.stringify(value.int);
  if (typeof value.double === "number") return JSON.stringify(value.double);
  if (value.bytes) return JSON.stringify(Buffer.from(value.bytes).toString("base64"));
  return "null";
}

/**
 * A thrown activity error in history terms. When the app registered an exception-properties
 * provider, durable-functions puts failure-details JSON in the message and the extension passes
 * it on as FailureDetails; otherwise the extension reports a Reason and Details.
 */
export function activityFailure(functionName: string, error: unknown): ActivityOutcome {
  const message = error instanceof Error ? error.message : String(error);
  const details = parseFailureDetails(message);
  if (details) return { ok: false, failureDetails: details };
  return {
    ok: false,
    reason: `Activity function '${functionName}' failed: ${message}`,
    details: error instanceof Error && error.stack ? error.stack : "",
  };
}

function parseFailureDetails(message: string): FailureDetails | undefined {
  if (!message.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(message) as {
      errorType?: unknown;
      errorMessage?: unknown;
      stackTrace?: unknown;
      isNonRetriable?: unknown;
      properties?: Record<string, unknown>;
    };
    if (typeof parsed.errorType !== "string" || typeof parsed.errorMessage !== "string") return undefined;
    return {
      ErrorType: parsed.errorType,
      ErrorMessage: parsed.errorMessage,
      StackTrace: typeof parsed.stackTrace === "string" ? parsed.stackTrace : undefined,
      IsNonRetriable: parsed.isNonRetriable === true,
      Properties: parsed.properties,
    };
  } catch {
    return undefined;
  }
}
