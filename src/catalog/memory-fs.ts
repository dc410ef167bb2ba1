/**
 * A file system in memory with the promise API isomorphic-git calls (readFile, writeFile, mkdir,
 * rmdir, unlink, stat, lstat, readdir, readlink, symlink), for the throwaway repository of one git
 * fetch: the pack and its index never touch the disk, and the lookups isomorphic-git makes for every
 * object it reads (a loose object first, then the pack folder) cost a map lookup instead of a system
 * call. Paths are absolute, "/"-separated. Only what a fetch and reading its objects need: no links.
 */
import type { PromiseFsClient } from "isomorphic-git";

/**
 * An error with a Node-style code and no stack trace: isomorphic-git looks for a loose object before
 * reading each object from the pack, so a fetch misses thousands of files, and capturing a stack
 * for each miss was a tenth of the fetch.
 */
function fsError(code: string, file: string): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const error = Object.assign(new Error(`${code}: ${file}`), { code });
  Error.stackTraceLimit = limit;
  return error;
}

/** isomorphic-git joins its paths itself; anything else is made absolute and single-slashed here. */
function normalize(file: string): string {
  if (file.startsWith("/") && !file.includes("//") && (file === "/" || !file.endsWith("/"))) return file;
  return `/${file.split("/").filter(Boolean).join("/")}`;
}

function parentOf(file: string): string {
  return file.slice(0, file.lastIndexOf("/")) || "/";
}

function baseOf(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

interface Stats {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  size: number;
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  uid: number;
  gid: number;
  dev: number;
}

class MemoryFs {
  private readonly files = new Map<string, Buffer>();
  /** Every folder with the names it holds. */
  private readonly folders = new Map<string, Set<string>>([["/", new Set()]]);

  async readFile(
    file: string,
    options?: BufferEncoding | { encoding?: BufferEncoding },
  ): Promise<Buffer | string> {
    if (typeof file !== "string") throw fsError("EINVAL", String(file));
    const at = normalize(file);
    const data = this.files.get(at);
    if (!data) throw fsError(this.folders.has(at) ? "EISDIR" : "ENOENT", at);
    const encoding = typeof options === "string" ? options : options?.encoding;
    return encoding ? data.toString(encoding) : data;
  }

  async writeFile(
    file: string,
    data: Uint8Array | string,
    options?: BufferEncoding | { encoding?: BufferEncoding },
  ): Promise<void> {
    const at = normalize(file);
    const folder = this.folders.get(parentOf(at));
    if (!folder) throw fsError("ENOENT", at);
    if (this.folders.has(at)) throw fsError("EISDIR", at);
    const encoding = (typeof options === "string" ? options : options?.encoding) ?? "utf8";
    this.files.set(at, typeof data === "string" ? Buffer.from(data, encoding) : Buffer.from(data));
    folder.add(baseOf(at));
  }

  async mkdir(file: string, options?: { recursive?: boolean }): Promise<void> {
    const at = normalize(file);
    if (this.folders.has(at) || this.files.has(at)) {
      if (options?.recursive && this.folders.has(at)) return;
      throw fsError("EEXIST", at);
    }
    const parent = parentOf(at);
    if (!this.folders.has(parent)) {
      if (!options?.recursive) throw fsError("ENOENT", at);
      await this.mkdir(parent, options);
    }
    this.folders.set(at, new Set());
    this.folders.get(parent)!.add(baseOf(at));
  }

  async rmdir(file: string): Promise<void> {
    const at = normalize(file);
    const folder = this.folders.get(at);
    if (!folder) throw fsError("ENOENT", at);
    if (folder.size > 0) throw fsError("ENOTEMPTY", at);
    this.folders.delete(at);
    this.folders.get(parentOf(at))?.delete(baseOf(at));
  }

  async unlink(file: string): Promise<void> {
    const at = normalize(file);
    if (!this.files.delete(at)) throw fsError("ENOENT", at);
    this.folders.get(parentOf(at))?.delete(baseOf(at));
  }

  async stat(file: string): Promise<Stats> {
    const at = normalize(file);
    const data = this.files.get(at);
    const folder = this.folders.has(at);
    if (!data && !folder) throw fsError("ENOENT", at);
    return {
      isFile: () => data !== undefined,
      isDirectory: () => folder,
      isSymbolicLink: () => false,
      size: data?.length ?? 0,
      mode: folder ? 0o40755 : 0o100644,
      mtimeMs: 0,
      ctimeMs: 0,
      ino: 0,
      uid: 0,
      gid: 0,
      dev: 0,
    };
  }

  lstat(file: string): Promise<Stats> {
    return this.stat(file);
  }

  async readdir(file: string): Promise<string[]> {
    const at = normalize(file);
    const folder = this.folders.get(at);
    if (!folder) throw fsError(this.files.has(at) ? "ENOTDIR" : "ENOENT", at);
    return [...folder];
  }

  // A fetched repository has no symbolic links of its own.
  async readlink(file: string): Promise<string> {
    throw fsError("EINVAL", normalize(file));
  }

  async symlink(_target: string, file: string): Promise<void> {
    throw fsError("ENOSYS", normalize(file));
  }
}

/** A new, empty file system, in the shape isomorphic-git takes. */
export function createMemoryFs(): PromiseFsClient {
  return { promises: new MemoryFs() };
}
