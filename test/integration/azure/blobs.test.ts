import { BlobServiceClient } from "@azure/storage-blob";
import { startAzurite, RunningAzurite } from "../../../dev/azurite";
import { createStorageAdapters } from "../../../src/azure/storage";
import { MAX_APPEND_BLOCK_BYTES } from "../../../src/azure/blobs";
import { BlobStore, BlobStoreError } from "../../../src/storage/ports";

describe("AzureBlobStore against Azurite", () => {
  let azurite: RunningAzurite;
  let blobs: BlobStore;
  let service: BlobServiceClient;
  beforeAll(async () => {
    azurite = await startAzurite();
    blobs = createStorageAdapters(azurite.connectionString).blobs;
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });
  afterAll(() => azurite.stop());

  const logText = async (container: string, name: string) =>
    (await blobs.get(container, name))?.toString("utf8");

  it("creates the container on first put and round-trips put, get, exists, list, delete", async () => {
    expect(await blobs.get("snapshots", "missing.zip")).toBeUndefined();
    expect(await blobs.exists("snapshots", "missing.zip")).toBe(false);
    expect(await blobs.list("snapshots")).toEqual([]);

    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00]);
    await blobs.put("snapshots", "catalog-a/commit1.zip", zip, { contentType: "application/zip" });
    await blobs.put("snapshots", "catalog-a/commit2.zip", "second");
    await blobs.put("snapshots", "catalog-b/commit1.zip", "other");

    expect(await blobs.get("snapshots", "catalog-a/commit1.zip")).toEqual(zip);
    expect((await blobs.get("snapshots", "catalog-a/commit2.zip"))?.toString()).toBe("second");
    expect(await blobs.exists("snapshots", "catalog-a/commit1.zip")).toBe(true);
    const listed = await blobs.list("snapshots", "catalog-a/");
    expect(listed.map((b) => [b.name, b.size, b.contentType])).toEqual([
      ["catalog-a/commit1.zip", 6, "application/zip"],
      ["catalog-a/commit2.zip", 6, "application/octet-stream"],
    ]);
    expect(listed[0].lastModified).toBeInstanceOf(Date);

    await blobs.put("snapshots", "catalog-a/commit2.zip", "replaced");
    expect((await blobs.get("snapshots", "catalog-a/commit2.zip"))?.toString()).toBe("replaced");

    await blobs.delete("snapshots", "catalog-a/commit1.zip");
    await blobs.delete("snapshots", "catalog-a/commit1.zip");
    await blobs.delete("never-created", "x");
    expect((await blobs.list("snapshots")).map((b) => b.name)).toEqual([
      "catalog-a/commit2.zip",
      "catalog-b/commit1.zip",
    ]);
  });

  it("creates a log on first append and appends to it", async () => {
    expect(await blobs.get("logs", "op-1.log")).toBeUndefined();
    await blobs.appendLog("logs", "op-1.log", "line 1 ✓\n");
    await blobs.appendLog("logs", "op-1.log", "line 2\n");
    expect(await logText("logs", "op-1.log")).toBe("line 1 ✓\nline 2\n");
    const properties = await service.getContainerClient("logs").getBlobClient("op-1.log").getProperties();
    expect(properties.blobType).toBe("AppendBlob");

    await blobs.appendLog("logs", "op-empty.log", "");
    expect(await logText("logs", "op-empty.log")).toBe("");
  });

  it("splits a large append into blocks of at most 4 MiB", async () => {
    const text = "0123456789abcdef".repeat((MAX_APPEND_BLOCK_BYTES * 2.5) / 16);
    await blobs.appendLog("logs", "big.log", text);
    const properties = await service.getContainerClient("logs").getBlobClient("big.log").getProperties();
    expect(properties.blobCommittedBlockCount).toBe(3);
    expect(properties.contentLength).toBe(text.length);
    expect((await logText("logs", "big.log")) === text).toBe(true);
  });

  it("tells a log's size and streams a byte range of it, in chunks, without reading the rest", async () => {
    expect(await blobs.logSize("logs", "stream.log")).toBeUndefined();
    const text = "0123456789abcdef".repeat((MAX_APPEND_BLOCK_BYTES * 1.5) / 16);
    await blobs.appendLog("logs", "stream.log", text);
    expect(await blobs.logSize("logs", "stream.log")).toBe(text.length);
    const read = async (start: number, end: number) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of blobs.streamLog("logs", "stream.log", start, end)) chunks.push(chunk);
      return { chunks: chunks.length, text: Buffer.concat(chunks).toString("utf8") };
    };
    const whole = await read(0, text.length);
    expect(whole.text === text).toBe(true);
    expect(whole.chunks).toBeGreaterThan(1);
    expect((await read(5, 21)).text).toBe(text.slice(5, 21));
    expect((await read(text.length - 3, text.length)).text).toBe(text.slice(-3));
    expect(await read(7, 7)).toEqual({ chunks: 0, text: "" });
  });

  it("appends at an expected position once, and reports a stale position as a conflict", async () => {
    await blobs.appendLog("logs", "op-2.log", "batch 1\n", { appendPosition: 0 });
    await blobs.appendLog("logs", "op-2.log", "batch 2\n", { appendPosition: 8 });
    const retry = await blobs
      .appendLog("logs", "op-2.log", "batch 2\n", { appendPosition: 8 })
      .catch((e: unknown) => e);
    expect(retry).toBeInstanceOf(BlobStoreError);
    expect(retry).toMatchObject({ code: "BlobConflict" });
    expect((retry as Error).message).toBe(
      "Log logs/op-2.log does not have 8 bytes: someone else appended to it.",
    );
    expect(await logText("logs", "op-2.log")).toBe("batch 1\nbatch 2\n");
  });

  it("keeps every line of concurrent appenders racing to create the same log", async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `writer ${i}\n`);
    await Promise.all(lines.map((line) => blobs.appendLog("racelogs", "shared.log", line)));
    const log = (await logText("racelogs", "shared.log")) ?? "";
    expect(log.split("\n").filter(Boolean).sort()).toEqual(lines.map((l) => l.trim()).sort());
  });

  it("rejects invalid container names with a clear code", async () => {
    await expect(blobs.put("Bad_Name", "x", "y")).rejects.toMatchObject({ code: "InvalidContainerName" });
    await expect(blobs.get("a", "x")).rejects.toThrow('Container name "a" is invalid');
  });
});
