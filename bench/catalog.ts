/**
 * Catalog sync benchmark: a full sync of 1,000 generated definitions and an unchanged re-sync, from a
 * local folder and from a git repository served over loopback HTTP (the tests' pure-JS server), with
 * records and blobs in a real Azurite. Prints one line per figure.
 *
 *   npm run build && node dist/bench/catalog.js [definitions]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startAzurite } from "../dev/azurite";
import { createStorageAdapters } from "../src/azure/storage";
import { CATALOG_TABLE, CatalogRecord } from "../src/catalog/model";
import { CatalogSource, GitSource, LocalFolderSource } from "../src/catalog/sources";
import { SyncOutcome, syncCatalog } from "../src/catalog/sync";
import { commitFiles, createRepo, startGitServer } from "../test/integration/catalog/git-server";

function generate(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const name = `def-${String(i).padStart(4, "0")}`;
    files[`Environments/${name}/environment.yaml`] = [
      `name: ${name}`,
      `summary: Generated definition ${i}`,
      "runner: Bicep",
      "templatePath: main.bicep",
      "parameters:",
      "  - id: sku",
      "    type: string",
      "    default: B1",
      "    allowed: [B1, S1, P1]",
      "  - id: instances",
      "    type: integer",
      "    default: 1",
      "",
    ].join("\n");
    files[`Environments/${name}/main.bicep`] =
      `// definition ${i}\nparam sku string = 'B1'\nparam instances int = 1\n${"// padding\n".repeat(20)}`;
  }
  return files;
}

async function timed(label: string, run: () => Promise<SyncOutcome>): Promise<SyncOutcome> {
  const start = performance.now();
  const outcome = await run();
  const ms = performance.now() - start;
  const detail = outcome.status === "Synced" ? `${outcome.stats.added} added` : outcome.status;
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms  (${detail})`);
  return outcome;
}

export async function runCatalogBench(count = 1000): Promise<void> {
  const azurite = await startAzurite();
  const root = await mkdtemp(path.join(os.tmpdir(), "catalog-bench-"));
  const server = await startGitServer({ root });
  try {
    const adapters = createStorageAdapters(azurite.connectionString);
    const storage = { records: adapters.records<CatalogRecord>(CATALOG_TABLE), blobs: adapters.blobs };
    const files = generate(count);

    const folder = path.join(root, "local");
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
      await writeFile(path.join(folder, name), text);
    }
    const repo = path.join(root, "repo");
    await createRepo(repo);
    await commitFiles(repo, files);

    console.log(
      `catalog sync, ${count} definitions (${Object.keys(files).length} files), Azurite, Node ${process.version}`,
    );
    const cases: [string, () => CatalogSource][] = [
      ["local folder", () => new LocalFolderSource({ root: folder, path: "/Environments" })],
      [
        "git over loopback http",
        () => new GitSource({ url: server.url("repo"), branch: "main", path: "/Environments" }),
      ],
    ];
    for (const [label, source] of cases) {
      const ref = { catalog: label.startsWith("git") ? "bench-git" : "bench-local" };
      const deps = { ...storage, source };
      const full = await timed(`${label}: full sync`, () => syncCatalog(deps, ref));
      if (full.status !== "Synced") throw new Error(`full sync did not sync: ${JSON.stringify(full)}`);
      const again = await timed(`${label}: unchanged re-sync`, () => syncCatalog(deps, ref));
      if (again.status !== "Unchanged") throw new Error(`re-sync was not a no-op: ${JSON.stringify(again)}`);
    }
  } finally {
    await server.stop();
    await azurite.stop();
    await rm(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runCatalogBench(Number(process.argv[2] ?? 1000)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
