/**
 * The core entrypoint and the ade CLI through control-plane outages (the in-process runner API, made
 * to answer 503 for some routes): a request is retried until the operation's deadline, and state
 * that did not reach storage is reported as such, not as a bare request failure.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { CONTAINERS } from "../../../src/storage/records";
import { IMAGE, PROJECT, ROOT, RunnerTestBed } from "./harness";

let bed: RunnerTestBed;

beforeAll(async () => {
  execFileSync("npm", ["run", "-s", "build:runner"], { cwd: ROOT, stdio: "inherit" });
  bed = await RunnerTestBed.start({ environmentStorageCapBytes: 1024 * 1024, host: "inprocess" });
}, 120_000);

afterAll(() => bed?.stop());

describe("the runner through an outage", () => {
  afterEach(() => (bed.outage.matches = undefined));

  it("waits out a control plane that is down for several seconds, and succeeds", async () => {
    const operation = await bed.seedOperation({
      environmentName: "outage-short",
      definition: "counter",
      parameters: { step: 1, label: "x" },
    });
    bed.outage.matches = /\/files/;
    setTimeout(() => (bed.outage.matches = undefined), 7000);
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], {
      ...bed.runnerVariables(operation),
      ADE_OPERATION_DEADLINE: new Date(Date.now() + 120_000).toISOString(),
    });
    expect(run.code).toBe(0);
    expect(await bed.storage.blobs.list(CONTAINERS.environments, `${PROJECT}/outage-short/files/`)).toEqual([
      expect.objectContaining({ name: `${PROJECT}/outage-short/files/storage.zip` }),
    ]);
  }, 90_000);

  it("says EnvironmentStateNotSaved when the state upload fails until the deadline", async () => {
    const operation = await bed.seedOperation({
      environmentName: "outage-long",
      definition: "counter",
      parameters: { step: 1, label: "x" },
    });
    bed.outage.matches = /^PUT .*\/files\//;
    const run = await bed.run(["bash", join(IMAGE, "entrypoint.sh")], {
      ...bed.runnerVariables(operation),
      ADE_OPERATION_DEADLINE: new Date(Date.now() + 8000).toISOString(),
    });
    expect(run.code).not.toBe(0);
    const result = (await bed.operations.get(PROJECT, operation.id))?.value.result;
    expect(result?.code).toBe("EnvironmentStateNotSaved");
    expect(result?.message).toContain("did not reach storage");
  }, 90_000);
});
