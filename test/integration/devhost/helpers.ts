/** Shared by the dev host tests: fixture hosts on a test's Azurite, HTTP calls, polling, journals. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DevHostProcess, spawnDevHost } from "../../../dev/host/spawn";
import type { JournalEntry } from "../../fixtures/durable-app/journal";

const REPO = path.resolve(__dirname, "..", "..", "..");
export const DURABLE_APP = path.join(REPO, "test", "fixtures", "durable-app");
export const HTTP_APP = path.join(REPO, "test", "fixtures", "http-app");

/** Fails fast when the compiled fixtures are older than their sources (run npm run build). */
export function assertFixturesBuilt(appRoot: string): void {
  const compiled = path.join(REPO, "dist", path.relative(REPO, appRoot));
  for (const file of readdirSync(appRoot).filter((f) => f.endsWith(".ts"))) {
    const js = path.join(compiled, file.replace(/\.ts$/, ".js"));
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(path.join(appRoot, file)).mtimeMs) {
      throw new Error(`${js} is missing or older than its source: run "npm run build" first`);
    }
  }
}

/** A scratch folder for one test's journal and coordination files; removed by cleanup(). */
export class Scratch {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), "devhost-"));
  readonly journal = path.join(this.dir, "journal.jsonl");

  file(name: string): string {
    return path.join(this.dir, name);
  }

  entries(): JournalEntry[] {
    if (!existsSync(this.journal)) return [];
    return readFileSync(this.journal, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as JournalEntry);
  }

  count(fn: string, phase: JournalEntry["phase"], key?: string): number {
    return this.entries().filter(
      (e) => e.fn === fn && e.phase === phase && (key === undefined || e.key === key),
    ).length;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface FixtureHostOptions {
  appRoot: string;
  storage: string;
  taskHub: string;
  scratch: Scratch;
  port?: number;
  crashAt?: string;
  env?: Record<string, string>;
}

/** The key of every fixture host: `call` sends it, as a caller of the host's own endpoints must. */
export const FIXTURE_MASTER_KEY = "fixture-master-key";

/** Starts a fixture app in a dev host process on the given storage and task hub. */
export function startFixtureHost(options: FixtureHostOptions): Promise<DevHostProcess> {
  assertFixturesBuilt(options.appRoot);
  return spawnDevHost({
    appRoot: options.appRoot,
    port: options.port,
    crashAt: options.crashAt,
    env: {
      AzureWebJobsStorage: options.storage,
      DURABLE_TASK_HUB: options.taskHub,
      FIXTURE_DIR: options.scratch.dir,
      FIXTURE_JOURNAL: options.scratch.journal,
      DEVHOST_MASTER_KEY: FIXTURE_MASTER_KEY,
      ...options.env,
    },
  });
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

/** A request with the fixture hosts' key (`key: false`: without it). */
export async function call(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; key?: boolean } = {},
): Promise<Reply> {
  const body =
    init.body === undefined
      ? undefined
      : typeof init.body === "string" || init.body instanceof Uint8Array
        ? init.body
        : JSON.stringify(init.body);
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    body,
    headers: { ...(init.key !== false && { "x-functions-key": FIXTURE_MASTER_KEY }), ...init.headers },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** Polls until check returns a value other than undefined/false; fails with the last value seen. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    last = value;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: { EventType: string; FunctionName?: string; Name?: string }[];
}

/** The instance status from the management API (undefined while it does not exist). */
export async function status(
  hostUrl: string,
  instanceId: string,
  query = "",
): Promise<InstanceStatus | undefined> {
  const reply = await call(`${hostUrl}/runtime/webhooks/durabletask/instances/${instanceId}${query}`);
  if (reply.status === 404) return undefined;
  return reply.json<InstanceStatus>();
}

export function waitForStatus(
  hostUrl: string,
  instanceId: string,
  wanted: string[],
  timeoutMs?: number,
): Promise<InstanceStatus> {
  return waitFor(
    `${instanceId} to be ${wanted.join(" or ")}`,
    async () => {
      const current = await status(hostUrl, instanceId);
      return current && wanted.includes(current.runtimeStatus) ? current : undefined;
    },
    timeoutMs,
  );
}

/** Lets a test print the host's output when it fails. */
export function withHostOutput<T>(host: DevHostProcess | undefined, run: () => Promise<T>): Promise<T> {
  return run().catch((error: Error) => {
    error.message += `\n--- dev host output ---\n${host?.output().slice(-20_000) ?? "(no host)"}`;
    throw error;
  });
}
