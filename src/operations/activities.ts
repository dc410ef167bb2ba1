/**
 * The operation's activities, written against ports. Each is idempotent: the engine may run it
 * again after a crash or a retry, so names are deterministic and "already done" is success.
 */
import { exitCodeName } from "../core/exit-codes";
import { resourceGroupId, resourceGroupName, roleAssignmentName } from "../core/names";
import type { ProvisioningState } from "../core/states";
import type { DevCenterConfig } from "../core/devcenter-config";
import { findProjectEnvironmentType, runnerRoleScope } from "../core/devcenter-config";
import { RUNNER_VARIABLES } from "../runner-protocol/protocol";
import { adeOperationVariables, runnerEndpoint } from "../runner-protocol/variables";
import {
  CONTAINERS,
  environmentFilePrefix,
  environmentOutputsBlob,
  operationLogBlob,
  type EnvironmentRecord,
  type ErrorDetail,
  type OperationRecord,
} from "../storage/records";
import type {
  CollectInput,
  FinishInput,
  OperationInput,
  OperationOutcome,
  OperationPlan,
  RoleGrant,
} from "./plan";
import { PortError } from "../core/ports";
import { type BlobStore, type RecordStore } from "../storage/ports";
import {
  type EnvironmentVariable,
  type ResourceGroups,
  type RoleAssignments,
  type RunnerContainerRef,
  type RunnerContainers,
  type RunnerContainerState,
} from "./ports";
import { isPermanentStatus, OperationError } from "./failures";
import { updateRecord } from "../storage/update-record";

export interface OperationSettings {
  /** Id of this dev center, given to the runner as ADE_HTTP__DEVCENTERID. */
  devCenterId: string;
  tenantId: string;
  /** Base URL of the runner API as the runner container reaches it. */
  runnerApiEndpoint: string;
  /**
   * Where runner container groups live: not in the environment's group, which the definition owns.
   * Subscription and location default to the environment type's.
   */
  runnerResourceGroup: { subscriptionId?: string; name: string; location?: string };
  /** Runner aliases (ARM, Bicep, Terraform) → image references; anything else is an image reference itself. */
  runnerImages: Record<string, string>;
  /** Extra variables for every runner (log pump settings). */
  runnerEnvironment: Record<string, string>;
  timeoutMinutes: number;
  poll: { initialSeconds: number; maxSeconds: number };
  retry: { firstIntervalSeconds: number; maxIntervalSeconds: number; maxAttempts: number };
  cleanupMaxAttempts: number;
}

/** Where an activity says what it did (the invocation's log). */
export type ActivityLog = (message: string) => void;

const silent: ActivityLog = () => {};

export interface OperationDeps {
  environments: RecordStore<EnvironmentRecord>;
  operations: RecordStore<OperationRecord>;
  blobs: BlobStore;
  roles: RoleAssignments;
  resourceGroups: ResourceGroups;
  containers: RunnerContainers;
  devCenter: DevCenterConfig;
  settings: OperationSettings;
  newRunnerToken(): { token: string; hash: string };
  now(): Date;
}

