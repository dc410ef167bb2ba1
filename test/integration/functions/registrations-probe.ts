/**
 * Run by registrations.test.ts as a child process (one app per process): loads the compiled app
 * from the repository root the way the Functions Node.js worker does (dev/host's @azure/functions-core
 * stand-in, the package.json `main` glob, local.settings.sample.json values for unset settings) and
 * prints, as one JSON line, every registration's metadata exactly as the worker would send it to
 * the host, and every warning or error logged while loading.
 */
import path from "node:path";
import { FunctionsWorker } from "../../../dev/host/functions-worker";
import { loadLocalSettings, resolveMainFiles } from "../../../dev/host/settings";

const REPO = path.resolve(__dirname, "..", "..", "..", "..");

async function main(): Promise<void> {
  process.chdir(REPO);
  loadLocalSettings(REPO);
  const problems: string[] = [];
  const worker = await FunctionsWorker.load(REPO, {
    host: (level, message) => {
      if (level === "warning" || level === "error" || level === "critical") problems.push(message);
    },
    fn: () => undefined,
  });
  const result = {
    mainFiles: resolveMainFiles(REPO).map((file) => path.relative(REPO, file)),
    functions: worker.functions.map((fn) => ({ name: fn.metadata.name, bindings: fn.metadata.bindings })),
    problems,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
