/**
 * The snapshot of one catalog commit: a zip of the valid definitions' folders, with paths relative
 * to the catalog folder, written with fflate's streaming Zip. Files of 1 KiB and more are deflated
 * by Node's zlib (native, several times faster than a JavaScript deflate); smaller ones are stored,
 * as deflating them saves a few bytes at the cost of a compressor per file. Deterministic (fixed
 * timestamps, sorted entries): the same commit always gives the same bytes, so writing it again is
 * harmless.
 */
import { deflateRawSync } from "node:zlib";
import { unzipSync, Zip, ZipPassThrough } from "fflate";
import type { CatalogFiles } from "./sources";

// Zip timestamps start in 1980; a fixed one keeps the bytes independent of when the sync ran.
const FIXED_MTIME = new Date("1980-01-01T00:00:00Z");

const STORE_BELOW_BYTES = 1024;

/** A zip entry deflated by zlib: fflate's documented way to bring another compressor (method 8). */
class NativeDeflate extends ZipPassThrough {
  constructor(filename: string) {
    super(filename);
    this.compression = 8;
  }

  protected override process(chunk: Uint8Array, final: boolean): void {
    this.ondata(null, deflateRawSync(chunk), final);
  }
}

export function buildSnapshotZip(files: CatalogFiles): Uint8Array {
  const chunks: Uint8Array[] = [];
  // Every entry is pushed whole and synchronously, so the zip is complete when end() returns.
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    chunks.push(chunk);
  });
  for (const name of [...files.keys()].sort()) {
    const data = files.get(name)!;
    const entry = data.length < STORE_BELOW_BYTES ? new ZipPassThrough(name) : new NativeDeflate(name);
    entry.mtime = FIXED_MTIME;
    zip.add(entry);
    entry.push(data, true);
  }
  zip.end();
  return Buffer.concat(chunks);
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
