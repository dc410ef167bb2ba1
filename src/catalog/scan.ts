/**
 * Scanning a catalog's files (pure): every manifest (environment.yaml, manifest.yaml, or .yml) is
 * validated with the core rules and its template must exist inside its folder. Manifests are taken in sorted path order,
 * so when two definitions have the same name (names compare without case) the first one wins and the
 * others are reported. The result is the index of the commit and the files its snapshot holds.
 */
import { createHash } from "node:crypto";
import { manifestRank, manifestWarnings, parseManifest } from "../core/manifest";
import { buildParametersSchema, toContractParameters } from "../core/parameters";
import { formatIssues } from "../core/result";
import type { CatalogFiles } from "./sources";
import {
  CatalogIndex,
  CatalogRef,
  DefinitionError,
  IndexedDefinition,
  INDEX_FORMAT_VERSION,
  MAX_RECORDED_ISSUES,
  SyncError,
  SyncStats,
} from "./model";

export interface CatalogScan {
  index: CatalogIndex;
  /** The files of the valid definitions' folders: what the snapshot zip holds. */
  snapshotFiles: CatalogFiles;
}

function folderOf(file: string): string {
  const slash = file.lastIndexOf("/");
  return slash < 0 ? "" : file.slice(0, slash);
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

/**
 * The names (sorted) below `folder` ("" is the root): the names that start with a prefix are
 * contiguous in sorted order, so a binary search finds the first and the run ends at the first other.
 */
function namesIn(names: string[], folder: string): string[] {
  if (folder === "") return names;
  const prefix = `${folder}/`;
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (names[middle] < prefix) low = middle + 1;
    else high = middle;
  }
  let end = low;
  while (end < names.length && names[end].startsWith(prefix)) end++;
  return names.slice(low, end);
}

function folderHash(files: CatalogFiles, inside: string[], folder: string): string {
  const hash = createHash("sha256");
  for (const name of inside) {
    hash
      .update(name.slice(folder ? folder.length + 1 : 0))
      .update("\0")
      .update(files.get(name)!)
      .update("\0");
  }
  return hash.digest("hex");
}

