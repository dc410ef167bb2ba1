/**
 * The orchestration's side of the activity table: typed calls with retries on durable timers, and
 * waits that poll an activity until a condition holds. Deterministic (time from
 * context.df.currentUtcDateTime), so it replays.
 */
import type { OrchestrationContext, Task } from "durable-functions";
import type {
  ActivityInput,
  ActivityName,
  ActivityOutput,
  ActivityRequest,
  ActivityResult,
} from "./activity-table";
import { thrownFailure, type Failure } from "./failures";
import type { StepInput } from "./plan";
import type { ArmProgress } from "./ports";

export interface RetryPolicy {
  firstIntervalSeconds: number;
  maxIntervalSeconds: number;
  maxAttempts: number;
  /** Cleanup retries even what looks permanent: an operator may fix the rights meanwhile. */
  retryPermanent?: boolean;
}

/** An activity failed for good (out of attempts, or permanently); `failure` says how. */
export class ActivityFailed extends Error {
  constructor(
    readonly activity: ActivityName,
    readonly failure: Failure,
  ) {
    super(`${activity} failed (${failure.code}): ${failure.message}`);
    this.name = "ActivityFailed";
  }
}

/** The failure behind an error the orchestration caught. */
export function failureOf(error: unknown): Failure {
  return error instanceof ActivityFailed ? error.failure : thrownFailure(error);
}

/** A failed attempt that another one follows at `retryAt`: for telling people (the cleanup's progress). */
export interface RetryNotice {
  activity: ActivityName;
  /** Failed attempts so far. */
  attempts: number;
  failure: Failure;
  retryAt: Date;
}

/**
 * Calls an activity, retrying with exponential backoff on durable timers — but not failures that
 * a retry cannot change (a 403, a missing definition), which fail the step at once. `onRetry` runs
 * before each pause. `step`, the step this call begins, goes with the first attempt (see
 * ActivityRequest): the activity writes it on the operation record while it works.
 */
export function* callActivity<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
  retry: RetryPolicy,
  onRetry?: (notice: RetryNotice) => Generator<Task, void, unknown>,
  step?: StepInput,
): Generator<Task, ActivityOutput<N>, unknown> {
  const first = context.df.callActivity(name, requestOf(input, step));
  return yield* answerOf(context, name, input, first, retry, onRetry);
}

/** What one attempt sends: the input, and with a step's first attempt the step. */
function requestOf<N extends ActivityName>(input: ActivityInput<N>, step?: StepInput): ActivityRequest<N> {
  return step ? { input, step } : { input };
}

/**
 * Calls an activity once per input with the first attempts side by side (scheduled in one episode,
 * so they run at the same time), then retries each failed one on its own as callActivity does.
 * The outputs come in the order of the inputs; the first failure out of retries is thrown.
 */
export function* callActivityForEach<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  inputs: ActivityInput<N>[],
  retry: RetryPolicy,
  step?: StepInput,
): Generator<Task, ActivityOutput<N>[], unknown> {
  const firsts = inputs.map((input, i) =>
    context.df.callActivity(name, requestOf(input, i === 0 ? step : undefined)),
  );
  if (firsts.length > 1) {
    try {
      yield context.df.Task.all(firsts);
    } catch {
      // all() ends at the first thrown failure: each task says below how it went.
    }
  }
  const outputs: ActivityOutput<N>[] = [];
  for (const [i, first] of firsts.entries())
    outputs.push(yield* answerOf(context, name, inputs[i], first, retry));
  return outputs;
}

/** The output of an activity whose first attempt is `first`, retried as callActivity says. */
function* answerOf<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
  first: Task,
  retry: RetryPolicy,
  onRetry?: (notice: RetryNotice) => Generator<Task, void, unknown>,
): Generator<Task, ActivityOutput<N>, unknown> {
  let task = first;
  for (let attempts = 1; ; attempts++) {
    let failure: Failure;
    try {
      // The one place an activity's answer is typed: runActivity gave this shape for this name.
      const result = (yield task) as ActivityResult<ActivityOutput<N>>;
      if (result.ok) return result.value;
      failure = result.failure;
    } catch (error) {
      failure = thrownFailure(error);
    }
    if (attempts >= retry.maxAttempts || (failure.permanent && !retry.retryPermanent)) {
      throw new ActivityFailed(name, failure);
    }
    const seconds = Math.min(retry.firstIntervalSeconds * 2 ** (attempts - 1), retry.maxIntervalSeconds);
    const retryAt = new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000);
    if (onRetry) yield* onRetry({ activity: name, attempts, failure, retryAt });
    yield context.df.createTimer(retryAt);
    task = context.df.callActivity(name, requestOf(input));
  }
}

export function* sleep(context: OrchestrationContext, seconds: number): Generator<Task, void, unknown> {
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000));
}

export interface PollPolicy {
  initialSeconds: number;
  maxSeconds: number;
  /** How long to follow before giving up. */
  timeoutMinutes: number;
}

/**
 * Follows a long ARM operation (a delete) that `started` began: looks again with `next` after
 * growing pauses on durable timers until it is done; false when the time ran out. Followed here
 * rather than inside one activity, which the host would stop after its function timeout.
 */
export function* followArmOperation(
  context: OrchestrationContext,
  started: ArmProgress,
  next: (resumeFrom: string) => Generator<Task, ArmProgress, unknown>,
  poll: PollPolicy,
): Generator<Task, boolean, unknown> {
  const deadline = context.df.currentUtcDateTime.getTime() + poll.timeoutMinutes * 60_000;
  let progress = started;
  let seconds = poll.initialSeconds;
  while (!progress.done) {
    const now = context.df.currentUtcDateTime.getTime();
    if (now >= deadline) return false;
    yield context.df.createTimer(new Date(Math.min(now + seconds * 1000, deadline)));
    progress = yield* next(progress.resumeFrom);
    seconds = Math.min(seconds * 2, poll.maxSeconds);
  }
  return true;
}
