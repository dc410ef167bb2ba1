/**
 * Where an operation is, and its end: the environment reaches its final state (or is removed,
 * after a successful delete) before the operation record says it has ended.
 */
import type { ProvisioningState } from "../../core/states";
import { CONTAINERS, environmentFilePrefix, environmentOutputsBlob } from "../../storage/records";
import { updateRecord } from "../../storage/update-record";
import type { ActivityLog } from "../activity-table";
import type { FinishInput, OperationInput, StepInput } from "../plan";
import { claimTargetOf, releaseResourceGroup } from "../resource-group-claims";
import { silent, type OperationDeps } from "./deps";

/** The step a running operation is on; an ended operation keeps the step it ended on. */
export async function recordStep(
  deps: OperationDeps,
  { project, operationId, step }: StepInput,
): Promise<void> {
  await updateRecord(deps.operations, project, operationId, (record) =>
    record.status !== "Running" || record.step === step ? undefined : { ...record, step },
  );
}

export async function finishOperation(
  deps: OperationDeps,
  { input, outcome }: FinishInput,
  log: ActivityLog = silent,
): Promise<void> {
  const endTime = deps.now().toISOString();
  log(
    `Operation ${input.operationId} (${input.kind} of ${input.project}/${input.environmentName}): ${outcome.status}` +
      (outcome.error ? ` (${outcome.error.code})` : "") +
      ".",
  );
  // The environment first: a client that sees the operation end reads the environment's final state.
  if (input.kind === "delete" && outcome.status === "Succeeded") {
    await removeEnvironment(deps, input);
  } else {
    const state: ProvisioningState = outcome.status;
    await updateRecord(deps.environments, input.project, input.environmentName, (record) =>
      record.currentOperationId === input.operationId
        ? { ...record, provisioningState: state, error: outcome.error, updatedAt: endTime }
        : undefined,
    );
  }
  await updateRecord(deps.operations, input.project, input.operationId, (record) => ({
    ...record,
    status: outcome.status,
    endTime: record.endTime ?? endTime,
    error: outcome.error,
    runnerTokenHash: undefined,
  }));
}

/** A deleted environment's files, outputs and record. */
async function removeEnvironment(deps: OperationDeps, input: OperationInput): Promise<void> {
  const files = await deps.blobs.list(
    CONTAINERS.environments,
    environmentFilePrefix(input.project, input.environmentName),
  );
  for (const blob of files) await deps.blobs.delete(CONTAINERS.environments, blob.name);
  await deps.blobs.delete(
    CONTAINERS.environments,
    environmentOutputsBlob(input.project, input.environmentName),
  );
  const stored = await deps.environments.get(input.project, input.environmentName);
  // Only remove the record this operation was deleting; a newer operation may own it by now.
  if (stored && stored.value.currentOperationId === input.operationId) {
    await deps.environments.delete(input.project, input.environmentName, stored.etag);
    await releaseResourceGroup(deps, claimTargetOf(stored.value));
  }
}
