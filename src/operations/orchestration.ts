/**
 * The environment operation orchestration: one instance per operation (instance id = operation id),
 * for both deploy and delete. It reads like the process: resolve, prepare the resource group, grant
 * the runner its role, start the runner, wait for it, collect, (delete: remove the resource group),
 * and — whatever happened — delete the runner container and revoke the role.
 *
 * Deterministic: every piece of I/O is an activity; time comes from context.df.currentUtcDateTime.
 * Cleanup works like a saga's compensation list: each step that creates something pushes its undo
 * BEFORE it runs (undos are idempotent), and the list is run in reverse at the end, with retries.
 */
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import {
  CANCEL_REQUESTED_EVENT,
  RUNNER_FINISHED_EVENT,
  type CancelRequestedEvent,
  type RunnerFinishedEvent,
} from "./model";
import {
  ACTIVITY,
  type CollectInput,
  type OperationInput,
  type OperationOutcome,
  type OperationPlan,
} from "./plan";

export const OPERATION_ORCHESTRATION = "environmentOperation";

/** The step the operation is on, shown as the orchestration's custom status. */
export type OperationStep =
  | "Resolving"
  | "PreparingResourceGroup"
  | "GrantingRoles"
  | "StartingRunner"
  | "RunningRunner"
  | "Collecting"
  | "DeletingResourceGroup"
  | "CleaningUp"
  | "Finishing";

interface Compensation {
  activity: string;
  input: unknown;
}

/** How the wait for the runner ended. */
type RunnerEnd =
  | { kind: "exited"; exitCode: number }
  | { kind: "timedOut" }
  | { kind: "canceled"; by: string }
  | { kind: "vanished"; detail: string };

export function* environmentOperation(
  context: OrchestrationContext,
): Generator<Task, OperationOutcome, unknown> {
  const input = context.df.getInput<OperationInput>();
  const step = (name: OperationStep) => context.df.setCustomStatus({ step: name });
  const compensations: Compensation[] = [];
  let plan: OperationPlan | undefined;
  let outcome: OperationOutcome;

  try {
    step("Resolving");
    plan = (yield context.df.callActivity(ACTIVITY.resolveOperation, input)) as OperationPlan;
    const retry = activityRetry(plan);

    if (plan.kind === "deploy") {
      step("PreparingResourceGroup");
      yield context.df.callActivityWithRetry(ACTIVITY.ensureResourceGroup, retry, plan);
    }

    // A delete with nothing to run (no resource group left, or force with the definition gone) skips the runner.
    outcome = { status: "Succeeded" };
    if (plan.runRunner) {
      step("GrantingRoles");
      for (const grant of plan.runnerRoleGrants) {
        compensations.push({ activity: ACTIVITY.revokeRole, input: grant });
        yield context.df.callActivityWithRetry(ACTIVITY.grantRole, retry, grant);
      }
      // The creator's and configured users' roles belong to the environment, not to the operation: they stay.
      for (const grant of plan.memberRoleGrants) {
        yield context.df.callActivityWithRetry(ACTIVITY.grantRole, retry, grant);
      }

      step("StartingRunner");
      compensations.push({ activity: ACTIVITY.deleteRunner, input: plan.runnerContainer });
      yield context.df.callActivityWithRetry(ACTIVITY.startRunner, retry, plan);

      step("RunningRunner");
      const end: RunnerEnd = yield* waitForRunner(context, plan);

      step("Collecting");
      const collect: CollectInput = { plan, exitCode: end.kind === "exited" ? end.exitCode : undefined };
      outcome = (yield context.df.callActivityWithRetry(
        ACTIVITY.collectRunnerResults,
        retry,
        collect,
      )) as OperationOutcome;
      if (end.kind === "timedOut") {
        outcome = {
          status: "Failed",
          error: {
            code: "OperationTimedOut",
            message: `The runner did not finish within ${plan.timeoutMinutes} minutes; it was stopped.`,
          },
        };
      } else if (end.kind === "canceled") {
        outcome = {
          status: "Canceled",
          error: {
            code: "OperationCanceled",
            message: `The operation was canceled by ${end.by}; the runner was stopped.`,
          },
        };
      } else if (end.kind === "vanished") {
        outcome = { status: "Failed", error: { code: "RunnerFailed", message: end.detail } };
      }
    }

    if (plan.kind === "delete" && outcome.status === "Succeeded") {
      step("DeletingResourceGroup");
      yield context.df.callActivityWithRetry(ACTIVITY.deleteResourceGroup, retry, plan);
    }
  } catch (error) {
    outcome = { status: "Failed", error: failureOf(error) };
  }

  step("CleaningUp");
  const cleanupRetry = cleanupRetryOptions(plan);
  for (const compensation of compensations.reverse()) {
    yield context.df.callActivityWithRetry(compensation.activity, cleanupRetry, compensation.input);
  }

  step("Finishing");
  yield context.df.callActivityWithRetry(ACTIVITY.finishOperation, cleanupRetry, { input, outcome });
  return outcome;
}

