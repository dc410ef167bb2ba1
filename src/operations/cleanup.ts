/**
 * The cleanup orchestration of an operation whose own orchestration is gone (abandoned.ts): it
 * removes what that orchestration's cleanup would have removed — the runner's temporary role and
 * its container group — with the same long retries. Instance id: cleanupInstanceId(operation id).
 */
import type { OrchestrationContext, Task } from "durable-functions";
import { callActivity, failureOf } from "./activity-calls";
import { cleanupReporter, cleanupRetry, deletePoll, undo, type Compensation } from "./orchestration";
import type { ErrorDetail } from "../storage/records";
import type { OperationInput } from "./plan";

export const CLEANUP_ORCHESTRATION = "abandonedOperationCleanup";

export function cleanupInstanceId(operationId: string): string {
  return `${operationId}-cleanup`;
}

/** Answers what is left behind, in the order undone; throws the last failure when something stays. */
export function* abandonedOperationCleanup(
  context: OrchestrationContext,
): Generator<Task, string[], unknown> {
  const input = context.df.getInput<OperationInput>();
  const at = { project: input.project, operationId: input.operationId };
  const plan = yield* callActivity(context, "planCleanup", input, cleanupRetry(undefined));
  if (!plan) {
    yield* callActivity(context, "endCleanup", at, cleanupRetry(undefined));
    return [];
  }
  const retry = cleanupRetry(plan);
  const onRetry = cleanupReporter(context, at);
  const compensations: Compensation[] = [
    { activity: "deleteRunner", ref: plan.runnerContainer, poll: deletePoll(plan) },
    ...plan.runnerRoleGrants.map((grant): Compensation => ({ activity: "revokeRole", grant })),
  ];
  const done: string[] = [];
  let failure: ErrorDetail | undefined;
  for (const compensation of compensations) {
    context.df.setCustomStatus({ step: "CleaningUp", activity: compensation.activity });
    try {
      yield* undo(context, compensation, retry, onRetry);
      done.push(compensation.activity);
    } catch (error) {
      const { code, message } = failureOf(error);
      failure = { code: "CleanupFailed", message: `${compensation.activity} failed (${code}): ${message}` };
    }
  }
  // The record says how it ended: an operator looks there, not at this orchestration.
  yield* callActivity(context, "endCleanup", { ...at, ...(failure && { error: failure }) }, retry);
  if (failure) throw new Error(failure.message);
  return done;
}
