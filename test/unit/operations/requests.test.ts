/**
 * Accepting deploy and delete requests: one operation per environment (ETag claim), a failed start
 * leaves nothing stuck, and an operation whose orchestration is gone does not block the environment.
 */
import type {
  EnvironmentRecord,
  OperationDefinition,
  OperationRecord,
  ResourceGroupClaim,
} from "../../../src/storage/records";
import type { OperationInput } from "../../../src/operations/plan";
import {
  type DeployRequest,
  type OperationScheduler,
  type RequestDeps,
  requestDelete,
  requestDeploy,
} from "../../../src/operations/requests";
import { RequestRejected } from "../../../src/operations/rejections";
import { resourceGroupName } from "../../../src/core/names";
import { CLAIM_SETTLE_MS } from "../../../src/operations/resource-group-claims";
import { RESOURCE_GROUP_CLAIMS_PARTITION } from "../../../src/storage/records";
import { ABANDONED_AFTER_MS, type OrchestrationState } from "../../../src/operations/abandoned";
import { MemoryRecords } from "../../support/memory-records";

const DEFINITION: OperationDefinition = {
  catalogName: "samples",
  name: "counter",
  snapshotBlob: "snapshot.zip",
  path: "counter",
  templatePath: "main.bicep",
  runner: "Bicep",
};

const DEPLOY: DeployRequest = {
  project: "demo",
  environmentName: "env",
  user: "alice",
  createdBy: "alice",
  environmentType: "Dev",
  catalogName: "samples",
  environmentDefinitionName: "counter",
  parameters: { step: 1 },
  definition: DEFINITION,
};

class RecordingScheduler implements OperationScheduler {
  started: OperationInput[] = [];
  running = new Set<string>();
  failStart?: Error;

  async start(input: OperationInput): Promise<void> {
    if (this.failStart) throw this.failStart;
    this.started.push(input);
    this.running.add(input.operationId);
  }
  cleanedUp: string[] = [];
  async cancel(): Promise<void> {}
  async cleanUp(input: OperationInput): Promise<void> {
    this.cleanedUp.push(input.operationId);
  }
  async orchestrationState(operationId: string): Promise<OrchestrationState> {
    return this.running.has(operationId) ? "running" : "missing";
  }
  async runnerFinished(operationId: string): Promise<boolean> {
    return this.running.has(operationId);
  }
  async runnerReported(): Promise<void> {}
}

function setup() {
  let now = Date.parse("2026-11-29T10:00:00Z");
  let id = 0;
  const scheduler = new RecordingScheduler();
  const deps: RequestDeps = {
    environments: new MemoryRecords<EnvironmentRecord>("environments"),
    operations: new MemoryRecords<OperationRecord>("operations"),
    resourceGroupClaims: new MemoryRecords<ResourceGroupClaim>("resourceGroupClaims"),
    scheduler,
    now: () => new Date(now),
    newId: () => `op-${++id}`,
  };
  return { deps, scheduler, advance: (ms: number) => (now += ms) };
}

/** The operation ends, as its orchestration would record it. */
async function succeed(deps: RequestDeps, operationId: string, project = "demo"): Promise<void> {
  const operation = (await deps.operations.get(project, operationId))!;
  await deps.operations.replace(
    project,
    operationId,
    { ...operation.value, status: "Succeeded" },
    operation.etag,
  );
}

async function rejection(promise: Promise<unknown>): Promise<RequestRejected> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RequestRejected)) throw new Error(`expected a rejection, got ${String(error)}`);
  return error;
}

