/**
 * The operation orchestration by replay (the durable-functions SDK's executor, in memory), with
 * activities that answer as the test says: which steps run, in which order, and that cleanup always
 * happens — after success, failure, a crashed runner, a timeout and a cancel.
 */
import {
  CANCEL_REQUESTED_EVENT,
  RUNNER_FINISHED_EVENT,
  RUNNER_REPORTED_EVENT,
} from "../../../src/operations/events";
import {
  failedResult,
  type ActivityName,
  type ActivityRequest,
} from "../../../src/operations/activity-table";
import { OperationError } from "../../../src/operations/failures";
import { environmentOperation } from "../../../src/operations/orchestration";
import type {
  CollectInput,
  FinishInput,
  OperationInput,
  OperationPlan,
  RoleGrant,
  StepInput,
} from "../../../src/operations/plan";
import { EventType } from "../../../dev/host/durable/history";
import { output, simulate, type Activities, type RaisedLater } from "../../support/durable-simulator";

const INPUT: OperationInput = {
  project: "demo",
  environmentName: "env",
  operationId: "0b7b3c0e-3f7e-4a53-9a43-7f1f5f0e8a11",
  kind: "deploy",
};

function plan(overrides: Partial<OperationPlan> = {}): OperationPlan {
  return {
    ...INPUT,
    runRunner: true,
    subscriptionId: "sub",
    resourceGroupName: "demo-env",
    resourceGroupId: "/subscriptions/sub/resourceGroups/demo-env",
    location: "westeurope",
    environmentType: "Dev",
    tags: {},
    runnerRoleGrants: [
      {
        scope: "rg",
        roleName: "Owner",
        principalId: "runner",
        principalType: "ServicePrincipal",
        nameSeed: "op",
      },
    ],
    memberRoleGrants: [
      { scope: "rg", roleName: "Contributor", principalId: "alice", principalType: "User", nameSeed: "rg" },
    ],
    runnerContainer: { subscriptionId: "sub", resourceGroup: "runners", name: "runner-op" },
    runner: { image: "runner-core", identityResourceId: "identity", clientId: "client" },
    timeoutMinutes: 60,
    poll: { initialSeconds: 5, maxSeconds: 60 },
    retry: { firstIntervalSeconds: 1, maxIntervalSeconds: 10, maxAttempts: 2 },
    cleanupMaxAttempts: 3,
    ...overrides,
  };
}

type Stub = (input: unknown, attempt: number) => unknown;

/** Activities that succeed; `overrides` replace some. Answers go on the wire as runActivity sends them. */
function activities(thePlan: OperationPlan, overrides: Partial<Record<ActivityName, Stub>> = {}): Activities {
  const stubs: Record<ActivityName, Stub> = {
    resolveOperation: () => thePlan,
    ensureResourceGroup: () => null,
    grantRole: (grant) => ({ ...(grant as object), assignmentName: "assignment-1" }),
    planCleanup: () => thePlan,
    revokeRole: () => null,
    startRunner: () => null,
    getRunnerState: () => ({ state: "Running" }),
    collectRunnerResults: (input) =>
      (input as { exitCode?: number }).exitCode === 0
        ? { status: "Succeeded" }
        : { status: "Failed", error: { code: "DeploymentError", message: "it failed" } },
    deleteRunner: () => ({ done: true }),
    pollRunnerDelete: () => ({ done: true }),
    deleteResourceGroup: () => ({ done: true }),
    pollResourceGroupDelete: () => ({ done: true }),
    recordStep: () => null,
    recordCleanupRetry: () => null,
    endCleanup: () => null,
    finishOperation: () => null,
    ...overrides,
  };
  // Attempts of the same activity and input (the step only goes with a first attempt).
  const attempts = new Map<string, number>();
  return Object.fromEntries(
    Object.entries(stubs).map(([name, stub]) => [
      name,
      (request: unknown) => {
        // As runActivity: the step a request carries is written too, and its failure does not count.
        const { input, step } = request as ActivityRequest<ActivityName>;
        const key = `${name}:${JSON.stringify(input)}`;
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        if (step) {
          try {
            stubs.recordStep(step, 1);
          } catch {
            // Only informational.
          }
        }
        try {
          return { ok: true, value: stub(input, attempt) };
        } catch (error) {
          return failedResult(error);
        }
      },
    ]),
  );
}

const finished = (exitCode: number, at = 500): RaisedLater => ({
  name: RUNNER_FINISHED_EVENT,
  data: { exitCode },
  at,
});

