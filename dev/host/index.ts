/**
 * The local Azure Functions + Durable Functions host: runs an unchanged v4 function app (HTTP,
 * Event Grid, timer, orchestration and activity functions) on 127.0.0.1 with its durable state in
 * Azure Storage tables (Azurite by default).
 *
 * In-process use (npm start, benchmarks): `startDevHost({ appRoot })`. The host injects itself as
 * the Functions worker module, so one process runs one app, and jest's module system cannot
 * host it: tests run it as a child process with `spawnDevHost` (./spawn).
 */
import os from "node:os";
import path from "node:path";
import { RunningAzurite, startAzurite } from "../azurite";
import { adminHandler } from "./admin";
import { DurableClientApi, durableClientData } from "./durable/client-api";
import { DurableEngine, FaultPoint } from "./durable/engine";
import { DurableFunctions } from "./durable/functions";
import { DurableStore } from "./durable/store";
import { EventGridWebhook } from "./event-grid";
import { FunctionsWorker } from "./functions-worker";
import { HttpServer, type TlsCertificate } from "./http-server";
import { HttpRouteSummary, HttpTriggers } from "./http-triggers";
import { keyGuard, MASTER_KEY_SETTING, masterKeyFrom, newKey } from "./keys";
import { LOCAL_SIGN_IN_PATH, localSignIn } from "./local-sign-in";
import { createLogger, HostLogger } from "./logger";
import { loadLocalSettings, readHostJson, resolveSettingReferences } from "./settings";
import { TimerSummary, TimerTriggers } from "./timers";
import type { LogLevel } from "./worker-types";

export type { FaultPoint } from "./durable/engine";

export interface DevHostOptions {
  /** The function app folder: package.json (its `main` names the entry files), host.json, local.settings.json. */
  appRoot: string;
  /** Port on 127.0.0.1; default DEVHOST_PORT, else 7071; 0 picks a free port. */
  port?: number;
  /** Serve https with this certificate (plain http stays open on the same port for loopback callers). */
  tls?: TlsCertificate;
  /**
   * Storage for the durable state; default the AzureWebJobsStorage setting. When that is unset or
   * "UseDevelopmentStorage=true", the host starts Azurite (and stops it on stop()).
   */
  storageConnection?: string;
  /** Folder for the data of an Azurite the host starts; in memory when omitted. */
  azuriteLocation?: string;
  /** Task hub; default host.json extensions.durableTask.hubName, else DURABLE_TASK_HUB, else "devcenter". */
  taskHub?: string;
  /** The key of the webhooks, the Durable API and /admin; default DEVHOST_MASTER_KEY, else a random one. */
  masterKey?: string;
  /** Only warnings and errors of the host; no function logs. */
  quiet?: boolean;
  /** Also debug lines (every invocation and orchestration episode). */
  verbose?: boolean;
  /** Copy local.settings.json values into the environment first (default true), as `func start` does. */
  loadSettings?: boolean;
  /** Where log lines go (default stdout/stderr). */
  log?: (line: string, level: LogLevel) => void;
  /** Test hook: called at the engine's fault points (the CLI kills the process there on request). */
  onFaultPoint?: (point: FaultPoint) => void;
}

export interface RunningDevHost {
  /** https://127.0.0.1:PORT with a certificate, else http://127.0.0.1:PORT */
  url: string;
  port: number;
  taskHub: string;
  /** What the Event Grid webhook, the Durable API and /admin take as `code` or `x-functions-key` (a secret). */
  masterKey: string;
  /** Where the durable state lives (with the account key; do not log it). */
  storageConnection: string;
  functions: { name: string; trigger: string }[];
  httpRoutes: HttpRouteSummary[];
  timers: TimerSummary[];
  /** Where the developer portal gets local tokens; set only while the app trusts the local signing key. */
  localSignInUrl?: string;
  /** Stops timers, the engine (running activities get a few seconds), the listener and a started Azurite. */
  stop(): Promise<void>;
}

const DEFAULT_PORT = 7071;
const DEFAULT_TASK_HUB = "devcenter";

