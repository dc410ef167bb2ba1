/**
 * The secondary index of operations by environment: read through pointers written on create, newest
 * first, a page at a time; records from before the index are indexed on first lookup; operations
 * older than 90 days are not listed.
 */
import { listOperations } from "../../../src/operations/environment-queries";
import { operationRecords } from "../../../src/storage/indexed-records";
import type { RecordBatchStore } from "../../../src/storage/ports";
import {
  isOperationIndexRow,
  operationIndexRow,
  TABLES,
  type OperationRecord,
} from "../../../src/storage/records";
import { MemoryRecords } from "../../support/memory-records";

function tables() {
  const opened = new Map<string, MemoryRecords<object>>();
  const open = <T extends object>(table: string): RecordBatchStore<T> => {
    if (!opened.has(table)) opened.set(table, new MemoryRecords<object>(table));
    return opened.get(table) as unknown as RecordBatchStore<T>;
  };
  return { open };
}

function operation(id: string, environmentName: string, startTime: string, user = "alice"): OperationRecord {
  return {
    id,
    project: "demo",
    environmentName,
    user,
    kind: "deploy",
    status: "Succeeded",
    createdBy: "alice",
    startTime,
    environmentParameters: {},
  };
}

const NOW = new Date("2026-12-01T00:00:00Z");

describe("operations by environment", () => {
  it("lists an environment's operations of the last 90 days, newest first", async () => {
    const { open } = tables();
    const operations = operationRecords(open);
    await operations.create("demo", "o-old", operation("o-old", "web", "2026-09-01T00:00:00.000Z"));
    await operations.create("demo", "o-1", operation("o-1", "web", "2026-11-01T00:00:00.000Z"));
    await operations.create("demo", "o-2", operation("o-2", "web", "2026-11-30T00:00:00.000Z"));
    await operations.create("demo", "o-other", operation("o-other", "api", "2026-11-15T00:00:00.000Z"));
    const listed = await listOperations({ operations, now: () => NOW }, "demo", "web", "alice");
    expect(listed.map((o) => o.id)).toEqual(["o-2", "o-1"]);
    expect(await listOperations({ operations, now: () => NOW }, "demo", "web", "bob")).toEqual([]);
  });

  it("reads a page at a time, newest first, past operations of the name's earlier owner", async () => {
    const { open } = tables();
    const operations = operationRecords(open);
    const starts = ["2026-11-05", "2026-11-01", "2026-11-03", "2026-11-04", "2026-11-02"];
    for (const [i, day] of starts.entries())
      await operations.create("demo", `o-${i}`, operation(`o-${i}`, "web", `${day}T00:00:00.000Z`));
    await operations.create("demo", "o-bob", operation("o-bob", "web", "2026-11-04T12:00:00.000Z", "bob"));
    const records = open<OperationRecord>(TABLES.operations);
    const read: string[] = [];
    const get = records.get.bind(records);
    records.get = (partitionKey, rowKey) => {
      read.push(rowKey);
      return get(partitionKey, rowKey);
    };
    const deps = { operations, now: () => NOW };
    await listOperations(deps, "demo", "web", "alice", { limit: 1 }); // indexes the project once
    read.length = 0;
    const page = async (after?: string) => {
      const listed = await listOperations(deps, "demo", "web", "alice", {
        ...(after && { after }),
        limit: 2,
      });
      return listed.map((o) => o.id);
    };
    expect(await page()).toEqual(["o-0", "o-3"]);
    expect(read).toEqual(["o-0", "o-bob", "o-3"]);
    read.length = 0;
    const after = operationIndexRow("2026-11-04T00:00:00.000Z", "o-3");
    expect(await page(after)).toEqual(["o-2", "o-4"]);
    expect(read).toEqual(["o-2", "o-4"]);
    expect(await page(operationIndexRow("2026-11-02T00:00:00.000Z", "o-4"))).toEqual(["o-1"]);
  });

  it("finds operations recorded before the index", async () => {
    const { open } = tables();
    await open<OperationRecord>(TABLES.operations).create(
      "demo",
      "o-early",
      operation("o-early", "web", "2026-11-20T00:00:00.000Z"),
    );
    const operations = operationRecords(open);
    await operations.create("demo", "o-late", operation("o-late", "web", "2026-11-21T00:00:00.000Z"));
    const listed = await listOperations({ operations, now: () => NOW }, "demo", "web", "alice");
    expect(listed.map((o) => o.id)).toEqual(["o-late", "o-early"]);
  });
});

describe("operation index rows", () => {
  it("sort newest first, then by operation id, and refuse a start time that is none", () => {
    const rows = [
      operationIndexRow("2026-11-01T00:00:00.000Z", "b"),
      operationIndexRow("2026-11-01T00:00:00.000Z", "a"),
      operationIndexRow("2026-11-02T00:00:00.001Z", "z"),
      operationIndexRow("1999-12-31T23:59:59.999Z", "c"),
    ];
    expect([...rows].sort()).toEqual([rows[2], rows[1], rows[0], rows[3]]);
    expect(rows.every(isOperationIndexRow)).toBe(true);
    expect(isOperationIndexRow("2026-11-01T00:00:00.000Z:a")).toBe(false);
    expect(() => operationIndexRow("yesterday", "x")).toThrow("has no valid start time");
  });
});
