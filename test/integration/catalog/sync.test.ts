/**
 * Catalog sync against a real Azurite, with git repositories served over loopback HTTP and with a
 * local folder: valid, invalid and duplicate definitions, a bad push, coalesced duplicate requests,
 * no-op re-syncs.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startAzurite, RunningAzurite } from "../../../dev/azurite";
import { createStorageAdapters } from "../../../src/azure/storage";
import {
  CATALOG_CONTAINER,
  CATALOG_TABLE,
  CatalogRecord,
  CatalogRef,
  catalogKeys,
  INDEX_FORMAT_VERSION,
} from "../../../src/catalog/model";
import { CatalogStorage } from "../../../src/catalog/ports";
import { CatalogReader } from "../../../src/catalog/reader";
import { readSnapshotFolder } from "../../../src/catalog/snapshot";
import { CatalogSource, GitSource, LocalFolderSource, SourceFetch } from "../../../src/catalog/sources";
import { CatalogSyncDeps, syncCatalog } from "../../../src/catalog/sync";
import { BlobStore, RecordStore } from "../../../src/storage/ports";
import { commitFiles, createRepo, GitServer, startGitServer } from "./git-server";

const text = (files: Map<string, Uint8Array>) =>
  Object.fromEntries([...files].map(([name, data]) => [name, Buffer.from(data).toString()]));

function manifest(name: string, extra = ""): string {
  return `name: ${name}\nrunner: Bicep\ntemplatePath: main.bicep\n${extra}`;
}

const VALID_CATALOG = {
  "Environments/counter/environment.yaml": manifest("counter", "description: Counts\n"),
  "Environments/counter/main.bicep": "// counter",
  "Environments/web/manifest.yaml": manifest("web"),
  "Environments/web/main.bicep": "// web",
  "Environments/web/modules/site.bicep": "// site",
  "Environments/zz-copy/environment.yaml": manifest("Counter"),
  "Environments/zz-copy/main.bicep": "// duplicate name",
  "Environments/broken/environment.yaml": "name: broken\nrunner: Bicep\n",
  "README.md": "outside the catalog folder",
};

describe("catalog sync (Azurite)", () => {
  let azurite: RunningAzurite;
  let storage: CatalogStorage & { records: RecordStore<CatalogRecord>; blobs: BlobStore };
  let root: string;
  let server: GitServer;
  let blobPuts: string[];
  const recordCalls: string[] = [];
  let counter = 0;

  beforeAll(async () => {
    azurite = await startAzurite();
    const adapters = createStorageAdapters(azurite.connectionString);
    const blobs = adapters.blobs;
    blobPuts = [];
    // The real blob store, counting writes (to show that a coalesced or unchanged sync writes nothing).
    const counting: BlobStore = Object.create(blobs);
    counting.put = (container, name, data, options) => {
      blobPuts.push(name);
      return blobs.put(container, name, data, options);
    };
    // The real record store, naming each call (to count the round trips of a sync).
    const records = adapters.records<CatalogRecord>(CATALOG_TABLE);
    const named: RecordStore<CatalogRecord> = Object.create(records);
    named.get = (...args) => (recordCalls.push("get"), records.get(...args));
    named.create = (...args) => (recordCalls.push("create"), records.create(...args));
    named.replace = (...args) => (recordCalls.push("replace"), records.replace(...args));
    storage = { records: named, blobs: counting };
    root = await mkdtemp(path.join(os.tmpdir(), "catalog-sync-"));
    server = await startGitServer({ root });
  });
  afterAll(async () => {
    await server.stop();
    await azurite.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** A fresh catalog name per test, so tests do not see each other's records. */
  function nextRef(project?: string): CatalogRef {
    counter += 1;
    return { catalog: `cat${counter}`, ...(project && { project }) };
  }

  async function newRepo(
    files: Record<string, string>,
  ): Promise<{ name: string; dir: string; head: string }> {
    const name = `repo${++counter}`;
    const dir = path.join(root, name);
    await createRepo(dir);
    return { name, dir, head: await commitFiles(dir, files) };
  }

  function gitDeps(repo: string, extra: Partial<CatalogSyncDeps> = {}): CatalogSyncDeps {
    return {
      ...storage,
      source: () => new GitSource({ url: server.url(repo), branch: "main", path: "/Environments" }),
      ...extra,
    };
  }

  async function record(ref: CatalogRef): Promise<CatalogRecord | undefined> {
    const { partitionKey, rowKey } = catalogKeys(ref);
    return (await storage.records.get(partitionKey, rowKey))?.value;
  }

  it("indexes valid definitions, reports invalid and duplicate ones, and stores a snapshot of the valid folders", async () => {
    const repo = await newRepo(VALID_CATALOG);
    const ref = nextRef("demo");
    const outcome = await syncCatalog(gitDeps(repo.name), ref);
    expect(outcome).toEqual({
      status: "Synced",
      commit: repo.head,
      stats: { added: 2, updated: 0, unchanged: 0, removed: 0, validationErrors: 1, conflicts: 1 },
    });

    const { record: rec, index } = await new CatalogReader(storage).read(ref);
    expect(rec).toMatchObject({ project: "demo", catalog: ref.catalog, lastSyncResult: "Succeeded" });
    expect(rec?.lease).toBeUndefined();
    expect(rec?.current).toMatchObject({ commit: repo.head, definitionCount: 2 });
    expect(index?.definitions.map((d) => [d.name, d.path, d.description])).toEqual([
      ["counter", "counter", "Counts"],
      ["web", "web", undefined],
    ]);
    expect(index?.errors.map((e) => [e.file, e.code])).toEqual([
      ["broken/environment.yaml", "InvalidManifest"],
      ["zz-copy/environment.yaml", "DuplicateDefinitionName"],
    ]);

    const zip = await storage.blobs.get(CATALOG_CONTAINER, rec!.current!.snapshotBlob);
    const web = readSnapshotFolder(zip!, "web");
    expect([...web.keys()].sort()).toEqual(["main.bicep", "manifest.yaml", "modules/site.bicep"]);
    expect(readSnapshotFolder(zip!, "").has("broken/environment.yaml")).toBe(false);
    expect(readSnapshotFolder(zip!, "").has("zz-copy/main.bicep")).toBe(false);
  });

  it("re-syncing an unchanged commit is a no-op: one refs request, no blob writes, same snapshot", async () => {
    const repo = await newRepo(VALID_CATALOG);
    const ref = nextRef();
    await syncCatalog(gitDeps(repo.name), ref);
    const before = await record(ref);
    const puts = blobPuts.length;
    const requests = server.requests.length;
    recordCalls.length = 0;

    expect(await syncCatalog(gitDeps(repo.name), ref)).toEqual({ status: "Unchanged", commit: repo.head });
    // Read and claim the record, then release it with the ETag the claim got back.
    expect(recordCalls).toEqual(["get", "replace", "replace"]);
    expect(blobPuts.length).toBe(puts);
    expect(server.requests.slice(requests).map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      `GET /${repo.name}.git/info/refs`,
    ]);
    const after = await record(ref);
    expect(after?.current).toEqual(before?.current);
    expect(after?.lastSyncStats).toEqual(before?.lastSyncStats);
  });

  it("a bad push keeps the last good snapshot and records the error; a fix then syncs with stats", async () => {
    const repo = await newRepo(VALID_CATALOG);
    const ref = nextRef();
    await syncCatalog(gitDeps(repo.name), ref);
    const good = (await record(ref))!.current!;

    const bad = await commitFiles(repo.dir, {
      ...VALID_CATALOG,
      "Environments/counter/environment.yaml": "name: counter\nrunner: Bicep\ntemplatePath: missing.bicep\n",
      "Environments/new/environment.yaml": manifest("new"),
      "Environments/new/main.bicep": "// new",
    });
    const failed = await syncCatalog(gitDeps(repo.name), ref);
    expect(failed).toMatchObject({ status: "Failed", error: { code: "PublishedDefinitionBroken" } });
    const afterBad = await record(ref);
    expect(afterBad?.current).toEqual(good);
    expect(afterBad?.lastSyncResult).toBe("Failed");
    expect(afterBad?.lastSyncError?.message).toContain(
      `Commit ${bad} breaks published environment definitions: counter`,
    );
    expect(afterBad?.lastSyncError?.details?.[0].message).toContain("missing.bicep does not exist");
    const served = await new CatalogReader(storage).read(ref);
    expect(served.index?.commit).toBe(good.commit);
    expect(served.index?.definitions.map((d) => d.name)).toEqual(["counter", "web"]);

    const fixed = await commitFiles(repo.dir, {
      ...VALID_CATALOG,
      "Environments/counter/main.bicep": "// counter v2",
      "Environments/new/environment.yaml": manifest("new"),
      "Environments/new/main.bicep": "// new",
    });
    expect(await syncCatalog(gitDeps(repo.name), ref)).toEqual({
      status: "Synced",
      commit: fixed,
      stats: { added: 1, updated: 1, unchanged: 1, removed: 0, validationErrors: 1, conflicts: 1 },
    });
    const afterFix = await record(ref);
    expect(afterFix?.lastSyncResult).toBe("Succeeded");
    expect(afterFix?.lastSyncError).toBeUndefined();
  });

  it("an unreachable source fails the sync, keeps the snapshot and records the reason", async () => {
    const repo = await newRepo(VALID_CATALOG);
    const ref = nextRef();
    await syncCatalog(gitDeps(repo.name), ref);
    const good = (await record(ref))!.current;
    const outcome = await syncCatalog(
      { ...storage, source: () => new GitSource({ url: server.url("no-such-repo"), branch: "main" }) },
      ref,
    );
    expect(outcome).toMatchObject({ status: "Failed", error: { code: "RepositoryNotFound" } });
    expect((await record(ref))?.current).toEqual(good);
  });

  it("duplicate requests arriving together sync once", async () => {
    const repo = await newRepo(VALID_CATALOG);
    const ref = nextRef();
    const puts = blobPuts.length;
    const requests = server.requests.length;
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => syncCatalog(gitDeps(repo.name), ref)));

    const synced = outcomes.filter((o) => o.status === "Synced");
    expect(synced).toHaveLength(1);
    // Every other request either found the sync running, or (arriving after it) found the commit unchanged.
    expect(outcomes.every((o) => ["Synced", "AlreadyRunning", "Unchanged"].includes(o.status))).toBe(true);
    expect(blobPuts.length - puts).toBe(2);
    const packs = server.requests.slice(requests).filter((r) => r.method === "POST");
    expect(packs).toHaveLength(1);
    expect((await record(ref))?.lease).toBeUndefined();
  });

  it("a request that arrives while a sync runs makes it check the head again and pick up the new commit", async () => {
    const repo = await newRepo(VALID_CATALOG);
    const ref = nextRef();
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let fetches = 0;
    let firstFetchStarted!: () => void;
    const started = new Promise<void>((resolve) => (firstFetchStarted = resolve));
    // The real git source, held at its first fetch until the test has pushed and asked again.
    const source = (): CatalogSource => ({
      async fetch(known): Promise<SourceFetch> {
        const real = new GitSource({ url: server.url(repo.name), branch: "main", path: "/Environments" });
        fetches += 1;
        if (fetches === 1) {
          const result = await real.fetch(known);
          firstFetchStarted();
          await paused;
          return result;
        }
        return real.fetch(known);
      },
    });
    const running = syncCatalog({ ...storage, source }, ref);
    await started;
    const pushed = await commitFiles(repo.dir, {
      ...VALID_CATALOG,
      "Environments/web/main.bicep": "// web v2",
    });
    expect(await syncCatalog({ ...storage, source }, ref)).toEqual({ status: "AlreadyRunning" });
    release();

    expect(await running).toEqual({
      status: "Synced",
      commit: pushed,
      stats: { added: 0, updated: 1, unchanged: 1, removed: 0, validationErrors: 1, conflicts: 1 },
    });
    expect(fetches).toBe(2);
    const rec = await record(ref);
    expect(rec?.current?.commit).toBe(pushed);
    expect(rec?.lease).toBeUndefined();
  });

  it("finds a definition with the snapshot to pin and the manifest to check parameters against", async () => {
    const repo = await newRepo(VALID_CATALOG);
    const ref = nextRef("demo");
    await syncCatalog(gitDeps(repo.name), ref);
    const found = await new CatalogReader(storage).findDefinition(ref, "COUNTER");
    expect(found).toMatchObject({
      snapshotBlob: `projects/demo/${ref.catalog}/${repo.head}/snapshot.zip`,
      definition: {
        name: "counter",
        path: "counter",
        templatePath: "main.bicep",
        manifest: { name: "counter", runner: "Bicep" },
      },
    });
    expect(await new CatalogReader(storage).findDefinition(ref, "broken")).toBeUndefined();
  });

  it("indexes the served commit again when it was indexed by an older index format", async () => {
    const repo = await newRepo(VALID_CATALOG);
    const ref = nextRef();
    await syncCatalog(gitDeps(repo.name), ref);
    const { partitionKey, rowKey } = catalogKeys(ref);
    const stored = (await storage.records.get(partitionKey, rowKey))!;
    const old = {
      ...stored.value,
      current: { ...stored.value.current!, indexFormatVersion: INDEX_FORMAT_VERSION - 1 },
    };
    await storage.records.replace(partitionKey, rowKey, old, stored.etag);
    expect(await syncCatalog(gitDeps(repo.name), ref)).toMatchObject({ status: "Synced", commit: repo.head });
    expect((await record(ref))?.current?.indexFormatVersion).toBe(INDEX_FORMAT_VERSION);
  });

  it("takes over the claim of a sync that died (expired lease)", async () => {
    const repo = await newRepo(VALID_CATALOG);
    const ref = nextRef();
    const { partitionKey, rowKey } = catalogKeys(ref);
    await storage.records.create(partitionKey, rowKey, {
      catalog: ref.catalog,
      lease: { id: "dead", expiresAt: new Date(Date.now() - 1000).toISOString(), requestedAgain: false },
    });
    expect(await syncCatalog(gitDeps(repo.name), ref)).toMatchObject({ status: "Synced", commit: repo.head });
    expect((await record(ref))?.lease).toBeUndefined();
  });

  it("a sync whose claim expired and was taken over while it ran does not overwrite the newer result", async () => {
    const ref = nextRef();
    const files = (name: string) =>
      new Map([
        [`${name}/environment.yaml`, Buffer.from(manifest(name))],
        [`${name}/main.bicep`, Buffer.from(`// ${name}`)],
      ]);
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let fetching!: () => void;
    const fetched = new Promise<void>((resolve) => (fetching = resolve));
    const slow: CatalogSource = {
      async fetch() {
        fetching();
        await resumed;
        return { commit: "slow-commit", unchanged: false, files: files("slow") };
      },
    };
    const fresh: CatalogSource = {
      fetch: async () => ({ commit: "fresh-commit", unchanged: false, files: files("fresh") }),
    };
    // The slow sync's claim lasts 1 ms: the second sync finds it expired and takes over.
    const first = syncCatalog({ ...storage, source: () => slow, leaseMs: 1 }, ref);
    await fetched;
    const expiresAt = new Date((await record(ref))!.lease!.expiresAt).getTime();
    while (Date.now() <= expiresAt) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(await syncCatalog({ ...storage, source: () => fresh }, ref)).toMatchObject({
      status: "Synced",
      commit: "fresh-commit",
    });
    resume();
    // The slow sync says its result was dropped rather than claiming it synced.
    expect(await first).toEqual({ status: "Superseded" });

    const rec = await record(ref);
    expect(rec?.current?.commit).toBe("fresh-commit");
    expect(rec?.lease).toBeUndefined();
  });

  it("syncs a local folder, and a changed file makes a new snapshot", async () => {
    const folder = path.join(root, `local${++counter}`);
    await mkdir(path.join(folder, "catalog/counter"), { recursive: true });
    await writeFile(path.join(folder, "catalog/counter/environment.yaml"), manifest("counter"));
    await writeFile(path.join(folder, "catalog/counter/main.bicep"), "v1");
    const ref = nextRef();
    const deps: CatalogSyncDeps = {
      ...storage,
      source: () => new LocalFolderSource({ root: folder, path: "/catalog" }),
    };

    const first = await syncCatalog(deps, ref);
    expect(first).toMatchObject({ status: "Synced", stats: { added: 1 } });
    expect(await syncCatalog(deps, ref)).toMatchObject({ status: "Unchanged" });
    await writeFile(path.join(folder, "catalog/counter/main.bicep"), "v2");
    const second = await syncCatalog(deps, ref);
    expect(second).toMatchObject({ status: "Synced", stats: { updated: 1 } });
    expect(second.status === "Synced" && first.status === "Synced" && second.commit !== first.commit).toBe(
      true,
    );
    const rec = await record(ref);
    const zip = await storage.blobs.get(CATALOG_CONTAINER, rec!.current!.snapshotBlob);
    expect(Buffer.from(readSnapshotFolder(zip!, "counter").get("main.bicep")!).toString()).toBe("v2");
  });

  describe.each(["local folder", "git"])("from a %s, one changed file and one deleted definition", (kind) => {
    it("updates exactly that definition and drops the deleted one from the index and the snapshot", async () => {
      const catalog: Record<string, string> = {};
      for (const name of ["alpha", "beta", "gamma"]) {
        catalog[`Environments/${name}/environment.yaml`] = manifest(name);
        catalog[`Environments/${name}/main.bicep`] = `// ${name} v1`;
      }
      const changed: Record<string, string> = { ...catalog, "Environments/alpha/main.bicep": "// alpha v2" };
      delete changed["Environments/beta/environment.yaml"];
      delete changed["Environments/beta/main.bicep"];

      let deps: CatalogSyncDeps;
      let update: () => Promise<void>;
      if (kind === "git") {
        const repo = await newRepo(catalog);
        deps = gitDeps(repo.name);
        update = async () => void (await commitFiles(repo.dir, changed));
      } else {
        const folder = path.join(root, `local${++counter}`);
        const write = async (files: Record<string, string>) => {
          await rm(folder, { recursive: true, force: true });
          for (const [name, text] of Object.entries(files)) {
            await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
            await writeFile(path.join(folder, name), text);
          }
        };
        await write(catalog);
        deps = { ...storage, source: () => new LocalFolderSource({ root: folder, path: "/Environments" }) };
        update = () => write(changed);
      }
      const ref = nextRef();
      expect(await syncCatalog(deps, ref)).toMatchObject({ status: "Synced", stats: { added: 3 } });
      await update();
      expect(await syncCatalog(deps, ref)).toMatchObject({
        status: "Synced",
        stats: { added: 0, updated: 1, unchanged: 1, removed: 1 },
      });

      const { record: rec, index } = await new CatalogReader(storage).read(ref);
      expect(index?.definitions.map((d) => d.name)).toEqual(["alpha", "gamma"]);
      const zip = (await storage.blobs.get(CATALOG_CONTAINER, rec!.current!.snapshotBlob))!;
      expect(text(readSnapshotFolder(zip, ""))).toEqual({
        "alpha/environment.yaml": manifest("alpha"),
        "alpha/main.bicep": "// alpha v2",
        "gamma/environment.yaml": manifest("gamma"),
        "gamma/main.bicep": "// gamma v1",
      });
    });
  });
});
