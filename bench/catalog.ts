/**
 * Catalog sync benchmark, 1,000 generated definitions (2,000 files), records and blobs in a real
 * Azurite, each figure beside its reference in the same process:
 * - local folder: a full sync vs reading every file and parsing every manifest (the least any sync does);
 * - git: a full sync vs `git clone --depth 1` (the git CLI) + reading and parsing the checkout, both
 *   from git's own `git http-backend` on loopback (behind a small CGI bridge below), not the tests'
 *   pure-JS server, so that the server is not what is measured;
 * - an unchanged re-sync of each, in milliseconds.
 *
 *   npm run build && node dist/bench/catalog.js [definitions=1000] [runs=3] [cases=local,git]
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import os from "node:os";
import path from "node:path";
import { startAzurite } from "../dev/azurite";
import { createStorageAdapters } from "../src/azure/storage";
import { CATALOG_TABLE, CatalogRecord, CatalogRef } from "../src/catalog/model";
import { CatalogSource, GitSource, LocalFolderSource } from "../src/catalog/sources";
import { CatalogSyncDeps, syncCatalog } from "../src/catalog/sync";
import { parseManifest } from "../src/core/manifest";
import { print, repeat, seconds } from "./measure";

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

async function writeFiles(folder: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
    await writeFile(path.join(folder, name), text);
  }
}

function run(command: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")}: exit ${code}: ${stderr}`)),
    );
  });
}

/** The reference work: read every file below `folder` and parse every manifest; returns the definitions. */
async function readAndParse(folder: string): Promise<number> {
  let definitions = 0;
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory() && entry.name !== ".git") return visit(file);
        if (!entry.isFile()) return;
        const text = await readFile(file, "utf8");
        if (entry.name === "environment.yaml" && parseManifest(text, file).ok) definitions++;
      }),
    );
  };
  await visit(folder);
  return definitions;
}

/** `git http-backend` (CGI) behind a Node HTTP server on loopback, serving the repositories in `root`. */
async function startHttpBackend(
  root: string,
): Promise<{ url: (repo: string) => string; stop(): Promise<void> }> {
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const child = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_ADDR: "127.0.0.1",
        ...(req.headers["content-encoding"] && { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] }),
        ...(req.headers["git-protocol"] && { GIT_PROTOCOL: String(req.headers["git-protocol"]) }),
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    req.pipe(child.stdin);
    // CGI output: header lines, an empty line, then the body.
    let head = Buffer.alloc(0);
    let streaming = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (streaming) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString().split("\r\n")) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === "status") status = parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      streaming = true;
      res.write(head.subarray(end + 4));
    });
    child.stdout.on("end", () => (streaming ? res.end() : res.writeHead(502).end()));
  };
  const server = createServer(serve);
  // Longer than any pause between the bench's requests, so that no reused socket meets a server closing it.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (repo) => `http://127.0.0.1:${port}/${repo}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const runs = Number(process.argv[3] ?? 3);
  const cases = (process.argv[4] ?? "local,git").split(",");
  const azurite = await startAzurite();
  const root = await mkdtemp(path.join(os.tmpdir(), "catalog-bench-"));
  const backend = await startHttpBackend(path.join(root, "served"));
  try {
    const adapters = createStorageAdapters(azurite.connectionString);
    const storage = { records: adapters.records<CatalogRecord>(CATALOG_TABLE), blobs: adapters.blobs };
    const files = generate(count);
    const local = path.join(root, "local");
    await writeFiles(local, files);
    const repo = path.join(root, "served", "catalog");
    await writeFiles(repo, files);
    await run("git", ["init", "-q", "-b", "main"], repo);
    await run("git", ["add", "-A"], repo);
    await run(
      "git",
      ["-c", "user.name=bench", "-c", "user.email=bench@example.test", "commit", "-qm", "catalog"],
      repo,
    );
    const url = backend.url("catalog");
    process.stdout.write(
      `catalog sync, ${count} definitions (${Object.keys(files).length} files), Azurite, git ${url} via git http-backend, Node ${process.version}\n`,
    );

    let synced = 0;
    /**
     * A full sync of a catalog nothing was stored for, then an unchanged re-sync: the seconds of each,
     * and the re-sync's CPU milliseconds in this process (wall time on a busy machine is mostly waiting
     * for a core; the CPU is what the code costs).
     */
    const syncTwice = async (
      source: () => CatalogSource,
    ): Promise<{ full: number; again: number; cpu: number }> => {
      const ref: CatalogRef = { catalog: `bench${++synced}` };
      const deps: CatalogSyncDeps = { ...storage, source };
      const expect = async (status: string) => {
        const outcome = await syncCatalog(deps, ref);
        if (outcome.status !== status) throw new Error(`expected ${status}: ${JSON.stringify(outcome)}`);
        if (outcome.status === "Synced" && outcome.stats.added !== count)
          throw new Error(`synced ${outcome.stats.added} definitions, not ${count}`);
      };
      const full = await seconds(() => expect("Synced"));
      const cpuBefore = process.cpuUsage();
      const again = await seconds(() => expect("Unchanged"));
      const { user, system } = process.cpuUsage(cpuBefore);
      return { full, again: again * 1000, cpu: (user + system) / 1000 };
    };
    const checked = async (folder: string) => {
      const found = await readAndParse(folder);
      if (found !== count) throw new Error(`parsed ${found} definitions, not ${count}`);
    };

    // The parser's first use compiles its schemas: not part of either side.
    await checked(path.join(local, "Environments"));
    /**
     * One source's figures: full syncs against `reference` (run before each, so that figure and
     * reference alternate run by run and see the same load), then the unchanged re-syncs.
     */
    const figures = async (
      what: { label: string; referenceLabel: string; maxRatio: number },
      reference: (run: number) => Promise<number>,
      source: () => CatalogSource,
    ) => {
      const references: number[] = [];
      const again: number[] = [];
      const cpu: number[] = [];
      const full = await repeat(runs, async (i) => {
        references.push(await reference(i));
        const sync = await syncTwice(source);
        again.push(sync.again);
        cpu.push(sync.cpu);
        return sync.full;
      });
      print({
        label: `${what.label} full sync`,
        unit: "s",
        values: full,
        reference: { label: what.referenceLabel, values: references },
        target: { maxRatio: what.maxRatio },
      });
      print({ label: `${what.label} unchanged re-sync`, unit: "ms", values: again, target: { max: 50 } });
      print({ label: `${what.label} unchanged re-sync, CPU of this process`, unit: "ms", values: cpu });
    };

    if (cases.includes("local")) {
      await figures(
        { label: "local folder", referenceLabel: "read + parse", maxRatio: 3 },
        () => seconds(() => checked(path.join(local, "Environments"))),
        () => new LocalFolderSource({ root: local, path: "Environments" }),
      );
    }
    if (cases.includes("git")) {
      await figures(
        { label: "git (http-backend)", referenceLabel: "git clone --depth 1 + parse", maxRatio: 1.5 },
        async (i) => {
          const clone = path.join(root, `clone${i}`);
          const args = [
            "clone",
            "-q",
            "--depth",
            "1",
            "--single-branch",
            "--no-tags",
            "-b",
            "main",
            url,
            clone,
          ];
          const took = await seconds(async () => {
            await run("git", args);
            await checked(path.join(clone, "Environments"));
          });
          await rm(clone, { recursive: true, force: true });
          return took;
        },
        () => new GitSource({ url, branch: "main", path: "Environments" }),
      );
    }
  } finally {
    await backend.stop();
    await azurite.stop();
    await rm(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
