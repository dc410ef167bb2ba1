/**
 * Data-plane handlers for projects, catalogs, environment definitions and environment types, shaped
 * like the contract's examples (contracts/examples). Projects and environment types come from the dev
 * center config; catalogs and definitions from the catalog records and the index of their snapshots.
 */
import { formatIssues } from "../core/result";
import type { IndexedDefinition } from "../catalog/model";
import { CatalogState, syncStateOf } from "../catalog/reader";
import { refOf } from "../catalog/requests";
import {
  CatalogConfig,
  catalogsForProject,
  DevCenterConfig,
  findCatalog,
  findEnvironmentType,
  ProjectConfig,
  ProjectEnvironmentTypeConfig,
} from "../core/devcenter-config";
import { canUseProject, requireName, requireProject } from "./authz";
import { jsonResponse, notFound } from "./http";
import { page } from "./paging";
import { Handler } from "./pipeline";
import { DevCenterApiDeps } from "./ports";

type H = Handler<DevCenterApiDeps>;

function projectUri(baseUrl: string, project: ProjectConfig): string {
  return `${baseUrl}/projects/${project.name}`;
}

function projectView(baseUrl: string, project: ProjectConfig): Record<string, unknown> {
  return {
    uri: projectUri(baseUrl, project),
    name: project.name,
    ...(project.description !== undefined && { description: project.description }),
    ...(project.maxDevBoxesPerUser !== undefined && { maxDevBoxesPerUser: project.maxDevBoxesPerUser }),
    ...(project.displayName !== undefined && { displayName: project.displayName }),
  };
}

export const listProjects: H = async (request, { deps, caller, baseUrl }) => {
  const visible = deps.devCenter.projects.filter((p) => canUseProject(p, caller));
  return jsonResponse(
    page(
      visible.map((p) => projectView(baseUrl, p)),
      request,
    ),
  );
};

export const getProject: H = async (request, { deps, caller, baseUrl }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  return jsonResponse(projectView(baseUrl, project));
};

// ---------------------------------------------------------------------------------------------
// Catalogs

function requireCatalog(
  config: DevCenterConfig,
  project: ProjectConfig,
  catalogName: string | undefined,
): CatalogConfig {
  const name = requireName(catalogName, "catalogName");
  const catalog = findCatalog(config, project, name);
  if (!catalog)
    throw notFound("CatalogNotFound", `The project ${project.name} has no catalog ${name}.`, "catalogName");
  return catalog;
}

/**
 * The contract's Catalog is `{ uri, name }`. Added, read-only: syncState (NotSynced | InProgress |
 * Succeeded | Failed), lastSyncTime, syncedCommit (the commit served), lastSyncStats, lastSyncError
 * (why the last attempt failed), definitionErrors (manifests of the served commit that were not
 * published) and definitionWarnings (published definitions ADE would likely misbehave on).
 */
function catalogView(
  baseUrl: string,
  project: ProjectConfig,
  catalog: CatalogConfig,
  state: CatalogState,
  now: Date,
) {
  const { record, index } = state;
  return {
    uri: `${projectUri(baseUrl, project)}/catalogs/${catalog.name}`,
    name: catalog.name,
    syncState: syncStateOf(record, now),
    ...(record?.lastSyncTime !== undefined && { lastSyncTime: record.lastSyncTime }),
    ...(record?.current !== undefined && { syncedCommit: record.current.commit }),
    ...(record?.lastSyncStats !== undefined && { lastSyncStats: record.lastSyncStats }),
    ...(record?.lastSyncError !== undefined && { lastSyncError: record.lastSyncError }),
    ...(index !== undefined && {
      definitionErrors: index.errors.map((e) => ({
        code: e.code,
        path: e.file,
        ...(e.name !== undefined && { name: e.name }),
        message: e.message,
      })),
      definitionWarnings: index.definitions.flatMap((d) =>
        (d.warnings ?? []).map((w) => ({ path: d.manifestFile, name: d.name, message: formatIssues([w]) })),
      ),
    }),
  };
}

export const listCatalogs: H = async (request, { deps, caller, baseUrl }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const now = deps.now?.() ?? new Date();
  const catalogs = catalogsForProject(deps.devCenter, project);
  const states = await Promise.all(catalogs.map((c) => deps.catalogs.read(refOf(c))));
  return jsonResponse(
    page(
      catalogs.map((c, i) => catalogView(baseUrl, project, c, states[i], now)),
      request,
    ),
  );
};

