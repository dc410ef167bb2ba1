/**
 * Starting a runner: the container gets the variables ADE's service gives its containers, so that
 * ADE's helpers work before `ade init` (verbose passes --operation $ADE_OPERATION_NAME).
 */
import { parseDevCenterConfig } from "../../../src/core/devcenter-config";
import { createOperationActivities, type OperationDeps } from "../../../src/operations/activities";
import type { OperationPlan } from "../../../src/operations/plan";
import type { RunnerContainerSpec } from "../../../src/operations/ports";
import type { OperationRecord } from "../../../src/storage/records";
import { MemoryRecords } from "../../support/memory-records";

const PLAN: OperationPlan = {
  project: "demo",
  environmentName: "web-1",
  operationId: "0b7b3c0e-3f7e-4a53-9a43-7f1f5f0e8a11",
  kind: "delete",
  runRunner: true,
  subscriptionId: "00000000-0000-0000-0000-00000000000a",
  resourceGroupName: "demo-web-1",
  resourceGroupId: "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/demo-web-1",
  location: "westeurope",
  environmentType: "Dev",
  tags: {},
  runnerRoleGrants: [],
  memberRoleGrants: [],
  runnerContainer: { subscriptionId: "runner-sub", resourceGroup: "runners", name: "runner-op" },
  runner: { image: "runner-core", identityResourceId: "identity", clientId: "client-id" },
  timeoutMinutes: 60,
  poll: { initialSeconds: 5, maxSeconds: 60 },
  retry: { firstIntervalSeconds: 1, maxIntervalSeconds: 10, maxAttempts: 2 },
  cleanupMaxAttempts: 3,
};

it("starts the runner with ADE's operation variables, the endpoint, the token as a secure value", async () => {
  const parsed = parseDevCenterConfig("devCenter: { name: test, location: westeurope }\n", "devcenter.yaml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const operations = new MemoryRecords<OperationRecord>();
  await operations.create("demo", PLAN.operationId, {
    id: PLAN.operationId,
    project: "demo",
    environmentName: "web-1",
    user: "alice",
    kind: "delete",
    status: "Running",
    createdBy: "alice",
    startTime: "2026-11-29T11:00:00Z",
    environmentParameters: { secret: "never in the container's properties" },
  });
  const started: RunnerContainerSpec[] = [];
  const activities = createOperationActivities({
    operations,
    devCenter: parsed.value,
    resourceGroups: { ensure: async () => {} },
    containers: {
      state: async () => ({ state: "NotFound" }),
      start: async (spec: RunnerContainerSpec) => void started.push(spec),
    },
    newRunnerToken: () => ({ token: "the-token", hash: "the-hash" }),
    now: () => new Date("2026-11-29T11:00:00Z"),
    settings: {
      devCenterId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.DevCenter/devcenters/dc",
      tenantId: "tenant-id",
      runnerApiEndpoint: "https://app.example.net",
      runnerResourceGroup: { name: "runners" },
      runnerEnvironment: { ADE_LOG_INTERVAL_MS: "1000" },
    },
  } as unknown as OperationDeps);

  await activities.startRunner(PLAN);

  expect(started).toHaveLength(1);
  const variables = Object.fromEntries(started[0].environment.map((v) => [v.name, v.value ?? v.secureValue]));
  expect(variables).toEqual({
    ADE_HTTP__OPERATIONID: PLAN.operationId,
    ADE_HTTP__DEVCENTERID: "/subscriptions/s/resourceGroups/r/providers/Microsoft.DevCenter/devcenters/dc",
    ADE_OPERATION_NAME: "delete",
    ADE_ENVIRONMENT_NAME: "web-1",
    ADE_ENVIRONMENT_TYPE: "Dev",
    ADE_ENVIRONMENT_LOCATION: "westeurope",
    ADE_SUBSCRIPTION_ID: "00000000-0000-0000-0000-00000000000a",
    ADE_RESOURCE_GROUP_NAME: "demo-web-1",
    ADE_CLIENT_ID: "client-id",
    ADE_TENANT_ID: "tenant-id",
    ADE_RUNNER_ENDPOINT: "https://app.example.net/runner/projects/demo",
    ADE_RUNNER_TOKEN: "the-token",
    // When the operation times out: the ade CLI retries until then.
    ADE_OPERATION_DEADLINE: new Date(
      Date.parse("2026-11-29T11:00:00Z") + PLAN.timeoutMinutes * 60_000,
    ).toISOString(),
    ADE_LOG_INTERVAL_MS: "1000",
  });
  expect(started[0].environment.find((v) => v.name === "ADE_RUNNER_TOKEN")).toEqual({
    name: "ADE_RUNNER_TOKEN",
    secureValue: "the-token",
  });
  expect((await operations.get("demo", PLAN.operationId))?.value.runnerTokenHash).toBe("the-hash");
});
