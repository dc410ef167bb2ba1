/**
 * The environment operation orchestration: one instance per operation (instance id = operation id),
 * for both deploy and delete. It reads like the process: resolve, prepare the resource group, grant
 * the runner its role, start the runner, wait for it, collect, (delete: remove the resource group),
 * and — whatever happened — delete the runner container and revoke the role.
 *
 * Deterministic: every piece of I/O is an activity (activity-table.ts); time comes from
 * context.df.currentUtcDateTime. Cleanup works like a saga's compensation list: each step that
 * creates something pushes its undo BEFORE it runs (undos are idempotent), and the list is run in
 * reverse at the end, with retries.
 *
 * Orchestrations started by an earlier version of this file (other activity names and answers)
 * are not replayed by this one: let them finish, or terminate them, before upgrading.
 */
import type { OrchestrationContext, Task } from "durable-functions";
import {
  ActivityFailed,
  callActivity,
  callActivityForEach,
  failureOf,
  followArmOperation,
  type PollPolicy,
  type RetryNotice,
  type RetryPolicy,
} from "./activity-calls";
import type { ActivityInput, ActivityName } from "./activity-table";
import { CANCEL_REQUESTED_EVENT, eventData, RUNNER_FINISHED_EVENT, RUNNER_REPORTED_EVENT } from "./events";
import type {
  CollectInput,
  GrantedRole,
  OperationInput,
  OperationOutcome,
  OperationPlan,
  ResourceGroupRef,
  RoleGrant,
  StepInput,
} from "./plan";
import type { RunnerContainerRef } from "./ports";

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

type RevokeCompensation = { activity: "revokeRole"; grant: RoleGrant | GrantedRole };

export type Compensation =
  RevokeCompensation | { activity: "deleteRunner"; ref: RunnerContainerRef; poll: PollPolicy };

/** How the wait for the runner ended. */
type RunnerEnd =
  /** exitCode is undefined when the container never ran; detail says why. */
  | { kind: "exited"; exitCode?: number; detail?: string }
  | { kind: "timedOut" }
  | { kind: "canceled"; by: string }
  | { kind: "vanished"; detail: string };

