/** The expiry sweep: which environments it deletes, and which it leaves for a later sweep. */
import { parseDevCenterConfig } from "../../../src/core/devcenter-config";
import { DEV_CENTER_PRINCIPAL, deleteExpiredEnvironments } from "../../../src/operations/expiry";
import type { EnvironmentRecord, OperationRecord, ResourceGroupClaim } from "../../../src/storage/records";
import type { OperationInput } from "../../../src/operations/plan";
import { MemoryRecords } from "../../support/memory-records";

const CONFIG = `
devCenter: { name: test-devcenter, location: westeurope }
catalogs: [{ name: samples, localPath: samples/catalog }]
environmentTypes: [{ name: Dev }]
projects:
  - name: demo
    members: ["*"]
    environmentTypes:
      - environmentType: Dev
        deploymentTargetId: /subscriptions/00000000-0000-0000-0000-000000000000
        runnerIdentity:
          resourceId: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner
          clientId: 11111111-1111-1111-1111-111111111111
          principalId: 22222222-2222-2222-2222-222222222222
`;

const NOW = Date.parse("2026-11-29T12:00:00Z");

function environment(
  name: string,
  expirationDate: string | undefined,
  extra: Partial<EnvironmentRecord> = {},
) {
  return {
    project: "demo",
    name,
    user: "alice",
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "counter",
    parameters: {},
    provisioningState: "Succeeded",
    ...(expirationDate && { expirationDate }),
    createdAt: "2026-11-01T00:00:00Z",
    updatedAt: "2026-11-01T00:00:00Z",
    ...extra,
  } satisfies EnvironmentRecord;
}

describe("the expiry sweep", () => {
  it("requests a forced delete of every expired, idle environment and leaves the rest", async () => {
    const parsed = parseDevCenterConfig(CONFIG, "devcenter.yaml");
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const environments = new MemoryRecords<EnvironmentRecord>();
    const operations = new MemoryRecords<OperationRecord>();
    const started: OperationInput[] = [];
    await environments.create("demo", "expired", environment("expired", "2026-11-29T11:59:00Z"));
    await environments.create("demo", "later", environment("later", "2026-11-29T13:00:00Z"));
    await environments.create("demo", "forever", environment("forever", undefined));
    await environments.create(
      "demo",
      "busy",
      environment("busy", "2026-11-28T00:00:00Z", { currentOperationId: "op-busy" }),
    );
    await operations.create("demo", "op-busy", {
      id: "op-busy",
      project: "demo",
      environmentName: "busy",
      user: "alice",
      kind: "deploy",
      status: "Running",
      createdBy: "alice",
      startTime: new Date(NOW - 1000).toISOString(),
      environmentParameters: {},
    });

    const sweep = await deleteExpiredEnvironments({
      devCenter: parsed.value,
      // The definition has left its catalog: an expired environment is deleted anyway.
      catalogs: { findDefinition: async () => undefined },
      environments,
      operations,
      resourceGroupClaims: new MemoryRecords<ResourceGroupClaim>("resourceGroupClaims"),
      scheduler: {
        start: async (input) => void started.push(input),
        cancel: async () => {},
        orchestrationState: async () => "running",
        cleanUp: async () => {},
        runnerFinished: async () => true,
        runnerReported: async () => {},
      },
      now: () => new Date(NOW),
    });

    expect(sweep.deleting).toEqual(["demo/expired"]);
    expect(sweep.skipped).toEqual([
      { environment: "demo/busy", reason: expect.stringContaining("in progress") },
    ]);
    expect(started).toEqual([expect.objectContaining({ environmentName: "expired", kind: "delete" })]);
    const operation = (await operations.list("demo")).find((o) => o.value.environmentName === "expired");
    expect(operation?.value).toMatchObject({ createdBy: DEV_CENTER_PRINCIPAL, force: true });
  });
});
