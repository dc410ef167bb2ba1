/**
 * What an environment operation costs beyond its own script, through the whole local product (dev
 * host, Azurite, ARM emulator, the Core entrypoint and ade CLI as local processes): a definition whose
 * deploy.sh sleeps 2 s, deployed through the API.
 *
 * P1: one deploy at a time against the same script run bare (interleaved, so both see the same
 * machine), with where the time goes: the control plane before the runner, the runner's start,
 * the script, the runner's end and the control plane after it.
 * P2: `concurrent` deploys at once, `rounds` times: all must succeed; the dev host's CPU per deploy
 * and its memory after each round; the control plane's and the local runners' shares as p50/p95
 * (locally every runner shares the machine's cores; in Azure each is its own container).
 *
 *   npm run build && node dist/bench/operations.js [concurrent=50] [rounds=2] [runs=3]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_RETRY_AFTER_SECONDS } from "../src/api/headers";
import { Stack, type Json } from "../test/support/stack";
import { cpuSeconds, percentile, print, repeat, rssMegabytes, spread } from "./measure";

const SLEEP_SECONDS = 2;
/** The Retry-After of a running operation, RETRY_AFTER_SECONDS' default (src/api/headers.ts). */
const RETRY_AFTER_MS = DEFAULT_RETRY_AFTER_SECONDS * 1000;

/** Where one deploy's time went, in ms, from the orchestration's history and the script's marks. */
interface Breakdown {
  /** The request until the runner container was started. */
  beforeRunner: number;
  /** The runner's start until its script began (entrypoint, ade init). */
  runnerStart: number;
  /** ... of which: until the entrypoint's first log line (process and node start). */
  processStart: number;
  /** ... its first line until it ran the script (the init requests and downloads). */
  init: number;
  /** ... until the script's first command (bash start). */
  spawn: number;
  script: number;
  /** The script's end until the control plane heard the runner had finished. */
  runnerEnd: number;
  /** ... of which: until the entrypoint's last log line (the script's exit, the uploads). */
  uploads: number;
  /** ... its last line until the control plane heard (the last log batch and the finished call). */
  finishedCall: number;
  /** Heard the runner had finished until the operation's end (collect, cleanup, finish). */
  afterRunner: number;
}

class Sleeper {
  readonly marks = mkdtempSync(path.join(os.tmpdir(), "bench-marks-"));

  /** The definition's deploy.sh: sleeps, noting when it started and ended (ms since the epoch). */
  get script(): string {
    const mark = (what: string) => `date +%s%3N > "${this.marks}/\${ADE_ENVIRONMENT_NAME:-bare}.${what}"`;
    return `#!/bin/bash\nset -e\n${mark("start")}\nsleep ${SLEEP_SECONDS}\n${mark("end")}\n`;
  }

  mark(name: string, what: "start" | "end"): number {
    return Number(readFileSync(path.join(this.marks, `${name}.${what}`), "utf8"));
  }

  bareSeconds(): number {
    const script = path.join(this.marks, "deploy.sh");
    writeFileSync(script, this.script, { mode: 0o755 });
    const started = process.hrtime.bigint();
    spawnSync("bash", [script], { stdio: "ignore", env: { ...process.env, ADE_ENVIRONMENT_NAME: "" } });
    return Number(process.hrtime.bigint() - started) / 1e9;
  }

  remove(): void {
    rmSync(this.marks, { recursive: true, force: true });
  }
}

/** When the first (or last) line of the operation's log that contains `text` was written. */
function lineTime(log: string, text: string, last = false): number {
  const lines = log.split("\n").filter((line) => line.includes(text));
  const line = last ? lines[lines.length - 1] : lines[0];
  if (!line) throw new Error(`no log line with "${text}"`);
  return Date.parse(line.slice(0, line.indexOf(" ")));
}

