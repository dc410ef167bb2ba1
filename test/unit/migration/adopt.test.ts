import type { BlobStore } from "../../../src/storage/ports";
import type { EnvironmentRecord, OperationRecord, ResourceGroupClaim } from "../../../src/storage/records";
import {
  adoptEnvironment,
  importedOperationId,
  planAdoption,
  type AdoptRequest,
} from "../../../src/operations/adopt";
import { MemoryRecords } from "../../support/memory-records";

function memoryBlobs(): BlobStore & { names(): string[] } {
  const blobs = new Map<string, Buffer>();
  return {
    names: () => [...blobs.keys()].sort(),
    async put(container, name, data) {
      blobs.set(`${container}/${name}`, Buffer.from(data));
    },
    async get(container, name) {
      return blobs.get(`${container}/${name}`);
    },
    async exists(container, name) {
      return blobs.has(`${container}/${name}`);
    },
    async list() {
      return [];
    },
    async delete(container, name) {
      blobs.delete(`${container}/${name}`);
    },
    async appendLog() {
      throw new Error("not used");
    },
    async logSize() {
      return undefined;
    },
    streamLog() {
      throw new Error("not used");
    },
  };
}

const request: AdoptRequest = {
  source: "https://tenant-contoso.westeurope.devcenter.azure.com",
  project: "alpha",
  environmentName: "web-dev",
  user: "44444444-4444-4444-4444-444444444444",
  environmentType: "Dev",
  catalogName: "samples",
  environmentDefinitionName: "counter",
  parameters: { step: 2 },
  provisioningState: "Succeeded",
  resourceGroupId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/alpha-web-dev",
  outputs: { outputs: { count: { type: "int", value: 2, sensitive: false } } },
  state: new Uint8Array([0x50, 0x4b, 3, 4]),
};

function deps() {
  return {
    environments: new MemoryRecords<EnvironmentRecord>(),
    operations: new MemoryRecords<OperationRecord>(),
    resourceGroupClaims: new MemoryRecords<ResourceGroupClaim>(),
    blobs: memoryBlobs(),
    now: () => new Date("2026-12-01T10:00:00Z"),
  };
}

describe("adoptEnvironment", () => {
  it("records the environment, one imported operation, its outputs, state and log", async () => {
    const d = deps();
    const outcome = await adoptEnvironment(d, request);
    const id = importedOperationId(request);
    expect(outcome).toEqual({ outcome: "adopted", operationId: id });
    const environment = (await d.environments.get("alpha", "web-dev"))!.value;
    expect(environment).toMatchObject({
      user: request.user,
      provisioningState: "Succeeded",
      resourceGroupId: request.resourceGroupId,
      currentOperationId: id,
      adopted: { source: request.source, operationId: id },
    });
    expect((await d.operations.get("alpha", id))!.value).toMatchObject({
      kind: "deploy",
      status: "Succeeded",
      imported: { source: request.source },
    });
    expect(d.blobs.names()).toEqual([
      "environments/alpha/web-dev/files/storage.zip",
      "environments/alpha/web-dev/outputs.json",
      `operation-logs/alpha/${id}.log`,
    ]);
    expect((await d.blobs.get("operation-logs", `alpha/${id}.log`))!.toString()).toContain(
      "Nothing in Azure was changed",
    );
  });

  it("changes nothing when the same environment is adopted again", async () => {
    const d = deps();
    await adoptEnvironment(d, request);
    const before = await d.environments.get("alpha", "web-dev");
    expect(await adoptEnvironment(d, { ...request, parameters: { step: 9 } })).toEqual({
      outcome: "unchanged",
      operationId: importedOperationId(request),
    });
    expect(await d.environments.get("alpha", "web-dev")).toEqual(before);
  });

  it("reports an environment of the same name that was not adopted from the source, and writes nothing", async () => {
    const d = deps();
    await adoptEnvironment(d, { ...request, source: "https://other.devcenter.azure.com" });
    const existing = (await d.environments.get("alpha", "web-dev"))!.value;
    const blobsBefore = d.blobs.names();
    const outcome = await adoptEnvironment(d, request);
    expect(outcome).toMatchObject({
      outcome: "conflict",
      reason: expect.stringContaining("was adopted from https://other.devcenter.azure.com"),
    });
    expect((await d.environments.get("alpha", "web-dev"))!.value).toEqual(existing);
    expect(d.blobs.names()).toEqual(blobsBefore);

    const own = deps();
    await own.resourceGroupClaims.create("resourceGroups", "alpha-web-dev", {
      resourceGroupName: "alpha-web-dev",
      project: "alpha",
      environmentName: "web-dev",
      claimedAt: "2026-12-01T09:00:00Z",
    });
    await own.environments.create("alpha", "web-dev", { ...existing, adopted: undefined });
    expect(await planAdoption(own, request)).toMatchObject({
      outcome: "conflict",
      reason: expect.stringContaining("already exists here"),
    });
  });

  it("reports an environment here that holds the resource group under a name of another case", async () => {
    const d = deps();
    await adoptEnvironment(d, {
      ...request,
      source: "https://other.devcenter.azure.com",
      environmentName: "Web-Dev",
    });
    const outcome = await adoptEnvironment(d, request);
    expect(outcome).toMatchObject({ outcome: "conflict", reason: expect.stringContaining("alpha/Web-Dev") });
    expect(await planAdoption(d, request)).toMatchObject({ outcome: "conflict" });
    expect(await d.environments.get("alpha", "web-dev")).toBeUndefined();
  });
});
