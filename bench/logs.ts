/**
 * Operation logs through the whole local product (dev host, Azurite, ARM emulator, Core entrypoint +
 * ade CLI): (a) a deploy.sh printing 100,000 lines (every 100th with a secure parameter's value,
 * which must arrive masked) against the same script bare and against a quiet deploy through the
 * stack (what the lines themselves cost); how soon a line printed while the
 * operation runs can be read through the logs API; (b) GET …/logs of a ~200 MB log (written straight
 * into Azurite): dev host RSS before and at its peak during 3 parallel GETs, time to first byte;
 * (c) a tail request (`Range: bytes=-65536`) of that log.
 *
 *   npm run build && node dist/bench/logs.js [runs=3] [logMegabytes=200, 0 to skip (b) and (c)]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createBlobStore } from "../src/azure/blobs";
import { CONTAINERS, operationLogBlob } from "../src/storage/records";
import { API_VERSION, Stack } from "../test/support/stack";
import { print, repeat, rssMegabytes } from "./measure";

const LINES = 100_000;
/** The loud and quiet definitions' secure parameter: masking it is part of what the lines cost. */
const SECRET = `bench-secret-${randomUUID()}`;
const SECRET_EVERY = 100;
const LOUD_SH =
  "#!/bin/bash\nset -e\n" +
  '[[ $ADE_OPERATION_PARAMETERS =~ \\"password\\":\\"([^\\"]*)\\" ]] && secret="${BASH_REMATCH[1]}"\n' +
  `awk -v s="$secret" 'BEGIN { for (i = 1; i <= ${LINES}; i++) printf "line %06d of the deploy: the quick brown fox jumps over the lazy dog%s\\n", i, (i % ${SECRET_EVERY} == 0 ? " " s : "") }'\n`;
const QUIET_SH = "#!/bin/bash\nset -e\necho quiet\n";
/** Prints a marker, then waits (up to 60 s) for the bench to say it has read it through the API. */
const LIVE_SH =
  '#!/bin/bash\nset -e\necho "live marker $(date +%s%N)"\n' +
  'for i in $(seq 600); do [ -f "$LIVE_SEEN_FILE" ] && exit 0; sleep 0.1; done\nexit 1\n';

function definition(name: string, script: string, secure = false): Record<string, string> {
  const parameters = `parameters:\n  - { id: password, type: securestring, default: ${SECRET} }\n`;
  return {
    "environment.yaml": `name: ${name}\nrunner: Bicep\ntemplatePath: main.bicep\n${secure ? parameters : ""}`,
    "main.bicep": "// nothing\n",
    "deploy.sh": script,
  };
}

