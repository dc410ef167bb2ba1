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

/** Kernel file systems, where writing an archive makes no sense and reading can hang. */
const SPECIAL_FOLDERS = ["/proc", "/sys", "/dev"];

/**
 * Extracts into `target` (created when missing). Everything is checked before anything is
 * written: an entry that would land outside `target` (absolute, ".."), a symbolic link or other
 * non-folder in the way, a file where a folder must go (or the reverse) fails the whole extraction
 * and leaves `target` as it was. Modes keep their permission bits only (no setuid, setgid, sticky).
 * Returns the number of files written.
 */
export async function extractZip(zip: Uint8Array, target: string): Promise<number> {
  const special = SPECIAL_FOLDERS.find((folder) => target === folder || target.startsWith(`${folder}/`));
  if (special)
    throw new CliError("FileOperationError", `Refusing to extract into ${target}: it is below ${special}.`);
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
  await checkTarget(target, planned);

  await mkdir(target, { recursive: true });
  let files = 0;
  for (const { entry, segments } of planned) {
    if (segments.length === 0) continue;
    const path = join(target, ...segments);
    if (entry.name.endsWith("/")) {
      await mkdir(path, { recursive: true });
      continue;
    }
    await mkdir(join(target, ...segments.slice(0, -1)), { recursive: true });
    await writeFile(path, entry.data);
    if (entry.mode !== undefined) await chmod(path, entry.mode & 0o777);
    files++;
  }
  return files;
}

/** What extracting would make at each path below the target; refuses any conflict, writes nothing. */
async function checkTarget(
  target: string,
  planned: { entry: ZipEntry; segments: string[] }[],
): Promise<void> {
  const refuse = (message: string) => new CliError("FileOperationError", `Refusing to extract: ${message}`);
  const kinds = new Map<string, "folder" | "file">();
  const want = (segments: string[], kind: "folder" | "file", entry: string) => {
    const key = segments.join("/");
    const other = kinds.get(key);
    if (other && other !== kind)
      throw refuse(`"${entry}" needs ${key} to be a ${kind}, another entry makes it a ${other}.`);
    kinds.set(key, kind);
  };
  for (const { entry, segments } of planned) {
    const folders = entry.name.endsWith("/") ? segments.length : segments.length - 1;
    for (let n = 1; n <= folders; n++) want(segments.slice(0, n), "folder", entry.name);
    if (!entry.name.endsWith("/") && segments.length > 0) want(segments, "file", entry.name);
  }
  const root = await stat(target).catch(() => undefined);
  if (root && !root.isDirectory()) throw refuse(`${target} is not a folder.`);
  for (const [key, kind] of kinds) {
    const path = join(target, ...key.split("/"));
    const existing = await lstat(path).catch(() => undefined);
    if (!existing) continue;
    if (kind === "folder" && !existing.isDirectory()) throw refuse(`${path} exists and is not a folder.`);
    if (kind === "file" && !existing.isFile()) throw refuse(`${path} exists and is not a file.`);
  }
}
