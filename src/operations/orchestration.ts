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
import type { OrchestrationContext, Task } from "durable-functions";
import { failureOf } from "./failures";
import {
  CANCEL_REQUESTED_EVENT,
  RUNNER_FINISHED_EVENT,
  type CancelRequestedEvent,
  type RunnerFinishedEvent,
} from "./events";
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
    plan = (yield* call(context, ACTIVITY.resolveOperation, input, RESOLVE_RETRY)) as OperationPlan;
    const retry = plan.retry;

    if (plan.kind === "deploy") {
      step("PreparingResourceGroup");
      yield* call(context, ACTIVITY.ensureResourceGroup, plan, retry);
    }

    // A delete with nothing to run (no resource group left, or force with the definition gone) skips the runner.
    outcome = { status: "Succeeded" };
    if (plan.runRunner) {
      step("GrantingRoles");
      for (const grant of plan.runnerRoleGrants) {
        compensations.push({ activity: ACTIVITY.revokeRole, input: grant });
        yield* call(context, ACTIVITY.grantRole, grant, retry);
      }
      // The creator's and configured users' roles belong to the environment, not to the operation: they stay.
      for (const grant of plan.memberRoleGrants) {
        yield* call(context, ACTIVITY.grantRole, grant, retry);
      }

      step("StartingRunner");
      compensations.push({ activity: ACTIVITY.deleteRunner, input: plan.runnerContainer });
      yield* call(context, ACTIVITY.startRunner, plan, retry);

      step("RunningRunner");
      const end: RunnerEnd = yield* waitForRunner(context, plan);

      step("Collecting");
      const collect: CollectInput = { plan, exitCode: end.kind === "exited" ? end.exitCode : undefined };
      outcome = (yield* call(context, ACTIVITY.collectRunnerResults, collect, retry)) as OperationOutcome;
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
      yield* call(context, ACTIVITY.deleteResourceGroup, plan, retry);
    }
  } catch (error) {
    const { code, message } = failureOf(error);
    outcome = { status: "Failed", error: { code, message } };
  }

  step("CleaningUp");
  const cleanup = cleanupRetry(plan);
  for (const compensation of compensations.reverse()) {
    try {
      yield* call(context, compensation.activity, compensation.input, cleanup);
    } catch (error) {
      // Out of retries: the operation must still end, saying what is left behind for an operator.
      const { code, message } = failureOf(error);
      outcome = {
        status: "Failed",
        error: { code: "CleanupFailed", message: `${compensation.activity} failed (${code}): ${message}` },
      };
    }
  }

  step("Finishing");
  yield* call(context, ACTIVITY.finishOperation, { input, outcome }, cleanup);
  return outcome;
}

/** Resolving comes before the plan (and its retry settings) exists. */
const RESOLVE_RETRY: RetryPolicy = { firstIntervalSeconds: 5, maxIntervalSeconds: 60, maxAttempts: 5 };

interface RetryPolicy {
  firstIntervalSeconds: number;
  maxIntervalSeconds: number;
  maxAttempts: number;
  /** Cleanup retries even what looks permanent: an operator may fix the rights meanwhile. */
  retryPermanent?: boolean;
}

/**
 * Calls an activity, retrying with exponential backoff on durable timers — but not failures that
 * a retry cannot change (a 403, a missing definition), which fail the step at once.
 */
function* call(
  context: OrchestrationContext,
  activity: string,
  input: unknown,
  retry: RetryPolicy,
): Generator<Task, unknown, unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return yield context.df.callActivity(activity, input);
    } catch (error) {
      if (attempt >= retry.maxAttempts || (failureOf(error).permanent && !retry.retryPermanent)) throw error;
      const delaySeconds = Math.min(
        retry.firstIntervalSeconds * 2 ** (attempt - 1),
        retry.maxIntervalSeconds,
      );
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + delaySeconds * 1000));
    }
  }
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

    const state = (yield* call(context, ACTIVITY.getRunnerState, plan.runnerContainer, plan.retry)) as {
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

/** Cleanup must happen: retry with backoff for a long time (about a day with the defaults). */
function cleanupRetry(plan: OperationPlan | undefined): RetryPolicy {
  return {
    firstIntervalSeconds: plan?.retry.firstIntervalSeconds ?? 5,
    maxIntervalSeconds: plan?.retry.maxIntervalSeconds ?? 300,
    maxAttempts: plan?.cleanupMaxAttempts ?? 300,
    retryPermanent: true,
  };
}
