/**
 * The runner API's handlers with the real storage adapters on Azurite, called over loopback: what
 * the CLI never sends (refusals of malformed requests) and the external event the finished notice
 * raises on the operation's orchestration.
 */
import { RUNNER_FINISHED_EVENT } from "../../../src/operations/events";
import { PROJECT, RunnerTestBed } from "./harness";

let bed: RunnerTestBed;

beforeAll(async () => {
  bed = await RunnerTestBed.start({ environmentStorageCapBytes: 1024 * 1024, host: "inprocess" });
}, 60_000);

afterAll(() => bed?.stop());

describe("the runner API", () => {
  let operation: Awaited<ReturnType<RunnerTestBed["seedOperation"]>>;
  let base: string;
  beforeAll(async () => {
    operation = await bed.seedOperation({ environmentName: "api-e2e", definition: "counter" });
    base = `${bed.runnerVariables(operation).ADE_RUNNER_ENDPOINT}/operations/${operation.id}`;
  });

  const call = (path: string, init: RequestInit & { token?: string | null } = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: init.token === null ? {} : { authorization: `Bearer ${init.token ?? operation.token}` },
    });

  async function expectError(response: Response, status: number, code: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get("x-ms-error-code")).toBe(code);
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
  }

  it("asks for a bearer token", async () => {
    await expectError(await call("", { token: null }), 401, "SecurityError");
    await expectError(await call("", { token: "short" }), 401, "SecurityError");
  });

  it("refuses an operation id that is not one", async () => {
    await expectError(
      await fetch(`${bed.runnerVariables(operation).ADE_RUNNER_ENDPOINT}/operations/not-a-uuid`, {
        headers: { authorization: `Bearer ${operation.token}` },
      }),
      404,
      "InvalidOperationId",
    );
  });

  it("refuses a log batch over 4 MiB and appends whole lines", async () => {
    await expectError(
      await call("/logs", { method: "POST", body: "x".repeat(4 * 1024 * 1024 + 1) }),
      413,
      "InvalidCliInput",
    );
    expect((await call("/logs", { method: "POST", body: "no newline" })).status).toBe(204);
    expect((await call("/logs", { method: "POST", body: "next" })).status).toBe(204);
    expect(await bed.operationLog(operation.id)).toBe("no newline\nnext\n");
  });

  it("refuses outputs that are not JSON or not EnvironmentOutputs", async () => {
    await expectError(await call("/outputs", { method: "PUT", body: "{" }), 400, "InvalidCliInput");
    const invalid = await call("/outputs", {
      method: "PUT",
      body: JSON.stringify({ outputs: { a: { type: "int" } } }),
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { message: string } }).error.message).toContain(
      "/outputs/a/value",
    );
  });

  it("refuses a malformed result or finished notice", async () => {
    await expectError(
      await call("/result", { method: "PUT", body: JSON.stringify({ message: "no code" }) }),
      400,
      "InvalidCliInput",
    );
    await expectError(
      await call("/finished", { method: "POST", body: JSON.stringify({ exitCode: 256 }) }),
      400,
      "InvalidCliInput",
    );
    expect(bed.events.find((e) => e.instanceId === operation.id)).toBeUndefined();
  });

  it("raises the runner-finished event on the orchestration whose instance id is the operation id", async () => {
    expect((await call("/finished", { method: "POST", body: JSON.stringify({ exitCode: 14 }) })).status).toBe(
      202,
    );
    expect(bed.events).toEqual([
      { instanceId: operation.id, eventName: RUNNER_FINISHED_EVENT, data: { exitCode: 14 } },
    ]);
  });

  it("keeps the end of a long result message", async () => {
    const message = `${"a".repeat(20_000)}THE END`;
    expect(
      (await call("/result", { method: "PUT", body: JSON.stringify({ code: "DeploymentError", message }) }))
        .status,
    ).toBe(204);
    const stored = (await bed.operations.get(PROJECT, operation.id))?.value.result?.message ?? "";
    expect(stored.length).toBe(16 * 1024 + 1);
    expect(stored.endsWith("THE END")).toBe(true);
  });
});
