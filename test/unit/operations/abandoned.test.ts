/** Abandoned operations: what the periodic sweep ends, and what it must leave to its orchestration. */
import { endAbandonedOperations, type OrchestrationState } from "../../../src/operations/abandoned";
import type { OperationInput } from "../../../src/operations/plan";
import { TABLES, type EnvironmentRecord, type OperationRecord } from "../../../src/storage/records";
import { updateRecord } from "../../../src/storage/update-record";
import { operationRecords } from "../../../src/storage/indexed-records";
import { MemoryRecords } from "../../support/memory-records";

const NOW = Date.parse("2026-12-02T12:00:00Z");

const operation = (id: string): OperationRecord => ({
  id,
  project: "demo",
  environmentName: `env-${id}`,
  user: "alice",
  kind: "deploy",
  status: "Running",
  createdBy: "alice",
  startTime: new Date(NOW - 60_000).toISOString(),
  environmentParameters: {},
});

const environment = (name: string, currentOperationId: string): EnvironmentRecord => ({
  project: "demo",
  name,
  user: "alice",
  environmentType: "Dev",
  catalogName: "samples",
  environmentDefinitionName: "counter",
  parameters: {},
  provisioningState: "Running",
  currentOperationId,
  createdAt: "2026-12-01T00:00:00Z",
  updatedAt: "2026-12-01T00:00:00Z",
});

async function setup(ids: string[]) {
  const tables = new Map<string, MemoryRecords<object>>();
  const operations = operationRecords(<T extends object>(table: string) => {
    const store = tables.get(table) ?? new MemoryRecords<object>(table);
    tables.set(table, store);
    return store as unknown as MemoryRecords<T>;
  });
  const environments = new MemoryRecords<EnvironmentRecord>();
  for (const id of ids) {
    await operations.create("demo", id, operation(id));
    await environments.create("demo", `env-${id}`, environment(`env-${id}`, id));
  }
  return {
    operations,
    environments,
    records: tables.get(TABLES.operations) as MemoryRecords<OperationRecord>,
  };
}

const ENDED = {
  orchestrationState: async (): Promise<OrchestrationState> => "ended",
  cleanUp: async () => {},
};

describe("the abandoned-operation sweep", () => {
  it("ends an operation whose orchestration ended without ending it", async () => {
    const { operations, environments } = await setup(["terminated"]);
    const cleanedUp: OperationInput[] = [];
    const ended = await endAbandonedOperations(
      {
        operations,
        environments,
        now: () => new Date(NOW),
        scheduler: {
          orchestrationState: async (): Promise<OrchestrationState> => "ended",
          cleanUp: async (input) => void cleanedUp.push(input),
        },
      },
      ["demo"],
    );
    expect(ended).toEqual(["demo/terminated"]);
    expect(cleanedUp.map((c) => c.operationId)).toEqual(["terminated"]);
    expect((await operations.get("demo", "terminated"))?.value).toMatchObject({
      status: "Failed",
      error: { code: "OperationAbandoned" },
    });
    expect((await environments.get("demo", "env-terminated"))?.value.provisioningState).toBe("Failed");
  });

  it("leaves an operation that its orchestration finished after the sweep listed it", async () => {
    const { operations, environments } = await setup(["finishing"]);
    // The orchestration ends the operation (environment first, then the operation) and completes
    // between the sweep's listing and its look at the orchestration.
    const orchestrationState = async (id: string): Promise<OrchestrationState> => {
      await updateRecord(environments, "demo", `env-${id}`, (e) => ({
        ...e,
        provisioningState: "Succeeded" as const,
      }));
      await updateRecord(operations, "demo", id, (o) => ({ ...o, status: "Succeeded" as const }));
      return "ended";
    };
    const cleanedUp: OperationInput[] = [];
    const ended = await endAbandonedOperations(
      {
        operations,
        environments,
        now: () => new Date(NOW),
        scheduler: { orchestrationState, cleanUp: async (input) => void cleanedUp.push(input) },
      },
      ["demo"],
    );
    expect(ended).toEqual([]);
    expect(cleanedUp).toEqual([]);
    expect((await operations.get("demo", "finishing"))?.value.status).toBe("Succeeded");
    expect((await environments.get("demo", "env-finishing"))?.value.provisioningState).toBe("Succeeded");
  });

  it("finds operations from before the open-operations index, scanning each project once", async () => {
    const { operations, environments, records } = await setup(["indexed"]);
    // Written before the index existed: the record alone, no pointer.
    await records.create("demo", "older", operation("older"));
    await records.create("demo", "older-done", { ...operation("older-done"), status: "Succeeded" });
    await environments.create("demo", "env-older", environment("env-older", "older"));
    const listed: string[] = [];
    const list = records.list.bind(records);
    records.list = (partition, options) => {
      listed.push(partition);
      return list(partition, options);
    };
    const deps = { operations, environments, now: () => new Date(NOW), scheduler: ENDED };

    expect((await endAbandonedOperations(deps, ["demo"])).sort()).toEqual(["demo/indexed", "demo/older"]);
    expect(listed).toEqual(["demo"]);
    // Later sweeps read the index only: the operations that ended are not read again.
    await operations.create("demo", "later", operation("later"));
    await environments.create("demo", "env-later", environment("env-later", "later"));
    expect(await endAbandonedOperations(deps, ["demo"])).toEqual(["demo/later"]);
    expect(listed).toEqual(["demo"]);
    expect((await operations.get("demo", "older"))?.value).toMatchObject({
      status: "Failed",
      error: { code: "OperationAbandoned" },
    });
  });

  it("leaves the open operations of projects it does not sweep", async () => {
    const { operations, environments } = await setup(["elsewhere"]);
    const deps = { operations, environments, now: () => new Date(NOW), scheduler: ENDED };
    expect(await endAbandonedOperations(deps, ["other"])).toEqual([]);
    expect((await operations.get("demo", "elsewhere"))?.value.status).toBe("Running");
  });
});
