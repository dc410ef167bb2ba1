/** What the orchestration gives a runner container besides the operation id, dev center id and token. */
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