export function createOperationActivities(deps: OperationDeps) {
  const { settings } = deps;

  async function loadOperation(project: string, operationId: string): Promise<OperationRecord> {
    const stored = await deps.operations.get(project, operationId);
    if (!stored) throw new OperationError("OperationNotFound", `Operation ${operationId} does not exist.`);
    return stored.value;
  }

  async function resolveOperation(input: OperationInput, log: ActivityLog = silent): Promise<OperationPlan> {
    const operation = await loadOperation(input.project, input.operationId);
    const stored = await deps.environments.get(input.project, input.environmentName);
    if (!stored) {
      throw new OperationError("EnvironmentNotFound", `Environment ${input.environmentName} does not exist.`);
    }
    const environment = stored.value;
    const projectType = findProjectEnvironmentType(
      deps.devCenter,
      input.project,
      environment.environmentType,
    );
    if (!projectType) {
      throw new OperationError(
        "EnvironmentTypeNotFound",
        `Environment type ${environment.environmentType} is not available in project ${input.project}.`,
      );
    }
    const subscriptionId = projectType.subscriptionId;
    const rgName = resourceGroupName(input.project, input.environmentName);
    const rgId = resourceGroupId(subscriptionId, rgName);

    let runRunner = operation.definition !== undefined;
    if (input.kind === "delete" && runRunner) {
      runRunner = await deps.resourceGroups.exists(subscriptionId, rgName);
    }
    if (!runRunner && input.kind === "deploy") {
      throw new OperationError(
        "EnvironmentDefinitionNotFound",
        "The operation has no environment definition.",
      );
    }

    const runnerScope = runnerRoleScope(projectType, rgName);
    const identity = projectType.runnerIdentity;
    // The creator's and configured users' roles on the resource group (deploy only; they outlive the operation).
    const members = [
      { principalId: environment.user, roles: projectType.creatorRoleAssignment.roles },
      ...projectType.userRoleAssignments,
    ];
    const memberRoleGrants: RoleGrant[] =
      input.kind === "deploy"
        ? members.flatMap(({ principalId, roles }) =>
            roles.map((roleName) => ({
              scope: rgId,
              roleName,
              principalId,
              principalType: "User" as const,
              nameSeed: rgId,
            })),
          )
        : [];

    if (input.kind === "deploy") {
      await updateRecord(deps.environments, input.project, input.environmentName, (record) =>
        record.resourceGroupId === rgId ? undefined : { ...record, resourceGroupId: rgId },
      );
    }

    const runner = operation.definition?.runner ?? "";
    const image = settings.runnerImages[runner] ?? runner;
    log(
      `${input.kind} of ${input.project}/${input.environmentName} (operation ${input.operationId}): resource group ${rgId}` +
        (runRunner ? `, runner ${image}` : ", nothing to run"),
    );
    return {
      ...input,
      runRunner,
      subscriptionId,
      resourceGroupName: rgName,
      resourceGroupId: rgId,
      location: projectType.location,
      environmentType: environment.environmentType,
      tags: {
        "devcenter-project": input.project,
        "devcenter-environment": input.environmentName,
        "devcenter-environment-type": environment.environmentType,
        "devcenter-operation": input.operationId,
      },
      runnerRoleGrants: [
        {
          scope: runnerScope,
          roleName: projectType.runnerRole.roleName,
          principalId: identity.principalId,
          principalType: "ServicePrincipal",
          nameSeed: input.operationId,
        },
      ],
      memberRoleGrants,
      runnerContainer: {
        subscriptionId: settings.runnerResourceGroup.subscriptionId ?? subscriptionId,
        resourceGroup: settings.runnerResourceGroup.name,
        name: `runner-${input.operationId}`,
      },
      runner: {
        image,
        identityResourceId: identity.resourceId,
        clientId: identity.clientId,
        registryLoginServer: registryOf(image),
      },
      timeoutMinutes: settings.timeoutMinutes,
      poll: settings.poll,
      retry: settings.retry,
      cleanupMaxAttempts: settings.cleanupMaxAttempts,
    };
  }

  async function ensureResourceGroup(plan: OperationPlan, log: ActivityLog = silent): Promise<void> {
    await deps.resourceGroups.ensure(plan.subscriptionId, plan.resourceGroupName, plan.location, plan.tags);
    log(`Resource group ${plan.resourceGroupId} is ready.`);
  }

  async function assignmentName(grant: RoleGrant): Promise<{ roleDefinitionId: string; name: string }> {
    const roleDefinitionId = await deps.roles.roleDefinitionIdByName(grant.scope, grant.roleName);
    return {
      roleDefinitionId,
      name: roleAssignmentName(grant.nameSeed, grant.principalId, roleDefinitionId, grant.scope),
    };
  }

  async function grantRole(grant: RoleGrant, log: ActivityLog = silent): Promise<void> {
    const { roleDefinitionId, name } = await assignmentName(grant);
    await deps.roles.grant({
      scope: grant.scope,
      roleDefinitionId,
      principalId: grant.principalId,
      principalType: grant.principalType,
      name,
    });
    log(`Granted ${grant.roleName} on ${grant.scope} to ${grant.principalType} ${grant.principalId}.`);
  }

  async function revokeRole(grant: RoleGrant, log: ActivityLog = silent): Promise<void> {
    const { name } = await assignmentName(grant);
    await deps.roles.revoke(grant.scope, name);
    log(`Revoked ${grant.roleName} on ${grant.scope} from ${grant.principalType} ${grant.principalId}.`);
  }

  async function startRunner(plan: OperationPlan, log: ActivityLog = silent): Promise<void> {
    // A retried start must not replace the token of a runner that already started.
    const current = await deps.containers.state(plan.runnerContainer);
    if (current.state !== "NotFound") {
      log(`Runner ${plan.runnerContainer.name} already exists (${current.state}).`);
      return;
    }

    const runnerLocation = settings.runnerResourceGroup.location ?? plan.location;
    await deps.resourceGroups.ensure(
      plan.runnerContainer.subscriptionId,
      plan.runnerContainer.resourceGroup,
      runnerLocation,
      { "devcenter-purpose": "runners" },
    );
    const { token, hash } = deps.newRunnerToken();
    await updateRecord(deps.operations, plan.project, plan.operationId, (record) => ({
      ...record,
      runnerTokenHash: hash,
    }));
    const facts = adeOperationVariables({
      operationId: plan.operationId,
      kind: plan.kind,
      devCenterId: settings.devCenterId,
      environmentName: plan.environmentName,
      environmentType: plan.environmentType,
      location: plan.location,
      subscriptionId: plan.subscriptionId,
      resourceGroupName: plan.resourceGroupName,
      clientId: plan.runner.clientId,
      tenantId: settings.tenantId,
    });
    const environment: EnvironmentVariable[] = [
      ...Object.entries(facts).map(([name, value]) => ({ name, value })),
      { name: RUNNER_VARIABLES.endpoint, value: runnerEndpoint(settings.runnerApiEndpoint, plan.project) },
      { name: RUNNER_VARIABLES.token, secureValue: token },
      ...Object.entries(settings.runnerEnvironment).map(([name, value]) => ({ name, value })),
    ];
    await deps.containers.start({
      ...plan.runnerContainer,
      location: runnerLocation,
      image: plan.runner.image,
      environment,
      identityResourceId: plan.runner.identityResourceId,
      registryLoginServer: plan.runner.registryLoginServer,
    });
    log(`Started runner ${plan.runnerContainer.name} from ${plan.runner.image}.`);
  }

  async function getRunnerState(ref: RunnerContainerRef): Promise<RunnerContainerState> {
    return deps.containers.state(ref);
  }

  async function collectRunnerResults(
    { plan, exitCode }: CollectInput,
    log: ActivityLog = silent,
  ): Promise<OperationOutcome> {
    log(
      `Runner ${plan.runnerContainer.name} ended${exitCode === undefined ? " without an exit code" : ` with exit code ${exitCode}`}.`,
    );
    if (exitCode === 0) return { status: "Succeeded" };
    // The runner's log pump already wrote what it ran; the container's own output also shows what
    // happened before the pump worked (a crash, an image that cannot start).
    // A script that prints its environment would print the runner's token (dead by now, still a secret).
    const containerLog = (await deps.containers.logs(plan.runnerContainer)).replace(
      new RegExp(`(${RUNNER_VARIABLES.token}=)\\S+`, "g"),
      "$1***",
    );
    if (containerLog) {
      await deps.blobs.appendLog(
        CONTAINERS.logs,
        operationLogBlob(plan.project, plan.operationId),
        `\n--- runner container output ---\n${containerLog}${containerLog.endsWith("\n") ? "" : "\n"}`,
      );
    }
    const operation = await loadOperation(plan.project, plan.operationId);
    const error: ErrorDetail = operation.result ?? {
      code: exitCode === undefined ? "RunnerFailed" : exitCodeName(exitCode),
      message:
        exitCode === undefined
          ? "The runner did not report an exit code."
          : `The runner exited with code ${exitCode}.`,
    };
    return { status: "Failed", error };
  }

  async function deleteRunner(ref: RunnerContainerRef, log: ActivityLog = silent): Promise<void> {
    await deps.containers.delete(ref);
    log(`Runner container ${ref.name} is gone.`);
  }

  async function deleteResourceGroup(plan: OperationPlan, log: ActivityLog = silent): Promise<void> {
    await deps.resourceGroups.delete(plan.subscriptionId, plan.resourceGroupName);
    log(`Resource group ${plan.resourceGroupId} is gone.`);
  }

  async function finishOperation({ input, outcome }: FinishInput, log: ActivityLog = silent): Promise<void> {
    const endTime = deps.now().toISOString();
    log(
      `Operation ${input.operationId} (${input.kind} of ${input.project}/${input.environmentName}): ${outcome.status}` +
        (outcome.error ? ` (${outcome.error.code})` : "") +
        ".",
    );
    // The environment first: a client that sees the operation end reads the environment's final state.
    if (input.kind === "delete" && outcome.status === "Succeeded") {
      await removeEnvironment(input);
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
  async function removeEnvironment(input: OperationInput): Promise<void> {
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
    }
  }

  return reportingFailures({
    resolveOperation,
    ensureResourceGroup,
    grantRole,
    revokeRole,
    startRunner,
    getRunnerState,
    collectRunnerResults,
    deleteRunner,
    deleteResourceGroup,
    finishOperation,
  });
}

/**
 * Port failures (ARM, storage) carry a code; an activity reports them as OperationErrors so that the
 * operation's error keeps ARM's code (AuthorizationFailed, …) and message.
 */
function reportingFailures<T extends Record<string, (input: never, log?: ActivityLog) => Promise<unknown>>>(
  activities: T,
): T {
  const wrapped: Record<string, (input: never, log?: ActivityLog) => Promise<unknown>> = {};
  for (const [name, run] of Object.entries(activities)) {
    wrapped[name] = async (input, log) => {
      try {
        return await run(input, log);
      } catch (error) {
        if (!(error instanceof PortError)) throw error;
        throw new OperationError(error.code, error.message, isPermanentStatus(error.statusCode));
      }
    };
  }
  return wrapped as T;
}

export type OperationActivities = ReturnType<typeof createOperationActivities>;

/** The Azure Container Registry of an image, pulled with the runner identity; public images need no login. */
function registryOf(image: string): string | undefined {
  const host = image.split("/")[0].toLowerCase();
  return image.includes("/") && host.endsWith(".azurecr.io") ? host : undefined;
}
