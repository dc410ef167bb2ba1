/**
 * Reads every environment of a project from ADE's data plane (the Dev Center API this product also
 * serves), with its outputs. The caller must be able to list all users' environments (a project
 * admin). ADE's environments have no ARM resource ids: this is the only inventory there is.
 */
import type { AdeEnvironment, AdeOutput } from "./ade-model";
import { ReadError, type JsonReader } from "./json-reader";

/** The stable version of the environment routes. */
export const DATA_PLANE_API_VERSION = "2024-02-01";
/** Outputs are served by the later preview versions only. */
export const OUTPUTS_API_VERSION = "2025-04-01-preview";

export interface EnvironmentsRead {
  environments: AdeEnvironment[];
  /** What could not be read, for the report. */
  problems: string[];
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export async function readAdeEnvironments(reader: JsonReader, project: string): Promise<EnvironmentsRead> {
  const listed = await reader.list(
    `/projects/${encodeURIComponent(project)}/environments`,
    DATA_PLANE_API_VERSION,
  );
  const environments: AdeEnvironment[] = [];
  const problems: string[] = [];
  for (const item of listed) {
    const environment: AdeEnvironment = {
      project,
      name: text(item.name),
      user: text(item.user).toLowerCase(),
      environmentType: text(item.environmentType),
      catalogName: text(item.catalogName),
      environmentDefinitionName: text(item.environmentDefinitionName),
      parameters:
        typeof item.parameters === "object" && item.parameters !== null
          ? (item.parameters as Record<string, unknown>)
          : {},
      ...(text(item.provisioningState) && { provisioningState: text(item.provisioningState) }),
      ...(text(item.resourceGroupId) && { resourceGroupId: text(item.resourceGroupId) }),
      ...(text(item.expirationDate) && { expirationDate: text(item.expirationDate) }),
    };
    const path = `/projects/${encodeURIComponent(project)}/users/${encodeURIComponent(environment.user)}/environments/${encodeURIComponent(environment.name)}/outputs`;
    try {
      const outputs = await reader.get(path, OUTPUTS_API_VERSION);
      environment.outputs = (outputs.outputs ?? {}) as Record<string, AdeOutput>;
    } catch (error) {
      if (!(error instanceof ReadError)) throw error;
      problems.push(
        `${project}/${environment.name}: outputs not read (${error.code}); the environment is adopted without them`,
      );
    }
    environments.push(environment);
  }
  return { environments, problems };
}
