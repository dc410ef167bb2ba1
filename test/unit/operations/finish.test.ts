/**
 * Ending an operation: the environment reaches its final state before the operation says it has
 * ended, so a client that polls the operation and then reads the environment sees that state.
 */
import { parseDevCenterConfig } from "../../../src/core/devcenter-config";
import { createOperationActivities, type OperationDeps } from "../../../src/operations/activities";
import type { EnvironmentRecord, OperationRecord, ResourceGroupClaim } from "../../../src/storage/records";
import type { BlobStore } from "../../../src/storage/ports";
import { MemoryRecords } from "../../support/memory-records";

const CONFIG = "devCenter: { name: test-devcenter, location: westeurope }\n";

/** Records every write to the two tables, in order. */
function recorded(): {
  environments: MemoryRecords<EnvironmentRecord>;
  operations: MemoryRecords<OperationRecord>;
  writes: string[];
} {
  const writes: string[] = [];
  const environments = new MemoryRecords<EnvironmentRecord>();
  const operations = new MemoryRecords<OperationRecord>();
  const replaceEnvironment = environments.replace.bind(environments);
  environments.replace = async (pk, rk, value, etag) => {
    writes.push(`environment ${value.provisioningState}`);
    return replaceEnvironment(pk, rk, value, etag);
  };
  const deleteEnvironment = environments.delete.bind(environments);
  environments.delete = async (pk, rk, etag) => {
    writes.push("environment deleted");
    return deleteEnvironment(pk, rk, etag);
  };
  const replaceOperation = operations.replace.bind(operations);
  operations.replace = async (pk, rk, value, etag) => {
    writes.push(`operation ${value.status}`);
    return replaceOperation(pk, rk, value, etag);
  };
  return { environments, operations, writes };
}

async function setup(kind: "deploy" | "delete") {
  const parsed = parseDevCenterConfig(CONFIG, "devcenter.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const { environments, operations, writes } = recorded();
  const blobs = { list: async () => [], delete: async () => {} } as unknown as BlobStore;
  const activities = createOperationActivities({
    environments,
    operations,
    resourceGroupClaims: new MemoryRecords<ResourceGroupClaim>(),
    blobs,
    devCenter: parsed.value,
    now: () => new Date("2026-11-29T12:00:00Z"),
  } as unknown as OperationDeps);
  await environments.create("demo", "env", {
    project: "demo",
    name: "env",
    user: "alice",
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "counter",
    parameters: {},
    provisioningState: kind === "deploy" ? "Creating" : "Deleting",
    currentOperationId: "op",
    createdAt: "2026-11-29T11:00:00Z",
    updatedAt: "2026-11-29T11:00:00Z",
  });
  await operations.create("demo", "op", {
    id: "op",
    project: "demo",
    environmentName: "env",
    user: "alice",
    kind,
    status: "Running",
    createdBy: "alice",
    startTime: "2026-11-29T11:00:00Z",
    environmentParameters: {},
    runnerTokenHash: "hash",
  });
  const input = { project: "demo", environmentName: "env", operationId: "op", kind };
  return { activities, environments, operations, writes, input };
}

describe("ending an operation", () => {
  it("deploy: the environment's state is written before the operation's", async () => {
    const { activities, operations, writes, input } = await setup("deploy");
    await activities.finishOperation({ input, outcome: { status: "Succeeded" } });
    expect(writes).toEqual(["environment Succeeded", "operation Succeeded"]);
    const operation = (await operations.get("demo", "op"))?.value;
    expect(operation).toMatchObject({ status: "Succeeded", endTime: "2026-11-29T12:00:00.000Z" });
    expect(operation?.runnerTokenHash).toBeUndefined();
  });

  it("delete: the environment is gone before the operation has succeeded", async () => {
    const { activities, environments, writes, input } = await setup("delete");
    await activities.finishOperation({ input, outcome: { status: "Succeeded" } });
    expect(writes).toEqual(["environment deleted", "operation Succeeded"]);
    expect(await environments.get("demo", "env")).toBeUndefined();
  });

  it("a failed delete keeps the environment, marked Failed with the error", async () => {
    const { activities, environments, input } = await setup("delete");
    const error = { code: "DeploymentError", message: "delete.sh failed" };
    await activities.finishOperation({ input, outcome: { status: "Failed", error } });
    expect((await environments.get("demo", "env"))?.value).toMatchObject({
      provisioningState: "Failed",
      error,
    });
  });

  it("records the step of a running operation, and leaves an ended one's alone", async () => {
    const { activities, operations, input } = await setup("deploy");
    await activities.recordStep({ project: "demo", operationId: "op", step: "GrantingRoles" });
    expect((await operations.get("demo", "op"))?.value.step).toBe("GrantingRoles");
    await activities.finishOperation({ input, outcome: { status: "Succeeded" } });
    await activities.recordStep({ project: "demo", operationId: "op", step: "Finishing" });
    expect((await operations.get("demo", "op"))?.value).toMatchObject({
      status: "Succeeded",
      step: "GrantingRoles",
    });
  });
});
