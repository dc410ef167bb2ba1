/**
 * What the runner end-to-end tests need: Azurite with the real storage adapters, the sample catalog
 * synced into it, operations seeded as the orchestration would leave them (Running, token hash),
 * a loopback server with the runner API, and the core image's entrypoint run as a local process.
 */
import { RUNNER_FINISHED_EVENT } from "../../../src/operations/events";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { startAzurite, type RunningAzurite } from "../../../dev/azurite";
import { createStorageAdapters, type StorageAdapters } from "../../../src/azure/storage";
import { environmentRecords } from "../../../src/storage/environment-records";
import { CATALOG_TABLE, catalogKeys, type CatalogRecord } from "../../../src/catalog/model";
import { LocalFolderSource } from "../../../src/catalog/sources";
import { readIndex, syncCatalog } from "../../../src/catalog/sync";
import { loadDevCenterConfig } from "../../../src/app-context";
import {
  TABLES,
  type EnvironmentRecord,
  type OperationDefinition,
  type OperationKind,
  type OperationRecord,
} from "../../../src/storage/records";
import { type RunnerFinishedEvent } from "../../../src/operations/events";
import { spawnDevHost } from "../../../dev/host/spawn";
import { ensureLocalSigningKey } from "../../../dev/token";
import type { OperationState } from "../../../src/core/states";
import {
  createRunnerApi,
  type RunnerApi,
  type RunnerRequest,
  type RunnerResponse,
} from "../../../src/runner-api/handlers";
import { newRunnerToken } from "../../../src/runner-protocol/token";
import { runnerEndpoint } from "../../../src/runner-protocol/variables";

export const ROOT = resolve(__dirname, "../../..");
export const IMAGE = join(ROOT, "runner/images/core");
export const PROJECT = "demo";
export const DEV_CENTER_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/devcenter-local/providers/Microsoft.DevCenter/devcenters/local-devcenter";
const CATALOG = "samples";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

export interface RaisedEvent {
  instanceId: string;
  eventName: string;
  data: RunnerFinishedEvent;
}

export interface SeededOperation {
  id: string;
  token: string;
  environmentName: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestBedOptions {
  environmentStorageCapBytes: number;
  /**
   * "devhost": the compiled app in the dev host (a child process; needs npm run build).
   * "inprocess": the handlers behind a small loopback server that records the events they raise.
   */
  host: "devhost" | "inprocess";
}

export class RunnerTestBed {
  /** Folders made for runs (each run's $ADE_ROOT, tempDir's), removed by stop(). */
  private readonly tempDirs: string[] = [];

  private constructor(
    /** The external events the runner API raised, in order (in-process host only). */
    readonly events: RaisedEvent[],
    /** In-process host only: requests ("METHOD /path") that match are answered 503, as in an outage. */
    readonly outage: { matches?: RegExp },
    readonly azurite: RunningAzurite,
    readonly storage: StorageAdapters,
    private readonly stopHost: () => Promise<void>,
    /** The app's base URL (RUNNER_API_ENDPOINT). */
    readonly appEndpoint: string,
    private readonly definitions: Map<string, OperationDefinition>,
  ) {}