function bareSeconds(script: string): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-logs-bare-"));
  const file = path.join(dir, "deploy.sh");
  writeFileSync(file, script, { mode: 0o755 });
  try {
    const started = performance.now();
    const result = spawnSync("bash", [file], { stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 30 });
    if (result.status !== 0) throw new Error(`bare deploy.sh failed with ${result.status}`);
    return (performance.now() - started) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function logsPath(environment: string, operationId: string): string {
  return `/projects/demo/users/me/environments/${environment}/operations/${operationId}/logs?api-version=${API_VERSION}`;
}

async function deployed(stack: Stack, token: string, name: string, definitionName: string) {
  const run = await stack.deployAndWait(token, name, definitionName);
  if (run.status.status !== "Succeeded") throw new Error(`${name}: ${JSON.stringify(run.status)}`);
  return { seconds: run.seconds, operationId: run.status.name as string };
}

async function pumpFigures(stack: Stack, token: string, runs: number): Promise<void> {
  const bare: number[] = [];
  const loud: number[] = [];
  const quiet: number[] = [];
  const burst: number[] = [];
  const flush: number[] = [];
  for (let run = 0; run < runs; run++) {
    bare.push(bareSeconds(LOUD_SH));
    quiet.push((await deployed(stack, token, `quiet-${run}`, "quiet")).seconds);
    const { seconds, operationId } = await deployed(stack, token, `loud-${run}`, "loud");
    loud.push(seconds);
    const log = await (
      await fetch(new URL(logsPath(`loud-${run}`, operationId), stack.url), {
        headers: { authorization: `Bearer ${token}` },
      })
    ).text();
    const printed = log.split("\n").filter((line) => line.includes("] line "));
    const inOrder = printed.every((line, i) => line.includes(`line ${String(i + 1).padStart(6, "0")} `));
    if (printed.length !== LINES || !inOrder) {
      throw new Error(
        `the log of loud-${run} has ${printed.length} of ${LINES} lines (in order: ${inOrder})`,
      );
    }
    const masked = printed.filter((line) => line.endsWith(" dog ***")).length;
    if (log.includes(SECRET) || masked !== LINES / SECRET_EVERY) {
      throw new Error(
        `the log of loud-${run} has ${masked} masked lines and the secret: ${log.includes(SECRET)}`,
      );
    }
    // The lines' own timestamps: when ade execute read the first and the last, and when the
    // entrypoint ended (after the pump's last batch was sent and the uploads).
    const time = (line: string | undefined) => Date.parse((line ?? "").slice(0, 24));
    const next = log.split("\n").find((line) => line.includes("Operation completed successfully!"));
    burst.push((time(printed[LINES - 1]) - time(printed[0])) / 1000);
    flush.push((time(next) - time(printed[LINES - 1])) / 1000);
  }
  print({
    label: `deploy printing ${LINES} lines, through the stack`,
    unit: "s",
    values: loud,
    reference: { label: "the same deploy.sh bare", values: bare },
  });
  const added = loud.map((value, i) => value - quiet[i]);
  print({
    label: `what the ${LINES} lines add to a deploy through the stack (loud - quiet deploy)`,
    unit: "s",
    values: added,
    target: { max: 0.5 },
  });
  print({ label: "quiet deploy through the stack", unit: "s", values: quiet });
  print({ label: "  in the runner: ade execute reading the 100,000 lines", unit: "s", values: burst });
  print({
    label: "  in the runner: from the last line to the entrypoint's end (log sent, uploads)",
    unit: "s",
    values: flush,
  });
}

/** Seconds from a line's printing (its own timestamp) to the logs API first showing it. */
async function liveSeconds(stack: Stack, token: string, name: string, seenFile: string): Promise<number> {
  const created = await stack.request("PUT", `/projects/demo/users/me/environments/${name}`, token, {
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: "live",
  });
  if (created.status !== 201) throw new Error(`PUT ${name}: ${created.status} ${created.text}`);
  const operationId = new URL(created.headers.get("operation-location") as string).pathname.split("/").pop();
  for (;;) {
    const reply = await fetch(new URL(logsPath(name, operationId as string), stack.url), {
      headers: { authorization: `Bearer ${token}` },
    });
    const seenAt = Date.now();
    const marker = /live marker (\d+)/.exec(await reply.text());
    if (marker) {
      writeFileSync(seenFile, "seen");
      await stack.finished(created.headers.get("operation-location") as string, token);
      return (seenAt - Number(BigInt(marker[1]) / 1_000_000n)) / 1000;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function liveFigure(stack: Stack, token: string, runs: number, seenDir: string): Promise<void> {
  const values = await repeat(runs, (run) =>
    liveSeconds(stack, token, `live-${run}`, path.join(seenDir, `seen-live-${run}`)),
  );
  print({
    label: "a line printed while the operation runs, until the logs API shows it",
    unit: "s",
    values,
    target: { max: 2 },
  });
}

function blobStore(stack: Stack) {
  return createBlobStore({
    kind: "connectionString",
    connectionString: stack.services.azurite.connectionString,
  });
}

async function logSize(stack: Stack, operationId: string): Promise<number> {
  const name = operationLogBlob("demo", operationId);
  const [blob] = (await blobStore(stack).list(CONTAINERS.logs, name)).filter((b) => b.name === name);
  return blob.size;
}

/** Appends about `megabytes` MB straight to the operation's log blob. */
async function writeBigLog(stack: Stack, operationId: string, megabytes: number): Promise<void> {
  const blobs = blobStore(stack);
  const line = `${new Date().toISOString()} [log] ${"a big log line ".repeat(6)}\n`;
  const block = line.repeat(Math.floor((4 * 1024 * 1024) / Buffer.byteLength(line)));
  for (let bytes = 0; bytes < megabytes * 1e6; bytes += Buffer.byteLength(block)) {
    await blobs.appendLog(CONTAINERS.logs, operationLogBlob("demo", operationId), block);
  }
}

/** One GET: seconds to the first byte and to the last, and the bytes read. */
async function timedGet(url: URL, token: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let firstByte: number | undefined;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    firstByte ??= performance.now();
    bytes += value.length;
  }
  const ended = performance.now();
  return {
    status: response.status,
    firstByte: ((firstByte ?? ended) - started) / 1000,
    total: (ended - started) / 1000,
    bytes,
  };
}

async function bigLogFigures(stack: Stack, token: string, runs: number, megabytes: number): Promise<void> {
  const { operationId } = await deployed(stack, token, "big", "quiet");
  await writeBigLog(stack, operationId, megabytes);
  const size = await logSize(stack, operationId);
  const url = new URL(logsPath("big", operationId), stack.url);
  const growth: number[] = [];
  const firstBytes: number[] = [];
  for (let run = 0; run < runs; run++) {
    const before = rssMegabytes(stack.host.pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMegabytes(stack.host.pid))), 10);
    const gets = await Promise.all([0, 1, 2].map(() => timedGet(url, token)));
    clearInterval(sampler);
    for (const get of gets) {
      if (get.status !== 200 || get.bytes !== size) throw new Error(`GET read ${get.bytes} of ${size} bytes`);
    }
    growth.push(peak - before);
    firstBytes.push(...gets.map((get) => get.firstByte * 1000));
    console.log(
      `  run ${run + 1}: dev host RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB at peak`,
    );
  }
  print({
    label: `dev host RSS growth during 3 parallel GETs of a ${(size / 1e6).toFixed(0)} MB log`,
    unit: "MB",
    values: growth,
    target: { max: 64 },
  });
  print({ label: "time to first byte of those GETs", unit: "ms", values: firstBytes });

  const tail = await repeat(Math.max(runs, 5), async () => {
    const get = await timedGet(url, token, { range: "bytes=-65536" });
    if (get.status !== 206 || get.bytes !== 65536) throw new Error(`tail: ${get.status}, ${get.bytes} bytes`);
    return get.total * 1000;
  });
  print({
    label: "tail request (Range: bytes=-65536) of that log",
    unit: "ms",
    values: tail,
    target: { max: 100 },
  });
}

async function main(): Promise<void> {
  const runs = Math.max(3, Number(process.argv[2] ?? 3));
  const megabytes = Number(process.argv[3] ?? 200);
  const seenDir = mkdtempSync(path.join(os.tmpdir(), "bench-logs-live-"));
  const removeSeenDir = () => rmSync(seenDir, { recursive: true, force: true });
  const stack = await Stack.start({
    definitions: {
      loud: definition("loud", LOUD_SH, true),
      quiet: definition("quiet", QUIET_SH, true),
      live: definition("live", LIVE_SH.replace("$LIVE_SEEN_FILE", `${seenDir}/seen-$ADE_ENVIRONMENT_NAME`)),
    },
  }).catch((error: unknown) => {
    removeSeenDir();
    throw error;
  });
  try {
    const token = await stack.token("bench");
    await stack.catalogSynced(token);
    await pumpFigures(stack, token, runs);
    await liveFigure(stack, token, runs, seenDir);
    if (megabytes > 0) await bigLogFigures(stack, token, runs, megabytes);
  } finally {
    await stack.stop();
    removeSeenDir();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
