/** Abandoned operations: what the periodic sweep ends, and what it must leave to its orchestration. */
import { endAbandonedOperations, type OrchestrationState } from "../../../src/operations/abandoned";
import type { OperationInput } from "../../../src/operations/plan";
import type { EnvironmentRecord, OperationRecord } from "../../../src/storage/records";
import { updateRecord } from "../../../src/storage/update-record";
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
  const operations = new MemoryRecords<OperationRecord>();
  const environments = new MemoryRecords<EnvironmentRecord>();
  for (const id of ids) {
    await operations.create("demo", id, operation(id));
    await environments.create("demo", `env-${id}`, environment(`env-${id}`, id));
  }
  return { operations, environments };
}

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
});
