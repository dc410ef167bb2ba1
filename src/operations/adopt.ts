/**
 * Adopting an environment that another control plane (Azure Deployment Environments) deployed: its
 * record here points at its existing resource group, it has one imported operation in its history,
 * and its outputs and saved state come along. Nothing in Azure is touched. Idempotent: adopting the
 * same environment again changes nothing; an environment of that name that was not adopted from the
 * same source is a conflict, never overwritten.
 */
import { UUID_NAMESPACE, uuidV5 } from "../core/names";
import type { BlobStore, RecordStore } from "../storage/ports";
import { RecordConflictError } from "../storage/ports";
import {
  CONTAINERS,
  environmentFilePrefix,
  environmentOutputsBlob,
  operationLogBlob,
  type EnvironmentRecord,
  type OperationRecord,
} from "../storage/records";
import type { EnvironmentOutputs } from "../runner-protocol/outputs";
import { claimResourceGroup, ClaimRefused, otherHolder, type ClaimDeps } from "./resource-group-claims";

export interface AdoptDeps extends ClaimDeps {
  environments: RecordStore<EnvironmentRecord>;
  operations: RecordStore<OperationRecord>;
  blobs: BlobStore;
  now(): Date;
}

export interface AdoptRequest {
  /** Where the environment comes from (ADE's data-plane URI); part of its identity here. */
  source: string;
  project: string;
  environmentName: string;
  user: string;
  environmentType: string;
  catalogName: string;
  environmentDefinitionName: string;
  parameters: Record<string, unknown>;
  provisioningState: "Succeeded" | "Failed";
  resourceGroupId: string;
  expirationDate?: string;
  outputs?: EnvironmentOutputs;
  /** The environment's saved state as `storage.zip` bytes (Terraform state, for example). */
  state?: Uint8Array;
}

export type AdoptOutcome =
  | { outcome: "adopted"; operationId: string }
  | { outcome: "unchanged"; operationId: string }
  | { outcome: "conflict"; reason: string };

/** The imported operation's id: the same for the same environment from the same source, so a rerun converges. */
export function importedOperationId(
  request: Pick<AdoptRequest, "source" | "project" | "environmentName">,
): string {
  return uuidV5(
    JSON.stringify([
      "adopt",
      request.source.toLowerCase(),
      request.project.toLowerCase(),
      request.environmentName.toLowerCase(),
    ]),
    UUID_NAMESPACE,
  );
}

function claimTarget(request: AdoptRequest) {
  return {
    project: request.project,
    environmentName: request.environmentName,
    resourceGroupId: request.resourceGroupId,
  };
}

/** What an adoption would do, without writing anything. */
export async function planAdoption(deps: ClaimDeps, request: AdoptRequest): Promise<AdoptOutcome> {
  const operationId = importedOperationId(request);
  const existing = await deps.environments.get(request.project, request.environmentName);
  if (!existing) {
    // Names are unique without regard to case, and a resource group belongs to one environment.
    const holder = await otherHolder(deps, claimTarget(request));
    if (holder) {
      return {
        outcome: "conflict",
        reason: `its resource group ${holder.resourceGroupName} belongs to environment ${holder.project}/${holder.environmentName} here`,
      };
    }
    return { outcome: "adopted", operationId };
  }
  const adopted = existing.value.adopted;
  if (adopted?.source === request.source && adopted.operationId === operationId) {
    return { outcome: "unchanged", operationId };
  }
  return {
    outcome: "conflict",
    reason: adopted
      ? `environment ${request.project}/${existing.value.name} was adopted from ${adopted.source}`
      : `environment ${request.project}/${existing.value.name} already exists here (owner ${existing.value.user}, ${existing.value.provisioningState})`,
  };
}

export async function adoptEnvironment(deps: AdoptDeps, request: AdoptRequest): Promise<AdoptOutcome> {
  const planned = await planAdoption(deps, request);
  if (planned.outcome !== "adopted") return planned;
  const operationId = planned.operationId;
  const now = deps.now().toISOString();
  try {
    await claimResourceGroup(deps, claimTarget(request));
  } catch (error) {
    if (error instanceof ClaimRefused) return { outcome: "conflict", reason: error.message };
    throw error;
  }

  // Blobs and the operation first, the environment record last: a run interrupted half way leaves
  // no environment, and the next run writes the same names again.
  if (request.outputs) {
    await deps.blobs.put(
      CONTAINERS.environments,
      environmentOutputsBlob(request.project, request.environmentName),
      JSON.stringify(request.outputs),
      { contentType: "application/json" },
    );
  }
  if (request.state) {
    await deps.blobs.put(
      CONTAINERS.environments,
      `${environmentFilePrefix(request.project, request.environmentName)}storage.zip`,
      request.state,
      { contentType: "application/zip" },
    );
  }
  const log = [
    `${now} Adopted from ${request.source}: environment ${request.environmentName} of ${request.user},`,
    `definition ${request.catalogName}/${request.environmentDefinitionName}, environment type ${request.environmentType},`,
    `resource group ${request.resourceGroupId}. Nothing in Azure was changed by the import.`,
    request.state ? "Its saved state (storage.zip) was imported." : "No saved state was imported.",
    "",
  ].join("\n");
  await deps.blobs.put(CONTAINERS.logs, operationLogBlob(request.project, operationId), log, {
    contentType: "text/plain",
  });

  const operation: OperationRecord = {
    id: operationId,
    project: request.project,
    environmentName: request.environmentName,
    user: request.user,
    kind: "deploy",
    status: request.provisioningState,
    createdBy: request.user,
    startTime: now,
    endTime: now,
    environmentParameters: request.parameters,
    imported: { source: request.source },
  };
  try {
    await deps.operations.create(request.project, operationId, operation);
  } catch (error) {
    if (!(error instanceof RecordConflictError)) throw error;
  }

  const environment: EnvironmentRecord = {
    project: request.project,
    name: request.environmentName,
    user: request.user,
    environmentType: request.environmentType,
    catalogName: request.catalogName,
    environmentDefinitionName: request.environmentDefinitionName,
    parameters: request.parameters,
    ...(request.expirationDate && { expirationDate: request.expirationDate }),
    provisioningState: request.provisioningState,
    resourceGroupId: request.resourceGroupId,
    currentOperationId: operationId,
    adopted: { source: request.source, operationId, at: now },
    createdAt: now,
    updatedAt: now,
  };
  try {
    await deps.environments.create(request.project, request.environmentName, environment);
  } catch (error) {
    if (!(error instanceof RecordConflictError)) throw error;
    // Someone created it between the check and now: report it as the check would have.
    return planAdoption(deps, request);
  }
  return { outcome: "adopted", operationId };
}
