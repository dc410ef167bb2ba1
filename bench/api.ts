/**
 * API latency at a fixed request rate, open loop: requests go out on schedule whether or not earlier
 * ones were answered, and each latency counts from the request's scheduled send time, so a stall
 * shows in the figures instead of slowing the load down (no coordinated omission). Side by side, in
 * each run: a bare Node HTTP server on loopback (the floor), one Azurite table read through the app's
 * table client (the storage reference), GET of one environment on the dev host of the local stack,
 * and the lists of a user's environments and of the project's, in a project of `environments`
 * environments (seeded through the storage adapters) of which the user has `mine`.
 *
 *   npm run build && node dist/bench/api.js [--rate 200] [--seconds 3] [--runs 3]
 *     [--environments 1000] [--mine 5] [--project-rate 50] [--cpu-prof DIR]
 *
 * --cpu-prof writes a V8 CPU profile of the dev host (its whole run) into DIR.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { createStorageAdapters } from "../src/azure/storage";
import { environmentRecords } from "../src/storage/environment-records";
import type { EnvironmentRecord } from "../src/storage/records";
import { localObjectId } from "../dev/token";
import { API_VERSION, Stack } from "../test/support/stack";
import { cpuSeconds, percentile, print as printFigure, type Figure } from "./measure";

const PROJECT = "demo";
const USER = "bench-user";

interface Load {
  latencies: number[];
  /** The rate the answers came at: from the first answer to the last. */
  throughput: number;
}

/**
 * Sends `rate` requests a second for `seconds` on schedule and waits for every answer; `send`
 * rejects on a wrong answer, which fails the benchmark (a fast error is no figure).
 */
async function openLoop(rate: number, seconds: number, send: () => Promise<void>): Promise<Load> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  let firstAnswer = Infinity;
  let lastAnswer = start;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        const answered = send().then(() => {
          lastAnswer = performance.now();
          firstAnswer = Math.min(firstAnswer, lastAnswer);
          latencies.push(lastAnswer - scheduled);
        });
        // Failures reach Promise.all below; without a handler now, one before it would end the process
        // as an unhandled rejection, past the cleanup (the floor server and the stack left running).
        answered.catch(() => undefined);
        pending.push(answered);
        sent++;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  return { latencies, throughput: ((latencies.length - 1) / (lastAnswer - firstAnswer)) * 1000 };
}

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/**
 * GET over plain http with a keep-alive agent; rejects unless the answer is 200. A kept-alive socket
 * the server closed just as it was reused is retried, as node's documentation advises.
 */
function get(url: URL, token?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { agent, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          if (res.statusCode === 200) resolve();
          else
            reject(new Error(`GET ${url.pathname}: ${res.statusCode} ${Buffer.concat(chunks).toString()}`));
        });
        res.on("error", reject);
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && error.code === "ECONNRESET") get(url, token).then(resolve, reject);
      else reject(new Error(`GET ${url.pathname}: ${error.message}`));
    });
    req.end();
  });
}

/** A bare Node HTTP server in its own process, answering a small JSON body: the floor. */
async function startFloorServer(): Promise<{ url: URL; child: ChildProcess }> {
  const body = JSON.stringify({ name: "floor", parameters: {}, provisioningState: "Succeeded" });
  const script =
    `const s = require("node:http").createServer((q, r) => { r.writeHead(200, {"content-type": "application/json"}); r.end(${JSON.stringify(body)}); });` +
    `s.keepAliveTimeout = 60000; s.listen(0, "127.0.0.1", () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  return { url: new URL(`http://127.0.0.1:${chunk.toString().trim()}/`), child };
}

