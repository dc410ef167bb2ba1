/** Starts the ARM emulator in a temporary folder and builds the real ARM adapters against it. */
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ArmEmulatorOptions,
  EmulatorSnapshot,
  FaultSettings,
  RunningArmEmulator,
  startArmEmulator,
} from "../../../dev/arm";
import { ArmAdapters, createArmAdapters } from "../../../src/azure/arm";
import { ArmConfig } from "../../../src/config";
import type { ArmProgress, RunnerContainerRef } from "../../../src/operations/ports";

export interface ArmTestEnv {
  emulator: RunningArmEmulator;
  adapters: ArmAdapters;
  armConfig: ArmConfig;
  stateDir: string;
  /** Calls the emulator (admin endpoints or ARM with a token) and returns status and JSON body. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown; headers: Record<string, unknown> }>;
  setFaults(faults: FaultSettings): Promise<void>;
  state(): Promise<EmulatorSnapshot>;
  stop(): Promise<void>;
}

export function adaptersFor(emulator: RunningArmEmulator): { adapters: ArmAdapters; armConfig: ArmConfig } {
  const armConfig: ArmConfig = {
    endpoint: emulator.endpoint,
    caCertFile: emulator.caCertFile,
    credential: { kind: "emulator" },
    pollIntervalMs: 20,
  };
  const adapters = createArmAdapters(
    { arm: armConfig, runnerContainer: { cpu: 1, memoryInGB: 2 } },
    { retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 } },
  );
  return { adapters, armConfig };
}

export async function startArmTestEnv(options: Partial<ArmEmulatorOptions> = {}): Promise<ArmTestEnv> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "arm-emulator-"));
  const emulator = await startArmEmulator({ quiet: true, ...options, stateDir });
  const { adapters, armConfig } = adaptersFor(emulator);
  const ca = readFileSync(emulator.caCertFile);
  const call: ArmTestEnv["call"] = (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = request(
        `${emulator.endpoint}${path}`,
        { method, ca, headers: { "content-type": "application/json", ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            resolve({
              status: res.statusCode ?? 0,
              body: text ? JSON.parse(text) : undefined,
              headers: res.headers,
            });
          });
        },
      );
      req.on("error", reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    emulator,
    adapters,
    armConfig,
    stateDir,
    call,
    async setFaults(faults) {
      const reply = await call("PUT", "/_emulator/faults", faults);
      if (reply.status !== 200) throw new Error(`Setting faults failed: ${JSON.stringify(reply.body)}`);
    },
    async state() {
      return (await call("GET", "/_emulator/state")).body as EmulatorSnapshot;
    },
    async stop() {
      await emulator.stop();
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until `done` holds (every 20 ms, up to 10 s). */
export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Deletes as the orchestration does: `begin`, then `poll` with the poller's state (every 20 ms)
 * until ARM says done. Answers how many looks it took after the first request.
 */
export async function followDelete(
  begin: () => Promise<ArmProgress>,
  poll: (resumeFrom: string) => Promise<ArmProgress>,
): Promise<number> {
  let progress = await begin();
  let looks = 0;
  while (!progress.done) {
    await new Promise((r) => setTimeout(r, 20));
    progress = await poll(progress.resumeFrom);
    looks++;
  }
  return looks;
}

export function deleteResourceGroup(adapters: ArmAdapters, subscriptionId: string, name: string) {
  const groups = adapters.resourceGroups;
  return followDelete(
    () => groups.beginDelete(subscriptionId, name),
    (resumeFrom) => groups.pollDelete(subscriptionId, name, resumeFrom),
  );
}

export function deleteRunnerContainer(adapters: ArmAdapters, ref: RunnerContainerRef) {
  const runners = adapters.runnerContainers;
  return followDelete(
    () => runners.beginDelete(ref),
    (resumeFrom) => runners.pollDelete(ref, resumeFrom),
  );
}
