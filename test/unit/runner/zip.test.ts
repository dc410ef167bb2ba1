import { mkdtemp, mkdir, readFile, rm, stat, symlink, writeFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { extractZip, zipFolder } from "../../../runner/cli/zip-files";
import { CliError } from "../../../runner/cli/errors";
import { createZip, readZip, safeEntrySegments, UnsafeZipEntryError } from "../../../src/runner-protocol/zip";

const text = (s: string) => new TextEncoder().encode(s);

describe("zip entries", () => {
  it("keep their Unix modes through createZip and readZip", () => {
    const zip = createZip([
      { name: "deploy.sh", data: text("#!/bin/bash\n"), mode: 0o755 },
      { name: "sub/", data: new Uint8Array(0) },
      { name: "sub/main.tf", data: text("x"), mode: 0o600 },
    ]);
    const read = Object.fromEntries(readZip(zip).map((e) => [e.name, e]));
    expect(read["deploy.sh"].mode).toBe(0o755);
    expect(read["sub/"].mode).toBe(0o755);
    expect(read["sub/main.tf"].mode).toBe(0o600);
    expect(new TextDecoder().decode(read["sub/main.tf"].data)).toBe("x");
  });

  it("from other tools have no mode", () => {
    const [entry] = readZip(zipSync({ "a.txt": text("a") }));
    expect(entry).toMatchObject({ name: "a.txt", mode: undefined });
  });

  it.each(["../evil.sh", "a/../../evil", "/etc/passwd", "C:/Windows/evil", "a\\..\\evil", "bad\u0001name"])(
    "named %j are refused",
    (name) => {
      expect(() => safeEntrySegments(name)).toThrow(UnsafeZipEntryError);
      expect(() => safeEntrySegments(name)).toThrow(name);
    },
  );

  it("inside the folder are accepted and normalized", () => {
    expect(safeEntrySegments("a/./b/../c.txt")).toEqual(["a", "c.txt"]);
    expect(safeEntrySegments("dir/")).toEqual(["dir"]);
  });
});

describe("zip files on disk", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ade-zip-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("round-trip a folder with subfolders, dot files, empty folders and modes", async () => {
    const source = join(dir, "storage");
    await mkdir(join(source, "nested", "deeper"), { recursive: true });
    await mkdir(join(source, "empty"));
    await writeFile(join(source, "state.json"), '{"count":3}');
    await writeFile(join(source, ".hidden"), "h");
    await writeFile(join(source, "nested", "deeper", "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    const warnings: string[] = [];
    await symlink("/etc/passwd", join(source, "link"));
    const zip = await zipFolder(source, (m) => warnings.push(m));
    expect(warnings).toEqual([expect.stringContaining("link")]);

    const target = join(dir, "restored");
    expect(await extractZip(zip, target)).toBe(3);
    expect(await readFile(join(target, "state.json"), "utf8")).toBe('{"count":3}');
    expect(await readFile(join(target, ".hidden"), "utf8")).toBe("h");
    expect((await stat(join(target, "nested", "deeper", "run.sh"))).mode & 0o777).toBe(0o755);
    expect((await stat(join(target, "empty"))).isDirectory()).toBe(true);
    expect((await readdir(target)).sort()).toEqual([".hidden", "empty", "nested", "state.json"]);
  });

  it("refuse a zip-slip archive and write nothing of it", async () => {
    const zip = zipSync({ "good.txt": text("ok"), "../escaped.txt": text("evil") });
    const target = join(dir, "target");
    const failure = await extractZip(zip, target).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({ codeName: "FileOperationError" });
    expect((failure as Error).message).toContain("../escaped.txt");
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuse to write through a symbolic link already in the target", async () => {
    const target = join(dir, "target");
    const outside = join(dir, "outside");
    await mkdir(target);
    await mkdir(outside);
    await symlink(outside, join(target, "link"));
    const failure = await extractZip(zipSync({ "link/planted.txt": text("evil") }), target).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ codeName: "FileOperationError" });
    expect(await readdir(outside)).toEqual([]);
  });

  it("report an archive that is not a zip as a FileOperationError", async () => {
    await expect(extractZip(text("not a zip"), join(dir, "t"))).rejects.toMatchObject({
      codeName: "FileOperationError",
    });
  });
});

describe("extracting checks everything first (reliability review)", () => {
  it("writes nothing when a later entry cannot be extracted", async () => {
    const target = await mkdtemp(join(tmpdir(), "zip-atomic-"));
    try {
      await symlink(tmpdir(), join(target, "link"));
      const zip = createZip([
        { name: "first.txt", data: text("1") },
        { name: "sub/second.txt", data: text("2") },
        { name: "link/escape.txt", data: text("3") },
      ]);
      await expect(extractZip(zip, target)).rejects.toThrow(/link exists and is not a folder/);
      expect((await readdir(target)).sort()).toEqual(["link"]);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  it("refuses an archive whose entries disagree on what a path is", async () => {
    const target = await mkdtemp(join(tmpdir(), "zip-conflict-"));
    try {
      const zip = createZip([
        { name: "a", data: text("a file") },
        { name: "a/b.txt", data: text("below a file") },
      ]);
      await expect(extractZip(zip, target)).rejects.toThrow(/another entry makes it a file/);
      expect(await readdir(target)).toEqual([]);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  it("drops setuid, setgid and sticky bits", async () => {
    const target = await mkdtemp(join(tmpdir(), "zip-modes-"));
    try {
      await extractZip(createZip([{ name: "tool", data: text("#!/bin/sh\n"), mode: 0o6755 }]), target);
      expect((await stat(join(target, "tool"))).mode & 0o7777).toBe(0o755);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  it("refuses kernel file systems as the target", async () => {
    await expect(extractZip(createZip([{ name: "a", data: text("a") }]), "/proc/x")).rejects.toThrow(
      /below \/proc/,
    );
  });
});