function environment(name: string, user: string): EnvironmentRecord {
  const now = new Date().toISOString();
  return {
    project: PROJECT,
    name,
    user,
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "counter",
    parameters: { count: 3, label: `bench ${name}` },
    provisioningState: "Succeeded",
    resourceGroupId: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${PROJECT}-${name}`,
    createdAt: now,
    updatedAt: now,
  };
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/**
 * A module that profiles the process that requires it and writes the profile into `dir` when it
 * exits (node 20 does not take --cpu-prof in NODE_OPTIONS; --require it takes).
 */
function profilerHook(dir: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "bench-api-")), "profile.js");
  writeFileSync(
    file,
    `const inspector = require("node:inspector");
const session = new inspector.Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.start");
process.on("exit", () => session.post("Profiler.stop", (error, result) => {
  if (error) return;
  require("node:fs").mkdirSync(${JSON.stringify(dir)}, { recursive: true });
  require("node:fs").writeFileSync(require("node:path").join(${JSON.stringify(dir)}, \`dev-host-\${process.pid}.cpuprofile\`), JSON.stringify(result.profile));
}));
`,
  );
  return file;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "200" },
      seconds: { type: "string", default: "3" },
      runs: { type: "string", default: "3" },
      environments: { type: "string", default: "1000" },
      mine: { type: "string", default: "5" },
      "project-rate": { type: "string", default: "50" },
      only: { type: "string" },
      "cpu-prof": { type: "string" },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const runs = Number(values.runs);
  const total = Number(values.environments);
  const mine = Number(values.mine);
  const projectRate = Number(values["project-rate"]);
  const profileDir = values["cpu-prof"];

  const hook = profileDir ? profilerHook(profileDir) : undefined;
  const floor = await startFloorServer();
  const stack = await Stack.start({
    samples: ["counter"],
    settings: {
      CATALOG_SYNC_ON_STARTUP: "false",
      ...(hook && { NODE_OPTIONS: `--require=${hook}` }),
    },
  }).catch((error: unknown) => {
    floor.child.kill();
    throw error;
  });
  try {
    const token = await stack.token(USER);
    const me = localObjectId(USER);
    const storage = createStorageAdapters(stack.services.azurite.connectionString);
    const environments = environmentRecords((table) => storage.records(table));
    const names = Array.from({ length: total }, (_, i) => `env-${String(i).padStart(5, "0")}`);
    // The user's environments are spread through the project; the others belong to 200 other users.
    const others = Array.from({ length: 200 }, () => randomUUID());
    const step = Math.max(1, Math.floor(total / mine));
    const owner = (i: number) => (i % step === 0 && i / step < mine ? me : others[i % others.length]);
    await pool(names, 16, (name) => {
      const i = Number(name.slice(4));
      return environments.create(PROJECT, name, environment(name, owner(i)));
    });
    const myName = names.find((_, i) => owner(i) === me) as string;

    const api = (path: string) => new URL(`${stack.url}${path}?api-version=${API_VERSION}`);
    const getOne = api(`/projects/${PROJECT}/users/me/environments/${myName}`);
    const listMine = api(`/projects/${PROJECT}/users/me/environments`);
    const listProject = api(`/projects/${PROJECT}/environments`);
    const reply = await (await fetch(listMine, { headers: { authorization: `Bearer ${token}` } })).json();
    const listed = (reply as { value: { user: string }[] }).value;
    if (listed.length !== mine || listed.some((e) => e.user !== me))
      throw new Error(`the user's list has ${listed.length} environments, expected ${mine} of theirs`);

    const targets = {
      floor: () => get(floor.url),
      storage: async () => {
        if (!(await environments.get(PROJECT, myName))) throw new Error("the seeded record is missing");
      },
      getEnvironment: () => get(getOne, token),
      listMine: () => get(listMine, token),
      listProject: () => get(listProject, token),
    };
    const chosen = (Object.keys(targets) as (keyof typeof targets)[]).filter(
      (name) => values.only === undefined || values.only.split(",").includes(name),
    );
    if (chosen.length === 0) throw new Error(`--only takes some of ${Object.keys(targets).join(", ")}`);
    // Warm up every path (JIT, sockets, tables) before anything counts.
    for (const name of chosen) await openLoop(50, 1, targets[name]);

    const p99 = { floor: [], storage: [], getEnvironment: [], listMine: [], listProject: [] } as Record<
      keyof typeof targets,
      number[]
    >;
    const p50 = structuredClone(p99);
    const throughput = structuredClone(p99);
    // CPU per request of the dev host and of Azurite: less at the mercy of a busy machine than latency.
    const hostCpu = structuredClone(p99);
    const azuriteCpu = structuredClone(p99);
    for (let run = 0; run < runs; run++) {
      for (const name of chosen) {
        const send = targets[name];
        const before = {
          host: cpuSeconds(stack.host.pid) * 1000,
          azurite: cpuSeconds(stack.services.azurite.pid) * 1000,
        };
        const load = await openLoop(name === "listProject" ? projectRate : rate, seconds, send);
        hostCpu[name].push((cpuSeconds(stack.host.pid) * 1000 - before.host) / load.latencies.length);
        azuriteCpu[name].push(
          (cpuSeconds(stack.services.azurite.pid) * 1000 - before.azurite) / load.latencies.length,
        );
        p50[name].push(percentile(load.latencies, 50));
        p99[name].push(percentile(load.latencies, 99));
        throughput[name].push(load.throughput);
      }
    }

    // With --only, figures of the paths left out have no values.
    const print = (figure: Figure) => {
      if (figure.values.length === 0) return;
      if (figure.reference?.values.length === 0) delete figure.reference;
      printFigure(figure);
    };
    const cpu = (name: keyof typeof targets, label: string) => {
      print({ label: `${label}: dev host CPU per request`, unit: "ms", values: hostCpu[name] });
      print({ label: `${label}: Azurite CPU per request`, unit: "ms", values: azuriteCpu[name] });
    };
    const reference =
      p99.floor.length === p99.storage.length
        ? p99.floor.map((floorP99, run) => floorP99 + p99.storage[run])
        : [];
    const floorAndRead = { label: "floor + one storage read p99", values: reference };
    process.stdout.write(
      `api: open loop at ${rate} requests/s (project list ${projectRate}/s), ${seconds} s per run, ` +
        `${total} environments, the user has ${mine}\n`,
    );
    print({ label: "bare Node HTTP p50", unit: "ms", values: p50.floor });
    print({ label: "bare Node HTTP p99 (floor)", unit: "ms", values: p99.floor });
    print({ label: "Azurite table read p99 (storage)", unit: "ms", values: p99.storage });
    print({ label: "GET environment p50", unit: "ms", values: p50.getEnvironment });
    print({
      label: "GET environment p99",
      unit: "ms",
      values: p99.getEnvironment,
      reference: floorAndRead,
      target: { max: 20, maxRatio: 1.5 },
    });
    cpu("getEnvironment", "GET environment");
    print({ label: "list the user's environments p50", unit: "ms", values: p50.listMine });
    print({
      label: "list the user's environments p99",
      unit: "ms",
      values: p99.listMine,
      reference: floorAndRead,
      target: { max: 50 },
    });
    print({
      label: "list the user's environments, answers",
      unit: "requests/s",
      values: throughput.listMine,
    });
    cpu("listMine", "list the user's environments");
    print({ label: "list the project's environments (first page) p50", unit: "ms", values: p50.listProject });
    print({ label: "list the project's environments (first page) p99", unit: "ms", values: p99.listProject });
    print({
      label: "list the project's environments, answers",
      unit: "requests/s",
      values: throughput.listProject,
    });
    cpu("listProject", "list the project's environments");
  } catch (error) {
    throw new Error(`${(error as Error)?.stack ?? error}\n${stack.hostComplaints()}`);
  } finally {
    agent.destroy();
    floor.child.kill();
    await stack.stop();
    if (hook) rmSync(path.dirname(hook), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