export const getCatalog: H = async (request, { deps, caller, baseUrl }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const catalog = requireCatalog(deps.devCenter, project, request.params.catalogName);
  const state = await deps.catalogs.read(refOf(catalog));
  return jsonResponse(catalogView(baseUrl, project, catalog, state, deps.now?.() ?? new Date()));
};

// ---------------------------------------------------------------------------------------------
// Environment definitions

function definitionView(
  baseUrl: string,
  project: ProjectConfig,
  catalog: CatalogConfig,
  d: IndexedDefinition,
) {
  const id = `/projects/${project.name}/catalogs/${catalog.name}/environmentDefinitions/${d.name}`;
  const description = d.description ?? d.summary;
  // As in the contract's example, a definition without parameters has neither parameters nor parametersSchema.
  // Added, read-only: the manifest's summary and runner (the contract has neither; the portal shows them).
  return {
    uri: `${baseUrl}${id}`,
    id,
    name: d.name,
    catalogName: catalog.name,
    ...(description !== undefined && { description }),
    ...(d.summary !== undefined && { summary: d.summary }),
    runner: d.runner,
    ...(d.parameters.length > 0 && { parameters: d.parameters, parametersSchema: d.parametersSchema }),
    templatePath: d.templatePath,
  };
}

async function definitionsOf(deps: DevCenterApiDeps, catalog: CatalogConfig): Promise<IndexedDefinition[]> {
  return (await deps.catalogs.read(refOf(catalog))).index?.definitions ?? [];
}

export const listDefinitionsByCatalog: H = async (request, { deps, caller, baseUrl }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const catalog = requireCatalog(deps.devCenter, project, request.params.catalogName);
  const definitions = await definitionsOf(deps, catalog);
  return jsonResponse(
    page(
      definitions.map((d) => definitionView(baseUrl, project, catalog, d)),
      request,
    ),
  );
};

export const listDefinitionsByProject: H = async (request, { deps, caller, baseUrl }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const catalogs = catalogsForProject(deps.devCenter, project);
  const lists = await Promise.all(catalogs.map((c) => definitionsOf(deps, c)));
  const views = catalogs.flatMap((c, i) => lists[i].map((d) => definitionView(baseUrl, project, c, d)));
  return jsonResponse(page(views, request));
};

export const getDefinition: H = async (request, { deps, caller, baseUrl }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const catalog = requireCatalog(deps.devCenter, project, request.params.catalogName);
  const name = requireName(request.params.definitionName, "definitionName");
  const definition = (await definitionsOf(deps, catalog)).find(
    (d) => d.name.toLowerCase() === name.toLowerCase(),
  );
  if (!definition) {
    throw notFound(
      "EnvironmentDefinitionNotFound",
      `The catalog ${catalog.name} has no environment definition ${name}.`,
      "definitionName",
    );
  }
  return jsonResponse(definitionView(baseUrl, project, catalog, definition));
};

// ---------------------------------------------------------------------------------------------
// Environment types

function environmentTypeView(
  baseUrl: string,
  config: DevCenterConfig,
  project: ProjectConfig,
  t: ProjectEnvironmentTypeConfig,
) {
  const displayName = findEnvironmentType(config, t.environmentType)?.displayName;
  return {
    uri: `${projectUri(baseUrl, project)}/environmentTypes/${t.environmentType}`,
    name: t.environmentType,
    status: t.status,
    deploymentTargetId: t.deploymentTargetId,
    ...(displayName !== undefined && { displayName }),
  };
}

export const listEnvironmentTypes: H = async (request, { deps, caller, baseUrl }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const views = project.environmentTypes.map((t) => environmentTypeView(baseUrl, deps.devCenter, project, t));
  return jsonResponse(page(views, request));
};

export const getEnvironmentType: H = async (request, { deps, caller, baseUrl }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  const name = requireName(request.params.environmentTypeName, "environmentTypeName");
  const type = project.environmentTypes.find((t) => t.environmentType.toLowerCase() === name.toLowerCase());
  if (!type) {
    throw notFound(
      "EnvironmentTypeNotFound",
      `The project ${project.name} has no environment type ${name}.`,
      "environmentTypeName",
    );
  }
  return jsonResponse(environmentTypeView(baseUrl, deps.devCenter, project, type));
};