async function breakdown(
  stack: Stack,
  sleeper: Sleeper,
  token: string,
  name: string,
  requested: number,
  status: Json,
): Promise<Breakdown> {
  const log = await stack.operationLog(token, name, status.name as string);
  const reply = await stack.request(
    "GET",
    `/runtime/webhooks/durabletask/instances/${status.name}?showHistory=true`,
    undefined,
  );
  // 202 while the orchestration still runs: the operation's record says Succeeded as soon as
  // finishOperation wrote it, one episode before the orchestration completes.
  if (reply.status !== 200 && reply.status !== 202) {
    throw new Error(`history of ${name}: ${reply.status} ${reply.text.slice(0, 300)}`);
  }
  const history = reply.body.historyEvents as Json[];
  const at = (match: (event: Json) => boolean, what: string): number => {
    const event = history.find(match);
    if (!event) throw new Error(`${name}: no ${what} in the orchestration's history`);
    return Date.parse(event.Timestamp as string);
  };
  const runnerStarted = at(
    (e) => e.EventType === "TaskCompleted" && e.FunctionName === "startRunner",
    "startRunner",
  );
  const runnerFinished = at(
    (e) => e.EventType === "EventRaised" && e.Name === "RunnerFinished",
    "RunnerFinished",
  );
  // The operation's end time, which its record has once it Succeeded (the orchestration completes
  // a moment later, when the step's record is written too).
  const completed = Date.parse(status.endTime as string);
  if (Number.isNaN(completed)) throw new Error(`${name}: no endTime in ${JSON.stringify(status)}`);
  const scriptStart = sleeper.mark(name, "start");
  const scriptEnd = sleeper.mark(name, "end");
  const firstLine = lineTime(log, "[verbose] Initializing runner");
  const executing = lineTime(log, "[verbose] Executing deploy: ");
  const lastLine = lineTime(log, "Operation completed successfully!", true);
  return {
    beforeRunner: runnerStarted - requested,
    runnerStart: scriptStart - runnerStarted,
    processStart: firstLine - runnerStarted,
    init: executing - firstLine,
    spawn: scriptStart - executing,
    script: scriptEnd - scriptStart,
    runnerEnd: runnerFinished - scriptEnd,
    uploads: lastLine - scriptEnd,
    finishedCall: runnerFinished - lastLine,
    afterRunner: completed - runnerFinished,
  };
}

/** One deploy through the API: seconds from the request to Succeeded, and where the time went. */
async function deploy(
  stack: Stack,
  sleeper: Sleeper,
  token: string,
  name: string,
  pollMs: number,
): Promise<{ seconds: number; parts: Breakdown }> {
  const requested = Date.now();
  const { seconds, status } = await stack.deployAndWait(token, name, "sleeper", pollMs);
  if (status.status !== "Succeeded") {
    const log = await stack.operationLog(token, name, status.name as string).catch(String);
    throw new Error(`${name}: ${JSON.stringify(status)}\n    its log ends:\n${log.slice(-1500)}`);
  }
  return { seconds, parts: await breakdown(stack, sleeper, token, name, requested, status) };
}

const PARTS: [keyof Breakdown, string][] = [
  ["beforeRunner", "control plane: request → runner started"],
  ["runnerStart", "runner: started → script start"],
  ["processStart", "  started → entrypoint's first log line (process, node)"],
  ["init", "  first line → running the script (init requests, downloads)"],
  ["spawn", "  running the script → its first command (bash)"],
  ["script", "deploy.sh itself"],
  ["runnerEnd", "runner: script end → control plane told"],
  ["uploads", "  script end → entrypoint's last log line (exit, uploads)"],
  ["finishedCall", "  last line → control plane told (last log batch, finished)"],
  ["afterRunner", "control plane: runner finished → Succeeded"],
];

