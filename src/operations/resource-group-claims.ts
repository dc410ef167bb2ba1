/**
 * Resource group claims: one record per resource group name (lower case, as Azure compares names),
 * created with create-if-absent before the environment that uses the group. Two environments can
 * therefore never share a group: not `CaseEnv` and `caseenv`, not two projects whose names join to
 * the same group name, not a name made to match another one's hashed long name.
 */
import { environmentResourceGroupName } from "../core/names";
import {
  RESOURCE_GROUP_CLAIMS_PARTITION,
  type EnvironmentRecord,
  type ResourceGroupClaim,
} from "../storage/records";
import { RecordConflictError, type RecordStore } from "../storage/ports";

export interface ClaimDeps {
  environments: RecordStore<EnvironmentRecord>;
  resourceGroupClaims: RecordStore<ResourceGroupClaim>;
  now(): Date;
}

export interface ClaimTarget {
  project: string;
  environmentName: string;
  /** The group an adopted environment was deployed to before (its name is not ours). */
  resourceGroupId?: string;
}

/**
 * A claim younger than this whose environment record does not exist is a request still creating
 * it; an older one was left by a crash (or a delete that ended between its two writes).
 */
export const CLAIM_SETTLE_MS = 2 * 60_000;
const MAX_ATTEMPTS = 5;

export function claimTargetOf(environment: EnvironmentRecord): ClaimTarget {
  return {
    project: environment.project,
    environmentName: environment.name,
    // As planning.ts: only an adopted environment keeps a group not named after it.
    ...(environment.adopted && { resourceGroupId: environment.resourceGroupId }),
  };
}

function groupName(target: ClaimTarget): string {
  return environmentResourceGroupName(target.project, target.environmentName, target.resourceGroupId);
}

/** Why a claim was refused: `code` and `message` are the API error's. */
export class ClaimRefused extends Error {
  constructor(
    readonly code: "EnvironmentAlreadyExists" | "ResourceGroupNameTaken" | "EnvironmentActionInProgress",
    message: string,
  ) {
    super(message);
    this.name = "ClaimRefused";
  }
}

/** Claims the environment's resource group name for it; ClaimRefused when another environment has it. */
export async function claimResourceGroup(deps: ClaimDeps, target: ClaimTarget): Promise<void> {
  const name = groupName(target);
  const key = name.toLowerCase();
  const claim: ResourceGroupClaim = {
    resourceGroupName: name,
    project: target.project,
    environmentName: target.environmentName,
    claimedAt: deps.now().toISOString(),
  };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = await deps.resourceGroupClaims.get(RESOURCE_GROUP_CLAIMS_PARTITION, key);
    try {
      if (!stored) {
        await deps.resourceGroupClaims.create(RESOURCE_GROUP_CLAIMS_PARTITION, key, claim);
        return;
      }
      const owner = stored.value;
      if (owner.project === target.project && owner.environmentName === target.environmentName) return;
      if (await stillClaimed(deps, owner)) throw refusal(owner, target);
      await deps.resourceGroupClaims.replace(RESOURCE_GROUP_CLAIMS_PARTITION, key, claim, stored.etag);
      return;
    } catch (error) {
      if (!(error instanceof RecordConflictError)) throw error;
    }
  }
  throw new ClaimRefused(
    "EnvironmentActionInProgress",
    `The resource group name ${name} is being claimed by another request at the same time; try again.`,
  );
}

/** Releases the claim once the environment is gone; a claim another environment holds by now stays. */
export async function releaseResourceGroup(deps: ClaimDeps, target: ClaimTarget): Promise<void> {
  const key = groupName(target).toLowerCase();
  const stored = await deps.resourceGroupClaims.get(RESOURCE_GROUP_CLAIMS_PARTITION, key);
  if (stored?.value.project !== target.project || stored.value.environmentName !== target.environmentName) {
    return;
  }
  try {
    await deps.resourceGroupClaims.delete(RESOURCE_GROUP_CLAIMS_PARTITION, key, stored.etag);
  } catch (error) {
    // Taken over in between by a new environment: the claim is its own now.
    if (!(error instanceof RecordConflictError)) throw error;
  }
}

/** A claim stands while its environment exists, or while a request may still be creating it. */
async function stillClaimed(deps: ClaimDeps, owner: ResourceGroupClaim): Promise<boolean> {
  if (await deps.environments.get(owner.project, owner.environmentName)) return true;
  return deps.now().getTime() - Date.parse(owner.claimedAt) < CLAIM_SETTLE_MS;
}

function refusal(owner: ResourceGroupClaim, target: ClaimTarget): ClaimRefused {
  if (
    owner.project === target.project &&
    owner.environmentName.toLowerCase() === target.environmentName.toLowerCase()
  ) {
    return new ClaimRefused(
      "EnvironmentAlreadyExists",
      `Environment ${owner.environmentName} already exists in project ${owner.project}; environment names are unique in a project without regard to case.`,
    );
  }
  return new ClaimRefused(
    "ResourceGroupNameTaken",
    `Environment ${target.environmentName} would use resource group ${owner.resourceGroupName}, which belongs to environment ${owner.environmentName} of project ${owner.project}; choose another name.`,
  );
}

/** The environment that holds the target's resource group name now, if another one does (read only, for plans). */
export async function otherHolder(
  deps: ClaimDeps,
  target: ClaimTarget,
): Promise<ResourceGroupClaim | undefined> {
  const stored = await deps.resourceGroupClaims.get(
    RESOURCE_GROUP_CLAIMS_PARTITION,
    groupName(target).toLowerCase(),
  );
  if (!stored) return undefined;
  const owner = stored.value;
  if (owner.project === target.project && owner.environmentName === target.environmentName) return undefined;
  return (await stillClaimed(deps, owner)) ? owner : undefined;
}
