/**
 * Dev host benchmark: 100 instances of a 10-activity sequential orchestration (the durable test
 * fixture's "sequence"), started at once through the management API, on a fresh in-memory Azurite.
 * Prints orchestrations/s, activities/s and episodes/s.
 *
 *   npm run build && node dist/bench/devhost.js [instances] [activities]
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startAzurite } from "../dev/azurite";
import { startDevHost } from "../dev/host";

const REPO = path.resolve(__dirname, "..", "..");

async function json<T>(response: Promise<Response>): Promise<T> {
  const reply = await response;
  if (!reply.ok) throw new Error(`${reply.status} ${await reply.text()}`);
  return (await reply.json()) as T;
}

async function main(): Promise<void> {
  const instances = Number(process.argv[2] ?? 100);
  const activities = Number(process.argv[3] ?? 10);
  const azurite = await startAzurite();
  process.env.DURABLE_TASK_HUB = "bench";
  const host = await startDevHost({
    appRoot: path.join(REPO, "test", "fixtures", "durable-app"),
    port: 0,
    storageConnection: azurite.connectionString,
    quiet: true,
    loadSettings: false,
  });
  try {
    const api = `${host.url}/runtime/webhooks/durabletask`;
    const keyed = { "x-functions-key": host.masterKey };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: instances }, (_, i) =>
        json(
          fetch(`${api}/orchestrators/sequence/bench-${i}`, {
            method: "POST",
            headers: keyed,
            body: JSON.stringify({ count: activities }),
          }),
        ),
      ),
    );
    const accepted = performance.now();
    let completed = 0;
    while (completed < instances) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const done = await json<{ output: number }[]>(
        fetch(`${api}/instances?runtimeStatus=Completed,Failed&top=1000`, { headers: keyed }),
      );
      if (done.some((s) => s.output !== activities))
        throw new Error("an instance finished with a wrong output");
      completed = done.length;
    }
    const seconds = (performance.now() - started) / 1000;
    const episodes = instances * (activities + 1);
    const lines = [
      `devhost: ${instances} orchestrations x ${activities} sequential activities in ${seconds.toFixed(2)} s ` +
        `(starts accepted in ${((accepted - started) / 1000).toFixed(2)} s)`,
      `devhost: ${(instances / seconds).toFixed(1)} orchestrations/s`,
      `devhost: ${((instances * activities) / seconds).toFixed(1)} activities/s`,
      `devhost: ${(episodes / seconds).toFixed(1)} orchestration episodes/s`,
    ];
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    await host.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
