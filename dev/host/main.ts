/**
 * CLI: node dist/dev/host/main.js [--app DIR] [--port N] [--task-hub NAME] [--azurite-location DIR]
 *                                 [--tls-cert FILE --tls-key FILE] [--quiet] [--verbose]
 *
 * Prints "Dev host listening on http(s)://127.0.0.1:PORT" once it serves (https with --tls-cert); stops cleanly on SIGINT or
 * SIGTERM. For crash tests, DEVHOST_CRASH_AT="<fault point>:<n>" kills the process with SIGKILL
 * the n-th time the engine reaches that point (see FaultPoint in ./durable/engine).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { FaultPoint, startDevHost } from "./index";

const FAULT_POINTS: FaultPoint[] = [
  "episode-before-commit",
  "episode-after-commit",
  "activity-before-persist",
  "activity-after-persist",
  "timer-before-persist",
];

function crashHook(spec: string | undefined): ((point: FaultPoint) => void) | undefined {
  if (!spec) return undefined;
  const [point, countText] = spec.split(":");
  const count = Number(countText ?? 1);
  if (!FAULT_POINTS.includes(point as FaultPoint) || !Number.isInteger(count) || count < 1) {
    throw new Error(`DEVHOST_CRASH_AT must be "<${FAULT_POINTS.join("|")}>:<n>", got "${spec}"`);
  }
  let hits = 0;
  return (reached) => {
    if (reached === point && ++hits === count) process.kill(process.pid, "SIGKILL");
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      app: { type: "string", default: process.cwd() },
      port: { type: "string" },
      "task-hub": { type: "string" },
      "azurite-location": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      quiet: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
    },
  });
  const certFile = values["tls-cert"];
  const keyFile = values["tls-key"];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new Error("--tls-cert and --tls-key go together");
  const host = await startDevHost({
    ...(certFile &&
      keyFile && { tls: { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") } }),
    appRoot: values.app as string,
    port: values.port === undefined ? undefined : Number(values.port),
    taskHub: values["task-hub"],
    azuriteLocation: values["azurite-location"],
    quiet: values.quiet,
    verbose: values.verbose,
    onFaultPoint: crashHook(process.env.DEVHOST_CRASH_AT),
  });
  process.stdout.write(`Dev host listening on ${host.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping the dev host\n`);
    host.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Stopping failed: ${(error as Error).stack}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`Dev host failed to start: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