describe("accepting operations", () => {
  it("creates the environment and a running operation, and starts one orchestration", async () => {
    const { deps, scheduler } = setup();
    const accepted = await requestDeploy(deps, DEPLOY);
    expect(accepted.environment).toMatchObject({ provisioningState: "Creating", currentOperationId: "op-1" });
    expect(accepted.operation).toMatchObject({ id: "op-1", kind: "deploy", status: "Running" });
    expect(scheduler.started).toEqual([
      { project: "demo", environmentName: "env", operationId: "op-1", kind: "deploy" },
    ]);
  });

  it("accepts one of several concurrent requests and answers the others EnvironmentActionInProgress", async () => {
    const { deps, scheduler } = setup();
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => requestDeploy(deps, DEPLOY)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const result of results.filter((r) => r.status === "rejected")) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({
        status: 409,
        code: "EnvironmentActionInProgress",
      });
    }
    expect(scheduler.started).toHaveLength(1);
    // The losers' operation records are gone: only the winner's is left.
    expect(await deps.operations.list("demo")).toHaveLength(1);
  });

  it("refuses a redeploy while the operation runs, and accepts it once it has ended", async () => {
    const { deps } = setup();
    await requestDeploy(deps, DEPLOY);
    expect(await rejection(requestDeploy(deps, DEPLOY))).toMatchObject({
      code: "EnvironmentActionInProgress",
    });
    await succeed(deps, "op-1");
    const again = await requestDeploy(deps, DEPLOY);
    expect(again.environment).toMatchObject({ provisioningState: "Updating", currentOperationId: "op-2" });
  });

  it("refuses another user's environment name and changes of create-only fields", async () => {
    const { deps } = setup();
    await requestDeploy(deps, DEPLOY);
    await succeed(deps, "op-1");
    expect(await rejection(requestDeploy(deps, { ...DEPLOY, user: "bob" }))).toMatchObject({
      status: 409,
      code: "EnvironmentAlreadyExists",
    });
    expect(await rejection(requestDeploy(deps, { ...DEPLOY, environmentType: "Prod" }))).toMatchObject({
      status: 400,
      code: "InvalidEnvironmentUpdate",
    });
  });

  it("records a failed start on the operation and the environment, so nothing stays busy", async () => {
    const { deps, scheduler } = setup();
    scheduler.failStart = new Error("task hub unreachable");
    await expect(requestDeploy(deps, DEPLOY)).rejects.toThrow("task hub unreachable");
    expect((await deps.operations.get("demo", "op-1"))?.value).toMatchObject({
      status: "Failed",
      error: { code: "OperationStartFailed" },
    });
    expect((await deps.environments.get("demo", "env"))?.value).toMatchObject({
      provisioningState: "Failed",
    });
    scheduler.failStart = undefined;
    await expect(requestDeploy(deps, DEPLOY)).resolves.toBeDefined();
  });

  it("takes over from an operation whose orchestration never started, after a grace period", async () => {
    const { deps, scheduler, advance } = setup();
    await requestDeploy(deps, DEPLOY);
    scheduler.running.clear(); // as if the host died between accepting the request and starting it
    expect(await rejection(requestDeploy(deps, DEPLOY))).toMatchObject({
      code: "EnvironmentActionInProgress",
    });
    advance(ABANDONED_AFTER_MS + 1);
    const accepted = await requestDeploy(deps, DEPLOY);
    expect(accepted.operation.id).toBe("op-2");
    expect((await deps.operations.get("demo", "op-1"))?.value).toMatchObject({
      status: "Failed",
      error: { code: "OperationAbandoned" },
    });
    // What the lost orchestration would have removed is removed by a cleanup orchestration.
    expect(scheduler.cleanedUp).toEqual(["op-1"]);
    expect((await deps.operations.get("demo", "op-1"))?.value.runnerTokenHash).toBeUndefined();
  });

  it("never takes over from an operation whose orchestration still runs, however old", async () => {
    const { deps, advance } = setup();
    await requestDeploy(deps, DEPLOY);
    advance(24 * 3600_000);
    expect(
      await rejection(requestDelete(deps, { ...DEPLOY, force: false, definition: DEFINITION })),
    ).toMatchObject({
      code: "EnvironmentActionInProgress",
    });
  });

  it("needs force to delete an environment whose definition is gone, and 404s on unknown ones", async () => {
    const { deps } = setup();
    await requestDeploy(deps, DEPLOY);
    await succeed(deps, "op-1");
    const base = { project: "demo", environmentName: "env", user: "alice", createdBy: "alice" };
    expect(await rejection(requestDelete(deps, { ...base, force: false }))).toMatchObject({
      status: 409,
      code: "EnvironmentDefinitionNotFound",
    });
    expect(
      await rejection(requestDelete(deps, { ...base, environmentName: "other", force: true })),
    ).toMatchObject({
      status: 404,
    });
    const forced = await requestDelete(deps, { ...base, force: true });
    expect(forced.operation).toMatchObject({ kind: "delete", force: true, status: "Running" });
    expect(forced.environment.provisioningState).toBe("Deleting");
  });
});

