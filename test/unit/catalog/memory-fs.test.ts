import { createMemoryFs } from "../../../src/catalog/memory-fs";

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (error: NodeJS.ErrnoException) => error.code,
  );

describe("the in-memory file system of a git fetch", () => {
  it("keeps files in folders, with the error codes isomorphic-git tells missing from existing by", async () => {
    const fs = createMemoryFs().promises;
    expect(await code(fs.writeFile("/repo/config", "x"))).toBe("ENOENT");
    await fs.mkdir("/repo/objects/pack", { recursive: true });
    expect(await code(fs.mkdir("/repo"))).toBe("EEXIST");
    expect(await code(fs.mkdir("/other/deep"))).toBe("ENOENT");
    await fs.writeFile("/repo/config", "[core]\n", "utf8");
    await fs.writeFile("/repo/objects/pack/p.pack", new Uint8Array([1, 2, 3]));

    expect(await fs.readFile("/repo/config", { encoding: "utf8" })).toBe("[core]\n");
    expect([...((await fs.readFile("/repo//objects/pack/p.pack/")) as Buffer)]).toEqual([1, 2, 3]);
    expect(await code(fs.readFile("/repo/objects/ab/cdef"))).toBe("ENOENT");
    expect(await code(fs.readFile("/repo"))).toBe("EISDIR");
    expect((await fs.readdir("/repo")).sort()).toEqual(["config", "objects"]);
    expect(await code(fs.readdir("/repo/config"))).toBe("ENOTDIR");

    const file = await fs.stat("/repo/config");
    const folder = await fs.lstat("/repo/objects");
    expect([file.isFile(), file.isDirectory(), file.size]).toEqual([true, false, 7]);
    expect([folder.isFile(), folder.isDirectory()]).toEqual([false, true]);
    expect(await code(fs.stat("/nope"))).toBe("ENOENT");

    expect(await code(fs.rmdir("/repo/objects/pack"))).toBe("ENOTEMPTY");
    await fs.unlink("/repo/objects/pack/p.pack");
    await fs.rmdir("/repo/objects/pack");
    expect(await fs.readdir("/repo/objects")).toEqual([]);
    expect(await code(fs.unlink("/repo/objects/pack/p.pack"))).toBe("ENOENT");
    expect(await code(fs.readlink!("/repo/config"))).toBe("EINVAL");
  });

  it("gives every fetch a file system of its own", async () => {
    const first = createMemoryFs().promises;
    await first.writeFile("/HEAD", "ref: refs/heads/main\n");
    expect(await code(createMemoryFs().promises.readFile("/HEAD"))).toBe("ENOENT");
  });
});
