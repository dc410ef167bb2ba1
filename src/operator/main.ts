/**
 * `npm run operations -- stuck [options]`: for operators, the operations that are stuck, across
 * projects; `dismiss <project> <operation id>`: a cleanup that gave up, done by hand (see src/operations/stuck.ts
 * and docs/operations.md). Works on Dev Center Storage directly, so only whoever holds its
 * connection (DEVCENTER_STORAGE, else AzureWebJobsStorage) can run it.
 */
import { parseArgs } from "node:util";
import { runCommand, UsageError } from "../command-line";
import { createStorageAdapters } from "../azure/storage";
import { loadDevCenterStorageSetting, loadOperationTimeoutSetting } from "../config";
import { operationRecords } from "../storage/indexed-records";
import {
  dismissCleanup,
  stuckOperations,
  type StuckCriteria,
  type StuckOperation,
} from "../operations/stuck";

const USAGE = `Usage: npm run operations -- stuck [options]
       npm run operations -- dismiss <project> <operation id>

stuck lists the operations that are stuck, in every project: a cleanup (revoke the runner's role,
delete its container) that keeps failing or ran out of retries, or an operation running past its
timeout; exits 1 when any is. dismiss takes an ended operation whose cleanup ran out of retries off
the list, once you removed what it names by hand. Both use Dev Center Storage (DEVCENTER_STORAGE,
else AzureWebJobsStorage).

Options:
  --attempts <n>          a cleanup step that failed n times (default 3)
  --cleanup-minutes <m>   a cleanup failing for m minutes (default 30)
  --running-minutes <m>   an operation running for m minutes (default OPERATION_TIMEOUT_MINUTES + 30)
  --json                  one JSON array instead of lines
  -h, --help              this text`;

function count(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`--${option} must be a whole number of at least 1.`);
  }
  return Number(value);
}

function line(stuck: StuckOperation): string {
  return `${stuck.project}/${stuck.environmentName} ${stuck.kind} ${stuck.operationId} ${stuck.status} since ${stuck.startTime}: ${stuck.reason}: ${stuck.detail}`;
}

function openOperations() {
  const storage = createStorageAdapters(loadDevCenterStorageSetting());
  return operationRecords((table) => storage.records(table));
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      attempts: { type: "string" },
      "cleanup-minutes": { type: "string" },
      "running-minutes": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command === "dismiss") {
    if (rest.length !== 2) throw new UsageError("dismiss takes a project and an operation id.");
    const [project, operationId] = rest;
    await dismissCleanup(openOperations(), project, operationId);
    process.stdout.write(`The cleanup of ${project}/${operationId} is marked done.\n`);
    return 0;
  }
  if (command !== "stuck" || rest.length > 0) {
    throw new UsageError(
      `Unknown command ${JSON.stringify(positionals.join(" "))}; the commands are stuck and dismiss.`,
    );
  }
  const criteria: StuckCriteria = {
    cleanupAttempts: count(values.attempts, "attempts", 3),
    cleanupMinutes: count(values["cleanup-minutes"], "cleanup-minutes", 30),
    runningMinutes: count(values["running-minutes"], "running-minutes", loadOperationTimeoutSetting() + 30),
  };
  const now = new Date();
  const stuck = stuckOperations(await openOperations().open(now), now, criteria);
  if (values.json) process.stdout.write(`${JSON.stringify(stuck, null, 2)}\n`);
  else if (stuck.length === 0) process.stdout.write("No operation is stuck.\n");
  else process.stdout.write(stuck.map((s) => `${line(s)}\n`).join(""));
  return stuck.length > 0 ? 1 : 0;
}

runCommand("operations", main);
