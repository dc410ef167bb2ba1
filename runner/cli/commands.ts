/** The `ade` commands other than log and execute (see logs.ts). */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { MAX_ENVIRONMENT_FILE_BYTES, MAX_OUTPUTS_BYTES } from "../../src/core/limits";
import type { AdeExitCodeName } from "../../src/core/exit-codes";
import { formatIssues } from "../../src/core/result";
import { validateEnvironmentOutputs } from "../../src/runner-protocol/outputs";
import {
  isValidFileName,
  type OperationContext,
  RUNNER_PROTOCOL_VERSION,
  RUNNER_VARIABLES,
} from "../../src/runner-protocol/protocol";
import { safeEntrySegments } from "../../src/runner-protocol/zip";
import { RunnerApi } from "./api";
import { parseFlags, requiredFlag } from "./args";
import { CliError } from "./errors";
import type { CliIo } from "./io";
import { secureParameterIds } from "./secure-values";
import { adeRoot, apiSettings } from "./settings";
import { extractZip, zipFolder } from "./zip-files";

export function api(io: CliIo): RunnerApi {
  return new RunnerApi(apiSettings(io.env));
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** A single-quoted shell word: safe in `eval` whatever the value holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Reads a file the user named: a regular file of at most `maxBytes` (a device such as /dev/zero
 * would never end). A missing, unreadable or unsuitable one is a FileOperationError; one over the
 * limit fails with `tooLarge`.
 */
async function readUserFile(
  path: string,
  maxBytes: number,
  tooLarge: AdeExitCodeName = "FileOperationError",
): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CliError("FileOperationError", `${path} is not a regular file.`);
    if (info.size > maxBytes) {
      throw new CliError(tooLarge, `${path} has ${info.size} bytes; at most ${maxBytes} are accepted.`);
    }
    return await readFile(path);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      "FileOperationError",
      `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}.`,
    );
  }
}

async function downloadDefinition(client: RunnerApi, folder: string): Promise<number> {
  return extractZip(await client.definitionContent(), folder);
}

/** Fails with CliUpgradeError when this CLI does not speak the control plane's runner protocol. */
function checkProtocol(context: OperationContext): void {
  if (context.protocolVersion !== RUNNER_PROTOCOL_VERSION) {
    throw new CliError(
      "CliUpgradeError",
      `This ade CLI speaks runner protocol ${RUNNER_PROTOCOL_VERSION}, the control plane ${context.protocolVersion}: ` +
        "rebuild the runner image on the current core image.",
    );
  }
}

/** The environment's saved state, the file the core entrypoint keeps $ADE_STORAGE in. */
const STATE_FILE = "storage.zip";

/**
 * Prints `export NAME='value'` for every ADE variable and downloads the definition to
 * $ADE_ROOT/repository/{catalog}/{definition folder}. Meant for `eval "$(ade init)"`. Checks the
 * runner protocol as `ade upgrade` does. Ours: `--download-state` also unzips the environment's
 * storage.zip into $ADE_STORAGE when it has one (as `ade entrypoint` does), saving an entrypoint
 * written for ADE the `upgrade`, `files list` and `files download` processes.
 */
export async function initCommand(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, { values: [], switches: ["download-state"] });
  const variables = await initialize(api(io), io.env, flags.switches.has("download-state"));
  io.stdout(
    Object.entries(variables)
      .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
      .join(""),
  );
  return 0;
}

/**
 * What `ade init` does, for it and `ade entrypoint`: checks the protocol, downloads the definition
 * (and with `withState` the saved state) and resolves with the ADE variables.
 */
