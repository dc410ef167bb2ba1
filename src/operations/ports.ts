/**
 * The Azure Resource Manager ports the operation activities call: role assignments, resource groups
 * and runner containers. Adapters in src/azure implement them with the Azure SDKs.
 */
import { PortError } from "../core/ports";

/** An ARM call failed: `code` is ARM's error code (e.g. AuthorizationFailed), `statusCode` its status. */
export class ArmError extends PortError {}

export type PrincipalType = "User" | "Group" | "ServicePrincipal" | "ForeignGroup" | "Device";

export interface RoleAssignmentSpec {
  /** e.g. /subscriptions/{id}/resourceGroups/{name} */
  scope: string;
  /** Full id: /subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid} */
  roleDefinitionId: string;
  principalId: string;
  principalType: PrincipalType;
  /** A GUID the caller derives deterministically, so a retried grant is the same assignment. */
  name: string;
}

export interface RoleAssignmentInfo {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
}

export interface GrantResult {
  /**
   * True when ARM answered RoleAssignmentExists: the principal already holds the role at the scope
   * through another assignment, which revoke(scope, name) will (rightly) leave in place.
   */
  heldByAnotherAssignment: boolean;
}

export interface RoleAssignments {
  /** Idempotent: granting the same name again, or a role already held, is success. */
  grant(spec: RoleAssignmentSpec): Promise<GrantResult>;
  /** A missing assignment is success. */
  revoke(scope: string, name: string): Promise<void>;
  /** Assignments at the scope itself (not inherited ones, not ones below it). */
  listAtScope(scope: string): Promise<RoleAssignmentInfo[]>;
  /** The full role definition id of a role name (e.g. "Contributor"); ArmError RoleDefinitionNotFound. Cached. */
  roleDefinitionIdByName(scope: string, roleName: string): Promise<string>;
}

/**
 * A long-running ARM operation: done, or still running with the SDK poller's state to look at it
 * again later (URLs of ARM's operation status, no secrets). It travels through the orchestration
 * history, so that a delete that takes longer than an activity may run is followed on durable timers.
 */
export type ArmProgress = { done: true } | { done: false; resumeFrom: string };

export interface ResourceGroups {
  /** Creates or updates the group; returns its id. Tags name the project, environment and operation. */
  ensure(
    subscriptionId: string,
    name: string,
    location: string,
    tags: Record<string, string>,
  ): Promise<{ id: string }>;
  exists(subscriptionId: string, name: string): Promise<boolean>;
  /** Asks ARM to delete the group (a missing group is done at once); follow it with pollDelete. */
  beginDelete(subscriptionId: string, name: string): Promise<ArmProgress>;
  /** One look at a delete beginDelete started; an ArmError when ARM says the delete failed. */
  pollDelete(subscriptionId: string, name: string, resumeFrom: string): Promise<ArmProgress>;
}

export interface RunnerContainerRef {
  subscriptionId: string;
  resourceGroup: string;
  /** Container group name: 1-63 lowercase letters, digits and dashes. */
  name: string;
}

export interface EnvironmentVariable {
  name: string;
  value?: string;
  /** Not shown by ARM on reads; use for tokens and secure parameters. */
  secureValue?: string;
}

export interface RunnerContainerSpec extends RunnerContainerRef {
  location: string;
  image: string;
  /** Overrides the image's entrypoint. */
  command?: string[];
  environment: EnvironmentVariable[];
  /** Defaults from the RUNNER_CPU / RUNNER_MEMORY_GB settings. */
  cpu?: number;
  memoryInGB?: number;
  /** User-assigned managed identity the runner runs as (full resource id). */
  identityResourceId: string;
  /** Private registry whose image is pulled with that identity. */
  registryLoginServer?: string;
}

export interface RunnerContainerState {
  state: "Pending" | "Running" | "Terminated" | "NotFound";
  /** Set when the process ran; Terminated without an exit code means it never started (see detail). */
  exitCode?: number;
  startTime?: Date;
  finishTime?: Date;
  /** What ARM says about the container (e.g. why it cannot start). */
  detail?: string;
}

export interface RunnerLogsOptions {
  /** Only the last N lines. */
  tail?: number;
}

export interface RunnerContainers {
  /**
   * Creates the container group (restart policy Never, Linux) and returns once ARM accepted it,
   * without waiting for the image to be pulled: follow it with state(). Same name again is a no-op.
   */
  start(spec: RunnerContainerSpec): Promise<void>;
  state(ref: RunnerContainerRef): Promise<RunnerContainerState>;
  /** The container's combined output; "" when the group does not exist. */
  logs(ref: RunnerContainerRef, options?: RunnerLogsOptions): Promise<string>;
  /** Asks ARM to delete the group, stopping a running container (missing is done at once); follow it with pollDelete. */
  beginDelete(ref: RunnerContainerRef): Promise<ArmProgress>;
  /** One look at a delete beginDelete started; an ArmError when ARM says the delete failed. */
  pollDelete(ref: RunnerContainerRef, resumeFrom: string): Promise<ArmProgress>;
}
