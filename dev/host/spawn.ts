/**
 * Runs the dev host as a child process (`node dist/dev/host/main.js`), the form tests use: it keeps
 * the app out of jest's module system and can be killed with SIGKILL and started again.
 * Needs the compiled host (npm run build); refuses a dist/ older than the host's sources.
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { freePort } from "../net";
import { MASTER_KEY_SETTING, newKey } from "./keys";

export interface SpawnDevHostOptions {
  /** The function app folder (package.json `main`, host.json). */
  appRoot: string;
  /** Default: a free port. Pass the same port again to restart a host where clients expect it. */
  port?: number;
  /** Variables on top of this process's environment (e.g. AzureWebJobsStorage, DURABLE_TASK_HUB). */
  env?: Record<string, string | undefined>;
  /** Extra CLI flags, e.g. ["--verbose"]. */
  args?: string[];
  /** DEVHOST_CRASH_AT for this run: "<fault point>:<n>" (see FaultPoint). */
  crashAt?: string;
  /** How long to wait for the host to listen (default 30 s). */
  startTimeoutMs?: number;
}

export interface DevHostProcess {
  /** As the host printed it: https://127.0.0.1:PORT when it serves TLS (--tls-cert), else http://. */
  url: string;
  port: number;
  /** The host's key (DEVHOST_MASTER_KEY as given, else one made for this process): code= / x-functions-key. */
  masterKey: string;
  pid: number;
  /** Everything the host printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (a clean stop), SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** SIGKILL: the host dies mid-flight, as in a crash. */
  kill(): Promise<void>;
}

const OUTPUT_LIMIT = 512 * 1024;
const READY = /Dev host listening on (https?:\/\/127\.0\.0\.1:(\d+))/;

/** The compiled CLI, whether this module runs compiled (dist/dev/host) or from source (dev/host). */
function compiledMain(): string {
  const compiledHere = path.join(__dirname, "main.js");
  if (existsSync(compiledHere)) return compiledHere;
  const repoRoot = path.resolve(__dirname, "..", "..");
  const main = path.join(repoRoot, "dist", "dev", "host", "main.js");
  if (!existsSync(main)) throw new Error(`${main} does not exist: run "npm run build" first`);
  const builtAt = statSync(main).mtimeMs;
  const stale = sourcesNewerThan(__dirname, builtAt);
  if (stale) throw new Error(`${stale} is newer than ${main}: run "npm run build" first`);
  return main;
}

function sourcesNewerThan(dir: string, time: number): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = sourcesNewerThan(full, time);
      if (found) return found;
    } else if (entry.name.endsWith(".ts") && statSync(full).mtimeMs > time) return full;
  }
  return undefined;
}

export async function spawnDevHost(options: SpawnDevHostOptions): Promise<DevHostProcess> {
  if (options.port !== undefined) return spawnOnPort(options, options.port);
  // A port that was free a moment ago can be taken before the host binds it: then take another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnPort(options, await freePort());
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("EADDRINUSE")) throw error;
    }
  }
}

async function spawnOnPort(options: SpawnDevHostOptions, port: number): Promise<DevHostProcess> {
  const args = [
    compiledMain(),
    "--app",
    path.resolve(options.appRoot),
    "--port",
    String(port),
    ...(options.args ?? []),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  // Known to the caller, so that it can call the key-protected endpoints.
  const masterKey = env[MASTER_KEY_SETTING]?.trim() || newKey();
  env[MASTER_KEY_SETTING] = masterKey;
  if (options.crashAt) env.DEVHOST_CRASH_AT = options.crashAt;
  else delete env.DEVHOST_CRASH_AT;
  const child: ChildProcess = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });

  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`The dev host did not start within ${options.startTimeoutMs ?? 30000} ms:\n${output}`),
      );
    }, options.startTimeoutMs ?? 30000);
    const onData = () => {
      const match = READY.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      resolve(match[1]);
    };
    child.stdout?.on("data", onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`The dev host exited (${signal ?? code}) while starting:\n${output}`));
    });
  });

  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    url,
    port,
    masterKey,
    pid: child.pid as number,
    output: () => output,
    exited,
    async stop() {
      if (!alive()) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (alive()) child.kill("SIGKILL");
      await exited;
    },
  };
}