async function run(
  thePlan: OperationPlan,
  overrides: Partial<Record<ActivityName, Stub>> = {},
  events: RaisedLater[] = [],
) {
  const sim = await simulate(environmentOperation, thePlan, activities(thePlan, overrides), { events });
  // The activities' own inputs, and the step each call carried (see ActivityRequest).
  const calls = sim.calls.map(({ name, input }) => ({ name, ...(input as ActivityRequest<ActivityName>) }));
  // Recording steps and retries is checked on its own below; the other assertions are about the work.
  const names = calls
    .map((c) => c.name)
    .filter((name) => name !== "recordStep" && name !== "recordCleanupRetry");
  const finish = calls.find((c) => c.name === "finishOperation")?.input as FinishInput | undefined;
  return { sim, calls, names, finish };
}

describe("the operation orchestration (replayed by the SDK's executor)", () => {
  it("deploys: resource group, roles, runner, collect, then deletes the runner and revokes its role", async () => {
    const { sim, calls, names, finish } = await run(plan(), {}, [finished(0)]);
    expect(sim.record.status).toBe("Completed");
    expect(names).toEqual([
      "resolveOperation",
      "ensureResourceGroup",
      "grantRole",
      "grantRole",
      "startRunner",
      "collectRunnerResults",
      "deleteRunner",
      "revokeRole",
      "finishOperation",
    ]);
    expect(finish?.outcome).toEqual({ status: "Succeeded" });
    expect(output(sim)).toEqual({ status: "Succeeded" });
    expect(JSON.parse(sim.record.customStatusJson ?? "null")).toEqual({ step: "Finishing" });
    // Only the runner's role is revoked, by the assignment name its grant answered; the creator keeps hers.
    const revoked = calls.filter((c) => c.name === "revokeRole").map((c) => c.input);
    expect(revoked).toEqual([{ ...plan().runnerRoleGrants[0], assignmentName: "assignment-1" }]);
  });

  it("retries a step that may succeed later, then cleans up and reports the error", async () => {
    const { names, finish } = await run(plan(), {
      startRunner: () => {
        throw new OperationError("ServiceUnavailable", "ARM is busy.", false);
      },
    });
    expect(names.filter((n) => n === "startRunner")).toHaveLength(2);
    expect(names.slice(-3)).toEqual(["deleteRunner", "revokeRole", "finishOperation"]);
    expect(finish?.outcome).toEqual({
      status: "Failed",
      error: { code: "ServiceUnavailable", message: "ARM is busy." },
    });
  });

  it("fails a step at once when retrying cannot help (no rights), then cleans up", async () => {
    let revokes = 0;
    const { names, finish } = await run(plan(), {
      startRunner: () => {
        throw new OperationError("AuthorizationFailed", "The client may not create container groups.");
      },
      // Cleanup retries even permanent-looking failures: an operator may fix the rights meanwhile.
      revokeRole: () => {
        if (++revokes === 1) throw new OperationError("AuthorizationFailed", "Not yet.");
        return null;
      },
    });
    expect(names.filter((n) => n === "startRunner")).toHaveLength(1);
    expect(revokes).toBe(2);
    expect(finish?.outcome).toEqual({
      status: "Failed",
      error: { code: "AuthorizationFailed", message: "The client may not create container groups." },
    });
  });

  it("still ends the operation when cleanup runs out of retries, saying what is left", async () => {
    const { sim, finish } = await run(
      plan(),
      {
        deleteRunner: () => {
          throw new OperationError("AuthorizationFailed", "The client may not delete container groups.");
        },
      },
      [finished(0)],
    );
    expect(sim.record.status).toBe("Completed");
    expect(finish?.outcome).toMatchObject({
      status: "Failed",
      error: {
        code: "CleanupFailed",
        message: expect.stringContaining("deleteRunner failed (AuthorizationFailed)"),
      },
    });
  });

  it("records every failed cleanup attempt on the operation: activity, attempts, error, next retry", async () => {
    const { calls, finish } = await run(
      plan(),
      {
        revokeRole: (_input, attempt) => {
          if (attempt < 3) throw new OperationError("AuthorizationFailed", `No rights (attempt ${attempt}).`);
          return null;
        },
      },
      [finished(0)],
    );
    const reports = calls.filter((c) => c.name === "recordCleanupRetry").map((c) => c.input);
    expect(reports).toEqual([
      {
        project: "demo",
        operationId: INPUT.operationId,
        activity: "revokeRole",
        attempts: 1,
        error: { code: "AuthorizationFailed", message: "No rights (attempt 1)." },
        failedAt: expect.any(String),
        retryAt: expect.any(String),
      },
      expect.objectContaining({
        attempts: 2,
        error: expect.objectContaining({ message: "No rights (attempt 2)." }),
      }),
    ]);
    // The next retry is the backoff after the failure, on the orchestration's clock (1 s, then 2 s).
    const [first, second] = reports as { failedAt: string; retryAt: string }[];
    expect(Date.parse(first.retryAt) - Date.parse(first.failedAt)).toBe(1000);
    expect(Date.parse(second.retryAt) - Date.parse(second.failedAt)).toBe(2000);
    expect(finish?.outcome).toEqual({ status: "Succeeded" });
  });

  it("revokes a role whose grant failed half way (the revoke is pushed before the grant)", async () => {
    const { names, finish } = await run(plan(), {
      grantRole: () => {
        throw new Error("the network went away");
      },
    });
    expect(names).not.toContain("startRunner");
    expect(names.slice(-2)).toEqual(["revokeRole", "finishOperation"]);
    expect(finish?.outcome.error?.message).toContain("the network went away");
  });

  it("notices a crashed runner by polling and collects its exit code", async () => {
    let polls = 0;
    const { names, calls } = await run(plan(), {
      getRunnerState: () => (++polls < 3 ? { state: "Running" } : { state: "Terminated", exitCode: 3 }),
    });
    expect(polls).toBe(3);
    const collect = calls.find((c) => c.name === "collectRunnerResults")?.input as { exitCode?: number };
    expect(collect.exitCode).toBe(3);
    expect(names.slice(-3)).toEqual(["deleteRunner", "revokeRole", "finishOperation"]);
  });

  it("hands the platform's reason to the collection when the runner never ran (image pull)", async () => {
    const detail = 'ErrImagePull: Failed to pull image "example.azurecr.io/missing:1"';
    const { calls } = await run(plan(), { getRunnerState: () => ({ state: "Terminated", detail }) });
    const collect = calls.find((c) => c.name === "collectRunnerResults")?.input as CollectInput;
    expect(collect.detail).toBe(detail);
    expect(collect.exitCode).toBeUndefined();
  });

  it("looks at the container half a second after the runner reported, without a finished notice", async () => {
    // An image written for ADE uploads its outputs last and never calls `ade finished`.
    let polls = 0;
    const { sim, finish } = await run(
      plan({ poll: { initialSeconds: 5, maxSeconds: 60 } }),
      { getRunnerState: () => (++polls < 3 ? { state: "Running" } : { state: "Terminated", exitCode: 0 }) },
      [{ name: RUNNER_REPORTED_EVENT, data: { what: "outputs" }, at: 20_000 }],
    );
    expect(finish?.outcome).toEqual({ status: "Succeeded" });
    // Polls at 5 s and 15 s; the report at 20 s brings the third to 20.5 s (the backoff said 35 s).
    expect(polls).toBe(3);
    const elapsed = sim.record.lastUpdatedTime.getTime() - sim.record.createdTime.getTime();
    expect(elapsed).toBeGreaterThanOrEqual(20_500);
    expect(elapsed).toBeLessThan(21_000);
  });

  it("fails a runner that vanished", async () => {
    const { finish } = await run(plan(), { getRunnerState: () => ({ state: "NotFound" }) });
    expect(finish?.outcome).toMatchObject({ status: "Failed", error: { code: "RunnerFailed" } });
  });

  it("times out a runner that never finishes, then stops it", async () => {
    const { finish, names } = await run(plan({ timeoutMinutes: 1 }));
    expect(finish?.outcome).toMatchObject({ status: "Failed", error: { code: "OperationTimedOut" } });
    expect(names.slice(-3)).toEqual(["deleteRunner", "revokeRole", "finishOperation"]);
  });

  it("cancels on request, then stops the runner", async () => {
    const { finish, names } = await run(plan(), {}, [
      { name: CANCEL_REQUESTED_EVENT, data: { by: "alice" }, at: 500 },
    ]);
    expect(finish?.outcome).toMatchObject({ status: "Canceled", error: { code: "OperationCanceled" } });
    expect(finish?.outcome.error?.message).toContain("alice");
    expect(names.slice(-3)).toEqual(["deleteRunner", "revokeRole", "finishOperation"]);
  });

  it("deletes: runs the runner, then removes the resource group", async () => {
    const { names } = await run(plan({ kind: "delete", memberRoleGrants: [] }), {}, [finished(0)]);
    expect(names).toEqual([
      "resolveOperation",
      "grantRole",
      "startRunner",
      "collectRunnerResults",
      "deleteResourceGroup",
      "deleteRunner",
      "revokeRole",
      "finishOperation",
    ]);
  });

  it("keeps the resource group when the delete script fails", async () => {
    const { names, finish } = await run(plan({ kind: "delete", memberRoleGrants: [] }), {}, [finished(1)]);
    expect(names).not.toContain("deleteResourceGroup");
    expect(finish?.outcome).toMatchObject({ status: "Failed", error: { code: "DeploymentError" } });
  });

  it("deletes without a runner when there is nothing to run", async () => {
    const { names } = await run(plan({ kind: "delete", runRunner: false }));
    expect(names).toEqual(["resolveOperation", "deleteResourceGroup", "finishOperation"]);
  });

  it("follows a resource group delete that takes a while on durable timers", async () => {
    let looks = 0;
    const { names, finish, sim } = await run(
      plan({ kind: "delete", memberRoleGrants: [] }),
      {
        deleteResourceGroup: () => ({ done: false, resumeFrom: "state-0" }),
        pollResourceGroupDelete: (input) => {
          looks++;
          expect(input).toEqual({
            group: { subscriptionId: "sub", resourceGroupName: "demo-env" },
            resumeFrom: `state-${looks - 1}`,
          });
          return looks < 3 ? { done: false, resumeFrom: `state-${looks}` } : { done: true };
        },
      },
      [finished(0)],
    );
    expect(looks).toBe(3);
    expect(names.slice(-7)).toEqual([
      "deleteResourceGroup",
      "pollResourceGroupDelete",
      "pollResourceGroupDelete",
      "pollResourceGroupDelete",
      "deleteRunner",
      "revokeRole",
      "finishOperation",
    ]);
    expect(finish?.outcome).toEqual({ status: "Succeeded" });
    // Each look waited on a durable timer first.
    const events = sim.view.events;
    const started = events.findIndex(
      (e) => e.EventType === 4 && "Name" in e && e.Name === "deleteResourceGroup",
    );
    expect(started).toBeGreaterThan(0);
    expect(events.slice(started).filter((e) => e.EventType === 10)).toHaveLength(3);
  });

  it("fails a delete whose resource group is still there at the timeout", async () => {
    const { finish } = await run(
      plan({ kind: "delete", memberRoleGrants: [], timeoutMinutes: 1 }),
      {
        deleteResourceGroup: () => ({ done: false, resumeFrom: "state" }),
        pollResourceGroupDelete: () => ({ done: false, resumeFrom: "state" }),
      },
      [finished(0)],
    );
    expect(finish?.outcome).toMatchObject({ status: "Failed", error: { code: "DeleteTimedOut" } });
    expect(finish?.outcome.error?.message).toContain("demo-env");
  });

  it("reports a delete ARM says failed, as ARM reported it", async () => {
    const { finish } = await run(
      plan({ kind: "delete", memberRoleGrants: [] }),
      {
        deleteResourceGroup: () => ({ done: false, resumeFrom: "state" }),
        pollResourceGroupDelete: () => {
          throw new OperationError("ScopeLocked", "The scope is locked.");
        },
      },
      [finished(0)],
    );
    expect(finish?.outcome).toEqual({
      status: "Failed",
      error: { code: "ScopeLocked", message: "The scope is locked." },
    });
  });

  it("follows the runner's container group delete before revoking its role", async () => {
    let looks = 0;
    const { names } = await run(
      plan(),
      {
        deleteRunner: () => ({ done: false, resumeFrom: "state" }),
        pollRunnerDelete: () => (++looks < 2 ? { done: false, resumeFrom: "state" } : { done: true }),
      },
      [finished(0)],
    );
    expect(names.slice(-5)).toEqual([
      "deleteRunner",
      "pollRunnerDelete",
      "pollRunnerDelete",
      "revokeRole",
      "finishOperation",
    ]);
  });

  it("records each step with its first activity, cleanup included, and goes on when recording fails", async () => {
    const written: string[] = [];
    const { calls, finish } = await run(
      plan(),
      {
        recordStep: (at) => {
          const { step } = at as StepInput;
          written.push(step);
          if (written.length === 2)
            throw new OperationError("StorageRequestFailed", "Table storage is away.");
          return null;
        },
      },
      [finished(0)],
    );
    // Each step once, in order: the step's first activity carries it (the wait for the runner has
    // none, so RunningRunner is written by a recordStep of its own).
    expect(written).toEqual([
      "Resolving",
      "PreparingResourceGroup",
      "GrantingRoles",
      "StartingRunner",
      "RunningRunner",
      "Collecting",
      "CleaningUp",
      "Finishing",
    ]);
    const carried = calls.filter((c) => c.step).map((c) => [c.name, c.step?.step]);
    expect(carried).toEqual([
      ["resolveOperation", "Resolving"],
      ["ensureResourceGroup", "PreparingResourceGroup"],
      ["grantRole", "GrantingRoles"],
      ["startRunner", "StartingRunner"],
      ["collectRunnerResults", "Collecting"],
      ["deleteRunner", "CleaningUp"],
      ["finishOperation", "Finishing"],
    ]);
    expect(calls.filter((c) => c.name === "recordStep").map((c) => c.input)).toEqual([
      { project: "demo", operationId: INPUT.operationId, step: "RunningRunner" },
    ]);
    expect(calls.find((c) => c.step)?.step).toEqual({
      project: "demo",
      operationId: INPUT.operationId,
      step: "Resolving",
    });
    expect(finish?.outcome).toEqual({ status: "Succeeded" });
  });

  it("sends a step only with the first attempt of its activity", async () => {
    const { calls, finish } = await run(
      plan(),
      {
        ensureResourceGroup: (_input, attempt) => {
          if (attempt < 2) throw new OperationError("ServiceUnavailable", "ARM is busy.", false);
          return null;
        },
      },
      [finished(0)],
    );
    const attempts = calls.filter((c) => c.name === "ensureResourceGroup").map((c) => c.step?.step);
    expect(attempts).toEqual(["PreparingResourceGroup", undefined]);
    expect(finish?.outcome).toEqual({ status: "Succeeded" });
  });

  it("grants every role side by side: one episode schedules them all", async () => {
    const member = { ...plan().memberRoleGrants[0], principalId: "bob", nameSeed: "rg-bob" };
    const { sim, calls, finish } = await run(
      plan({ memberRoleGrants: [...plan().memberRoleGrants, member] }),
      {},
      [finished(0)],
    );
    const events = sim.view.events;
    const grants = events.filter(
      (e) => e.EventType === EventType.TaskScheduled && "Name" in e && e.Name === "grantRole",
    );
    expect(grants).toHaveLength(3);
    const firstResult = events.findIndex(
      (e) =>
        e.EventType === EventType.TaskCompleted &&
        grants.length > 0 &&
        "TaskScheduledId" in e &&
        grants.some((g) => g.EventId === e.TaskScheduledId),
    );
    expect(events.indexOf(grants[2])).toBeLessThan(firstResult);
    // The runner's grant carries the step; the revoke uses the name its grant answered.
    expect(calls.filter((c) => c.name === "grantRole").map((c) => c.step?.step)).toEqual([
      "GrantingRoles",
      undefined,
      undefined,
    ]);
    expect(calls.filter((c) => c.name === "revokeRole").map((c) => c.input)).toEqual([
      { ...plan().runnerRoleGrants[0], assignmentName: "assignment-1" },
    ]);
    expect(finish?.outcome).toEqual({ status: "Succeeded" });
  });

  it("retries a failed grant on its own after the side-by-side attempts", async () => {
    const { calls, finish } = await run(
      plan(),
      {
        grantRole: (grant, attempt) => {
          if ((grant as RoleGrant).principalId === "alice" && attempt < 2) {
            throw new OperationError("PrincipalNotFound", "Not replicated yet.", false);
          }
          return { ...(grant as object), assignmentName: `assignment-${(grant as RoleGrant).principalId}` };
        },
      },
      [finished(0)],
    );
    expect(
      calls.filter((c) => c.name === "grantRole").map((c) => (c.input as RoleGrant).principalId),
    ).toEqual(["runner", "alice", "alice"]);
    expect(calls.find((c) => c.name === "revokeRole")?.input).toMatchObject({
      assignmentName: "assignment-runner",
    });
    expect(finish?.outcome).toEqual({ status: "Succeeded" });
  });
});
