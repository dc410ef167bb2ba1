/**
 * The environment definition an operation runs, pinned to the catalog snapshot that is current when
 * the operation is accepted (a later sync does not change a running operation).
 */
import type { CatalogRef, IndexedDefinition } from "../catalog/model";
import { type CatalogConfig, type DevCenterConfig, findCatalog, findProject } from "../core/devcenter-config";
import type { EnvironmentManifest } from "../core/manifest";
import type { EnvironmentRecord, OperationDefinition } from "../storage/records";

export interface DefinitionFinder {
  findDefinition(
    ref: CatalogRef,
    name: string,
  ): Promise<{ definition: IndexedDefinition; snapshotBlob: string } | undefined>;
}

export interface PinnedDefinition {
  definition: OperationDefinition;
  /** What a deploy request's parameters are checked against. */
  manifest: EnvironmentManifest;
}

/** The definition `name` of a configured catalog, as the catalog's current snapshot has it. */
export async function pinDefinition(
  catalogs: DefinitionFinder,
  catalog: CatalogConfig,
  name: string,
): Promise<PinnedDefinition | undefined> {
  const ref: CatalogRef = {
    catalog: catalog.name,
    ...(catalog.project !== undefined && { project: catalog.project }),
  };
  const found = await catalogs.findDefinition(ref, name);
  if (!found) return undefined;
  return {
    definition: {
      catalogName: catalog.name,
      name: found.definition.name,
      snapshotBlob: found.snapshotBlob,
      path: found.definition.path,
      templatePath: found.definition.templatePath,
      runner: found.definition.runner,
    },
    manifest: found.definition.manifest,
  };
}

/** The definition an existing environment was made from; undefined when it has left its catalog. */
export async function definitionOfEnvironment(
  devCenter: DevCenterConfig,
  catalogs: DefinitionFinder,
  environment: EnvironmentRecord,
): Promise<OperationDefinition | undefined> {
  const project = findProject(devCenter, environment.project);
  const catalog = project && findCatalog(devCenter, project, environment.catalogName);
  if (!catalog) return undefined;
  return (await pinDefinition(catalogs, catalog, environment.environmentDefinitionName))?.definition;
}
