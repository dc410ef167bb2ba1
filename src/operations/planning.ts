/**
 * Planning an operation: a pure function of the operation and environment records, the dev center
 * config and the settings. The resolve activity reads those (and whether the resource group still
 * exists) and hands them here; the plan then travels through the orchestration history.
 */
import {
  findProjectEnvironmentType,
  runnerRoleScope,
  type DevCenterConfig,
  type ProjectEnvironmentTypeConfig,
} from "../core/devcenter-config";
import { resourceGroupId, resourceGroupName } from "../core/names";
import type { EnvironmentRecord, OperationRecord } from "../storage/records";
import { OperationError } from "./failures";
import type { OperationInput, OperationPlan, ResourceGroupRef, RoleGrant } from "./plan";
import { resolveRunnerImage } from "./runner-image";
import type { OperationSettings } from "./settings";

/** The environment type an environment is deployed with, in the environment's project. */
export function environmentTypeOf(
  devCenter: DevCenterConfig,
  environment: EnvironmentRecord,
): ProjectEnvironmentTypeConfig {
  const type = findProjectEnvironmentType(devCenter, environment.project, environment.environmentType);
  if (!type) {
    throw new OperationError(
      "EnvironmentTypeNotFound",
      `Environment type ${environment.environmentType} is not available in project ${environment.project}.`,
    );
  }
  return type;
}

const RESOURCE_GROUP_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i;

/**
 * The resource group of an environment: named after project and environment, in its type's
 * subscription; an adopted environment keeps the group it was deployed to before.
 */
export function resourceGroupOf(
  type: ProjectEnvironmentTypeConfig,
  environment: EnvironmentRecord,
  input: OperationInput,
): ResourceGroupRef {
  const adopted = environment.adopted && RESOURCE_GROUP_ID.exec(environment.resourceGroupId ?? "");
  if (adopted) return { subscriptionId: adopted[1].toLowerCase(), resourceGroupName: adopted[2] };
  return {
    subscriptionId: type.subscriptionId,
    resourceGroupName: resourceGroupName(input.project, input.environmentName),
  };
}

export interface PlanFacts {
  input: OperationInput;
  operation: OperationRecord;
  environment: EnvironmentRecord;
  devCenter: DevCenterConfig;
  settings: OperationSettings;
  /** Whether the environment's resource group exists now (a delete of a group that is gone runs nothing). */
  resourceGroupExists: boolean;
}

export function planOperation(facts: PlanFacts): OperationPlan {
  const { input, operation, environment, settings } = facts;
  const type = environmentTypeOf(facts.devCenter, environment);
  const group = resourceGroupOf(type, environment, input);
  const rgId = resourceGroupId(group.subscriptionId, group.resourceGroupName);

  const runRunner =
    operation.definition !== undefined && (input.kind === "deploy" || facts.resourceGroupExists);
  if (!runRunner && input.kind === "deploy") {
    throw new OperationError("EnvironmentDefinitionNotFound", "The operation has no environment definition.");
  }

  const identity = type.runnerIdentity;
  const image = runRunner
    ? resolveRunnerImage(operation.definition?.runner ?? "", settings.runnerImages)
    : "";
  return {
    ...input,
    runRunner,
    ...group,
    resourceGroupId: rgId,
    location: type.location,
    environmentType: environment.environmentType,
    tags: {
      "devcenter-project": input.project,
      "devcenter-environment": input.environmentName,
      "devcenter-environment-type": environment.environmentType,
      "devcenter-operation": input.operationId,
    },
    runnerRoleGrants: [
      {
        scope: runnerRoleScope(type, group.resourceGroupName),
        roleName: type.runnerRole.roleName,
        principalId: identity.principalId,
        principalType: "ServicePrincipal",
        nameSeed: input.operationId,
      },
    ],
    memberRoleGrants: input.kind === "deploy" ? memberRoleGrants(type, environment, rgId) : [],
    runnerContainer: {
      subscriptionId: settings.runnerResourceGroup.subscriptionId ?? group.subscriptionId,
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

/** The creator's and configured users' roles on the resource group: they outlive the operation. */
function memberRoleGrants(
  type: ProjectEnvironmentTypeConfig,
  environment: EnvironmentRecord,
  rgId: string,
): RoleGrant[] {
  const members = [
    { principalId: environment.user, roles: type.creatorRoleAssignment.roles },
    ...type.userRoleAssignments,
  ];
  return members.flatMap(({ principalId, roles }) =>
    roles.map((roleName) => ({
      scope: rgId,
      roleName,
      principalId,
      principalType: "User" as const,
      nameSeed: rgId,
    })),
  );
}

/** The Azure Container Registry of an image, pulled with the runner identity; public images need no login. */
function registryOf(image: string): string | undefined {
  const host = image.split("/")[0].toLowerCase();
  return image.includes("/") && host.endsWith(".azurecr.io") ? host : undefined;
}