export function* environmentOperation(
  context: OrchestrationContext,
): Generator<Task, OperationOutcome, unknown> {
  const input = context.df.getInput<OperationInput>();
  // The step is the orchestration's custom status and goes on the operation record, for people
  // watching: the step's first activity writes it while it works (see ActivityRequest). A step
  // that ends before any activity is not written.
  let pendingStep: StepInput | undefined;
  const step = (name: OperationStep): void => {
    context.df.setCustomStatus({ step: name });
    pendingStep = { project: input.project, operationId: input.operationId, step: name };
  };
  /** The step to write with the next activity (once). */
  const takeStep = (): StepInput | undefined => {
    const taken = pendingStep;
    pendingStep = undefined;
    return taken;
  };
  const call = <N extends ActivityName>(name: N, activityInput: ActivityInput<N>, retry: RetryPolicy) =>
    callActivity(context, name, activityInput, retry, undefined, takeStep());
  const compensations: Compensation[] = [];
  let plan: OperationPlan | undefined;
  let outcome: OperationOutcome;

  try {
    step("Resolving");
    plan = yield* call("resolveOperation", input, RESOLVE_RETRY);
    const retry = plan.retry;

    if (plan.kind === "deploy") {
      step("PreparingResourceGroup");
      yield* call("ensureResourceGroup", plan, retry);
    }

    // A delete with nothing to run (no resource group left, or force with the definition gone) skips the runner.
    outcome = { status: "Succeeded" };
    if (plan.runRunner) {
      step("GrantingRoles");
      // Every grant side by side (in Azure each is a round trip of seconds). The runner's are
      // revoked at the end, so their revokes are pushed before they are granted; the creator's
      // and configured users' roles belong to the environment, not to the operation: they stay.
      const revokes: RevokeCompensation[] = plan.runnerRoleGrants.map((grant) => ({
        activity: "revokeRole",
        grant,
      }));
      compensations.push(...revokes);
      const granted = yield* callActivityForEach(
        context,
        "grantRole",
        [...plan.runnerRoleGrants, ...plan.memberRoleGrants],
        retry,
        takeStep(),
      );
      // The assignment's name is kept in the orchestration's state: the revoke needs nothing else.
      revokes.forEach((revoke, i) => (revoke.grant = granted[i]));

      step("StartingRunner");
      compensations.push({ activity: "deleteRunner", ref: plan.runnerContainer, poll: deletePoll(plan) });
      yield* call("startRunner", plan, retry);

      // The wait below begins with no activity to go with: written on its own.
      step("RunningRunner");
      yield* recordAlone(context, takeStep());
      const end: RunnerEnd = yield* waitForRunner(context, plan);

      step("Collecting");
      const collect: CollectInput =
        end.kind === "exited" ? { plan, exitCode: end.exitCode, detail: end.detail } : { plan };
      outcome = yield* call("collectRunnerResults", collect, retry);
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
      const group: ResourceGroupRef = {
        subscriptionId: plan.subscriptionId,
        resourceGroupName: plan.resourceGroupName,
      };
      yield* deleteResourceGroup(context, group, deletePoll(plan), retry, takeStep());
    }
  } catch (error) {
    const { code, message } = failureOf(error);
    outcome = { status: "Failed", error: { code, message } };
  }

  step("CleaningUp");
  const cleanup = cleanupRetry(plan);
  const onRetry = cleanupReporter(context, input);
  for (const compensation of compensations.reverse()) {
    try {
      yield* undo(context, compensation, cleanup, onRetry, takeStep());
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
  yield* call("finishOperation", { input, outcome }, cleanup);
  return outcome;
}

/** Writes a step on its own; its outcome does not matter. */
function* recordAlone(
  context: OrchestrationContext,
  at: StepInput | undefined,
): Generator<Task, void, unknown> {
  if (!at) return;
  try {
    yield* callActivity(context, "recordStep", at, RECORD_ONCE);
  } catch {
    // Only informational: the operation goes on without it.
  }
}

/** A step written on its own is not worth a wait: one attempt. */
const RECORD_ONCE: RetryPolicy = { firstIntervalSeconds: 1, maxIntervalSeconds: 1, maxAttempts: 1 };

/** Recording a cleanup retry is worth a short retry, not a long one. */
const STEP_RETRY: RetryPolicy = { firstIntervalSeconds: 1, maxIntervalSeconds: 5, maxAttempts: 3 };

/** Resolving comes before the plan (and its retry settings) exists. */
const RESOLVE_RETRY: RetryPolicy = { firstIntervalSeconds: 5, maxIntervalSeconds: 60, maxAttempts: 5 };

/**
 * What a failed cleanup attempt that will be tried again does: the custom status and the operation
 * record say which activity fails, how often, why and when it is tried next (the operation's
 * status shows it; `npm run operations -- stuck` lists it). The custom status carries the error's
 * code only: it is not scrubbed.
 */
export function cleanupReporter(
  context: OrchestrationContext,
  operation: { project: string; operationId: string },
): (notice: RetryNotice) => Generator<Task, void, unknown> {
  return function* ({ activity, attempts, failure, retryAt }) {
    const nextRetryAt = retryAt.toISOString();
    context.df.setCustomStatus({
      step: "CleaningUp",
      activity,
      attempts,
      lastError: failure.code,
      nextRetryAt,
    });
    const input = {
      project: operation.project,
      operationId: operation.operationId,
      activity,
      attempts,
      error: { code: failure.code, message: failure.message },
      failedAt: context.df.currentUtcDateTime.toISOString(),
      retryAt: nextRetryAt,
    };
    try {
      yield* callActivity(context, "recordCleanupRetry", input, STEP_RETRY);
    } catch {
      // Only informational: the cleanup goes on without it.
    }
  };
}

/** Undoes one compensation; `step` goes with its first activity (see callActivity). */
export function* undo(
  context: OrchestrationContext,
  compensation: Compensation,
  retry: RetryPolicy,
  onRetry: (notice: RetryNotice) => Generator<Task, void, unknown>,
  step?: StepInput,
): Generator<Task, void, unknown> {
  if (compensation.activity === "revokeRole") {
    yield* callActivity(context, "revokeRole", compensation.grant, retry, onRetry, step);
    return;
  }
  const { ref, poll } = compensation;
  const started = yield* callActivity(context, "deleteRunner", ref, retry, onRetry, step);
  const next = (resumeFrom: string) =>
    callActivity(context, "pollRunnerDelete", { ref, resumeFrom }, retry, onRetry);
  if (!(yield* followArmOperation(context, started, next, poll))) {
    throw new ActivityFailed("deleteRunner", {
      code: "DeleteTimedOut",
      message: `The runner container group ${ref.name} was still there after ${poll.timeoutMinutes} minutes.`,
      permanent: false,
    });
  }
}

/** Starts the resource group's deletion, then follows it on durable timers until it is gone. */
function* deleteResourceGroup(
  context: OrchestrationContext,
  group: ResourceGroupRef,
  poll: PollPolicy,
  retry: RetryPolicy,
  step?: StepInput,
): Generator<Task, void, unknown> {
  const started = yield* callActivity(context, "deleteResourceGroup", group, retry, undefined, step);
  const next = (resumeFrom: string) =>
    callActivity(context, "pollResourceGroupDelete", { group, resumeFrom }, retry);
  if (!(yield* followArmOperation(context, started, next, poll))) {
    throw new ActivityFailed("deleteResourceGroup", {
      code: "DeleteTimedOut",
      message: `The resource group ${group.resourceGroupName} was still there after ${poll.timeoutMinutes} minutes.`,
      permanent: false,
    });
  }
}

/** How soon the container is looked at after the runner reported its state, outputs or result. */
const REPORTED_POLL_SECONDS = 0.5;

/**
 * Waits for the runner's "finished" event, polling the container with backoff as the fallback
 * (a crashed runner, or an image written for ADE, never sends the event), until the overall timeout
 * or a cancel request. A report from the runner (RunnerReported: it is about to end) restarts the
 * backoff from half a second.
 */
function* waitForRunner(
  context: OrchestrationContext,
  plan: OperationPlan,
): Generator<Task, RunnerEnd, unknown> {
  const started = context.df.currentUtcDateTime.getTime();
  const deadline = started + plan.timeoutMinutes * 60_000;
  const finished = context.df.waitForExternalEvent(RUNNER_FINISHED_EVENT);
  const canceled = context.df.waitForExternalEvent(CANCEL_REQUESTED_EVENT);
  let reported = context.df.waitForExternalEvent(RUNNER_REPORTED_EVENT);
  let pollSeconds = plan.poll.initialSeconds;

  for (;;) {
    const now = context.df.currentUtcDateTime.getTime();
    const timer = context.df.createTimer(new Date(Math.min(now + pollSeconds * 1000, deadline)));
    const winner = yield context.df.Task.any([finished, canceled, reported, timer]);
    if (winner === reported) {
      timer.cancel();
      reported = context.df.waitForExternalEvent(RUNNER_REPORTED_EVENT);
      pollSeconds = REPORTED_POLL_SECONDS;
      continue;
    }
    if (winner === finished) {
      timer.cancel();
      return { kind: "exited", exitCode: eventData(RUNNER_FINISHED_EVENT, finished).exitCode };
    }
    if (winner === canceled) {
      timer.cancel();
      return { kind: "canceled", by: eventData(CANCEL_REQUESTED_EVENT, canceled).by };
    }
    if (context.df.currentUtcDateTime.getTime() >= deadline) return { kind: "timedOut" };

    const state = yield* callActivity(context, "getRunnerState", plan.runnerContainer, plan.retry);
    if (state.state === "Terminated")
      return { kind: "exited", exitCode: state.exitCode, detail: state.detail };
    if (state.state === "NotFound") {
      return { kind: "vanished", detail: "The runner container disappeared before it finished." };
    }
    pollSeconds = Math.min(pollSeconds * 2, plan.poll.maxSeconds);
  }
}

/** Deletes are followed with the runner's poll settings, for at most the operation timeout. */
export function deletePoll(plan: OperationPlan): PollPolicy {
  return { ...plan.poll, timeoutMinutes: plan.timeoutMinutes };
}

/** Cleanup must happen: retry with backoff for a long time (about a day with the defaults). */
export function cleanupRetry(plan: OperationPlan | undefined): RetryPolicy {
  return {
    firstIntervalSeconds: plan?.retry.firstIntervalSeconds ?? 5,
    maxIntervalSeconds: plan?.retry.maxIntervalSeconds ?? 300,
    maxAttempts: plan?.cleanupMaxAttempts ?? 300,
    retryPermanent: true,
  };
}
