/** Which open operations an operator is shown as stuck, and why. */
import type { OperationRecord } from "../../../src/storage/records";
import { dismissCleanup, stuckOperations, type StuckCriteria } from "../../../src/operations/stuck";
import { MemoryRecords } from "../../support/memory-records";

const NOW = new Date("2026-12-01T12:00:00Z");
const CRITERIA: StuckCriteria = { cleanupAttempts: 3, cleanupMinutes: 30, runningMinutes: 90 };

function operation(id: string, overrides: Partial<OperationRecord> = {}): OperationRecord {
  return {
    id,
    project: "demo",
    environmentName: id,
    user: "alice",
    kind: "deploy",
    status: "Running",
    createdBy: "alice",
    startTime: "2026-12-01T11:50:00.000Z",
    environmentParameters: {},
    ...overrides,
  };
}

const DENIED = { code: "AuthorizationFailed", message: "No rights." };

describe("stuck operations", () => {
  it("lists cleanups failing too often or too long, given-up cleanups and long runs, oldest first", () => {
    const open = [
      operation("fine"),
      operation("failing-once", {
        step: "CleaningUp",
        cleanup: {
          activity: "revokeRole",
          attempts: 1,
          lastError: DENIED,
          since: "2026-12-01T11:55:00.000Z",
        },
      }),
      operation("failing-often", {
        startTime: "2026-12-01T11:40:00.000Z",
        step: "CleaningUp",
        cleanup: {
          activity: "revokeRole",
          attempts: 3,
          lastError: DENIED,
          since: "2026-12-01T11:45:00.000Z",
          nextRetryAt: "2026-12-01T12:01:00.000Z",
        },
      }),
      operation("failing-long", {
        startTime: "2026-12-01T11:00:00.000Z",
        cleanup: {
          activity: "deleteRunner",
          attempts: 2,
          lastError: DENIED,
          since: "2026-12-01T11:20:00.000Z",
        },
      }),
      operation("gave-up", {
        startTime: "2026-12-01T10:00:00.000Z",
        status: "Failed",
        cleanup: {
          activity: "revokeRole",
          attempts: 19,
          lastError: DENIED,
          since: "2026-12-01T10:05:00.000Z",
          pending: true,
        },
      }),
      operation("pending-quietly", {
        startTime: "2026-12-01T11:58:00.000Z",
        status: "Failed",
        cleanup: { attempts: 0, since: "2026-12-01T11:59:00.000Z", pending: true },
      }),
      operation("running-long", { startTime: "2026-12-01T10:25:00.000Z", step: "RunningRunner" }),
    ];
    const stuck = stuckOperations(open, NOW, CRITERIA);
    expect(stuck.map((s) => [s.operationId, s.reason])).toEqual([
      ["gave-up", "CleanupOutOfRetries"],
      ["running-long", "RunningTooLong"],
      ["failing-long", "CleanupFailing"],
      ["failing-often", "CleanupFailing"],
    ]);
    expect(stuck[0].detail).toBe(
      "the operation ended, its cleanup gave up: revokeRole failed 19 times, last AuthorizationFailed: No rights.",
    );
    expect(stuck[1].detail).toBe("running for 95 min, on step RunningRunner");
    expect(stuck[2].detail).toBe(
      "cleaning up for 40 min: deleteRunner failed 2 times, last AuthorizationFailed: No rights.",
    );
    expect(stuck[3]).toMatchObject({
      detail:
        "cleaning up for 15 min: revokeRole failed 3 times, last AuthorizationFailed: No rights.; next attempt 2026-12-01T12:01:00.000Z",
      cleanup: { attempts: 3, nextRetryAt: "2026-12-01T12:01:00.000Z" },
    });
  });

  it("lists an abandoned operation's cleanup that goes on too long without a failure", () => {
    const quiet = operation("quiet", {
      status: "Failed",
      cleanup: { attempts: 0, since: "2026-12-01T11:00:00.000Z", pending: true },
    });
    expect(stuckOperations([quiet], NOW, CRITERIA)).toMatchObject([
      { reason: "CleanupFailing", detail: "cleaning up for 60 min: no attempt failed yet" },
    ]);
  });
});

describe("dismissing a cleanup that gave up", () => {
  it("takes an ended operation with a pending cleanup off, and refuses the others", async () => {
    const operations = new MemoryRecords<OperationRecord>();
    const pending = { attempts: 19, lastError: DENIED, since: "2026-12-01T10:05:00.000Z", pending: true };
    await operations.create("demo", "gave-up", operation("gave-up", { status: "Failed", cleanup: pending }));
    await operations.create("demo", "running", operation("running", { cleanup: pending }));
    await operations.create("demo", "done", operation("done", { status: "Succeeded" }));

    await dismissCleanup(operations, "demo", "gave-up");
    expect((await operations.get("demo", "gave-up"))?.value.cleanup).toEqual({ ...pending, pending: false });
    await expect(dismissCleanup(operations, "demo", "gave-up")).rejects.toThrow("has no cleanup going on");
    await expect(dismissCleanup(operations, "demo", "running")).rejects.toThrow("is still Running");
    await expect(dismissCleanup(operations, "demo", "done")).rejects.toThrow("has no cleanup going on");
    await expect(dismissCleanup(operations, "demo", "nowhere")).rejects.toThrow(
      "There is no operation nowhere",
    );
  });
});
