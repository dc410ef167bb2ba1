/** What the orchestration gives a runner container when it starts it. */
import type { RunnerApiConfig } from "../config";
import { RUNNER_VARIABLES } from "./protocol";

/** Settings passed to every runner container (OperationSettings.runnerEnvironment). */
export function runnerContainerVariables(
  config: Pick<RunnerApiConfig, "logBatchBytes" | "logIntervalMs" | "logRetryMs" | "enableCustomDeploy">,
): Record<string, string> {
  return {
    [RUNNER_VARIABLES.logBatchBytes]: String(config.logBatchBytes),
    [RUNNER_VARIABLES.logIntervalMs]: String(config.logIntervalMs),
    [RUNNER_VARIABLES.logRetryMs]: String(config.logRetryMs),
    ADE_ENABLE_CUSTOM_DEPLOY: String(config.enableCustomDeploy),
  };
}

/** The runner endpoint of a project: ADE_RUNNER_ENDPOINT. */
export function runnerEndpoint(appEndpoint: string, project: string): string {
  return `${appEndpoint.replace(/\/+$/, "")}/runner/projects/${encodeURIComponent(project)}`;
}

/** What a runner container is told about its operation when it starts. */
export interface RunnerOperationFacts {
  operationId: string;
  kind: "deploy" | "delete";
  devCenterId: string;
  environmentName: string;
  environmentType: string;
  location: string;
  subscriptionId: string;
  resourceGroupName: string;
  /** The runner identity. */
  clientId: string;
  tenantId: string;
}

/**
 * The ADE variables a runner container starts with, as ADE's service starts its containers: helpers
 * that run before `ade init` (`verbose` passes `--operation $ADE_OPERATION_NAME`) need them.
 * Paths (ADE_STORAGE, ADE_TEMPLATE_FILE, …) are left to the image and `ade init`: they are below
 * $ADE_ROOT, which is the image's business. The operation's parameters come from `ade init` only, so
 * that secure values are never container properties.
 */
export function adeOperationVariables(facts: RunnerOperationFacts): Record<string, string> {
  return {
    [RUNNER_VARIABLES.operationId]: facts.operationId,
    [RUNNER_VARIABLES.devCenterId]: facts.devCenterId,
    ADE_OPERATION_NAME: facts.kind,
    ADE_ENVIRONMENT_NAME: facts.environmentName,
    ADE_ENVIRONMENT_TYPE: facts.environmentType,
    ADE_ENVIRONMENT_LOCATION: facts.location,
    ADE_SUBSCRIPTION_ID: facts.subscriptionId,
    ADE_RESOURCE_GROUP_NAME: facts.resourceGroupName,
    ADE_CLIENT_ID: facts.clientId,
    ADE_TENANT_ID: facts.tenantId,
  };
}
