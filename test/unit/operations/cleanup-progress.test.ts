/** A failed cleanup attempt on the operation record: scrubbed, bounded, kept across attempts. */
import { endCleanup, recordCleanupRetry } from "../../../src/operations/activities/cleanup-progress";
import { hashRunnerToken } from "../../../src/runner-protocol/token";
import type { OperationRecord } from "../../../src/storage/records";
import { MemoryRecords } from "../../support/memory-records";

const TOKEN = "tok_abcdefghijklmnopqrstuvwxyz0123456789ABCDEF";

async function store(overrides: Partial<OperationRecord> = {}) {
  const operations = new MemoryRecords<OperationRecord>();
  await operations.create("demo", "op", {
    id: "op",
    project: "demo",
    environmentName: "web",
    user: "alice",
    kind: "deploy",
    status: "Running",
    createdBy: "alice",
    startTime: "2026-12-01T00:00:00.000Z",
    environmentParameters: {},
    runnerTokenHash: hashRunnerToken(TOKEN),
    ...overrides,
  });
  return operations;
}

const retry = (attempts: number, message: string) => ({
  project: "demo",
  operationId: "op",
  activity: "deleteRunner",
  attempts,
  error: { code: "Conflict", message },
  failedAt: `2026-12-01T00:0${attempts}:00.000Z`,
  retryAt: `2026-12-01T00:0${attempts}:30.000Z`,
});

describe("cleanup progress on the operation record", () => {
  it("keeps the first failure's time, the last error without the runner's token, and the next retry", async () => {
    const operations = await store();
    await recordCleanupRetry({ operations }, retry(1, "busy"));
    await recordCleanupRetry({ operations }, retry(2, `request had Bearer ${TOKEN}; ${"x".repeat(5000)}`));
    const record = (await operations.get("demo", "op"))!.value;
    expect(record.cleanup).toMatchObject({
      activity: "deleteRunner",
      attempts: 2,
      since: "2026-12-01T00:01:00.000Z",
      nextRetryAt: "2026-12-01T00:02:30.000Z",
      lastError: { code: "Conflict", message: expect.stringMatching(/^request had Bearer \*\*\*; x+$/) },
    });
    expect(record.cleanup?.lastError?.message.length).toBeLessThanOrEqual(1000);
    expect(JSON.stringify(record)).not.toContain(TOKEN);
  });

  it("ends an abandoned operation's cleanup: done is no longer pending, out of retries stays pending", async () => {
    const now = () => new Date("2026-12-01T01:00:00.000Z");
    const done = await store({
      status: "Failed",
      cleanup: { attempts: 0, since: "2026-12-01T00:00:00.000Z", pending: true },
    });
    await endCleanup({ operations: done, now }, { project: "demo", operationId: "op" });
    expect((await done.get("demo", "op"))!.value.cleanup).toEqual({
      attempts: 0,
      since: "2026-12-01T00:00:00.000Z",
      pending: false,
    });

    const failed = await store({ status: "Failed" });
    await recordCleanupRetry({ operations: failed }, retry(1, "busy"));
    await endCleanup(
      { operations: failed, now },
      {
        project: "demo",
        operationId: "op",
        error: { code: "CleanupFailed", message: "deleteRunner failed" },
      },
    );
    const cleanup = (await failed.get("demo", "op"))!.value.cleanup;
    expect(cleanup).toMatchObject({ attempts: 1, pending: true, lastError: { code: "CleanupFailed" } });
    expect(cleanup?.nextRetryAt).toBeUndefined();
  });
});
