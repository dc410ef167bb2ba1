/**
 * The cleanup orchestration of an operation whose own orchestration is gone (abandoned.ts): it
 * removes what that orchestration's cleanup would have removed — the runner's temporary role and
 * its container group — with the same long retries. Instance id: cleanupInstanceId(operation id).
 */
import type { OrchestrationContext, Task } from "durable-functions";
import { callActivity, failureOf } from "./activity-calls";
import { cleanupRetry, deletePoll, undo, type Compensation } from "./orchestration";
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
  const plan = yield* callActivity(context, "planCleanup", input, cleanupRetry(undefined));
  if (!plan) return [];
  const retry = cleanupRetry(plan);
  const compensations: Compensation[] = [
    { activity: "deleteRunner", ref: plan.runnerContainer, poll: deletePoll(plan) },
    ...plan.runnerRoleGrants.map((grant): Compensation => ({ activity: "revokeRole", grant })),
  ];
  const done: string[] = [];
  let failure: Error | undefined;
  for (const compensation of compensations) {
    context.df.setCustomStatus({ step: "CleaningUp", activity: compensation.activity });
    try {
      yield* undo(context, compensation, retry);
      done.push(compensation.activity);
    } catch (error) {
      const { code, message } = failureOf(error);
      failure = new Error(`${compensation.activity} failed (${code}): ${message}`);
    }
  }
  if (failure) throw failure;
  return done;
}
