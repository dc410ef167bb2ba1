/**
 * The Azurite child process dev/azurite.ts starts: Azurite's own entry (from the `azurite` npm
 * package, which reads the flags from argv) with two changes that a local stack needs.
 *
 * - Every acknowledged write is on disk. Azurite keeps its metadata (tables, blob and queue
 *   indexes) in LokiJS databases that it saves every 5 s, so a kill lost the writes of the last
 *   seconds. Here a response is only finished once every database changed by then is saved (LokiJS
 *   writes a temporary file and renames it, so a kill mid-save keeps the previous save).
 *   Reads do not wait unless a write is pending. Blob contents are files Azurite writes before it answers.
 * - It never outlives its parent: the parent holds an IPC channel, which closes when the parent
 *   dies however it dies (kill -9 included); then Azurite exits. On SIGTERM it exits at once too,
 *   after the saves under way.
 */
import { ServerResponse } from "node:http";
import path from "node:path";

interface LokiDatabase {
  persistenceMethod?: string;
  autosaveDirty(): boolean;
  saveDatabase(callback: (error?: Error | null) => void): void;
}

interface LokiConstructor {
  prototype: Record<"loadDatabase" | "saveDatabase", (this: LokiDatabase, ...args: unknown[]) => unknown>;
}

// The LokiJS Azurite itself loads (the same module instance).
const azuriteRoot = path.dirname(require.resolve("azurite/package.json"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Loki = require(require.resolve("lokijs", { paths: [azuriteRoot] })) as LokiConstructor;

// Azurite's stores load their database (when its file exists) and save it once as they start.
const databases = new Set<LokiDatabase>();
for (const method of ["loadDatabase", "saveDatabase"] as const) {
  const original = Loki.prototype[method];
  Loki.prototype[method] = function (this: LokiDatabase, ...args: unknown[]) {
    if (this.persistenceMethod === "fs") databases.add(this);
    return original.apply(this, args);
  };
}

function saveChanged(): Promise<void> | undefined {
  const changed = [...databases].filter((db) => db.autosaveDirty());
  if (changed.length === 0) return undefined;
  return Promise.all(
    changed.map(
      (db) =>
        new Promise<void>((resolve, reject) =>
          db.saveDatabase((error) => (error ? reject(error) : resolve())),
        ),
    ),
  ).then(() => undefined);
}

const end = ServerResponse.prototype.end as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
  const saved = saveChanged();
  if (!saved) return end.apply(this, args);
  saved.then(
    () => end.apply(this, args),
    // Not saved means not acknowledged: the client sees a failed request and retries.
    (error: unknown) => {
      process.stderr.write(`Azurite could not save its data: ${String(error)}\n`);
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  return this;
} as typeof ServerResponse.prototype.end;

process.on("disconnect", () => process.exit(0));

// Azurite's own SIGTERM handler closes its servers, which waits for every kept-alive client
// connection to go idle and close (seconds). Nothing needs that wait: every acknowledged write is
// saved already, so once the saves under way are done, exit.
process.once("SIGTERM", () => {
  const exit = () => process.exit(0);
  (saveChanged() ?? Promise.resolve()).then(exit, exit);
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(azuriteRoot, "dist", "src", "azurite.js"));