export async function initialize(
  client: RunnerApi,
  env: Record<string, string | undefined>,
  withState: boolean,
): Promise<Record<string, string>> {
  // The definition is asked for with the context (one round trip, not two); it is unzipped only
  // once the context says where, and a failed context leaves it unread.
  const definition = client.definitionContent();
  definition.catch(() => undefined);
  // A failed listing fails init: deploying without the saved state would overwrite it.
  const [context, files] = await Promise.all([
    client.context(),
    withState ? client.listFiles() : Promise.resolve<string[]>([]),
  ]);
  checkProtocol(context);
  const root = adeRoot(env);
  const repository = join(root, "repository");
  // The server builds these paths from catalog names; they must still stay below the repository.
  const contentFolder = join(repository, ...safeEntrySegments(context.definition.contentSourcePath));
  const templateFile = join(repository, ...safeEntrySegments(context.definition.templatePath));
  await Promise.all([
    definition.then((data) => extractZip(data, contentFolder)),
    files.includes(STATE_FILE) &&
      client.downloadFile(STATE_FILE).then((data) => extractZip(data, join(root, "storage"))),
  ]);
  // Images built on older ADE Core entrypoints write to these without creating them.
  await mkdir(join(root, "storage"), { recursive: true });
  await mkdir(join(root, "temp"), { recursive: true });

  const rg = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i.exec(
    context.environment.resourceGroupId ?? "",
  );
  const temp = join(root, "temp");
  return {
    ADE_ROOT: root,
    ADE_TEMP: temp,
    ADE_STORAGE: join(root, "storage"),
    ADE_OUTPUTS: join(temp, "output.json"),
    ADE_ERROR_LOG: join(temp, "error.log"),
    ADE_OPERATION_NAME: context.operation.kind,
    ADE_OPERATION_PARAMETERS: JSON.stringify(context.environment.parameters),
    [RUNNER_VARIABLES.secureParameterIds]: JSON.stringify(
      secureParameterIds(context.definition.parametersSchema),
    ),
    ADE_TEMPLATE_FILE: templateFile,
    ADE_MANIFEST_FOLDER: contentFolder,
    ADE_ENVIRONMENT_NAME: context.environment.name,
    ADE_ENVIRONMENT_TYPE: context.environment.environmentType,
    ADE_ENVIRONMENT_LOCATION: context.environment.location ?? "",
    ADE_RESOURCE_GROUP_NAME: rg?.[2] ?? "",
    ADE_SUBSCRIPTION_ID: rg?.[1] ?? "",
    ADE_TENANT_ID: env.ADE_TENANT_ID ?? "",
    ADE_CLIENT_ID: env.ADE_CLIENT_ID ?? "",
    ADE_HTTP__OPERATIONID: context.operation.id,
    ADE_HTTP__DEVCENTERID: env[RUNNER_VARIABLES.devCenterId] ?? "",
  };
}

/**
 * ADE's documents show these objects in camelCase but read them with `jq -r ".Name"`, and ADE's
 * older entrypoints read `.TemplatePath`, `.ResourceGroupId`, …: every top-level property is given
 * in both spellings (nested values, such as the environment's parameters, are left as they are).
 */
export function withPascalCase(value: object): Record<string, unknown> {
  const entries = Object.entries(value);
  return Object.fromEntries([
    ...entries,
    ...entries.map(([name, v]) => [name.charAt(0).toUpperCase() + name.slice(1), v]),
  ]);
}

export async function environmentCommand(args: string[], io: CliIo): Promise<number> {
  parseFlags(args, { values: [] });
  const settings = apiSettings(io.env);
  const { operation, environment } = await api(io).context();
  // The data plane is served by the app the runner endpoint ({app}/runner/projects/{project}) is on.
  const app = settings.endpoint.replace(/\/runner\/projects\/[^/]+$/, "");
  const uri = `${app}/projects/${operation.project}/users/${environment.user}/environments/${environment.name}`;
  printJson(io, withPascalCase({ uri, ...environment }));
  return 0;
}

export async function definitionsCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action === "list") {
    parseFlags(rest, { values: [] });
    printJson(io, withPascalCase((await api(io).context()).definition));
    return 0;
  }
  if (action === "download") {
    const flags = parseFlags(rest, { values: ["folder-path"] });
    const folder = resolve(io.cwd, flags.values.get("folder-path") ?? "EnvironmentDefinition");
    await downloadDefinition(api(io), folder);
    return 0;
  }
  throw new CliError(
    "InvalidCliInput",
    'Use "ade definitions list" or "ade definitions download [--folder-path PATH]".',
  );
}

export async function filesCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action === "list") {
    parseFlags(rest, { values: [] });
    printJson(io, await api(io).listFiles());
    return 0;
  }
  if (action === "download") {
    const flags = parseFlags(rest, { values: ["file-name", "folder-path"], switches: ["unzip"] });
    const name = requiredFlag(flags, "file-name");
    if (!isValidFileName(name)) throw new CliError("InvalidCliInput", `"${name}" is not a valid file name.`);
    const folder = resolve(io.cwd, flags.values.get("folder-path") ?? ".");
    const data = await api(io).downloadFile(name);
    if (flags.switches.has("unzip")) {
      await extractZip(data, folder);
    } else {
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, name), data);
    }
    return 0;
  }
  if (action === "upload") {
    const flags = parseFlags(rest, { values: ["file-path", "folder-path"] });
    const filePath = flags.values.get("file-path");
    const folderPath = flags.values.get("folder-path");
    if ((filePath === undefined) === (folderPath === undefined)) {
      throw new CliError("InvalidCliInput", "Give either --file-path or --folder-path.");
    }
    if (filePath !== undefined) {
      const path = resolve(io.cwd, filePath);
      const name = basename(path);
      const data = await readUserFile(path, MAX_ENVIRONMENT_FILE_BYTES, "EnvironmentStorageExceeded");
      if (!isValidFileName(name))
        throw new CliError("InvalidCliInput", `"${name}" is not a valid file name.`);
      await api(io).uploadFile(name, data);
    } else {
      await uploadFolder(api(io), resolve(io.cwd, folderPath as string), (message) =>
        io.stderr(`ade: ${message}\n`),
      );
    }
    return 0;
  }
  throw new CliError("InvalidCliInput", 'Use "ade files list", "ade files download" or "ade files upload".');
}

