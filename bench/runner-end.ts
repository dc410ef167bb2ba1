/**
 * How soon the control plane notices that a runner has ended: from the container's exit (as the ARM
 * emulator reports it) to the operation's Succeeded, for the Core entrypoint (which calls
 * `ade finished`) and for an image written for ADE (test/fixtures/ade-image: no finished call, so
 * the polling fallback has to notice). Polling as `npm start` sets it up (RUNNER_POLL_* of dev/stack).
 *
 *   npm run build && node dist/bench/runner-end.js [runs=3]
 */
import path from "node:path";
import { REPO_ROOT } from "../dev/stack";
import { Stack } from "../test/support/stack";

const IMAGE = "devcenter/ade-style";

async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Seconds from the runner container's exit to the operation's end. */
async function noticeSeconds(stack: Stack, token: string, name: string, definition: string): Promise<number> {
  const url = `/projects/demo/users/me/environments/${name}`;
  const created = await stack.request("PUT", url, token, {
    environmentType: "Dev",
    catalogName: "samples",
    environmentDefinitionName: definition,
    ...(definition === "counter" && { parameters: { step: 1 } }),
  });
  if (created.status !== 201) throw new Error(`PUT ${name}: ${created.status} ${created.text}`);
  const exited = await until(() =>
    stack.arm().containerGroups.some((g) => g.containers.some((c) => c.currentState.state === "Terminated"))
      ? process.hrtime.bigint()
      : undefined,
  );
  const location = new URL(created.headers.get("operation-location") as string);
  const ended = await until(async () => {
    const reply = await stack.request("GET", location.pathname + location.search, token);
    return ["Succeeded", "Failed"].includes(reply.body.status as string)
      ? { at: process.hrtime.bigint(), status: reply.body.status }
      : undefined;
  });
  if (ended.status !== "Succeeded") throw new Error(`${name}: ${ended.status}`);
  return Number(ended.at - exited) / 1e9;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const stack = await Stack.start({
    definitions: {
      "ade-style": {
        "environment.yaml": `name: ade-style\nrunner: ${IMAGE}:1.0\ntemplatePath: main.tf\nparameters:\n  - id: size\n    default: small\n`,
        "main.tf": "# nothing\n",
      },
    },
    images: { [IMAGE]: path.join(REPO_ROOT, "test/fixtures/ade-image") },
  });
  try {
    const token = await stack.token("bench");
    await stack.catalogSynced(token);
    for (const [label, definition] of [
      ["Core entrypoint (ade finished)", "counter"],
      ["ADE-style image (no finished: polling)", "ade-style"],
    ]) {
      const figures: number[] = [];
      for (let i = 0; i < runs; i++)
        figures.push(await noticeSeconds(stack, token, `${definition}-${i}`, definition));
      const shown = figures.map((s) => s.toFixed(2)).join(", ");
      process.stdout.write(`${label}: container exit → operation ended: ${shown} s\n`);
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
