/** What the operation's activities work against: the records, blobs and ARM ports, config and settings. */
import type { DevCenterConfig } from "../../core/devcenter-config";
import type { BlobStore, RecordStore } from "../../storage/ports";
import type { EnvironmentRecord, OperationRecord, ResourceGroupClaim } from "../../storage/records";
import type { SecureParameterSealer } from "../../storage/secure-parameters";
import type { ActivityLog } from "../activity-table";
import { OperationError } from "../failures";
import type { ResourceGroups, RoleAssignments, RunnerContainers } from "../ports";
import type { OperationSettings } from "../settings";

export interface OperationDeps {
  environments: RecordStore<EnvironmentRecord>;
  operations: RecordStore<OperationRecord>;
  resourceGroupClaims: RecordStore<ResourceGroupClaim>;
  blobs: BlobStore;
  roles: RoleAssignments;
  resourceGroups: ResourceGroups;
  containers: RunnerContainers;
  devCenter: DevCenterConfig;
  settings: OperationSettings;
  /** Opens an operation's sealed secure parameters, to mask their values in the runner's output. */
  secureParameters?: SecureParameterSealer;
  newRunnerToken(): { token: string; hash: string };
  now(): Date;
}

export const silent: ActivityLog = () => {};

export async function loadOperation(
  deps: Pick<OperationDeps, "operations">,
  project: string,
  operationId: string,
): Promise<OperationRecord> {
  const stored = await deps.operations.get(project, operationId);
  if (!stored) throw new OperationError("OperationNotFound", `Operation ${operationId} does not exist.`);
  return stored.value;
}
