/**
 * The operation's activities, by name: the one place that says what each activity takes and gives
 * (as Temporal's `proxyActivities<typeof activities>` does). The orchestration calls them through
 * activity-calls.ts, the registrations in src/functions/operations.ts run them through runActivity,
 * and src/operations/activities implements them. Inputs and outputs are plain JSON: they are
 * recorded in the orchestration history and replayed.
 */
import { expectedFailure, type Failure } from "./failures";
import type {
  CleanupEndInput,
  CleanupRetryInput,
  CollectInput,
  FinishInput,
  GrantedRole,
  OperationInput,
  OperationOutcome,
  OperationPlan,
  ResourceGroupDeletePoll,
  ResourceGroupRef,
  RoleGrant,
  RunnerDeletePoll,
  RunnerStatus,
  StepInput,
} from "./plan";
import type { ArmProgress, RunnerContainerRef } from "./ports";

/** Where an activity says what it did (the invocation's log). */
export type ActivityLog = (message: string) => void;

export interface OperationActivities {
  /** Reads the records and plans the operation (see planning.ts). */
  resolveOperation(input: OperationInput, log?: ActivityLog): Promise<OperationPlan>;
  ensureResourceGroup(plan: OperationPlan, log?: ActivityLog): Promise<void>;
  /** Answers the assignment's name, which the orchestration keeps for the revoke. */
  grantRole(grant: RoleGrant, log?: ActivityLog): Promise<GrantedRole>;
  /** A grant without its assignment name (granting never answered) has it derived again. */
  revokeRole(grant: RoleGrant | GrantedRole, log?: ActivityLog): Promise<void>;
  startRunner(plan: OperationPlan, log?: ActivityLog): Promise<void>;
  getRunnerState(ref: RunnerContainerRef, log?: ActivityLog): Promise<RunnerStatus>;
  collectRunnerResults(input: CollectInput, log?: ActivityLog): Promise<OperationOutcome>;
  /** Asks ARM to delete the runner's container group; pollRunnerDelete follows it until done. */
  deleteRunner(ref: RunnerContainerRef, log?: ActivityLog): Promise<ArmProgress>;
  pollRunnerDelete(poll: RunnerDeletePoll, log?: ActivityLog): Promise<ArmProgress>;
  /** Asks ARM to delete the environment's resource group; pollResourceGroupDelete follows it until done. */
  deleteResourceGroup(group: ResourceGroupRef, log?: ActivityLog): Promise<ArmProgress>;
  pollResourceGroupDelete(poll: ResourceGroupDeletePoll, log?: ActivityLog): Promise<ArmProgress>;
  /** Writes the step the orchestration is on to the operation record (while it runs). */
  recordStep(input: StepInput, log?: ActivityLog): Promise<void>;
  /** Writes a failed cleanup attempt to the operation record (record.cleanup), for its status and operators. */
  recordCleanupRetry(input: CleanupRetryInput, log?: ActivityLog): Promise<void>;
  /** Ends an abandoned operation's cleanup on its record: no longer pending, or out of retries. */
  endCleanup(input: CleanupEndInput, log?: ActivityLog): Promise<void>;
  finishOperation(input: FinishInput, log?: ActivityLog): Promise<void>;
  /** What an abandoned operation may have left (its plan), or null when there is nothing to plan from. */
  planCleanup(input: OperationInput, log?: ActivityLog): Promise<OperationPlan | null>;
}

export type ActivityName = keyof OperationActivities;
export type ActivityInput<N extends ActivityName> = Parameters<OperationActivities[N]>[0];
export type ActivityOutput<N extends ActivityName> = Awaited<ReturnType<OperationActivities[N]>>;

const NAMES: Record<ActivityName, true> = {
  resolveOperation: true,
  ensureResourceGroup: true,
  grantRole: true,
  revokeRole: true,
  startRunner: true,
  getRunnerState: true,
  collectRunnerResults: true,
  deleteRunner: true,
  pollRunnerDelete: true,
  deleteResourceGroup: true,
  pollResourceGroupDelete: true,
  recordStep: true,
  recordCleanupRetry: true,
  endCleanup: true,
  finishOperation: true,
  planCleanup: true,
};

/** Every activity name, as registered with the Functions host. */
export const ACTIVITY_NAMES = Object.keys(NAMES) as ActivityName[];

/**
 * What the orchestration sends an activity: its input and, with the first attempt of a step's first
 * activity, the step to write on the operation record while the activity runs (one invocation for
 * both, instead of an activity of its own per step).
 */
export interface ActivityRequest<N extends ActivityName> {
  input: ActivityInput<N>;
  step?: StepInput;
}

/** What an activity answers on the wire: its output, or an expected failure as a value. */
export type ActivityResult<T> = { ok: true; value: T } | { ok: false; failure: Failure };

/** An expected failure as an activity's answer; anything else is thrown on (the host records it as failed). */
export function failedResult(error: unknown): { ok: false; failure: Failure } {
  const failure = expectedFailure(error);
  if (!failure) throw error;
  return { ok: false, failure };
}

/**
 * Runs one activity as the host invokes it: `request` is what the orchestration sent for `name`.
 * The step is only informational: failing to write it is logged, and the activity's answer stands.
 */
export async function runActivity<N extends ActivityName>(
  activities: OperationActivities,
  name: N,
  { input, step }: ActivityRequest<N>,
  log: ActivityLog,
): Promise<ActivityResult<ActivityOutput<N>>> {
  const run = activities[name] as (input: ActivityInput<N>, log: ActivityLog) => Promise<ActivityOutput<N>>;
  const recorded = step
    ? activities.recordStep(step).catch((error: unknown) => {
        log(`Recording step ${step.step} failed: ${(error as Error)?.message ?? String(error)}`);
      })
    : undefined;
  try {
    return { ok: true, value: await run.call(activities, input, log) };
  } catch (error) {
    const failed = failedResult(error);
    log(`${name} failed (${failed.failure.code}): ${failed.failure.message}`);
    return failed;
  } finally {
    await recorded;
  }
}
