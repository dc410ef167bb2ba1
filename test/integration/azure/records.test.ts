import { TableClient } from "@azure/data-tables";
import { startAzurite, RunningAzurite } from "../../../dev/azurite";
import { createStorageAdapters, StorageAdapters } from "../../../src/azure/storage";
import { MAX_RECORD_JSON_CHARS } from "../../../src/azure/records";
import { RecordConflictError, RecordStoreError } from "../../../src/storage/ports";

interface Env {
  name: string;
  state: string;
  count?: number;
  notes?: string;
}

describe("TableRecordStore against Azurite", () => {
  let azurite: RunningAzurite;
  let storage: StorageAdapters;
  beforeAll(async () => {
    azurite = await startAzurite();
    storage = createStorageAdapters(azurite.connectionString);
  });
  afterAll(() => azurite.stop());

  it("creates the table on first use and round-trips create, get, replace, delete", async () => {
    const records = storage.records<Env>("environmentsRoundTrip");
    expect(await records.get("proj", "env1")).toBeUndefined();
    const etag1 = await records.create("proj", "env1", { name: "env1", state: "Creating" });
    const read = await records.get("proj", "env1");
    expect(read).toEqual({
      partitionKey: "proj",
      rowKey: "env1",
      value: { name: "env1", state: "Creating" },
      etag: etag1,
    });

    const etag2 = await records.replace(
      "proj",
      "env1",
      { name: "env1", state: "Succeeded", count: 2 },
      etag1,
    );
    expect(etag2).not.toBe(etag1);
    expect((await records.get("proj", "env1"))?.value).toEqual({
      name: "env1",
      state: "Succeeded",
      count: 2,
    });

    await records.delete("proj", "env1", etag2);
    expect(await records.get("proj", "env1")).toBeUndefined();
    await expect(records.delete("proj", "env1")).resolves.toBeUndefined();
  });

  it("refuses to create a record twice with a conflict naming the record", async () => {
    const records = storage.records<Env>("conflicts");
    await records.create("p", "r", { name: "a", state: "x" });
    const error = await records.create("p", "r", { name: "b", state: "y" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordConflictError);
    expect(error).toMatchObject({
      code: "RecordConflict",
      table: "conflicts",
      partitionKey: "p",
      rowKey: "r",
    });
    expect((error as Error).message).toBe("Record conflicts/p/r already exists.");
    expect((await records.get("p", "r"))?.value.name).toBe("a");
  });

  it("lets exactly one of many concurrent replaces with the same etag win", async () => {
    const records = storage.records<Env>("concurrency");
    const etag = await records.create("p", "contended", { name: "c", state: "start", count: 0 });
    const contenders = Array.from({ length: 8 }, (_, i) =>
      records.replace("p", "contended", { name: "c", state: `writer-${i}`, count: i }, etag),
    );
    const results = await Promise.allSettled(contenders);
    const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") {
        expect(result.reason).toBeInstanceOf(RecordConflictError);
        expect(result.reason.message).toBe(
          "Record concurrency/p/contended was changed by someone else since it was read.",
        );
      }
    }
    const final = await records.get("p", "contended");
    expect(final?.value.state).toBe(`writer-${winners[0]}`);
    expect(final?.etag).toBe((results[winners[0]] as PromiseFulfilledResult<string>).value);
  });

  it("reports a stale etag on delete and a deleted record on replace as conflicts", async () => {
    const records = storage.records<Env>("staleness");
    const etag1 = await records.create("p", "r", { name: "r", state: "1" });
    await records.replace("p", "r", { name: "r", state: "2" }, etag1);
    await expect(records.delete("p", "r", etag1)).rejects.toBeInstanceOf(RecordConflictError);
    const current = await records.get("p", "r");
    await records.delete("p", "r", current?.etag);
    await expect(records.replace("p", "r", { name: "r", state: "3" }, etag1)).rejects.toThrow(
      "Record staleness/p/r was deleted by someone else since it was read.",
    );
  });

  it("lists one partition by row key prefix and range, in order, with a limit", async () => {
    const records = storage.records<Env>("listing");
    for (const key of ["b-2", "a-1", "b-1", "b-3", "c-1"])
      await records.create("p", key, { name: key, state: "s" });
    await records.create("other", "b-9", { name: "b-9", state: "s" });
    expect((await records.list("p")).map((r) => r.rowKey)).toEqual(["a-1", "b-1", "b-2", "b-3", "c-1"]);
    expect((await records.list("p", { prefix: "b-" })).map((r) => r.value.name)).toEqual([
      "b-1",
      "b-2",
      "b-3",
    ]);
    expect((await records.list("p", { prefix: "b-", limit: 2 })).map((r) => r.rowKey)).toEqual([
      "b-1",
      "b-2",
    ]);
    expect((await records.list("p", { after: "b-1", limit: 2 })).map((r) => r.rowKey)).toEqual([
      "b-2",
      "b-3",
    ]);
    expect((await records.list("p", { from: "b-2" })).map((r) => r.rowKey)).toEqual(["b-2", "b-3", "c-1"]);
    expect((await records.list("p", { prefix: "b-", after: "b-2" })).map((r) => r.rowKey)).toEqual(["b-3"]);
    expect(await records.list("nobody")).toEqual([]);
    const [first] = await records.list("p", { limit: 1 });
    await expect(records.replace("p", first.rowKey, first.value, first.etag)).resolves.toEqual(
      expect.any(String),
    );
  });

  it("lists the rows before a key", async () => {
    const records = storage.records<Env>("before");
    for (const key of ["a", "b", "~x", "~y"]) await records.create("p", key, { name: key, state: "s" });
    expect((await records.list("p", { before: "~" })).map((r) => r.rowKey)).toEqual(["a", "b"]);
    expect((await records.list("p", { after: "a", before: "~y" })).map((r) => r.rowKey)).toEqual(["b", "~x"]);
  });

  it("writes a batch of one partition all or none, naming the write that conflicted", async () => {
    const records = storage.records<Env>("batches");
    const [etagA, etagB] = await records.batch("p", [
      { kind: "create", rowKey: "a", value: { name: "a", state: "1" } },
      { kind: "upsert", rowKey: "b", value: { name: "b", state: "1" } },
    ]);
    expect((await records.get("p", "a"))?.etag).toBe(etagA);
    expect((await records.get("p", "b"))?.etag).toBe(etagB);

    const [etagA2] = await records.batch("p", [
      { kind: "replace", rowKey: "a", value: { name: "a", state: "2" }, etag: etagA },
      { kind: "delete", rowKey: "b" },
    ]);
    expect(await records.get("p", "a")).toMatchObject({ value: { state: "2" }, etag: etagA2 });
    expect(await records.get("p", "b")).toBeUndefined();

    const failures: [Parameters<typeof records.batch>[1], string, string][] = [
      [
        [
          { kind: "upsert", rowKey: "c", value: { name: "c", state: "x" } },
          { kind: "replace", rowKey: "a", value: { name: "a", state: "x" }, etag: etagA },
        ],
        "a",
        "changed",
      ],
      [
        [
          { kind: "upsert", rowKey: "c", value: { name: "c", state: "x" } },
          { kind: "create", rowKey: "a", value: { name: "a", state: "x" } },
        ],
        "a",
        "exists",
      ],
      [
        [
          { kind: "replace", rowKey: "a", value: { name: "a", state: "x" }, etag: etagA2 },
          { kind: "delete", rowKey: "b" },
        ],
        "b",
        "missing",
      ],
    ];
    for (const [writes, rowKey, conflict] of failures) {
      const error = await records.batch("p", writes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecordConflictError);
      expect(error).toMatchObject({ table: "batches", partitionKey: "p", rowKey, conflict });
    }
    // Nothing of the failed batches was written.
    expect(await records.get("p", "a")).toMatchObject({ value: { state: "2" }, etag: etagA2 });
    expect(await records.get("p", "c")).toBeUndefined();
  });

  it("splits large values across properties and refuses values over the limit", async () => {
    const records = storage.records<Env>("large");
    // Non-ASCII text and surrogate pairs spanning chunk and network-read boundaries come back intact.
    const notes = "é😀".repeat(15000) + "x".repeat(100000);
    await records.create("p", "big", { name: "big", state: "s", notes });
    const read = await records.get("p", "big");
    expect(read?.value.notes?.length).toBe(notes.length);
    expect(read?.value.notes === notes).toBe(true);
    const raw = await TableClient.fromConnectionString(azurite.connectionString, "large", {
      allowInsecureConnection: true,
    }).getEntity<Record<string, unknown>>("p", "big");
    const chunks = Object.keys(raw)
      .filter((k) => /^json\d+$/.test(k))
      .map((k) => raw[k] as string);
    expect(chunks.length).toBeGreaterThan(9);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(32000);
      expect(/[^\x20-\x7e]/.test(chunk)).toBe(false);
    }

    const tooBig = { name: "huge", state: "s", notes: "x".repeat(MAX_RECORD_JSON_CHARS) };
    const error = await records.create("p", "huge", tooBig).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordStoreError);
    expect(error).toMatchObject({ code: "RecordTooLarge" });
    expect((error as Error).message).toMatch(/^Record large\/p\/huge is too large/);
    expect(await records.get("p", "huge")).toBeUndefined();
  });

  it("rejects invalid keys and table names with clear codes", async () => {
    const records = storage.records<Env>("keys");
    await expect(records.create("a/b", "r", { name: "x", state: "s" })).rejects.toMatchObject({
      code: "InvalidRecordKey",
    });
    await expect(records.get("p", "what?")).rejects.toMatchObject({ code: "InvalidRecordKey" });
    expect(() => storage.records("no-dashes")).toThrow(/Table name "no-dashes" is invalid/);
  });
});
