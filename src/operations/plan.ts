/**
 * What the orchestration passes between its activities. Everything here is plain JSON: it is
 * recorded in the orchestration history and replayed.
 */
import type { ErrorDetail, OperationKind } from "../storage/records";
import type { PrincipalType, RunnerContainerRef, RunnerContainerState } from "./ports";

/** The orchestration's input; the instance id is the operation id. */
export interface OperationInput {
  project: string;
  environmentName: string;
  operationId: string;
  kind: OperationKind;
}

export interface RoleGrant {
  scope: string;
  roleName: string;
  principalId: string;
  principalType: PrincipalType;
  /** Makes the assignment name: the operation id for the runner's temporary role, the resource group id for lasting ones. */
  nameSeed: string;
}

/** A role the operation granted: revoking it needs nothing but this (not the scope's group). */
export interface GrantedRole extends RoleGrant {
  assignmentName: string;
}

export interface OperationPlan extends OperationInput, ResourceGroupRef {
  /** False for a delete with nothing to run: no resource group left, or `force` with the definition gone. */
  runRunner: boolean;
  resourceGroupId: string;
  location: string;
  environmentType: string;
  tags: Record<string, string>;
  /** Temporary: revoked when the operation ends. */
  runnerRoleGrants: RoleGrant[];
  /** Lasting roles of the creator and configured users on the resource group (deploy only). */
  memberRoleGrants: RoleGrant[];
  runnerContainer: RunnerContainerRef;
  runner: {
    image: string;
    identityResourceId: string;
    clientId: string;
    registryLoginServer?: string;
  };
  timeoutMinutes: number;
  poll: { initialSeconds: number; maxSeconds: number };
  retry: { firstIntervalSeconds: number; maxIntervalSeconds: number; maxAttempts: number };
  cleanupMaxAttempts: number;
}

export interface CollectInput {
  plan: OperationPlan;
  /** Undefined when the runner never exited (timeout, vanished) or never ran. */
  exitCode?: number;
  /** What the container platform said about a runner that never ran (an image that cannot be pulled). */
  detail?: string;
}

export interface OperationOutcome {
  status: "Succeeded" | "Failed" | "Canceled";
  error?: ErrorDetail;
}

/** What a poll of the runner container tells the orchestration (JSON: no dates). */
export interface RunnerStatus {
  state: RunnerContainerState["state"];
  exitCode?: number;
  detail?: string;
}

/** A resource group by subscription and name. */
export interface ResourceGroupRef {
  subscriptionId: string;
  resourceGroupName: string;
}

/** A look at a resource group delete in flight (resumeFrom: from ArmProgress). */
export interface ResourceGroupDeletePoll {
  group: ResourceGroupRef;
  resumeFrom: string;
}

/** A look at a runner container group delete in flight (resumeFrom: from ArmProgress). */
export interface RunnerDeletePoll {
  ref: RunnerContainerRef;
  resumeFrom: string;
}

/** The step an operation is on, for its record (see OperationStep in orchestration.ts). */
export interface StepInput {
  project: string;
  operationId: string;
  step: string;
}

/** A cleanup activity failed and will be tried again (times from the orchestration's clock). */
export interface CleanupRetryInput {
  project: string;
  operationId: string;
  activity: string;
  attempts: number;
  error: ErrorDetail;
  failedAt: string;
  retryAt: string;
}

/** The cleanup of an abandoned operation ended: done, or out of retries with `error`. */
export interface CleanupEndInput {
  project: string;
  operationId: string;
  error?: ErrorDetail;
}

export interface FinishInput {
  input: OperationInput;
  outcome: OperationOutcome;
}
