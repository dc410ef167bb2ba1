/** Zips a folder and extracts archives on disk, refusing entries that would leave the target folder. */
import { chmod, lstat, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { createZip, readZip, safeEntrySegments, type ZipEntry } from "../../src/runner-protocol/zip";
import { CliError } from "./errors";

/** The folder's files and subfolders (not the folder itself), with their modes; symbolic links are skipped. */
export async function zipFolder(folder: string, warn: (message: string) => void): Promise<Uint8Array> {
  const entries: ZipEntry[] = [];
  async function walk(dir: string): Promise<void> {
    for (const item of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, item.name);
      const name = relative(folder, path).split(sep).join("/");
      if (item.isDirectory()) {
        entries.push({ name: `${name}/`, data: new Uint8Array(0), mode: (await stat(path)).mode });
        await walk(path);
      } else if (item.isFile()) {
        entries.push({ name, data: await readFile(path), mode: (await stat(path)).mode });
      } else {
        warn(`Skipping ${name}: only files and folders are archived.`);
      }
    }
  }
  await walk(folder);
  return createZip(entries);
}

/**
 * Extracts into `target` (created when missing). Every entry name is checked before anything is
 * written: one that would land outside `target` (absolute, "..") fails the whole extraction, and so
 * does a symbolic link met on the way (one already in `target` could lead anywhere).
 * Returns the number of files written.
 */
export async function extractZip(zip: Uint8Array, target: string): Promise<number> {
  let entries: ZipEntry[];
  try {
    entries = readZip(zip);
  } catch (error) {
    throw new CliError("FileOperationError", `Not a readable zip archive: ${(error as Error).message}`);
  }
  const planned = entries.map((entry) => {
    try {
      return { entry, segments: safeEntrySegments(entry.name) };
    } catch (error) {
      throw new CliError("FileOperationError", `Refusing to extract: ${(error as Error).message}`);
    }
  });
  await mkdir(target, { recursive: true });
  let files = 0;
  for (const { entry, segments } of planned) {
    if (segments.length === 0) continue;
    if (entry.name.endsWith("/")) {
      await ensureFolder(target, segments);
      continue;
    }
    const path = join(await ensureFolder(target, segments.slice(0, -1)), segments[segments.length - 1]);
    const existing = await lstat(path).catch(() => undefined);
    if (existing && !existing.isFile()) {
      throw new CliError(
        "FileOperationError",
        `Cannot extract "${entry.name}": ${path} exists and is not a file.`,
      );
    }
    await writeFile(path, entry.data);
    if (entry.mode !== undefined) await chmod(path, entry.mode);
    files++;
  }
  return files;
}

/** Creates target/segments folder by folder, refusing to pass through anything but real folders. */
async function ensureFolder(target: string, segments: string[]): Promise<string> {
  let path = target;
  for (const segment of segments) {
    path = join(path, segment);
    const existing = await lstat(path).catch(() => undefined);
    if (!existing) await mkdir(path);
    else if (!existing.isDirectory()) {
      throw new CliError("FileOperationError", `Refusing to extract below ${path}: it is not a folder.`);
    }
  }
  return path;
}
