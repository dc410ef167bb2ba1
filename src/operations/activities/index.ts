/**
 * The operation's activities, one file per step, written against ports. Each is idempotent: the
 * engine may run it again after a crash or a retry, so names are deterministic and "already done"
 * is success. This file binds them to their dependencies as the activity table says.
 */
import type { OperationActivities } from "../activity-table";
import type { OperationDeps } from "./deps";
import { endCleanup, recordCleanupRetry } from "./cleanup-progress";
import { finishOperation, recordStep } from "./finish";
import { planCleanup, resolveOperation } from "./resolve";
import { deleteResourceGroup, ensureResourceGroup, pollResourceGroupDelete } from "./resource-groups";
import { grantRole, revokeRole } from "./roles";
import { collectRunnerResults, deleteRunner, getRunnerState, pollRunnerDelete, startRunner } from "./runner";

export type { OperationDeps } from "./deps";

export function createOperationActivities(deps: OperationDeps): OperationActivities {
  return {
    resolveOperation: (input, log) => resolveOperation(deps, input, log),
    ensureResourceGroup: (plan, log) => ensureResourceGroup(deps, plan, log),
    grantRole: (grant, log) => grantRole(deps, grant, log),
    revokeRole: (grant, log) => revokeRole(deps, grant, log),
    startRunner: (plan, log) => startRunner(deps, plan, log),
    getRunnerState: (ref) => getRunnerState(deps, ref),
    collectRunnerResults: (input, log) => collectRunnerResults(deps, input, log),
    deleteRunner: (ref, log) => deleteRunner(deps, ref, log),
    pollRunnerDelete: (poll, log) => pollRunnerDelete(deps, poll, log),
    deleteResourceGroup: (group, log) => deleteResourceGroup(deps, group, log),
    pollResourceGroupDelete: (poll, log) => pollResourceGroupDelete(deps, poll, log),
    recordStep: (input) => recordStep(deps, input),
    recordCleanupRetry: (input) => recordCleanupRetry(deps, input),
    endCleanup: (input) => endCleanup(deps, input),
    finishOperation: (input, log) => finishOperation(deps, input, log),
    planCleanup: (input, log) => planCleanup(deps, input, log),
  };
}
