/**
 * Control-plane overhead of an environment operation, through the whole local product (dev host,
 * Azurite, ARM emulator, Core runner entrypoint + ade CLI): a definition whose deploy.sh sleeps 2 s,
 * deployed through the API, against the same script run bare; then 50 concurrent deploys.
 *
 *   npm run build && node dist/bench/operations.js [concurrent=50]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Stack } from "../test/support/stack";

const SLEEP_SECONDS = 2;
const DEPLOY_SH = `#!/bin/bash\nset -e\necho "sleeping ${SLEEP_SECONDS} s"\nsleep ${SLEEP_SECONDS}\n`;

/** CPU seconds a process has used so far (Linux /proc; clock ticks of 1/100 s). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function bareSeconds(): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-bare-"));
  const script = path.join(dir, "deploy.sh");
  writeFileSync(script, DEPLOY_SH, { mode: 0o755 });
  const started = process.hrtime.bigint();
  spawnSync("bash", [script], { stdio: "ignore" });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function deploySeconds(
  stack: Stack,
  token: string,
  name: string,
): Promise<{ seconds: number; status: string }> {
  const { seconds, status } = await stack.deployAndWait(token, name, "sleeper");
  return { seconds, status: status.status as string };
}

async function main(): Promise<void> {
  const concurrent = Number(process.argv[2] ?? 50);
  const stack = await Stack.start({
    definitions: {
      sleeper: {
        "environment.yaml": "name: sleeper\nrunner: Bicep\ntemplatePath: main.bicep\n",
        "main.bicep": "// nothing\n",
        "deploy.sh": DEPLOY_SH,
      },
    },
  });
  try {
    const token = await stack.token("bench");
    await stack.catalogSynced(token);

    const bare = [bareSeconds(), bareSeconds(), bareSeconds()].sort((a, b) => a - b)[1];
    const single: number[] = [];
    for (let i = 0; i < 3; i++) single.push((await deploySeconds(stack, token, `single-${i}`)).seconds);
    single.sort((a, b) => a - b);
    const median = single[1];
    console.log(`bare deploy.sh: ${bare.toFixed(2)} s`);
    console.log(
      `through the control plane: ${median.toFixed(2)} s (median of 3: ${single.map((s) => s.toFixed(2)).join(", ")})`,
    );
    console.log(`overhead ratio: ${(median / bare).toFixed(2)}x (+${(median - bare).toFixed(2)} s)`);

    const hostCpuBefore = processCpuSeconds(stack.host.pid);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: concurrent }, (_, i) =>
        deploySeconds(stack, token, `many-${i}`).catch(() => undefined),
      ),
    );
    const wall = (Date.now() - started) / 1000;
    const hostCpu = processCpuSeconds(stack.host.pid) - hostCpuBefore;
    const succeeded = results.filter((r) => r?.status === "Succeeded");
    const overheads = succeeded.map((r) => (r as { seconds: number }).seconds - bare).sort((a, b) => a - b);
    console.log(
      `${concurrent} concurrent deploys: ${succeeded.length} succeeded in ${wall.toFixed(1)} s wall`,
    );
    // On one machine the runners (bash + one node process per ade call) share the 2 cores with the
    // control plane; in Azure each runner is its own container. This is the control plane's share.
    console.log(
      `dev host CPU: ${hostCpu.toFixed(1)} s in all, ${((hostCpu / concurrent) * 1000).toFixed(0)} ms per deploy`,
    );
    if (overheads.length > 0) {
      console.log(
        `overhead per deploy: p50 ${percentile(overheads, 50).toFixed(2)} s, p95 ${percentile(overheads, 95).toFixed(2)} s, max ${overheads[overheads.length - 1].toFixed(2)} s`,
      );
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
