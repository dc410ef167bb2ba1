/** Collecting a runner's results: an image that cannot be pulled is reported with the platform's reason. */
import { createOperationActivities, type OperationDeps } from "../../../src/operations/activities";
import type { OperationPlan } from "../../../src/operations/plan";
import type { OperationRecord } from "../../../src/storage/records";
import { createSecureParameterSealer } from "../../../src/storage/secure-parameters";
import { MemoryRecords } from "../../support/memory-records";

const PLAN = {
  project: "demo",
  environmentName: "env",
  operationId: "op",
  kind: "deploy",
  runnerContainer: { subscriptionId: "sub", resourceGroup: "runners", name: "runner-op" },
} as OperationPlan;

const sealer = createSecureParameterSealer(Buffer.alloc(32, 7));

async function collect(
  input: { exitCode?: number; detail?: string },
  runner: { output?: string; secure?: Record<string, unknown> } = {},
) {
  const operations = new MemoryRecords<OperationRecord>();
  await operations.create("demo", "op", {
    id: "op",
    project: "demo",
    environmentName: "env",
    user: "alice",
    kind: "deploy",
    status: "Running",
    createdBy: "alice",
    startTime: "2026-11-29T11:00:00Z",
    environmentParameters: {},
    ...(runner.secure && { sealedParameters: sealer.seal(runner.secure) }),
  });
  const appended: string[] = [];
  const activities = createOperationActivities({
    operations,
    containers: { logs: async () => runner.output ?? "" },
    secureParameters: sealer,
    blobs: { appendLog: async (_container: string, _blob: string, text: string) => void appended.push(text) },
  } as unknown as OperationDeps);
  const outcome = await activities.collectRunnerResults({ plan: PLAN, ...input });
  return { outcome, log: appended.join("") };
}

describe("collectRunnerResults", () => {
  it("says why a runner never ran, in the error and in the operation's log", async () => {
    const detail = 'ErrImagePull: Failed to pull image "example.azurecr.io/missing:1": not found';
    const { outcome, log } = await collect({ detail });
    expect(outcome).toEqual({
      status: "Failed",
      error: { code: "RunnerFailed", message: `The runner container did not run: ${detail}` },
    });
    expect(log).toContain(detail);
  });

  it("reports the exit code of a runner that ran and said nothing", async () => {
    const { outcome, log } = await collect({ exitCode: 1, detail: "Error" });
    expect(outcome.error).toEqual({ code: "DeploymentError", message: "The runner exited with code 1." });
    expect(log).toBe("");
  });

  it("masks the operation's secure parameter values in the container's output", async () => {
    const password = "hunter2-and-more";
    const { log } = await collect(
      { exitCode: 1 },
      { output: `deploying with ${password}\nerror: {"p":"${password}"}\n`, secure: { password } },
    );
    expect(log).toContain('deploying with ***\nerror: {"p":"***"}');
    expect(log).not.toContain(password);
  });
});
