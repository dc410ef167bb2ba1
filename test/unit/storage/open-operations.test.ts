/**
 * The index of open operations: a pointer while an operation runs or its cleanup is pending,
 * none once it has finished; listing skips and tidies pointers to finished or missing records.
 */
import { operationRecords } from "../../../src/storage/indexed-records";
import type { OpenOperationPointer } from "../../../src/storage/open-operations";
import type { RecordBatchStore } from "../../../src/storage/ports";
import { TABLES, type OperationRecord } from "../../../src/storage/records";
import { updateRecord } from "../../../src/storage/update-record";
import { MemoryRecords } from "../../support/memory-records";

function tables() {
  const opened = new Map<string, MemoryRecords<object>>();
  return <T extends object>(table: string): RecordBatchStore<T> => {
    if (!opened.has(table)) opened.set(table, new MemoryRecords<object>(table));
    return opened.get(table) as unknown as RecordBatchStore<T>;
  };
}

function operation(id: string, status: OperationRecord["status"], project = "demo"): OperationRecord {
  return {
    id,
    project,
    environmentName: "web",
    user: "alice",
    kind: "deploy",
    status,
    createdBy: "alice",
    startTime: "2026-12-01T00:00:00.000Z",
    environmentParameters: {},
  };
}

const NOW = new Date("2026-12-01T01:00:00Z");

describe("open operations", () => {
  it("holds a running operation until it ends, across projects", async () => {
    const open = tables();
    const operations = operationRecords(open);
    await operations.create("demo", "o-1", operation("o-1", "Running"));
    await operations.create("other", "o-2", operation("o-2", "Running", "other"));
    await operations.create("demo", "o-done", operation("o-done", "Succeeded"));
    expect((await operations.open(NOW)).map((o) => o.id).sort()).toEqual(["o-1", "o-2"]);

    await updateRecord(operations, "demo", "o-1", (r) => ({ ...r, step: "CleaningUp" }));
    expect((await operations.open(NOW)).map((o) => o.id).sort()).toEqual(["o-1", "o-2"]);
    await updateRecord(operations, "demo", "o-1", (r): OperationRecord => ({ ...r, status: "Failed" }));
    expect((await operations.open(NOW)).map((o) => o.id)).toEqual(["o-2"]);
    expect(await open<OpenOperationPointer>(TABLES.openOperations).list("open")).toHaveLength(1);

    await operations.delete("other", "o-2");
    expect(await operations.open(NOW)).toEqual([]);
    expect(await open(TABLES.openOperations).list("open")).toEqual([]);
  });

  it("keeps an ended operation whose cleanup is pending, until the cleanup is done", async () => {
    const operations = operationRecords(tables());
    await operations.create("demo", "o-1", operation("o-1", "Running"));
    const since = "2026-12-01T00:30:00.000Z";
    await updateRecord(operations, "demo", "o-1", (r): OperationRecord => ({
      ...r,
      status: "Failed",
      cleanup: { attempts: 0, since, pending: true },
    }));
    expect((await operations.open(NOW)).map((o) => o.id)).toEqual(["o-1"]);
    await updateRecord(operations, "demo", "o-1", (r) => ({
      ...r,
      cleanup: { attempts: 0, since, pending: false },
    }));
    expect(await operations.open(NOW)).toEqual([]);
  });

  it("tidies pointers a crash left: to a finished record at once, to a missing one once it is old", async () => {
    const open = tables();
    const operations = operationRecords(open);
    const pointers = open<OpenOperationPointer>(TABLES.openOperations);
    await pointers.create("open", "demo:o-finished", {
      project: "demo",
      operationId: "o-finished",
      startTime: "2026-12-01T00:00:00.000Z",
    });
    await open<OperationRecord>(TABLES.operations).create(
      "demo",
      "o-finished",
      operation("o-finished", "Canceled"),
    );
    await pointers.create("open", "demo:o-young", {
      project: "demo",
      operationId: "o-young",
      startTime: "2026-12-01T00:55:00.000Z",
    });
    await pointers.create("open", "demo:o-old", {
      project: "demo",
      operationId: "o-old",
      startTime: "2026-12-01T00:00:00.000Z",
    });
    expect(await operations.open(NOW)).toEqual([]);
    expect((await pointers.list("open")).map((p) => p.rowKey)).toEqual(["demo:o-young"]);
  });
});
