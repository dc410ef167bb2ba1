/**
 * The ARM/Bicep runner image through the whole local product (dev host, Azurite, ARM emulator,
 * Core entrypoint + ade CLI + arm-deploy): a deploy of samples/catalog/arm-storage through the API
 * against the emulator's own time for that deployment, and the runner image's start cost per
 * operation (process start and the ade calls before and after the deploy program, read from the
 * operation log's timestamps). Prints min/median/max of the runs.
 *
 *   npm run build && node dist/bench/runners.js [runs=3]
 */
import { Stack } from "../test/support/stack";
import { print } from "./measure";

interface Run {
  total: number;
  emulator: number;
  armDeploy: number;
  runnerStart: number;
  runnerFinish: number;
}

/** ISO 8601 duration as ARM writes it (PT1M2.5S) → seconds. */
function isoSeconds(duration: string | undefined): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(duration ?? "");
  if (!m) throw new Error(`not an ISO duration: ${duration}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Time of the first log line that contains `text`. */
function lineTime(log: string, text: string, last = false): number {
  const lines = log.split("\n").filter((l) => l.includes(text));
  const line = last ? lines[lines.length - 1] : lines[0];
  if (!line) throw new Error(`no log line with "${text}"`);
  return Date.parse(line.slice(0, line.indexOf(" ")));
}

async function deployOnce(stack: Stack, token: string, name: string): Promise<Run> {
  const { seconds: total, status } = await stack.deployAndWait(token, name, "arm-storage");
  if (status.status !== "Succeeded") throw new Error(`${name}: ${JSON.stringify(status)}`);
  const log = await stack.operationLog(token, name, status.name as string);
  const deployment = stack.arm().deployments.find((d) => d.name === `ade-${status.name}`);
  if (!deployment) throw new Error(`the emulator has no deployment ade-${status.name}`);
  const first = lineTime(log, "Initializing runner");
  const executing = lineTime(log, "Executing deploy:");
  const accepted = lineTime(log, "accepted (Incremental mode)");
  const written = lineTime(log, "outputs written to");
  const done = lineTime(log, "Operation completed successfully!", true);
  return {
    total,
    emulator: isoSeconds(deployment.duration),
    armDeploy: (written - accepted) / 1000,
    runnerStart: (executing - first) / 1000,
    runnerFinish: (done - written) / 1000,
  };
}

async function main(): Promise<void> {
  const runs = Math.max(3, Number(process.argv[2] ?? 3));
  const stack = await Stack.start({ samples: ["arm-storage"] });
  try {
    const token = await stack.token("bench");
    await stack.catalogSynced(token);
    const results: Run[] = [];
    for (let i = 0; i < runs; i++) results.push(await deployOnce(stack, token, `arm-bench-${i}`));
    console.log(`arm-storage deploy, ${runs} runs (one environment each):`);
    const figures: [string, (r: Run) => number][] = [
      ["  through the whole system (PUT to Succeeded)", (r) => r.total],
      ["  the emulator's own deployment time", (r) => r.emulator],
      ["  arm-deploy from accepted to outputs written (polling)", (r) => r.armDeploy],
      ["  runner start: first log line to the deploy script (ade init, state)", (r) => r.runnerStart],
      ["  runner finish: outputs written to done (uploads, finished)", (r) => r.runnerFinish],
    ];
    for (const [label, value] of figures) print({ label, unit: "s", values: results.map(value) });
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
