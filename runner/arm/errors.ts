/** The ARM runner's failures: each carries the ADE exit-code name the process exits with. */
import { ADE_EXIT_CODES, type AdeExitCodeName } from "../../src/core/exit-codes";

export class RunnerError extends Error {
  constructor(
    readonly codeName: AdeExitCodeName,
    message: string,
  ) {
    super(message);
    this.name = "RunnerError";
  }

  get exitCode(): number {
    return ADE_EXIT_CODES[this.codeName];
  }
}

/** A resource operation of a deployment that failed, as ARM reports it. */
export interface FailedOperation {
  resourceType: string;
  resourceName: string;
  code: string;
  message: string;
}

/** A deployment ARM refused or that ended Failed/Canceled: ARM's code and the failing resources. */
export class DeploymentFailedError extends RunnerError {
  constructor(
    readonly deploymentName: string,
    readonly code: string,
    readonly armMessage: string,
    readonly failures: FailedOperation[],
  ) {
    super(
      "DeploymentError",
      [
        `Deployment ${deploymentName} failed: ${code}: ${armMessage}`,
        ...failures.map((f) => `  ${f.resourceType} '${f.resourceName}': ${f.code}: ${f.message}`),
      ].join("\n"),
    );
    this.name = "DeploymentFailedError";
  }
}