function isDevelopmentStorage(value: string | undefined): boolean {
  return !value || /^\s*UseDevelopmentStorage=true\s*(;.*)?$/i.test(value);
}

function isLoopbackStorage(connection: string): boolean {
  return /Endpoint=https?:\/\/(127\.0\.0\.1|localhost)[:/]/i.test(connection);
}

/** The account a connection string names, for log lines (never the key). */
function describeStorage(connection: string): string {
  const endpoint = /TableEndpoint=([^;]+)/i.exec(connection)?.[1];
  const account = /AccountName=([^;]+)/i.exec(connection)?.[1];
  return endpoint ?? `account ${account ?? "(unknown)"}`;
}

function chooseTaskHub(
  option: string | undefined,
  hostJsonHub: string | undefined,
  logger: HostLogger,
): string {
  let hub = option;
  if (!hub && hostJsonHub) {
    try {
      hub = resolveSettingReferences(hostJsonHub);
    } catch (error) {
      logger.host("warning", `host.json hubName: ${(error as Error).message}; using the default`);
    }
  }
  hub ||= process.env.DURABLE_TASK_HUB || DEFAULT_TASK_HUB;
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(hub)) {
    throw new Error(`Task hub name "${hub}" is invalid: 3 to 45 letters and digits, starting with a letter`);
  }
  return hub;
}

/** Makes loopback calls (the durable client's) bypass any HTTP proxy configured for the machine. */
function bypassProxyForLoopback(): void {
  for (const name of ["NO_PROXY", "no_proxy"]) {
    const entries = (process.env[name] ?? "").split(",").filter(Boolean);
    for (const host of ["127.0.0.1", "localhost"]) if (!entries.includes(host)) entries.push(host);
    process.env[name] = entries.join(",");
  }
}

