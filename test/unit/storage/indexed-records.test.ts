/**
 * The secondary indexes: a user's environments and an environment's operations are read through
 * pointers written on create and removed on delete; records from before the index are indexed on
 * first lookup; operations older than 90 days are not listed.
 */
import { listEnvironments, listOperations } from "../../../src/operations/environment-queries";
import {
  environmentRecords,
  operationRecords,
  type IndexPointer,
} from "../../../src/storage/indexed-records";
import type { RecordStore } from "../../../src/storage/ports";
import { TABLES, type EnvironmentRecord, type OperationRecord } from "../../../src/storage/records";
import { MemoryRecords } from "../../support/memory-records";

function tables() {
  const opened = new Map<string, MemoryRecords<object>>();
  const open = <T extends object>(table: string): RecordStore<T> => {
    if (!opened.has(table)) opened.set(table, new MemoryRecords<object>(table));
    return opened.get(table) as unknown as RecordStore<T>;
  };
  return { open, table: <T extends object>(name: string) => open<T>(name) };
}

function environment(name: string, user: string): EnvironmentRecord {
  return {
    project: "demo",
    name,
    user,
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "counter",
    parameters: {},
    provisioningState: "Succeeded",
    createdAt: "2026-11-01T00:00:00Z",
    updatedAt: "2026-11-01T00:00:00Z",
  };
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

describe("environments by user", () => {
  it("finds a user's environments through pointers kept in step with creates and deletes", async () => {
    const { open, table } = tables();
    const environments = environmentRecords(open);
    await environments.create("demo", "a1", environment("a1", "alice"));
    await environments.create("demo", "b1", environment("b1", "bob"));
    await environments.create("demo", "a2", environment("a2", "alice"));
    const index = table<IndexPointer>(TABLES.environmentsByUser);
    expect((await index.list("demo:alice")).map((p) => p.rowKey)).toEqual(["a1", "a2"]);

    const names = async (user: string) =>
      (await listEnvironments({ environments }, "demo", user)).map((e) => e.name).sort();
    expect(await names("alice")).toEqual(["a1", "a2"]);
    expect(await names("bob")).toEqual(["b1"]);

    await environments.delete("demo", "a1");
    expect(await names("alice")).toEqual(["a2"]);
    expect((await index.list("demo:alice")).map((p) => p.rowKey)).toEqual(["a2"]);
    // The whole project is still listed from the table itself.
    expect((await listEnvironments({ environments }, "demo")).map((e) => e.name).sort()).toEqual([
      "a2",
      "b1",
    ]);
  });

  it("indexes records written before the index existed, once, on first lookup", async () => {
    const { open, table } = tables();
    const plain = table<EnvironmentRecord>(TABLES.environments);
    await plain.create("demo", "old", environment("old", "alice"));
    const environments = environmentRecords(open);
    expect((await listEnvironments({ environments }, "demo", "alice")).map((e) => e.name)).toEqual(["old"]);
    expect(await table<IndexPointer>(TABLES.environmentsByUser).get("demo:alice", "old")).toBeDefined();
  });

  it("skips a pointer whose record was never written (a crash between the two writes)", async () => {
    const { open, table } = tables();
    const environments = environmentRecords(open);
    await environments.create("demo", "real", environment("real", "alice"));
    await table<IndexPointer>(TABLES.environmentsByUser).create("demo:alice", "ghost", {
      partitionKey: "demo",
      rowKey: "ghost",
    });
    expect((await listEnvironments({ environments }, "demo", "alice")).map((e) => e.name)).toEqual(["real"]);
  });
});

describe("a page of a user's environments", () => {
  it("reads only the pointers and records of the page, in name order, past pointers to nothing", async () => {
    const { open, table } = tables();
    const environments = environmentRecords(open);
    for (const name of ["e5", "e1", "e3", "e2", "e4"]) {
      await environments.create("demo", name, environment(name, "alice"));
      await environments.create("demo", `bob-${name}`, environment(`bob-${name}`, "bob"));
    }
    await table<IndexPointer>(TABLES.environmentsByUser).create("demo:alice", "e2a", {
      partitionKey: "demo",
      rowKey: "e2a",
    });
    const records = table<EnvironmentRecord>(TABLES.environments);
    const read: string[] = [];
    const get = records.get.bind(records);
    records.get = (partitionKey, rowKey) => {
      read.push(rowKey);
      return get(partitionKey, rowKey);
    };
    await listEnvironments({ environments }, "demo", "alice"); // indexes the partition once
    read.length = 0;
    const names = async (range: { after?: string; limit?: number }) =>
      (await listEnvironments({ environments }, "demo", "alice", range)).map((e) => e.name);
    expect(await names({ limit: 2 })).toEqual(["e1", "e2"]);
    expect(read.sort()).toEqual(["e1", "e2"]);
    read.length = 0;
    expect(await names({ after: "e2", limit: 2 })).toEqual(["e3", "e4"]);
    expect(read.sort()).toEqual(["e2a", "e3", "e4"]);
    expect(await names({ after: "e4", limit: 2 })).toEqual(["e5"]);
    expect(await names({ after: "e5", limit: 2 })).toEqual([]);
  });

  it("lists a project's environments a page at a time", async () => {
    const { open } = tables();
    const environments = environmentRecords(open);
    for (const name of ["c", "a", "d", "b"].map((n) => `env-${n}`))
      await environments.create("demo", name, environment(name, name === "env-b" ? "bob" : "alice"));
    const names = async (range: { after?: string; limit?: number }) =>
      (await listEnvironments({ environments }, "demo", undefined, range)).map((e) => e.name);
    expect(await names({ limit: 3 })).toEqual(["env-a", "env-b", "env-c"]);
    expect(await names({ after: "env-b", limit: 3 })).toEqual(["env-c", "env-d"]);
  });
});

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
