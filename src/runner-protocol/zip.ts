/**
 * Zip archives the runner API and the `ade` CLI exchange (definition folders, environment files),
 * written and read with fflate. Unix permission bits travel in the entries' external attributes so
 * that executable scripts stay executable; entry names are checked so none can leave its folder.
 */
import { unzipSync, zipSync, type Zippable } from "fflate";
import { splitContainedPath } from "../core/paths";

export interface ZipEntry {
  /** "/"-separated path inside the archive; folders end with "/". */
  name: string;
  data: Uint8Array;
  /** Unix permission bits (e.g. 0o755), when known. */
  mode?: number;
}

/** An entry whose name would land outside the folder it is extracted to ("zip slip"). */
export class UnsafeZipEntryError extends Error {
  constructor(
    readonly entry: string,
    reason: string,
  ) {
    super(`Archive entry "${entry}" ${reason}.`);
    this.name = "UnsafeZipEntryError";
  }
}

const UNIX = 3;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MSDOS_DIRECTORY = 0x10;

export function createZip(entries: ZipEntry[]): Uint8Array {
  // No prototype: a file named "__proto__" is an entry like any other.
  const files: Zippable = Object.create(null);
  for (const entry of entries) {
    const folder = entry.name.endsWith("/");
    const mode = (entry.mode ?? (folder ? 0o755 : 0o644)) & 0o7777;
    const attrs = (((folder ? S_IFDIR : S_IFREG) | mode) << 16) | (folder ? MSDOS_DIRECTORY : 0);
    files[entry.name] = [entry.data, { os: UNIX, attrs: attrs >>> 0 }];
  }
  return zipSync(files);
}

/** All entries, with the Unix modes the archive recorded. Names are not checked here: see safeEntrySegments. */
export function readZip(zip: Uint8Array): ZipEntry[] {
  const modes = unixModes(zip);
  return Object.entries(unzipSync(zip)).map(([name, data]) => ({ name, data, mode: modes.get(name) }));
}

/**
 * The path segments of an entry name, or UnsafeZipEntryError when it is absolute, climbs out with
 * "..", uses backslashes or drive letters, or has control characters. Empty for the root itself.
 */
export function safeEntrySegments(name: string): string[] {
  if (name.startsWith("/")) throw new UnsafeZipEntryError(name, "is an absolute path");
  const split = splitContainedPath(name);
  if (!split.ok) throw new UnsafeZipEntryError(name, split.message);
  return split.segments;
}

/**
 * Unix modes from the central directory (fflate does not report them): entries "made by" Unix
 * keep their mode in the high 16 bits of the external attributes. Zip64 archives yield none.
 */
function unixModes(zip: Uint8Array): Map<string, number> {
  const modes = new Map<string, number>();
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) return modes;
  const count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  for (let n = 0; n < count && offset + 46 <= zip.length; n++) {
    if (view.getUint32(offset, true) !== 0x02014b50) break;
    const madeBy = view.getUint8(offset + 5);
    const utf8 = (view.getUint16(offset + 8, true) & 0x800) !== 0;
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const mode = view.getUint32(offset + 38, true) >>> 16;
    const raw = zip.subarray(offset + 46, offset + 46 + nameLength);
    // Decoded as fflate decodes names, so the keys match.
    const name = utf8 ? new TextDecoder().decode(raw) : String.fromCharCode(...raw);
    if (madeBy === UNIX && mode !== 0) modes.set(name, mode & 0o7777);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}
