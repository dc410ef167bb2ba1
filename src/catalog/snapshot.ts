/**
 * The snapshot of one catalog commit: a zip (fflate) of the valid definitions' folders, with paths
 * relative to the catalog folder. Deterministic (fixed timestamps, sorted entries): the same commit
 * always gives the same bytes, so writing it again is harmless.
 */
import { unzipSync, Zippable, zipSync } from "fflate";
import type { CatalogFiles } from "./sources";

// Zip timestamps start in 1980; a fixed one keeps the bytes independent of when the sync ran.
const FIXED_MTIME = new Date("1980-01-01T00:00:00Z");

export function buildSnapshotZip(files: CatalogFiles): Uint8Array {
  const entries: Zippable = {};
  for (const name of [...files.keys()].sort()) entries[name] = files.get(name)!;
  return zipSync(entries, { level: 6, mtime: FIXED_MTIME });
}

/**
 * The files of one definition folder (relative to that folder), as the runner's
 * `/ade/repository/{catalog}/{path}` layout needs them; the whole snapshot for folder "".
 */
export function readSnapshotFolder(zip: Uint8Array, folder: string): CatalogFiles {
  const prefix = folder ? `${folder}/` : "";
  const entries = unzipSync(zip, {
    filter: (file) => file.name.startsWith(prefix) && !file.name.endsWith("/"),
  });
  return new Map(Object.entries(entries).map(([name, data]) => [name.slice(prefix.length), data]));
}
