import fs from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CatalogSourceError, GitSource, LocalFolderSource } from "../../../src/catalog/sources";
import { commitFiles, createRepo, GitServer, startGitServer } from "./git-server";

/** Waits until every file below `folder` last changed more than 2 s ago (its stat can be trusted). */
async function settled(folder: string): Promise<void> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const times = await Promise.all(
    entries.map(async (e) => (await stat(path.join(e.parentPath, e.name))).ctimeMs),
  );
  const at = Math.max(...times) + 2000;
  while (Date.now() <= at)
    await new Promise((resolve) => setTimeout(resolve, Math.max(10, at - Date.now() + 1)));
}

const text = (files: Map<string, Uint8Array>) =>
  Object.fromEntries([...files].map(([name, data]) => [name, Buffer.from(data).toString()]));

describe("git source over loopback smart HTTP", () => {
  let root: string;
  let server: GitServer;
  const token = "s3cr3t-token-value";

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "git-source-"));
    server = await startGitServer({ root, token });
    await createRepo(path.join(root, "catalog"));
  });
  afterAll(async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("fetches the branch head shallowly and reads only the catalog folder", async () => {
    const dir = path.join(root, "catalog");
    await commitFiles(dir, { "README.md": "old", "defs/a/environment.yaml": "name: a-old" });
    const head = await commitFiles(dir, {
      "README.md": "root file outside the folder",
      "defs/a/environment.yaml": "name: a",
      "defs/a/nested/main.bicep": "param x string",
      "defs/b/manifest.yaml": "name: b",
    });
    const source = new GitSource({ url: server.url("catalog"), branch: "main", path: "defs", token });
    const fetched = await source.fetch(undefined);
    expect(fetched).toMatchObject({ commit: head, unchanged: false });
    expect(fetched.unchanged ? {} : text(fetched.files)).toEqual({
      "a/environment.yaml": "name: a",
      "a/nested/main.bicep": "param x string",
      "b/manifest.yaml": "name: b",
    });
    expect(server.requests.every((r) => r.authorized)).toBe(true);
  });

  it("answers unchanged from the advertised refs alone", async () => {
    const dir = path.join(root, "catalog");
    const head = await commitFiles(dir, { "defs/a/environment.yaml": "name: a2" });
    const source = new GitSource({ url: server.url("catalog"), branch: "main", path: "defs", token });
    const before = server.requests.length;
    expect(await source.fetch(head)).toEqual({ commit: head, unchanged: true });
    expect(server.requests.slice(before).map((r) => r.method)).toEqual(["GET"]);
  });

  it("follows the remote's default branch when the catalog names none", async () => {
    const dir = path.join(root, "catalog");
    const head = await commitFiles(dir, { "defs/a/environment.yaml": "name: a3" });
    await commitFiles(dir, { "defs/a/environment.yaml": "name: other" }, "other branch", "release");
    const fetched = await new GitSource({ url: server.url("catalog"), path: "defs", token }).fetch(undefined);
    expect(fetched).toMatchObject({ commit: head, unchanged: false });
    expect(fetched.unchanged ? {} : text(fetched.files)).toEqual({ "a/environment.yaml": "name: a3" });
  });

  it("reports a wrong token, a missing branch, repository and folder without echoing the token", async () => {
    const wrong = new GitSource({ url: server.url("catalog"), branch: "main", token: "wrong-token" });
    const noToken = new GitSource({ url: server.url("catalog"), branch: "main" });
    const noBranch = new GitSource({ url: server.url("catalog"), branch: "no-such-branch", token });
    const noRepo = new GitSource({ url: server.url("missing"), branch: "main", token });
    const noFolder = new GitSource({ url: server.url("catalog"), branch: "main", path: "nope", token });
    const fileNotFolder = new GitSource({
      url: server.url("catalog"),
      branch: "main",
      path: "defs/a/environment.yaml",
      token,
    });
    const errors = await Promise.all(
      [wrong, noToken, noBranch, noRepo, noFolder, fileNotFolder].map((s) =>
        s.fetch(undefined).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    expect(errors.map((e) => (e as CatalogSourceError).code)).toEqual([
      "AuthenticationFailed",
      "AuthenticationFailed",
      "BranchNotFound",
      "RepositoryNotFound",
      "FolderNotFound",
      "FolderNotFound",
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(CatalogSourceError);
      expect((error as Error).message).not.toContain("wrong-token");
      expect((error as Error).message).not.toContain(token);
    }
  });

  it("fails within the timeout when the server does not answer", async () => {
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const source = new GitSource({ url: `http://127.0.0.1:${port}/x.git`, branch: "main", timeoutMs: 300 });
    await expect(source.fetch(undefined)).rejects.toMatchObject({
      code: "SourceUnavailable",
      message: `The git repository http://127.0.0.1:${port}/x.git did not answer within 300 ms.`,
    });
    sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});

describe("local folder source", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "local-source-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("hashes the content: same files, same commit; any change, new commit", async () => {
    await mkdir(path.join(root, "cat/a/.git"), { recursive: true });
    await writeFile(path.join(root, "cat/a/environment.yaml"), "name: a");
    await writeFile(path.join(root, "cat/a/.git/HEAD"), "ignored");
    await writeFile(path.join(root, "outside.txt"), "outside");
    await symlink(path.join(root, "outside.txt"), path.join(root, "cat/a/link.txt"));
    const source = new LocalFolderSource({ root, path: "cat" });
    const first = await source.fetch(undefined);
    expect(first.unchanged ? {} : text(first.files)).toEqual({ "a/environment.yaml": "name: a" });
    expect(first.commit).toMatch(/^[0-9a-f]{64}$/);
    expect(await source.fetch(first.commit)).toEqual({ commit: first.commit, unchanged: true });
    await writeFile(path.join(root, "cat/a/environment.yaml"), "name: b");
    const second = await source.fetch(first.commit);
    expect(second.unchanged).toBe(false);
    expect(second.commit).not.toBe(first.commit);
    // Rewritten with the same content (a new modification time): read again, same commit.
    await writeFile(path.join(root, "cat/a/environment.yaml"), "name: b");
    expect(await source.fetch(second.commit)).toEqual({ commit: second.commit, unchanged: true });
    // A new file of a new source of the same folder: seen.
    await writeFile(path.join(root, "cat/a/main.bicep"), "param x string");
    const third = await new LocalFolderSource({ root, path: "cat" }).fetch(second.commit);
    expect(third.unchanged ? {} : text(third.files)).toEqual({
      "a/environment.yaml": "name: b",
      "a/main.bicep": "param x string",
    });
  });

  it("reads nothing when no file's stat changed, and trusts no stat of a file changed within the last 2 s", async () => {
    const folder = path.join(root, "stats");
    await mkdir(path.join(folder, "a"), { recursive: true });
    const manifestFile = path.join(folder, "a/environment.yaml");
    await writeFile(manifestFile, "name: aaa");
    await writeFile(path.join(folder, "a/main.bicep"), "param x string");
    // A whole second, so that setting it again gives the same nanoseconds.
    const mtime = new Date("2020-01-01T00:00:00Z");
    await utimes(manifestFile, mtime, mtime);
    const source = new LocalFolderSource({ root, path: "stats" });
    const reads = jest.spyOn(fs, "readFileSync");
    const readsOf = async (known: string) => {
      reads.mockClear();
      const fetched = await source.fetch(known);
      return { fetched, reads: reads.mock.calls.length };
    };
    try {
      await settled(folder);
      const first = await source.fetch(undefined);
      expect(await readsOf(first.commit)).toEqual({
        fetched: { commit: first.commit, unchanged: true },
        reads: 0,
      });

      // Same size, same modification time, same inode: only the change time tells.
      await writeFile(manifestFile, "name: bbb");
      await utimes(manifestFile, mtime, mtime);
      const second = (await readsOf(first.commit)).fetched;
      expect(second.unchanged ? {} : text(second.files)).toMatchObject({ "a/environment.yaml": "name: bbb" });

      // Changed just now: another change within the same clock tick would not show in its stat.
      expect((await readsOf(second.commit)).reads).toBe(2);
      await settled(folder);
      expect((await readsOf(second.commit)).reads).toBe(2);
      expect(await readsOf(second.commit)).toEqual({
        fetched: { commit: second.commit, unchanged: true },
        reads: 0,
      });
    } finally {
      reads.mockRestore();
    }
  });

  it("refuses a missing folder and a path that leaves the root", async () => {
    await expect(new LocalFolderSource({ root, path: "none" }).fetch(undefined)).rejects.toMatchObject({
      code: "FolderNotFound",
    });
    await expect(new LocalFolderSource({ root, path: "../etc" }).fetch(undefined)).rejects.toMatchObject({
      code: "InvalidCatalogPath",
    });
  });
});

describe("git source against a server that is slow to send its pack", () => {
  let root: string;
  let server: GitServer;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "git-slow-"));
    // Longer than Node's default keep-alive socket timeout (5 s), well inside the source's own bound.
    server = await startGitServer({ root, packDelayMs: 10_000 });
    await createRepo(path.join(root, "catalog"));
  });
  afterAll(async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("waits for the pack instead of timing out an idle socket", async () => {
    const head = await commitFiles(path.join(root, "catalog"), { "a/environment.yaml": "name: a" });
    const fetched = await new GitSource({ url: server.url("catalog"), branch: "main" }).fetch(undefined);
    expect(fetched).toMatchObject({ commit: head, unchanged: false });
  }, 60_000);

  it("still fails clearly at its own timeout when the pack does not come in time", async () => {
    await commitFiles(path.join(root, "catalog"), { "a/environment.yaml": "name: a2" });
    const source = new GitSource({ url: server.url("catalog"), branch: "main", timeoutMs: 2000 });
    await expect(source.fetch(undefined)).rejects.toMatchObject({
      code: "SourceUnavailable",
      message: `The git repository ${server.url("catalog")} did not answer within 2000 ms.`,
    });
  }, 60_000);
});
