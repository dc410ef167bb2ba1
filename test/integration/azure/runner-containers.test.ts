import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunnerContainerRef, RunnerContainerSpec, RunnerContainerState } from "../../../src/operations/ports";
import { RUNNER_CONTAINER_NAME } from "../../../src/azure/runner-containers";
import { ArmTestEnv, deleteRunnerContainer, startArmTestEnv, waitFor } from "./arm-test-env";

const SUB = "5a3b0c1d-0000-4000-8000-000000000002";
const RG = "rg-runners";
const IDENTITY = `/subscriptions/${SUB}/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner`;
const SECRET = "s3cr3t-token-value-never-stored";

function writeExecutable(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

/** Running (a zombie, killed but not yet reaped by init, does not count). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && existsSync("/proc/self")) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("ArmRunnerContainers against the ARM emulator", () => {
  let env: ArmTestEnv;
  let images: string;
  beforeAll(async () => {
    images = mkdtempSync(join(tmpdir(), "runner-images-"));
    const exit3 = join(images, "exit3");
    mkdirSync(join(exit3, "bin"), { recursive: true });
    writeExecutable(join(exit3, "bin", "greet"), '#!/bin/bash\necho "hello from bin"\n');
    writeExecutable(
      join(exit3, "entrypoint.sh"),
      [
        "#!/bin/bash",
        'echo "operation $ADE_OPERATION_NAME"',
        'echo "cwd is root: $([ "$(pwd)" = "$ADE_ROOT" ] && echo yes)"',
        'echo "secret length ${#ADE_SECRET}"',
        "greet",
        'echo "to stderr" >&2',
        "exit 3",
        "",
      ].join("\n"),
    );
    const sleeper = join(images, "sleeper");
    mkdirSync(sleeper);
    writeExecutable(
      join(sleeper, "entrypoint.sh"),
      '#!/bin/bash\nsleep 30 &\necho $! > "$PID_FILE"\necho started\nwait\n',
    );
    env = await startArmTestEnv({
      images: { "example.azurecr.io/runners/exit3:1.0": exit3, "example.azurecr.io/sleeper": sleeper },
    });
    await env.adapters.resourceGroups.ensure(SUB, RG, "westeurope", {});
  });
  afterAll(async () => {
    await env.stop();
    rmSync(images, { recursive: true, force: true });
  });

  function spec(name: string, overrides: Partial<RunnerContainerSpec> = {}): RunnerContainerSpec {
    return {
      subscriptionId: SUB,
      resourceGroup: RG,
      name,
      location: "westeurope",
      image: "example.azurecr.io/runners/exit3:1.0",
      environment: [
        { name: "ADE_OPERATION_NAME", value: "deploy" },
        { name: "ADE_SECRET", secureValue: SECRET },
      ],
      identityResourceId: IDENTITY,
      ...overrides,
    };
  }

  const terminated = (ref: RunnerContainerRef) =>
    waitFor(
      () => env.adapters.runnerContainers.state(ref),
      (s: RunnerContainerState) => s.state === "Terminated",
      `${ref.name} to terminate`,
    );

  it("runs the image's entrypoint and reports exit code, times and combined logs", async () => {
    const runners = env.adapters.runnerContainers;
    const ref = { subscriptionId: SUB, resourceGroup: RG, name: "run-exit3" };
    await runners.start(spec(ref.name));
    const state = await terminated(ref);
    expect(state.exitCode).toBe(3);
    expect(state.startTime).toBeInstanceOf(Date);
    expect(state.finishTime!.getTime()).toBeGreaterThanOrEqual(state.startTime!.getTime());
    expect(state.detail).toBe("Error");
    const logs = await runners.logs(ref);
    expect(logs).toBe(
      `operation deploy\ncwd is root: yes\nsecret length ${SECRET.length}\nhello from bin\nto stderr\n`,
    );
    expect(await runners.logs(ref, { tail: 2 })).toBe("hello from bin\nto stderr\n");
  });

  it("creates the group as ACI would and never stores or returns secure values", async () => {
    const runners = env.adapters.runnerContainers;
    await runners.start(
      spec("run-shape", {
        cpu: 2,
        memoryInGB: 4,
        registryLoginServer: "example.azurecr.io",
        command: ["true"],
      }),
    );
    const group = (await env.state()).containerGroups.find((g) => g.name === "run-shape")!;
    expect(group).toMatchObject({
      osType: "Linux",
      restartPolicy: "Never",
      identity: { type: "UserAssigned", userAssignedIdentities: { [IDENTITY]: {} } },
      imageRegistryCredentials: [{ server: "example.azurecr.io", identity: IDENTITY }],
    });
    expect(group.containers[0]).toMatchObject({
      name: RUNNER_CONTAINER_NAME,
      cpu: 2,
      memoryInGB: 4,
      command: ["true"],
    });
    const read = await env.call(
      "GET",
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/run-shape?api-version=2023-05-01`,
      undefined,
      { authorization: "Bearer any" },
    );
    expect(JSON.stringify(read.body)).not.toContain(SECRET);
    expect(JSON.stringify(read.body)).toContain('{"name":"ADE_SECRET"}');
    expect(readFileSync(join(env.stateDir, "state.json"), "utf8")).not.toContain(SECRET);
    await deleteRunnerContainer(env.adapters, { subscriptionId: SUB, resourceGroup: RG, name: "run-shape" });
  });

  it("runs the command instead of the entrypoint, with the default size", async () => {
    const runners = env.adapters.runnerContainers;
    const ref = { subscriptionId: SUB, resourceGroup: RG, name: "run-command" };
    await runners.start(spec(ref.name, { command: ["bash", "-c", 'echo "custom $ADE_OPERATION_NAME"'] }));
    expect(await terminated(ref)).toMatchObject({ exitCode: 0, detail: "Completed" });
    expect(await runners.logs(ref)).toBe("custom deploy\n");
    const group = (await env.state()).containerGroups.find((g) => g.name === ref.name)!;
    expect(group.containers[0]).toMatchObject({ cpu: 1, memoryInGB: 2 });
  });

  it("does not run a group twice when start is repeated", async () => {
    const runners = env.adapters.runnerContainers;
    const ref = { subscriptionId: SUB, resourceGroup: RG, name: "run-once" };
    await runners.start(spec(ref.name, { command: ["bash", "-c", "echo ran"] }));
    await terminated(ref);
    await runners.start(spec(ref.name, { command: ["bash", "-c", "echo ran"] }));
    expect(await runners.state(ref)).toMatchObject({ state: "Terminated", exitCode: 0 });
    expect(await runners.logs(ref)).toBe("ran\n");
  });

  it("kills a running container and everything it started when the group is deleted", async () => {
    const runners = env.adapters.runnerContainers;
    const ref = { subscriptionId: SUB, resourceGroup: RG, name: "run-sleeper" };
    const pidFile = join(images, "sleeper-child.pid");
    await runners.start(
      spec(ref.name, {
        image: "example.azurecr.io/sleeper:latest",
        environment: [{ name: "PID_FILE", value: pidFile }],
      }),
    );
    await waitFor(
      () => runners.logs(ref),
      (logs) => logs.includes("started"),
      "the sleeper to start",
    );
    expect(await runners.state(ref)).toMatchObject({ state: "Running", startTime: expect.any(Date) });
    const pid = (await env.state()).containerGroups.find((g) => g.name === ref.name)!.containers[0].pid!;
    const childPid = Number(readFileSync(pidFile, "utf8"));
    expect(isAlive(pid)).toBe(true);
    expect(isAlive(childPid)).toBe(true);

    await deleteRunnerContainer(env.adapters, ref);
    expect(isAlive(pid)).toBe(false);
    // The grandchild is killed with the process group, then reaped by init: until then it still answers signal 0.
    await waitFor(
      async () => isAlive(childPid),
      (alive) => !alive,
      "the sleeper's child to be gone",
    );
    expect(await runners.state(ref)).toEqual({ state: "NotFound" });
    expect(await runners.logs(ref)).toBe("");
    await expect(runners.beginDelete(ref)).resolves.toEqual({ done: true });
  });

  it("fails a container whose image has no local folder, saying how to map it", async () => {
    const runners = env.adapters.runnerContainers;
    const ref = { subscriptionId: SUB, resourceGroup: RG, name: "run-unmapped" };
    await runners.start(spec(ref.name, { image: "example.azurecr.io/unknown:2.0" }));
    const state = await terminated(ref);
    expect(state.exitCode).toBeUndefined();
    // The container's own reason and ACI's event, as the operation's error will show them.
    expect(state.detail).toMatch(/^ErrImagePull: Failed to pull image "example.azurecr.io\/unknown:2.0"/);
    expect(state.detail).toContain("ARM_EMULATOR_IMAGES");
    const group = (await env.state()).containerGroups.find((g) => g.name === ref.name)!;
    expect(group.provisioningState).toBe("Failed");
    expect(group.containers[0].currentState).toMatchObject({
      state: "Waiting",
      detailStatus: "ErrImagePull",
    });
  });

  it("reports a missing group as NotFound and refuses a group in a missing resource group", async () => {
    const runners = env.adapters.runnerContainers;
    expect(await runners.state({ subscriptionId: SUB, resourceGroup: RG, name: "nobody" })).toEqual({
      state: "NotFound",
    });
    await expect(runners.start(spec("run-nowhere", { resourceGroup: "rg-missing" }))).rejects.toMatchObject({
      code: "ResourceGroupNotFound",
      statusCode: 404,
    });
  });
});

describe("ArmRunnerContainers while a container is starting and across emulator restarts", () => {
  it("reports Pending before the process starts, and a finished container's exit code after a restart", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "arm-restart-"));
    const ref = { subscriptionId: SUB, resourceGroup: RG, name: "run-restart" };
    const image = join(stateDir, "image");
    mkdirSync(image);
    const first = await startArmTestEnv({
      stateDir,
      // Long enough that the state read right after start sees Pending on a busy machine too.
      containerStartDelayMs: 5_000,
      images: { "example.azurecr.io/restart": image },
    });
    try {
      await first.adapters.resourceGroups.ensure(SUB, RG, "westeurope", {});
      await first.adapters.runnerContainers.start({
        ...ref,
        location: "westeurope",
        image: "example.azurecr.io/restart:1",
        command: ["bash", "-c", "echo bye; exit 7"],
        environment: [],
        identityResourceId: IDENTITY,
      });
      expect(await first.adapters.runnerContainers.state(ref)).toMatchObject({
        state: "Pending",
        detail: "Pending",
      });
      const finished = await waitFor(
        () => first.adapters.runnerContainers.state(ref),
        (s) => s.state === "Terminated",
        "the container to finish",
      );
      expect(finished.exitCode).toBe(7);
    } finally {
      await first.stop();
    }
    const second = await startArmTestEnv({ stateDir, images: { "example.azurecr.io/restart": image } });
    try {
      expect(second.emulator.caCertFile).toBe(first.emulator.caCertFile);
      expect(await second.adapters.resourceGroups.exists(SUB, RG)).toBe(true);
      expect(await second.adapters.runnerContainers.state(ref)).toMatchObject({
        state: "Terminated",
        exitCode: 7,
      });
      expect(await second.adapters.runnerContainers.logs(ref)).toBe("bye\n");
      await deleteRunnerContainer(second.adapters, ref);
    } finally {
      await second.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
