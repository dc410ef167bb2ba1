/** The environment's resource group: made before a deploy, deleted after a successful delete. */
import type { ActivityLog } from "../activity-table";
import type { OperationPlan, ResourceGroupDeletePoll, ResourceGroupRef } from "../plan";
import type { ArmProgress } from "../ports";
import { silent, type OperationDeps } from "./deps";

export async function ensureResourceGroup(
  deps: OperationDeps,
  plan: OperationPlan,
  log: ActivityLog = silent,
): Promise<void> {
  await deps.resourceGroups.ensure(plan.subscriptionId, plan.resourceGroupName, plan.location, plan.tags);
  log(`Resource group ${plan.resourceGroupId} is ready.`);
}

export async function deleteResourceGroup(
  deps: OperationDeps,
  group: ResourceGroupRef,
  log: ActivityLog = silent,
): Promise<ArmProgress> {
  const progress = await deps.resourceGroups.beginDelete(group.subscriptionId, group.resourceGroupName);
  log(`Resource group ${group.resourceGroupName}: ${progress.done ? "gone" : "being deleted"}.`);
  return progress;
}

export async function pollResourceGroupDelete(
  deps: OperationDeps,
  { group, resumeFrom }: ResourceGroupDeletePoll,
  log: ActivityLog = silent,
): Promise<ArmProgress> {
  const progress = await deps.resourceGroups.pollDelete(
    group.subscriptionId,
    group.resourceGroupName,
    resumeFrom,
  );
  if (progress.done) log(`Resource group ${group.resourceGroupName} is gone.`);
  return progress;
}