/**
 * Waits for the runner's "finished" event, polling the container with backoff as the fallback
 * (a crashed runner never sends the event), until the overall timeout or a cancel request.
 */
function* waitForRunner(
  context: OrchestrationContext,
  plan: OperationPlan,
): Generator<Task, RunnerEnd, unknown> {
  const started = context.df.currentUtcDateTime.getTime();
  const deadline = started + plan.timeoutMinutes * 60_000;
  const finished = context.df.waitForExternalEvent(RUNNER_FINISHED_EVENT);
  const canceled = context.df.waitForExternalEvent(CANCEL_REQUESTED_EVENT);
  let pollSeconds = plan.poll.initialSeconds;

  for (;;) {
    const now = context.df.currentUtcDateTime.getTime();
    const timer = context.df.createTimer(new Date(Math.min(now + pollSeconds * 1000, deadline)));
    const winner = yield context.df.Task.any([finished, canceled, timer]);
    if (winner === finished) {
      timer.cancel();
      return { kind: "exited", exitCode: (finished.result as RunnerFinishedEvent).exitCode };
    }
    if (winner === canceled) {
      timer.cancel();
      return { kind: "canceled", by: (canceled.result as CancelRequestedEvent).by };
    }
    if (context.df.currentUtcDateTime.getTime() >= deadline) return { kind: "timedOut" };

    const state = (yield context.df.callActivity(ACTIVITY.getRunnerState, plan.runnerContainer)) as {
      state: string;
      exitCode?: number;
      detail?: string;
    };
    if (state.state === "Terminated") return { kind: "exited", exitCode: state.exitCode ?? 1 };
    if (state.state === "NotFound") {
      return { kind: "vanished", detail: "The runner container disappeared before it finished." };
    }
    pollSeconds = Math.min(pollSeconds * 2, plan.poll.maxSeconds);
  }
}

function activityRetry(plan: OperationPlan): df.RetryOptions {
  const options = new df.RetryOptions(plan.retry.firstIntervalSeconds * 1000, plan.retry.maxAttempts);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = plan.retry.maxIntervalSeconds * 1000;
  return options;
}

/** Cleanup must happen: retry with backoff for a long time (about a day with the defaults). */
function cleanupRetryOptions(plan: OperationPlan | undefined): df.RetryOptions {
  const firstSeconds = plan?.retry.firstIntervalSeconds ?? 5;
  const maxSeconds = plan?.retry.maxIntervalSeconds ?? 300;
  const options = new df.RetryOptions(firstSeconds * 1000, plan?.cleanupMaxAttempts ?? 300);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = maxSeconds * 1000;
  return options;
}

/**
 * Activity failures arrive as Errors: "<reason> \n <details>" (the SDK joins the host's reason and
 * the activity's stack), the reason maybe behind "Activity function 'x' failed: ". OperationErrors
 * say "Code: message". Keep code and message, never the stack: the message is shown to users.
 */
function failureOf(error: unknown): { code: string; message: string } {
  const message = (error instanceof Error ? error.message : String(error))
    .split(" \n ")[0]
    .replace(/^Activity function '[^']*' failed: /, "")
    .trim();
  const match = /^([A-Za-z][A-Za-z0-9]*): ([\s\S]*)$/.exec(message);
  return match ? { code: match[1], message: match[2] } : { code: "OperationFailed", message };
}