export async function startDevHost(options: DevHostOptions): Promise<RunningDevHost> {
  const appRoot = path.resolve(options.appRoot);
  const logger = createLogger({ quiet: options.quiet, verbose: options.verbose, write: options.log });
  const env = process.env;
  if (options.loadSettings !== false) {
    const file = loadLocalSettings(appRoot);
    if (file) logger.host("information", `Settings from ${file}`);
  }
  bypassProxyForLoopback();

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    let storageConnection = options.storageConnection ?? env.AzureWebJobsStorage;
    let azurite: RunningAzurite | undefined;
    if (isDevelopmentStorage(storageConnection)) {
      azurite = await startAzurite({ location: options.azuriteLocation });
      cleanups.push(() => azurite!.stop());
      storageConnection = azurite.connectionString;
    }
    const storage = storageConnection as string;
    // Settings saying "UseDevelopmentStorage=true" mean the local emulator: point them at it.
    if (isLoopbackStorage(storage)) {
      for (const [key, value] of Object.entries(env))
        if (value && isDevelopmentStorage(value)) env[key] = storage;
    }
    env.AzureWebJobsStorage = storage;

    const hostJson = readHostJson(appRoot);
    const taskHub = chooseTaskHub(options.taskHub, hostJson.hubName, logger);
    const worker = await FunctionsWorker.load(appRoot, logger);
    await worker.runAppStartHooks();
    cleanups.push(() => worker.runAppTerminateHooks());

    const store = await DurableStore.open(storage, taskHub);
    const defaultConcurrency = 10 * os.cpus().length;
    const engine = new DurableEngine({
      store,
      functions: new DurableFunctions(worker),
      logger,
      maxConcurrentActivities: hostJson.maxConcurrentActivityFunctions ?? defaultConcurrency,
      maxConcurrentOrchestrations: hostJson.maxConcurrentOrchestratorFunctions ?? defaultConcurrency,
      onFaultPoint: options.onFaultPoint,
    });

    const configuredKey = options.masterKey ?? env[MASTER_KEY_SETTING]?.trim();
    const masterKey = configuredKey || masterKeyFrom(env);
    // The durable SDK's own calls (rpcBaseUrl) carry no key: their path holds one of their own.
    const rpcKey = newKey();
    const server = new HttpServer(logger, options.tls);
    const clientData = () => ({
      string: JSON.stringify(
        durableClientData(`http://127.0.0.1:${server.port}`, taskHub, { masterKey, rpcKey }),
      ),
    });
    worker.provideInput("durableClient", clientData);
    worker.provideInput("orchestrationClient", clientData);
    for (const note of worker.unsupportedBindings()) logger.host("warning", note);
    for (const fn of worker.functions) {
      const hub = Object.values(fn.bindings).find((b) =>
        /^(durable|orchestration)Client$/i.test(String(b.type)),
      )?.taskHub;
      if (typeof hub === "string" && hub && hub.toLowerCase() !== taskHub.toLowerCase()) {
        logger.host(
          "warning",
          `${fn.name}: its durable client names task hub ${hub}; this host serves ${taskHub}`,
        );
      }
    }

    const timers = new TimerTriggers(worker, logger);
    const httpTriggers = new HttpTriggers(worker, hostJson.routePrefix, logger);
    server.use(keyGuard(masterKey));
    server.use(adminHandler(worker, timers, taskHub));
    const signIn = await localSignIn(env);
    if (signIn) server.use(signIn);
    server.use(new EventGridWebhook(worker, logger).handle);
    server.use(new DurableClientApi(engine, taskHub, rpcKey).handle);
    server.use(httpTriggers.handle);

    const port = await server.listen(options.port ?? (Number(env.DEVHOST_PORT) || DEFAULT_PORT));
    cleanups.push(() => server.close());
    cleanups.push(() => engine.stop());
    cleanups.push(() => timers.stop());
    const url = `${server.secure ? "https" : "http"}://127.0.0.1:${port}`;
    const resumed = await engine.start();
    timers.start();

    const host: RunningDevHost = {
      url,
      port,
      taskHub,
      masterKey,
      storageConnection: storage,
      functions: worker.functions.map((fn) => ({ name: fn.name, trigger: String(fn.trigger.type) })),
      httpRoutes: httpTriggers.summary(),
      timers: timers.summary(),
      ...(signIn && { localSignInUrl: `${url}${LOCAL_SIGN_IN_PATH}` }),
      stop: cleanup,
    };
    printSummary(
      logger,
      host,
      appRoot,
      azurite ? `Azurite at ${describeStorage(storage)}` : describeStorage(storage),
      resumed,
      configuredKey !== undefined && configuredKey !== "",
    );
    return host;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function printSummary(
  logger: HostLogger,
  host: RunningDevHost,
  appRoot: string,
  storage: string,
  resumed: number,
  keyConfigured: boolean,
): void {
  const lines = [`Function app ${appRoot}`, `Durable task hub ${host.taskHub} in ${storage}`, "Functions:"];
  for (const route of host.httpRoutes) {
    lines.push(`  ${route.functionName}: [${route.methods.join(",")}] ${host.url}${route.path}`);
  }
  for (const fn of host.functions) {
    const trigger = fn.trigger.toLowerCase();
    if (trigger === "httptrigger") continue;
    if (trigger === "eventgridtrigger") {
      lines.push(
        `  ${fn.name}: eventGridTrigger ${host.url}/runtime/webhooks/EventGrid?functionName=${fn.name}&code=<key>`,
      );
    } else if (trigger === "timertrigger") {
      const timer = host.timers.find((t) => t.functionName === fn.name);
      lines.push(`  ${fn.name}: timerTrigger "${timer?.schedule ?? "?"}"`);
    } else lines.push(`  ${fn.name}: ${fn.trigger}`);
  }
  lines.push(`Durable management API: ${host.url}/runtime/webhooks/durabletask/instances?code=<key>`);
  lines.push(
    keyConfigured
      ? `Key (code= or x-functions-key) of the webhooks, the Durable API and /admin: the ${MASTER_KEY_SETTING} setting`
      : `No ${MASTER_KEY_SETTING} setting: the webhooks, the Durable API and /admin take a random key of this run; set ${MASTER_KEY_SETTING} to call them`,
  );
  if (host.localSignInUrl) lines.push(`Local sign-in (local signing key): POST ${host.localSignInUrl}`);
  if (resumed > 0) lines.push(`Resuming ${resumed} orchestration instance(s) with pending work`);
  for (const line of lines) logger.host("information", line);
}
