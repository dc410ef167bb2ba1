/**
 * The secondary index of operations by environment: read through pointers written on create;
 * operations older than 90 days are not listed.
 */
import { listOperations } from "../../../src/operations/environment-queries";
import { operationRecords } from "../../../src/storage/indexed-records";
import type { RecordBatchStore } from "../../../src/storage/ports";
import type { OperationRecord } from "../../../src/storage/records";
import { MemoryRecords } from "../../support/memory-records";

function tables() {
  const opened = new Map<string, MemoryRecords<object>>();
  const open = <T extends object>(table: string): RecordBatchStore<T> => {
    if (!opened.has(table)) opened.set(table, new MemoryRecords<object>(table));
    return opened.get(table) as unknown as RecordBatchStore<T>;
  };
  return { open };
}

function operation(id: string, environmentName: string, startTime: string): OperationRecord {
  return {
    id,
    project: "demo",
    environmentName,
    user: "alice",
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
});
