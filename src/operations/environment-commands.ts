/**
 * What the data-plane API asks of environments: deploy (checked against the dev center config and
 * the definition pinned from its catalog), delete, and cancel a running operation. Each rejects
 * with RequestRejected; the API only parses the request before and maps the answer after.
 */
import {
  findCatalog,
  findProjectEnvironmentType,
  type DevCenterConfig,
  type ProjectConfig,
} from "../core/devcenter-config";
import { resolveParameters, splitSecureParameters } from "../core/parameters";
import { MAX_PARAMETERS_BYTES } from "../core/limits";
import { formatIssues } from "../core/result";
import { isTerminalOperationState } from "../core/states";
import type { OperationRecord } from "../storage/records";
import type { SecureParameterSealer } from "../storage/secure-parameters";
import { definitionOfEnvironment, pinDefinition, type DefinitionFinder } from "./definitions";
import { endAbandonedOperation, isAbandoned } from "./abandoned";
import { findOperation } from "./environment-queries";
import { parseExpirationDate } from "./expiration";
import { RequestRejected } from "./rejections";
import { requestDelete, requestDeploy, type AcceptedOperation, type RequestDeps } from "./requests";

export interface EnvironmentDeps extends RequestDeps {
  devCenter: DevCenterConfig;
  catalogs: DefinitionFinder;
  /** Unset without SECURE_PARAMETERS_KEY: then definitions with secure parameters cannot be deployed. */
  secureParameters?: SecureParameterSealer;
}

export interface DeployCommand {
  project: ProjectConfig;
  environmentName: string;
  user: string;
  /** Object id of the caller. */
  createdBy: string;
  environmentType: string;
  catalogName: string;
  environmentDefinitionName: string;
  parameters?: unknown;
  expirationDate?: unknown;
}

/** PUT: creates or redeploys the environment; the definition is pinned to its catalog's current snapshot. */
export async function deployEnvironment(
  deps: EnvironmentDeps,
  command: DeployCommand,
): Promise<AcceptedOperation> {
  const { project } = command;
  const expirationDate =
    command.expirationDate === undefined
      ? undefined
      : parseExpirationDate(command.expirationDate, deps.now());
  const type = findProjectEnvironmentType(deps.devCenter, project.name, command.environmentType);
  if (!type) {
    throw new RequestRejected(
      404,
      "EnvironmentTypeNotFound",
      `The project ${project.name} has no environment type ${command.environmentType}.`,
      { target: "environmentType" },
    );
  }
  if (type.status !== "Enabled") {
    throw new RequestRejected(
      400,
      "EnvironmentTypeDisabled",
      `The environment type ${type.environmentType} is disabled in project ${project.name}.`,
      { target: "environmentType" },
    );
  }
  const catalog = findCatalog(deps.devCenter, project, command.catalogName);
  if (!catalog) {
    throw new RequestRejected(
      404,
      "CatalogNotFound",
      `The project ${project.name} has no catalog ${command.catalogName}.`,
      { target: "catalogName" },
    );
  }
  const found = await pinDefinition(deps.catalogs, catalog, command.environmentDefinitionName);
  if (!found) {
    throw new RequestRejected(
      404,
      "EnvironmentDefinitionNotFound",
      `The catalog ${catalog.name} has no environment definition ${command.environmentDefinitionName}.`,
      { target: "environmentDefinitionName" },
    );
  }
  const parameters = resolveParameters(found.manifest, command.parameters, "parameters");
  if (!parameters.ok) {
    throw new RequestRejected(
      400,
      "InvalidParameters",
      `The parameters are not valid:\n${formatIssues(parameters.errors)}`,
      {
        target: "parameters",
        details: parameters.errors.map((issue) => ({
          code: "InvalidParameter",
          message: issue.message,
          target: issue.pointer,
        })),
      },
    );
  }
  const size = Buffer.byteLength(JSON.stringify(parameters.value));
  if (size > MAX_PARAMETERS_BYTES) {
    throw new RequestRejected(
      413,
      "ParametersTooLarge",
      `The parameters take ${size} bytes as JSON; at most ${MAX_PARAMETERS_BYTES} are accepted.`,
      { target: "parameters" },
    );
  }
  const { plain, secure } = splitSecureParameters(found.manifest, parameters.value);
  const sealedParameters = Object.keys(secure).length > 0 ? seal(deps, secure) : undefined;
  return requestDeploy(deps, {
    project: project.name,
    environmentName: command.environmentName,
    user: command.user,
    createdBy: command.createdBy,
    environmentType: type.environmentType,
    catalogName: catalog.name,
    environmentDefinitionName: found.definition.name,
    parameters: plain,
    ...(sealedParameters !== undefined && { sealedParameters }),
    ...(expirationDate !== undefined && { expirationDate }),
    definition: found.definition,
  });
}

export interface DeleteCommand {
  project: string;
  environmentName: string;
  user: string;
  createdBy: string;
  /** Delete even when the definition has left its catalog (without running its delete script). */
  force: boolean;
}

/** DELETE: undefined when there is no such environment (nothing to do). */
export async function deleteEnvironment(
  deps: EnvironmentDeps,
  command: DeleteCommand,
): Promise<AcceptedOperation | undefined> {
  const stored = await deps.environments.get(command.project, command.environmentName);
  if (!stored || stored.value.user !== command.user) return undefined;
  const definition = await definitionOfEnvironment(deps.devCenter, deps.catalogs, stored.value);
  return requestDelete(deps, { ...command, ...(definition && { definition }) });
}

export interface CancelCommand {
  project: string;
  environmentName: string;
  user: string;
  operationId: string;
  /** Object id of who cancels. */
  by: string;
}

/** Asks a running operation to stop; it ends Canceled after its cleanup. */
export async function cancelOperation(
  deps: Pick<RequestDeps, "environments" | "operations" | "scheduler" | "now">,
  command: CancelCommand,
): Promise<OperationRecord> {
  const operation = await findOperation(deps, command.project, command.operationId, command);
  if (isTerminalOperationState(operation.status)) {
    throw new RequestRejected(
      409,
      "OperationNotRunning",
      `The operation ${operation.id} has already ended (${operation.status}).`,
    );
  }
  if ((await deps.scheduler.orchestrationState(operation.id)) === "running") {
    await deps.scheduler.cancel(operation.id, command.by);
    return operation;
  }
  // Terminated by an operator, or never started: end it here, and clean up after it.
  if (!(await isAbandoned(deps, operation))) {
    throw new RequestRejected(
      409,
      "OperationStarting",
      `The operation ${operation.id} is still starting; cancel it again in a moment.`,
    );
  }
  const ended = await endAbandonedOperation(deps, operation, {
    status: "Canceled",
    error: {
      code: "OperationCanceled",
      message: `The operation was canceled by ${command.by}. It had no running orchestration; its runner's role and container are being removed.`,
    },
  });
  return ended ?? (await findOperation(deps, command.project, command.operationId, command));
}

/** Secure parameter values go into records only sealed (src/storage/secure-parameters.ts). */
function seal(deps: EnvironmentDeps, secure: Record<string, unknown>): string {
  if (!deps.secureParameters) {
    throw new RequestRejected(
      503,
      "SecureParametersNotConfigured",
      "This definition has secure parameters, and the service has no SECURE_PARAMETERS_KEY to keep them with.",
    );
  }
  return deps.secureParameters.seal(secure);
}