  static async start(options: TestBedOptions): Promise<RunnerTestBed> {
    const azurite = await startAzurite();
    try {
      const storage = createStorageAdapters(azurite.connectionString);
      const definitions = await syncSamples(storage);
      const events: RaisedEvent[] = [];
      const outage: { matches?: RegExp } = {};
      const host =
        options.host === "devhost"
          ? await startDevHost(azurite.connectionString, options.environmentStorageCapBytes)
          : await startInProcess(storage, options.environmentStorageCapBytes, events, outage);
      return new RunnerTestBed(events, outage, azurite, storage, host.stop, host.url, definitions);
    } catch (error) {
      await azurite.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.stopHost();
    await this.azurite.stop();
    await Promise.all(this.tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  /** A new folder below the system's temp folder, removed by stop(). */
  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.tempDirs.push(dir);
    return dir;
  }

  get operations() {
    return this.storage.records<OperationRecord>(TABLES.operations);
  }

  get environments() {
    return environmentRecords((table) => this.storage.records(table));
  }

  /** An operation as the orchestration leaves it when it starts the runner: Running, with a token hash. */
  async seedOperation(options: {
    environmentName: string;
    definition: string;
    kind?: OperationKind;
    parameters?: Record<string, unknown>;
    status?: OperationState;
  }): Promise<SeededOperation> {
    const definition = this.definitions.get(options.definition);
    if (!definition) throw new Error(`No sample definition ${options.definition}`);
    const id = randomUUID();
    const { token, hash } = newRunnerToken();
    const now = new Date().toISOString();
    const user = "33333333-3333-3333-3333-333333333333";
    const parameters = options.parameters ?? {};
    const environment: EnvironmentRecord = {
      project: PROJECT,
      name: options.environmentName,
      user,
      environmentType: "Dev",
      catalogName: CATALOG,
      environmentDefinitionName: definition.name,
      parameters,
      provisioningState: options.kind === "delete" ? "Deleting" : "Creating",
      resourceGroupId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${PROJECT}-${options.environmentName}`,
      currentOperationId: id,
      createdAt: now,
      updatedAt: now,
    };
    const stored = await this.environments.get(PROJECT, options.environmentName);
    if (stored) await this.environments.replace(PROJECT, options.environmentName, environment, stored.etag);
    else await this.environments.create(PROJECT, options.environmentName, environment);
    await this.operations.create(PROJECT, id, {
      id,
      project: PROJECT,
      environmentName: options.environmentName,
      user,
      kind: options.kind ?? "deploy",
      status: options.status ?? "Running",
      createdBy: user,
      startTime: now,
      environmentParameters: parameters,
      definition,
      runnerTokenHash: hash,
    });
    return { id, token, environmentName: options.environmentName };
  }

  /** The variables the orchestration gives a runner container. */
  runnerVariables(operation: Pick<SeededOperation, "id" | "token">): Record<string, string> {
    return {
      ADE_RUNNER_ENDPOINT: runnerEndpoint(this.appEndpoint, PROJECT),
      ADE_RUNNER_TOKEN: operation.token,
      ADE_HTTP__OPERATIONID: operation.id,
      ADE_HTTP__DEVCENTERID: DEV_CENTER_ID,
      ADE_CLIENT_ID: "11111111-1111-1111-1111-111111111111",
      ADE_TENANT_ID: "44444444-4444-4444-4444-444444444444",
      ADE_ENABLE_CUSTOM_DEPLOY: "true",
      ADE_LOG_INTERVAL_MS: "50",
      ADE_LOG_RETRY_MS: "5000",
    };
  }

  /** Runs a command as a runner container would: a fresh $ADE_ROOT, the image's bin/ on PATH. */
  async run(
    argv: string[],
    variables: Record<string, string>,
    cwd?: string,
    onStart?: (child: ChildProcess) => void,
  ): Promise<RunResult & { root: string }> {
    const root = await this.tempDir("ade-root-");
    // The run's own /tmp, as a container has (ade execute leaves diff.sh there).
    await mkdir(join(root, "tmp"));
    const result = await runProcess(
      argv,
      {
        PATH: `${join(IMAGE, "bin")}${delimiter}${process.env.PATH}`,
        HOME: root,
        TMPDIR: join(root, "tmp"),
        ADE_ROOT: root,
        ...variables,
      },
      cwd ?? root,
      onStart,
    );
    return { ...result, root };
  }

  async operationLog(operationId: string): Promise<string> {
    const log = await this.storage.blobs.get("operation-logs", `${PROJECT}/${operationId}.log`);
    return log?.toString("utf8") ?? "";
  }
}

export function runProcess(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  onStart?: (child: ChildProcess) => void,
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    onStart?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", fail);
    child.once("close", (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

async function startDevHost(
  storage: string,
  capBytes: number,
): Promise<{ url: string; stop: () => Promise<void> }> {
  // The app checks data-plane tokens at load: it needs a key of its own, not the developer's .local one.
  const keys = await mkdtemp(join(tmpdir(), "runner-e2e-keys-"));
  const keyFiles = { privateKeyFile: join(keys, "signing-key.json"), jwksFile: join(keys, "jwks.json") };
  const removeKeys = () => rm(keys, { recursive: true, force: true });
  await ensureLocalSigningKey(keyFiles);
  const host = await spawnDevHost({
    appRoot: ROOT,
    args: ["--quiet"],
    env: {
      AUTH_JWKS_FILE: keyFiles.jwksFile,
      AUTH_JWKS_URI: "",
      AzureWebJobsStorage: storage,
      DEVCENTER_STORAGE: storage,
      DEVCENTER_CONFIG: join(ROOT, "samples/devcenter.yaml"),
      CATALOG_SYNC_ON_STARTUP: "false",
      RUNNER_ENVIRONMENT_STORAGE_CAP_BYTES: String(capBytes),
    },
  }).catch(async (error: unknown) => {
    await removeKeys();
    throw error;
  });
  return {
    url: host.url,
    stop: async () => {
      await host.stop();
      await removeKeys();
    },
  };
}

async function startInProcess(
  storage: StorageAdapters,
  capBytes: number,
  events: RaisedEvent[],
  outage: { matches?: RegExp },
): Promise<{ url: string; stop: () => Promise<void> }> {
  const api = createRunnerApi({
    operations: storage.records<OperationRecord>(TABLES.operations),
    environments: environmentRecords((table) => storage.records(table)),
    blobs: storage.blobs,
    devCenter: loadDevCenterConfig(join(ROOT, "samples/devcenter.yaml")),
    settings: { environmentStorageCapBytes: capBytes },
  });
  const server = createServer((request, response) => {
    if (outage.matches?.test(`${request.method} ${request.url}`)) {
      request.resume();
      response.writeHead(503, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ error: { code: "ServiceUnavailable", message: "The control plane is down." } }),
      );
      return;
    }
    serve(api, (event) => events.push(event), request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Syncs samples/catalog as the catalog sync does and returns its definitions as operations pin them. */
async function syncSamples(storage: StorageAdapters): Promise<Map<string, OperationDefinition>> {
  const catalogStorage = { records: storage.records<CatalogRecord>(CATALOG_TABLE), blobs: storage.blobs };
  const outcome = await syncCatalog(
    { ...catalogStorage, source: () => new LocalFolderSource({ root: join(ROOT, "samples/catalog") }) },
    { catalog: CATALOG },
  );
  if (outcome.status !== "Synced") throw new Error(`Sample catalog sync: ${JSON.stringify(outcome)}`);
  const { partitionKey, rowKey } = catalogKeys({ catalog: CATALOG });
  const pointer = (await catalogStorage.records.get(partitionKey, rowKey))?.value.current;
  const index = pointer && (await readIndex(catalogStorage, pointer.indexBlob));
  if (!pointer || !index) throw new Error("The sample catalog has no snapshot");
  if (index.errors.length > 0) throw new Error(`Sample catalog errors: ${JSON.stringify(index.errors)}`);
  return new Map(
    index.definitions.map((d) => [
      d.name,
      {
        catalogName: CATALOG,
        name: d.name,
        snapshotBlob: pointer.snapshotBlob,
        path: d.path,
        templatePath: d.templatePath,
        runner: d.runner,
      },
    ]),
  );
}

/** The runner API's routes, as src/functions/runner-api.ts registers them. */
async function serve(
  api: RunnerApi,
  raised: (event: RaisedEvent) => void,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const match = /^\/runner\/projects\/([^/]+)\/operations\/([^/]+)(\/.*)?$/.exec(url.pathname);
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (!match) {
    response.writeHead(404).end();
    return;
  }
  const [, project, operationId, rest = ""] = match;
  const file = /^\/files\/([^/]+)$/.exec(rest);
  const runnerRequest: RunnerRequest = {
    params: {
      project: decodeURIComponent(project),
      operationId: decodeURIComponent(operationId),
      ...(file && { fileName: decodeURIComponent(file[1]) }),
    },
    query: url.searchParams,
    authorization: request.headers.authorization ?? null,
    body: async (limit) => {
      const body = Buffer.concat(chunks);
      return body.length > limit ? undefined : new Uint8Array(body);
    },
  };
  const route = `${request.method} ${file ? "/files/{fileName}" : rest}`;
  const handlers: Record<string, (r: RunnerRequest) => Promise<RunnerResponse>> = {
    "GET ": api.getContext,
    "GET /definition/content": api.getDefinitionContent,
    "GET /files": api.listFiles,
    "GET /files/{fileName}": api.getFile,
    "PUT /files/{fileName}": api.putFile,
    "POST /logs": api.appendLog,
    "PUT /outputs": api.putOutputs,
    "PUT /result": api.putResult,
    // What the scheduler adapter raises: the RunnerFinished event on the operation's orchestration.
    "POST /finished": api.finished(async (instanceId, data) => {
      raised({ instanceId, eventName: RUNNER_FINISHED_EVENT, data });
      return true;
    }),
  };
  const handler = handlers[route];
  if (!handler) {
    response.writeHead(404).end();
    return;
  }
  const result = await handler(runnerRequest);
  const headers = { ...result.headers };
  let body: string | Uint8Array | undefined = result.body;
  if (result.jsonBody !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(result.jsonBody);
  }
  response.writeHead(result.status, headers).end(body);
}