export async function outputsCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action !== "upload") throw new CliError("InvalidCliInput", 'Use "ade outputs upload --file PATH".');
  const flags = parseFlags(rest, { values: ["file"] });
  await uploadOutputsFile(api(io), resolve(io.cwd, requiredFlag(flags, "file")));
  return 0;
}

/** Zips a folder into `{folder name}.zip` among the environment's files (`ade files upload --folder-path`). */
export async function uploadFolder(
  client: RunnerApi,
  path: string,
  warn: (message: string) => void,
): Promise<void> {
  if (!(await stat(path).catch(() => undefined))?.isDirectory()) {
    throw new CliError("FileOperationError", `${path} is not a folder.`);
  }
  const name = `${basename(path)}.zip`;
  if (!isValidFileName(name)) throw new CliError("InvalidCliInput", `"${name}" is not a valid file name.`);
  const data = await zipFolder(path, warn);
  if (data.length > MAX_ENVIRONMENT_FILE_BYTES) {
    throw new CliError(
      "EnvironmentStorageExceeded",
      `${path} zips to ${data.length} bytes (${name}); at most ${MAX_ENVIRONMENT_FILE_BYTES} are accepted in one file.`,
    );
  }
  await client.uploadFile(name, data);
}

/** Validates an EnvironmentOutputs file and stores it (`ade outputs upload`). */
export async function uploadOutputsFile(client: RunnerApi, path: string): Promise<void> {
  let document: unknown;
  try {
    document = JSON.parse((await readUserFile(path, MAX_OUTPUTS_BYTES)).toString("utf8"));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError("InvalidCliInput", `${path} is not JSON: ${(error as Error).message}`);
  }
  const checked = validateEnvironmentOutputs(document, path);
  if (!checked.ok) throw new CliError("InvalidCliInput", `Invalid outputs:\n${formatIssues(checked.errors)}`);
  await client.uploadOutputs(checked.value);
}

export async function operationResultCommand(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, { values: ["code", "message"] });
  await api(io).setResult({ code: requiredFlag(flags, "code"), message: flags.values.get("message") ?? "" });
  return 0;
}

/** Prints nothing when this CLI speaks the control plane's runner protocol; fails when it does not. */
export async function upgradeCommand(args: string[], io: CliIo): Promise<number> {
  parseFlags(args, { values: [] });
  checkProtocol(await api(io).context());
  return 0;
}

/** Not an ADE command: the core entrypoint's last step, telling the control plane the runner is done. */
export async function finishedCommand(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args, { values: ["exit-code"] });
  const raw = requiredFlag(flags, "exit-code");
  const exitCode = Number(raw);
  if (!/^\d+$/.test(raw) || exitCode > 255) {
    throw new CliError("InvalidCliInput", `--exit-code must be a number from 0 to 255, not "${raw}".`);
  }
  await api(io).finished({ exitCode });
  return 0;
}

const INFO_VARIABLES: Record<string, string> = { "client-id": "ADE_CLIENT_ID", "tenant-id": "ADE_TENANT_ID" };

/** `ade info client-id|tenant-id`, which ADE's 2.3.3-preview entrypoint reads: the identity's ids. */
export async function infoCommand(args: string[], io: CliIo): Promise<number> {
  const [what, ...rest] = args;
  const name = what === undefined ? undefined : INFO_VARIABLES[what];
  if (!name || !Object.prototype.hasOwnProperty.call(INFO_VARIABLES, what)) {
    throw new CliError("InvalidCliInput", 'Use "ade info client-id" or "ade info tenant-id".');
  }
  parseFlags(rest, { values: [] });
  const value = io.env[name]?.trim();
  if (!value) throw new CliError("CliSetupError", `${name} is not set.`);
  io.stdout(`${value}\n`);
  return 0;
}