export function scanCatalog(ref: CatalogRef, commit: string, files: CatalogFiles): CatalogScan {
  const names = [...files.keys()].sort();
  const errors: DefinitionError[] = [];
  const definitions: IndexedDefinition[] = [];
  const byName = new Map<string, IndexedDefinition>();
  const decoder = new TextDecoder();

  // One manifest per folder (environment.yaml, environment.yml, manifest.yaml, manifest.yml, in that
  // order, any case); every other one is listed as an error, so that no manifest is skipped silently.
  const manifestOf = new Map<string, string>();
  const rank = (file: string) => manifestRank(baseName(file)) as number;
  for (const file of names.filter((n) => manifestRank(baseName(n)) !== undefined)) {
    const folder = folderOf(file);
    const taken = manifestOf.get(folder);
    const preferred = taken === undefined || rank(file) < rank(taken);
    if (taken !== undefined) {
      const ignored = preferred ? taken : file;
      const used = preferred ? file : taken;
      errors.push({
        code: "DuplicateManifest",
        file: ignored,
        message: `${ignored} is ignored: its folder already has ${used}`,
        issues: [],
      });
    }
    if (preferred) manifestOf.set(folder, file);
  }

  for (const file of [...manifestOf.values()].sort()) {
    const folder = folderOf(file);
    const parsed = parseManifest(decoder.decode(files.get(file)), file);
    if (!parsed.ok) {
      errors.push({
        code: "InvalidManifest",
        file,
        message: formatIssues(parsed.errors),
        issues: parsed.errors,
      });
      continue;
    }
    const manifest = parsed.value;
    const template = folder ? `${folder}/${manifest.templatePath}` : manifest.templatePath;
    if (!files.has(template)) {
      const issue = {
        file,
        pointer: "/templatePath",
        message: `the template file ${manifest.templatePath} does not exist in the definition folder ${folder || "/"}`,
      };
      errors.push({
        code: "TemplateNotFound",
        file,
        name: manifest.name,
        message: formatIssues([issue]),
        issues: [issue],
      });
      continue;
    }
    const first = byName.get(manifest.name.toLowerCase());
    if (first) {
      const issue = {
        file,
        pointer: "/name",
        message: `the name ${manifest.name} is already used by ${first.manifestFile}, which comes first in path order; this definition is ignored`,
      };
      errors.push({
        code: "DuplicateDefinitionName",
        file,
        name: manifest.name,
        message: formatIssues([issue]),
        issues: [issue],
      });
      continue;
    }
    const definition: IndexedDefinition = {
      name: manifest.name,
      path: folder,
      manifestFile: file,
      ...(manifest.summary !== undefined && { summary: manifest.summary }),
      ...(manifest.description !== undefined && { description: manifest.description }),
      ...(manifest.version !== undefined && { version: manifest.version }),
      runner: manifest.runner,
      templatePath: manifest.templatePath,
      parameters: toContractParameters(manifest),
      parametersSchema: JSON.stringify(buildParametersSchema(manifest)),
      contentHash: folderHash(files, namesIn(names, folder), folder),
      manifest,
    };
    const warnings = manifestWarnings(manifest, file);
    if (warnings.length > 0) definition.warnings = warnings;
    byName.set(manifest.name.toLowerCase(), definition);
    definitions.push(definition);
  }

  definitions.sort((a, b) => a.name.localeCompare(b.name, "en"));
  errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const snapshotFiles: CatalogFiles = new Map();
  for (const definition of definitions) {
    for (const name of namesIn(names, definition.path)) snapshotFiles.set(name, files.get(name)!);
  }
  return {
    index: {
      formatVersion: INDEX_FORMAT_VERSION,
      ...(ref.project !== undefined && { project: ref.project }),
      catalog: ref.catalog,
      commit,
      definitions,
      errors,
    },
    snapshotFiles,
  };
}

/** How the new index differs from the previous one, by definition name. */
export function compareIndexes(previous: CatalogIndex | undefined, next: CatalogIndex): SyncStats {
  const before = new Map((previous?.definitions ?? []).map((d) => [d.name.toLowerCase(), d]));
  const stats: SyncStats = {
    added: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    validationErrors: 0,
    conflicts: 0,
  };
  for (const definition of next.definitions) {
    const old = before.get(definition.name.toLowerCase());
    before.delete(definition.name.toLowerCase());
    if (!old) stats.added++;
    else if (
      old.contentHash === definition.contentHash &&
      old.path === definition.path &&
      old.name === definition.name
    )
      stats.unchanged++;
    else stats.updated++;
  }
  stats.removed = before.size;
  for (const error of next.errors) {
    if (error.code === "DuplicateDefinitionName" || error.code === "DuplicateManifest") stats.conflicts++;
    else stats.validationErrors++;
  }
  return stats;
}

/**
 * A commit that breaks a published definition (its manifest became invalid or lost its template) is
 * not switched to: the catalog keeps serving the last good snapshot and the sync fails with the
 * reasons. Removing a definition's folder, or adding a broken new one, does not fail the sync.
 */
export function brokenDefinitions(
  previous: CatalogIndex | undefined,
  next: CatalogIndex,
): SyncError | undefined {
  if (!previous) return undefined;
  const published = new Map(previous.definitions.map((d) => [d.manifestFile, d]));
  const broken = next.errors.filter(
    (e) => (e.code === "InvalidManifest" || e.code === "TemplateNotFound") && published.has(e.file),
  );
  if (broken.length === 0) return undefined;
  const names = broken.map((e) => `${published.get(e.file)!.name} (${e.file})`).join(", ");
  return {
    code: "PublishedDefinitionBroken",
    message:
      `Commit ${next.commit} breaks published environment definitions: ${names}. ` +
      `The catalog keeps serving commit ${previous.commit} until they are fixed or removed.`,
    details: broken.flatMap((e) => e.issues).slice(0, MAX_RECORDED_ISSUES),
  };
}
