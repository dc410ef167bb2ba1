/** Resolving an operation: reads what the plan depends on, then plans it (planning.ts, pure). */
import type { ActivityLog } from "../activity-table";
import { OperationError } from "../failures";
import type { OperationInput, OperationPlan } from "../plan";
import { environmentTypeOf, planOperation, resourceGroupOf } from "../planning";
import { updateRecord } from "../../storage/update-record";
import { loadOperation, silent, type OperationDeps } from "./deps";

export async function resolveOperation(
  deps: OperationDeps,
  input: OperationInput,
  log: ActivityLog = silent,
): Promise<OperationPlan> {
  const [operation, stored] = await Promise.all([
    loadOperation(deps, input.project, input.operationId),
    deps.environments.get(input.project, input.environmentName),
  ]);
  if (!stored) {
    throw new OperationError("EnvironmentNotFound", `Environment ${input.environmentName} does not exist.`);
  }
  const environment = stored.value;
  // A delete runs its script only while there is a resource group to run it against.
  let resourceGroupExists = true;
  if (input.kind === "delete" && operation.definition) {
    const group = resourceGroupOf(environmentTypeOf(deps.devCenter, environment), environment, input);
    resourceGroupExists = await deps.resourceGroups.exists(group.subscriptionId, group.resourceGroupName);
  }
  const plan = planOperation({
    input,
    operation,
    environment,
    devCenter: deps.devCenter,
    settings: deps.settings,
    resourceGroupExists,
  });

  if (input.kind === "deploy") {
    await updateRecord(deps.environments, input.project, input.environmentName, (record) =>
      record.resourceGroupId === plan.resourceGroupId
        ? undefined
        : { ...record, resourceGroupId: plan.resourceGroupId },
    );
  }
  log(
    `${input.kind} of ${input.project}/${input.environmentName} (operation ${input.operationId}): resource group ${plan.resourceGroupId}` +
      (plan.runRunner ? `, runner ${plan.runner.image}` : ", nothing to run"),
  );
  return plan;
}

/**
 * The plan of an operation that lost its orchestration, for its cleanup: the runner's role and
 * container are named after the operation, so they are known without what the orchestration saw.
 * Null when the environment is gone or the operation could never have started a runner.
 */
export async function planCleanup(
  deps: OperationDeps,
  input: OperationInput,
  log: ActivityLog = silent,
): Promise<OperationPlan | null> {
  const operation = await deps.operations.get(input.project, input.operationId);
  const environment = await deps.environments.get(input.project, input.environmentName);
  if (!operation?.value.definition || !environment) {
    log(`Operation ${input.operationId}: nothing to clean up (its environment or definition is gone).`);
    return null;
  }
  return planOperation({
    input,
    operation: operation.value,
    environment: environment.value,
    devCenter: deps.devCenter,
    settings: deps.settings,
    resourceGroupExists: true,
  });
}
