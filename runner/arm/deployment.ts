/**
 * A resource-group deployment through the Azure SDK: submit, report resource operations as they
 * finish while the poller runs (at the poller's own interval), and on failure ARM's code and message
 * of each failing resource operation, nested deployments included.
 */
import type { DeploymentsClient } from "@azure/arm-resourcesdeployments";
import type { DeploymentMode, DeploymentOperation, ErrorResponse } from "@azure/arm-resourcesdeployments";
import { restCode, restStatus } from "../../src/azure/rest-errors";
import { DeploymentFailedError, type FailedOperation } from "./errors";
import type { Json } from "./template";

export interface DeploymentRequest {
  resourceGroup: string;
  name: string;
  template: Json;
  parameters: Record<string, { value: unknown }>;
  mode: DeploymentMode;
  /** Poll interval when ARM names none (Retry-After); the SDK's default otherwise. */
  pollIntervalMs?: number;
}

export type Log = (line: string) => void;

/** How deep nested deployments are followed for the failing resource. */
const MAX_NESTING = 5;

/** ARM's error with its details, one line each (secure values never appear in ARM's errors). */
function describe(error: ErrorResponse | undefined): { code: string; message: string } {
  if (!error) return { code: "Unknown", message: "ARM gave no error details." };
  const details = (error.details ?? []).map((d) => describe(d)).map((d) => `${d.code}: ${d.message}`);
  return {
    code: error.code ?? "Unknown",
    message: [error.message ?? "", ...details].filter(Boolean).join(" | "),
  };
}

/** Logs each resource operation once, when it has finished. */
class OperationReporter {
  private readonly reported = new Set<string>();
  private listingFailed = false;

  constructor(
    private readonly client: DeploymentsClient,
    private readonly request: DeploymentRequest,
    private readonly log: Log,
  ) {}

  async report(): Promise<void> {
    try {
      for await (const operation of this.client.deploymentOperations.list(
        this.request.resourceGroup,
        this.request.name,
      )) {
        const p = operation.properties;
        const state = p?.provisioningState;
        if (!state || !["Succeeded", "Failed", "Canceled"].includes(state)) continue;
        const key = operation.operationId ?? operation.id ?? "";
        if (this.reported.has(key)) continue;
        this.reported.add(key);
        const target = p?.targetResource;
        const what = target
          ? `${target.resourceType} '${target.resourceName}'`
          : (p?.provisioningOperation ?? "Operation");
        this.log(
          `${what}: ${p?.provisioningOperation ?? "Operation"} ${state}${p?.duration ? ` (${p.duration})` : ""}`,
        );
      }
    } catch (error) {
      // Progress is information only: the deployment's own result decides.
      if (!this.listingFailed)
        this.log(`Cannot list the deployment's operations: ${(error as Error).message}`);
      this.listingFailed = true;
    }
  }
}

async function failedOperations(
  client: DeploymentsClient,
  resourceGroup: string,
  deploymentName: string,
  depth = 0,
): Promise<FailedOperation[]> {
  const failures: FailedOperation[] = [];
  let operations: DeploymentOperation[] = [];
  try {
    for await (const operation of client.deploymentOperations.list(resourceGroup, deploymentName)) {
      operations.push(operation);
    }
  } catch {
    operations = [];
  }
  for (const operation of operations) {
    const p = operation.properties;
    if (p?.provisioningState !== "Failed") continue;
    const target = p.targetResource;
    const { code, message } = describe(p.statusMessage?.error);
    failures.push({
      resourceType: target?.resourceType ?? "(unknown type)",
      resourceName: target?.resourceName ?? "(unknown resource)",
      code,
      message,
    });
    // A nested deployment's own failing resources say what really failed.
    if (
      target?.resourceType?.toLowerCase() === "microsoft.resources/deployments" &&
      target.resourceName &&
      depth < MAX_NESTING
    ) {
      failures.push(...(await failedOperations(client, resourceGroup, target.resourceName, depth + 1)));
    }
  }
  return failures;
}

/** Submits the deployment and waits for it; returns its outputs (ARM's format). */
export async function runDeployment(
  client: DeploymentsClient,
  request: DeploymentRequest,
  log: Log,
): Promise<Record<string, unknown>> {
  const { resourceGroup, name } = request;
  const poller = client.deployments.createOrUpdate(
    resourceGroup,
    name,
    { properties: { mode: request.mode, template: request.template, parameters: request.parameters } },
    request.pollIntervalMs ? { updateIntervalInMs: request.pollIntervalMs } : {},
  );
  try {
    await poller.submitted();
  } catch (error) {
    // Refused before it started (invalid template, missing group, no permission): ARM's own answer.
    const status = restStatus(error);
    if (status === undefined) throw error;
    throw new DeploymentFailedError(name, restCode(error) ?? `Http${status}`, (error as Error).message, []);
  }
  log(`Deployment ${name} to resource group ${resourceGroup} accepted (${request.mode} mode).`);

  const reporter = new OperationReporter(client, request, log);
  let reports = Promise.resolve();
  poller.onProgress(() => {
    reports = reports.then(() => reporter.report());
  });
  let pollError: unknown;
  try {
    await poller.pollUntilDone();
  } catch (error) {
    pollError = error;
  }
  await reports;
  await reporter.report();

  const deployment = await client.deployments.get(resourceGroup, name);
  const state = deployment.properties?.provisioningState;
  if (state !== "Succeeded") {
    const { code, message } = describe(deployment.properties?.error);
    const failures = await failedOperations(client, resourceGroup, name);
    const armMessage = deployment.properties?.error || !pollError ? message : (pollError as Error).message;
    throw new DeploymentFailedError(
      name,
      deployment.properties?.error ? code : (state ?? "Unknown"),
      armMessage,
      failures,
    );
  }
  log(
    `Deployment ${name}: Succeeded${deployment.properties?.duration ? ` in ${deployment.properties.duration}` : ""}.`,
  );
  return (deployment.properties?.outputs ?? {}) as Record<string, unknown>;
}