describe("one resource group per environment", () => {
  async function deployed(deps: RequestDeps, request: DeployRequest, operationId: string): Promise<void> {
    await requestDeploy(deps, request);
    await succeed(deps, operationId, request.project);
  }

  it("refuses a name that differs only in case from another user's, with a clear 409", async () => {
    const { deps, scheduler } = setup();
    await deployed(deps, { ...DEPLOY, environmentName: "CaseEnv" }, "op-1");
    const refused = await rejection(
      requestDeploy(deps, { ...DEPLOY, environmentName: "caseenv", user: "bob", createdBy: "bob" }),
    );
    expect(refused).toMatchObject({ status: 409, code: "EnvironmentAlreadyExists" });
    expect(refused.message).toContain("CaseEnv");
    expect(scheduler.started).toHaveLength(1);
    expect(await deps.environments.get("demo", "caseenv")).toBeUndefined();
  });

  it("refuses two projects whose names join to the same resource group name", async () => {
    const { deps } = setup();
    await deployed(deps, { ...DEPLOY, project: "a-b", environmentName: "cde" }, "op-1");
    const refused = await rejection(
      requestDeploy(deps, { ...DEPLOY, project: "A", environmentName: "b-cde" }),
    );
    expect(refused).toMatchObject({ status: 409, code: "ResourceGroupNameTaken" });
    expect(refused.message).toContain("a-b-cde");
  });

  it("refuses a short name made to match another environment's hashed long name", async () => {
    const { deps } = setup();
    const project = "p".repeat(27);
    const long = "Long".repeat(15) + "abc"; // 63 characters: project-long is over 90
    const hashedName = resourceGroupName(project, long);
    const crafted = hashedName.slice(project.length + 1); // legal on its own, and project-crafted is hashedName
    expect(resourceGroupName(project, crafted)).toBe(hashedName);
    await deployed(deps, { ...DEPLOY, project, environmentName: long }, "op-1");
    expect(
      await rejection(requestDeploy(deps, { ...DEPLOY, project, environmentName: crafted })),
    ).toMatchObject({
      status: 409,
      code: "ResourceGroupNameTaken",
    });
    // The same long name in another case is the same environment name: refused as such.
    expect(
      await rejection(
        requestDeploy(deps, { ...DEPLOY, project, environmentName: long.toLowerCase(), user: "bob" }),
      ),
    ).toMatchObject({ status: 409, code: "EnvironmentAlreadyExists" });
  });

  it("frees the name once the environment is gone, and takes over a claim a crash left behind", async () => {
    const { deps, advance } = setup();
    await deployed(deps, { ...DEPLOY, environmentName: "CaseEnv" }, "op-1");
    // The environment was deleted, but its claim was left (a crash between the two writes).
    await deps.environments.delete("demo", "CaseEnv");
    advance(CLAIM_SETTLE_MS + 1);
    const accepted = await requestDeploy(deps, { ...DEPLOY, environmentName: "caseenv", user: "bob" });
    expect(accepted.environment.name).toBe("caseenv");
    const claim = await deps.resourceGroupClaims.get(RESOURCE_GROUP_CLAIMS_PARTITION, "demo-caseenv");
    expect(claim?.value).toMatchObject({ environmentName: "caseenv", resourceGroupName: "demo-caseenv" });
  });

  it("does not take over a fresh claim whose environment is still being created", async () => {
    const { deps } = setup();
    await deps.resourceGroupClaims.create(RESOURCE_GROUP_CLAIMS_PARTITION, "demo-caseenv", {
      resourceGroupName: "demo-CaseEnv",
      project: "demo",
      environmentName: "CaseEnv",
      claimedAt: deps.now().toISOString(),
    });
    expect(await rejection(requestDeploy(deps, { ...DEPLOY, environmentName: "caseenv" }))).toMatchObject({
      status: 409,
      code: "EnvironmentAlreadyExists",
    });
  });

  it("of concurrent requests for names that differ in case, exactly one is accepted", async () => {
    const { deps, scheduler } = setup();
    const names = ["Race", "race", "RACE", "rAcE"];
    const results = await Promise.allSettled(
      names.map((environmentName) => requestDeploy(deps, { ...DEPLOY, environmentName })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(scheduler.started).toHaveLength(1);
    expect(await deps.environments.list("demo")).toHaveLength(1);
  });
});
