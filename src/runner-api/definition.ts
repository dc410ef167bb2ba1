/**
 * The definition an operation runs, read from the catalog snapshot it is pinned to: the folder's
 * files and its manifest. Snapshots never change, so results are cached by snapshot and folder.
 */
import { parseManifest, pickManifest, type EnvironmentManifest } from "../core/manifest";
import { buildParametersSchema, toContractParameters } from "../core/parameters";
import { formatIssues } from "../core/result";
import { readSnapshotFolder } from "../catalog/snapshot";
import { CONTAINERS, type OperationDefinition } from "../storage/records";
import type { BlobStore } from "../storage/ports";
import type { RunnerDefinitionInfo } from "../runner-protocol/protocol";
import { createZip } from "../runner-protocol/zip";

export interface LoadedDefinition {
  /** Files of the definition folder, relative to it. */
  files: Map<string, Uint8Array>;
  manifest: EnvironmentManifest;
}

export class DefinitionUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DefinitionUnavailableError";
  }
}

const CACHE_SIZE = 32;

export class DefinitionLoader {
  private readonly cache = new Map<string, LoadedDefinition>();

  constructor(private readonly blobs: Pick<BlobStore, "get">) {}

  async load(definition: OperationDefinition): Promise<LoadedDefinition> {
    const key = `${definition.snapshotBlob}\n${definition.path}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const zip = await this.blobs.get(CONTAINERS.catalogs, definition.snapshotBlob);
    if (!zip) {
      throw new DefinitionUnavailableError(`The catalog snapshot of definition ${definition.name} is gone.`);
    }
    const files = readSnapshotFolder(zip, definition.path);
    const manifestFile = pickManifest([...files.keys()].filter((name) => !name.includes("/")));
    if (!manifestFile) {
      throw new DefinitionUnavailableError(`Definition ${definition.name} has no manifest in its snapshot.`);
    }
    const parsed = parseManifest(new TextDecoder().decode(files.get(manifestFile)!), manifestFile);
    if (!parsed.ok) throw new DefinitionUnavailableError(formatIssues(parsed.errors));
    const loaded = { files, manifest: parsed.value };
    this.cache.set(key, loaded);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    return loaded;
  }
}

/** What `ade definitions list` shows: the contract's EnvironmentDefinition plus the runner's paths. */
export function definitionInfo(
  project: string,
  definition: OperationDefinition,
  manifest: EnvironmentManifest,
): RunnerDefinitionInfo {
  const contentSourcePath = [definition.catalogName, definition.path].filter(Boolean).join("/");
  return {
    id: `/projects/${project}/catalogs/${definition.catalogName}/environmentDefinitions/${definition.name}`,
    name: definition.name,
    catalogName: definition.catalogName,
    ...(manifest.description !== undefined && { description: manifest.description }),
    parameters: toContractParameters(manifest),
    parametersSchema: JSON.stringify(buildParametersSchema(manifest)),
    templatePath: `${contentSourcePath}/${definition.templatePath}`,
    contentSourcePath,
  };
}

/**
 * The definition folder as a zip. The snapshot keeps no file modes, so shell scripts are made
 * executable (ADE_ENABLE_CUSTOM_DEPLOY runs `{operation}.sh` from this folder).
 */
export function definitionZip(files: Map<string, Uint8Array>): Uint8Array {
  return createZip(
    [...files].map(([name, data]) => ({ name, data, mode: name.endsWith(".sh") ? 0o755 : 0o644 })),
  );
}
