/**
 * `npm run migrate -- --dev-center <id> --out <file> [--dry-run] …`: moves a dev center from Azure
 * Deployment Environments to this control plane. See `--help` (USAGE below) and the README's
 * "Moving from Azure Deployment Environments".
 */
import { environmentRecords } from "../storage/environment-records";
import { operationRecords } from "../storage/indexed-records";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runCommand, UsageError } from "../command-line";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { createStorageAdapters } from "../azure/storage";
import { loadDevCenterStorageSetting } from "../config";
import { TABLES, type ResourceGroupClaim } from "../storage/records";
import { createJsonReader } from "./json-reader";
import { runMigration, type MigrationOptions, type StateFiles } from "./migration";

const USAGE = `Usage: npm run migrate -- --dev-center <dev center ARM id> --out <dev center config file> [options]

Reads a dev center of Azure Deployment Environments (its configuration from ARM, its environments
from its data plane), writes this control plane's dev center config, and adopts every environment
into Dev Center Storage (DEVCENTER_STORAGE, else AzureWebJobsStorage). Nothing in Azure is changed.
Running it again changes nothing; an environment that already exists here is reported, not overwritten.

Options:
  --dev-center <id>              /subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.DevCenter/devcenters/<name>
  --out <file>                   where to write the dev center config (YAML); an existing file is not overwritten
  --dry-run                      read ADE and print the plan; write nothing
  --state <project>/<env>=<file> saved state of an environment: a storage.zip, or a Terraform .tfstate
                                 (ADE's public API does not serve the state it kept); repeatable
  --skip-environments            import the configuration only
  --arm-endpoint <url>           default https://management.azure.com
  --data-plane-endpoint <url>    default: the dev center's devCenterUri
  --ca-cert <file>               extra PEM certificate to trust for both endpoints (a TLS-inspecting proxy)
  --arm-token-file <file>        use this access token for ARM instead of DefaultAzureCredential
  --data-plane-token-file <file> use this access token for the data plane instead of DefaultAzureCredential
  -h, --help                     this text

Credentials: DefaultAzureCredential (Azure CLI sign-in, managed identity, environment). The data plane
needs a caller who may list every user's environments (DevCenter Project Admin on each project).`;

function staticToken(file: string): TokenCredential {
  const token = readFileSync(file, "utf8").trim();
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) };
}

function parseStates(values: string[]): StateFiles {
  const states: StateFiles = {};
  for (const value of values) {
    const match = /^([^/=]+)\/([^=]+)=(.+)$/.exec(value);
    if (!match) throw new UsageError(`--state ${value}: expected <project>/<environment>=<file>`);
    states[`${match[1].toLowerCase()}/${match[2].toLowerCase()}`] = match[3];
  }
  return states;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "dev-center": { type: "string" },
      out: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      state: { type: "string", multiple: true, default: [] },
      "skip-environments": { type: "boolean", default: false },
      "arm-endpoint": { type: "string", default: "https://management.azure.com" },
      "data-plane-endpoint": { type: "string" },
      "ca-cert": { type: "string" },
      "arm-token-file": { type: "string" },
      "data-plane-token-file": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const devCenterId = values["dev-center"];
  if (
    !devCenterId ||
    !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.DevCenter\/devcenters\/[^/]+$/i.test(
      devCenterId,
    )
  ) {
    throw new UsageError(
      "--dev-center must be a dev center's ARM id: /subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.DevCenter/devcenters/<name>",
    );
  }
  if (!values.out) throw new UsageError("--out <file> is required: where the dev center config is written");

  const ca = values["ca-cert"] ? readFileSync(values["ca-cert"], "utf8") : undefined;
  const defaultCredential =
    values["arm-token-file"] && values["data-plane-token-file"] ? undefined : new DefaultAzureCredential();
  const arm = createJsonReader({
    endpoint: values["arm-endpoint"]!,
    credential: values["arm-token-file"] ? staticToken(values["arm-token-file"]) : defaultCredential!,
    scope: "https://management.azure.com/.default",
    ca,
  });
  const dataPlaneCredential = values["data-plane-token-file"]
    ? staticToken(values["data-plane-token-file"])
    : defaultCredential!;
  const dataPlane = (endpoint: string) =>
    createJsonReader({
      endpoint,
      credential: dataPlaneCredential,
      scope: "https://devcenter.azure.com/.default",
      ca,
    });

  const options: MigrationOptions = {
    devCenterId,
    outFile: values.out,
    dryRun: values["dry-run"]!,
    skipEnvironments: values["skip-environments"]!,
    states: parseStates(values.state as string[]),
    ...(values["data-plane-endpoint"] && { dataPlaneEndpoint: values["data-plane-endpoint"] }),
  };
  // A dry run reads Dev Center Storage too, to report conflicts; it writes nothing.
  const storage = options.skipEnvironments ? undefined : createStorageAdapters(loadDevCenterStorageSetting());
  const result = await runMigration(
    {
      arm,
      dataPlane,
      ...(storage && {
        target: {
          environments: environmentRecords((table) => storage.records(table)),
          operations: operationRecords((table) => storage.records(table)),
          resourceGroupClaims: storage.records<ResourceGroupClaim>(TABLES.resourceGroupClaims),
          blobs: storage.blobs,
        },
      }),
      progress: (line) => process.stderr.write(`${line}\n`),
      now: () => new Date(),
    },
    options,
  );
  process.stdout.write(result.report);
  return result.conflicts > 0 || result.failures > 0 ? 1 : 0;
}

runCommand("migrate", main);