async function main(): Promise<void> {
  const concurrent = Number(process.argv[2] ?? 50);
  const rounds = Number(process.argv[3] ?? 2);
  const runs = Number(process.argv[4] ?? 3);
  const sleeper = new Sleeper();
  const stack = await Stack.start({
    definitions: {
      sleeper: {
        "environment.yaml": "name: sleeper\nrunner: Bicep\ntemplatePath: main.bicep\n",
        "main.bicep": "// deploy.sh deploys nothing\n",
        "deploy.sh": sleeper.script,
      },
    },
  }).catch((error: unknown) => {
    sleeper.remove();
    throw error;
  });
  try {
    const token = await stack.token("bench");
    await stack.catalogSynced(token);
    // One deploy first, so that what starts once (clients, caches, the catalog index) is not in the figures.
    await deploy(stack, sleeper, token, "warm-up", 20);

    const bare: number[] = [];
    const parts: Breakdown[] = [];
    const single = await repeat(runs, async (run) => {
      bare.push(sleeper.bareSeconds());
      const { seconds, parts: part } = await deploy(stack, sleeper, token, `single-${run}`, 20);
      parts.push(part);
      return seconds;
    });
    print({
      label: `P1: deploy of a ${SLEEP_SECONDS}-s deploy.sh through the control plane`,
      unit: "s",
      values: single,
      reference: { label: "the same deploy.sh bare", values: bare },
      target: { maxRatio: 1.15 },
    });
    for (const [key, label] of PARTS)
      print({ label: `  ${label}`, unit: "ms", values: parts.map((p) => p[key]) });

    for (let round = 1; round <= rounds && concurrent > 0; round++) {
      const hostCpu = cpuSeconds(stack.host.pid);
      const runnerCpu = cpuSeconds("self", true);
      const started = Date.now();
      // Polled as Azure's clients poll: at the Retry-After the service sends (RETRY_AFTER_SECONDS);
      // the breakdown comes from the orchestration's history, not from when a poll saw the end.
      const results = await Promise.all(
        Array.from({ length: concurrent }, (_, i) =>
          deploy(stack, sleeper, token, `many-${round}-${i}`, RETRY_AFTER_MS).catch(
            (error: unknown) => error as Error,
          ),
        ),
      );
      const wall = (Date.now() - started) / 1000;
      const ok = results.filter((r): r is { seconds: number; parts: Breakdown } => !(r instanceof Error));
      const failed = results.filter((r): r is Error => r instanceof Error);
      const perDeployMs = (seconds: number) => (seconds / concurrent) * 1000;
      process.stdout.write(`P2 round ${round}: ${concurrent} deploys at once, ${wall.toFixed(1)} s wall\n`);
      print({
        label: "  deploys that succeeded",
        unit: "",
        values: [ok.length],
        target: { min: concurrent },
      });
      for (const error of failed.slice(0, 3)) process.stdout.write(`    ${error.message.slice(0, 1000)}\n`);
      if (failed.length > 0) process.stdout.write(stack.hostComplaints("    "));
      print({
        label: "  dev host CPU per deploy",
        unit: "ms",
        values: [perDeployMs(cpuSeconds(stack.host.pid) - hostCpu)],
        target: { max: 100 },
      });
      print({
        label: "  runner processes' CPU per deploy",
        unit: "ms",
        values: [perDeployMs(cpuSeconds("self", true) - runnerCpu)],
      });
      print({ label: "  dev host RSS after the round", unit: "MB", values: [rssMegabytes(stack.host.pid)] });
      if (ok.length === 0) continue;
      const share = (of: (p: Breakdown) => number) => ok.map((r) => of(r.parts));
      const shares: [string, number[]][] = [
        ["control plane (before + after the runner)", share((p) => p.beforeRunner + p.afterRunner)],
        ["  before the runner", share((p) => p.beforeRunner)],
        ["  after the runner", share((p) => p.afterRunner)],
        ["local runners (start + end)", share((p) => p.runnerStart + p.runnerEnd)],
        [
          "overhead in all (request → Succeeded − deploy.sh)",
          share((p) => p.beforeRunner + p.runnerStart + p.runnerEnd + p.afterRunner),
        ],
      ];
      for (const [label, values] of shares) {
        process.stdout.write(
          `  ${label}: p50 ${percentile(values, 50).toFixed(0)} ms, p95 ${percentile(values, 95).toFixed(0)} ms, max ${spread(values).max.toFixed(0)} ms\n`,
        );
      }
    }
    if (concurrent > 0) await printPollCost(stack, token);
  } finally {
    await stack.stop();
    sleeper.remove();
  }
}

/** What one status poll costs the dev host, to weigh the polls in the CPU per deploy above. */
async function printPollCost(stack: Stack, token: string): Promise<void> {
  const { operationLocation } = await stack.deployStarted(token, "polled", "sleeper");
  const url = new URL(operationLocation);
  const polls = 200;
  const before = cpuSeconds(stack.host.pid);
  for (let i = 0; i < polls; i++) await stack.request("GET", url.pathname + url.search, token);
  print({
    label: "  dev host CPU per operation status poll",
    unit: "ms",
    values: [((cpuSeconds(stack.host.pid) - before) / polls) * 1000],
  });
  await stack.finished(operationLocation, token, 600_000);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
