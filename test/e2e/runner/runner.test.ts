/**
 * The runner end to end: the real core entrypoint.sh and the bundled ade CLI, run as local processes
 * against the runner API on loopback, with Azurite behind the real storage adapters.
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { ADE_EXIT_CODES } from "../../../src/core/exit-codes";
import { CONTAINERS, RUNNER_FINISHED_EVENT } from "../../../src/operations/model";
import { IMAGE, PROJECT, ROOT, RunnerTestBed } from "./harness";

const CAP_BYTES = 256 * 1024;

let bed: RunnerTestBed;

beforeAll(async () => {
  // The bundle the image ships (npm run build also does this).
  execFileSync("npm", ["run", "-s", "build:runner"], { cwd: ROOT, stdio: "inherit" });
  bed = await RunnerTestBed.start({ environmentStorageCapBytes: CAP_BYTES });
}, 120_000);

afterAll(() => bed?.stop());

async function outputsOf(environmentName: string) {
  const blob = await bed.storage.blobs.get(
    CONTAINERS.environments,
    `${PROJECT}/${environmentName}/outputs.json`,
  );
  return blob && JSON.parse(blob.toString("utf8"));
}

async function deployCounter(environmentName: string, step: number) {
  const operation = await bed.seedOperation({
    environmentName,
    definition: "counter",
    parameters: { step, label: "test" },
  });
  const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], bed.runnerVariables(operation));
  return { operation, run };
}

describe("the core entrypoint", () => {
  it("deploys the counter: state, outputs of every type, logs, finished event", async () => {
    const { operation, run } = await deployCounter("counter-e2e", 1);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("counter 0 -> 1 (step 1)");

    const outputs = await outputsOf("counter-e2e");
    expect(outputs.outputs).toEqual({
      label: { type: "string", value: "test", sensitive: false },
      count: { type: "int", value: 1, sensitive: false },
      half: { type: "number", value: 0.5, sensitive: false },
      even: { type: "boolean", value: false, sensitive: false },
      history: { type: "array", value: [1], sensitive: false },
      environment: { type: "object", value: { name: "counter-e2e", type: "Dev" }, sensitive: false },
      secret: { type: "securestring", value: "counter-secret-1", sensitive: true },
    });
    expect(await bed.storage.blobs.list(CONTAINERS.environments, `${PROJECT}/counter-e2e/files/`)).toEqual([
      expect.objectContaining({ name: `${PROJECT}/counter-e2e/files/storage.zip` }),
    ]);

    const log = await bed.operationLog(operation.id);
    expect(log).toMatch(/\[verbose\] Initializing runner/);
    expect(log).toMatch(/\[log\] Deployment of counter-e2e: counter 0 -> 1/);
    expect(log).toMatch(/\[log\] Operation completed successfully!/);
    expect(log).not.toContain(operation.token);

    expect(bed.events.filter((e) => e.instanceId === operation.id)).toEqual([
      { instanceId: operation.id, eventName: RUNNER_FINISHED_EVENT, data: { exitCode: 0 } },
    ]);
    expect((await bed.operations.get(PROJECT, operation.id))?.value.result).toBeUndefined();
  });

  it("redeploys the counter: the state round-trips through storage.zip", async () => {
    await deployCounter("counter-again", 1);
    const { run } = await deployCounter("counter-again", 2);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("counter 1 -> 3 (step 2)");
    expect((await outputsOf("counter-again")).outputs.count.value).toBe(3);
  });

  it("deletes the counter", async () => {
    await deployCounter("counter-gone", 1);
    const operation = await bed.seedOperation({
      environmentName: "counter-gone",
      definition: "counter",
      kind: "delete",
    });
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], bed.runnerVariables(operation));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Deleting counter-gone after its counter reached 1");
    expect(bed.events.find((e) => e.instanceId === operation.id)?.data).toEqual({ exitCode: 0 });
  });

  it("reports the failing definition as a DeploymentError carrying its stderr", async () => {
    const operation = await bed.seedOperation({
      environmentName: "failing-e2e",
      definition: "failing",
      parameters: { message: "The quota for widgets is exhausted." },
    });
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], bed.runnerVariables(operation));
    expect(run.code).toBe(ADE_EXIT_CODES.DeploymentError);
    expect(run.stderr).toContain("The quota for widgets is exhausted.");

    const record = (await bed.operations.get(PROJECT, operation.id))?.value;
    expect(record?.result?.code).toBe("DeploymentError");
    expect(record?.result?.message).toContain("The quota for widgets is exhausted.");
    expect(record?.result?.message).toContain("deploy failed with DeploymentError (exit code 1)");
    expect(bed.events.find((e) => e.instanceId === operation.id)?.data).toEqual({ exitCode: 1 });
    expect(await bed.operationLog(operation.id)).toMatch(/\[error\] The quota for widgets is exhausted\./);
  });

  it("fails with SecurityError when its token is wrong, and changes nothing", async () => {
    const operation = await bed.seedOperation({ environmentName: "counter-badtoken", definition: "counter" });
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], {
      ...bed.runnerVariables(operation),
      ADE_RUNNER_TOKEN: "A".repeat(43),
    });
    expect(run.code).toBe(ADE_EXIT_CODES.SecurityError);
    expect(run.stderr).toContain("SecurityError");
    expect(bed.events.find((e) => e.instanceId === operation.id)).toBeUndefined();
    expect((await bed.operations.get(PROJECT, operation.id))?.value.result).toBeUndefined();
    expect(existsSync(join(run.root, "repository"))).toBe(false);
  });

  it("runs the image's own script when custom deploy is off", async () => {
    const operation = await bed.seedOperation({ environmentName: "counter-core", definition: "counter" });
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], {
      ...bed.runnerVariables(operation),
      ADE_ENABLE_CUSTOM_DEPLOY: "false",
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("The core image has no deploy action");
    expect(statSync(join(run.root, "repository/samples/counter/deploy.sh")).mode & 0o111).not.toBe(0);
  });
});
