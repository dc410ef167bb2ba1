/**
 * Typed, validated settings. This is the one module that reads the environment: everything else
 * receives a Config (or a part of it). Each setting is listed in local.settings.sample.json. One
 * file on purpose, long as it is: test/unit/infra/settings-parity.test.ts reads the settings it
 * names and holds local.settings.sample.json and infra/main.bicep to them.
 */
import { isIP } from "node:net";
import { MAX_LOG_APPEND_BYTES } from "./core/limits";

export interface Config {
  /** Storage used by the Functions host and the Durable engine. */
  webJobsStorage: StorageConnection;
  /** Dev Center Storage (records, catalog snapshots, environment files, logs); defaults to webJobsStorage. */
  devCenterStorage: StorageConnection;
  /** Durable task hub name. */
  taskHub: string;
  /** Path of the dev center configuration YAML file. */
  devCenterConfigPath: string;
  /** How bearer tokens of the data-plane API are checked. */
  auth: AuthConfig;
  /** Event Grid topic that catalog sync requests are published to; unset: the admin sync endpoints answer 503. */
  eventGrid?: EventGridConfig;
  /** NCRONTAB schedule of the periodic sync of every catalog. */
  catalogSyncSchedule: string;
  /** Also sync every catalog when the app starts (the timer's runOnStartup); unchanged catalogs cost one head check. */
  catalogSyncOnStartup: boolean;
  /** Azure Resource Manager endpoint, trust and credential. */
  arm: ArmConfig;
  /** Size of each runner container group. */
  runnerContainer: RunnerContainerConfig;
  /** The runner API and the log pump of runner containers. */
  runnerApi: RunnerApiConfig;
  /** Environment operations: runner images and placement, timeouts, polling and retries. */
  operations: OperationsConfig;
  /** NCRONTAB schedule of the sweep that deletes environments past their expirationDate. */
  expirySweepSchedule: string;
  /** How the developer portal (/portal) signs users in with Entra ID. */
  portal: PortalConfig;
  /** How the data-plane API builds absolute URLs and paces pollers. */
  api: ApiConfig;
  /**
   * SECURE_PARAMETERS_KEY: 32 bytes, base64 (`openssl rand -base64 32`; in Azure a Key Vault
   * reference): seals the values of securestring / secureobject parameters in the records. Unset:
   * definitions with secure parameters cannot be deployed. Changing it makes sealed values unreadable.
   */
  secureParametersKey?: Buffer;
}

/**
 * The developer portal's Entra ID sign-in (authorization code + PKCE with MSAL), served to the browser
 * in /portal/config.json; only used when tokens come from Entra ID (AUTH_JWKS_URI set). Locally the
 * portal signs in through the dev host instead. PORTAL_CLIENT_ID: the portal's single-page app
 * registration (unset: the portal says it cannot sign in). PORTAL_TENANT_ID (default AZURE_TENANT_ID):
 * the tenant, authority https://login.microsoftonline.com/<tenant>. PORTAL_SCOPES (comma-separated;
 * default <first AUTH_AUDIENCE>/.default): what the access token is asked for.
 */
export interface PortalConfig {
  clientId?: string;
  authority?: string;
  scopes: string[];
}

/**
 * PUBLIC_BASE_URL: the http(s) URL clients reach the API at (origin and any path prefix a front
 * strips), the base of every absolute URL in answers; unset: the request's own (forwarded) origin.
 * TRUSTED_FRONTS: comma-separated IP addresses or CIDR ranges of reverse proxies whose Forwarded /
 * X-Forwarded-Proto / X-Forwarded-Host headers are believed (the connecting address is the last
 * X-Forwarded-For entry, as App Service's front ends and the dev host append it). RETRY_AFTER_SECONDS
 * (default 5): the Retry-After of answers about running operations, the pace of clients' pollers.
 */
export interface ApiConfig {
  publicBaseUrl?: string;
  trustedFronts: string[];
  retryAfterSeconds: number;
}

/**
 * A storage connection named as the Functions host names them (AzureWebJobsStorage, DEVCENTER_STORAGE):
 * the setting itself holds a connection string; or, identity-based with no keys, `<name>__accountName`
 * (public Azure endpoints) or `<name>__blobServiceUri` with `<name>__tableServiceUri` (any cloud), and
 * optionally `<name>__credential=managedidentity` with `<name>__clientId` (a user-assigned identity;
 * otherwise DefaultAzureCredential: the app's managed identity in Azure, your az login locally).
 * The connection string wins when both are set, as in the Functions host.
 */
export type StorageConnection =
  | { kind: "connectionString"; connectionString: string }
  | {
      kind: "identity";
      blobServiceUri: string;
      tableServiceUri: string;
      managedIdentity: boolean;
      clientId?: string;
    };

/**
 * RUNNER_IMAGES: JSON object mapping runner aliases (the manifest's `runner` without a "/": ARM, Bicep,
 * Terraform or names of your own) to images; merged over the defaults (ARM and Bicep →
 * devcenter/runner-arm-bicep:latest, Terraform → devcenter/runner-terraform:latest, built from
 * runner/images); null removes an alias, so its definitions fail at resolve. A `runner` with a "/" is
 * an image reference itself. RUNNER_SUBSCRIPTION_ID, RUNNER_RESOURCE_GROUP (default
 * devcenter-runners) and RUNNER_LOCATION: where runner container groups are created (defaults: the
 * environment type's subscription and location). OPERATION_TIMEOUT_MINUTES (default 60): after it the
 * runner is stopped and the operation fails. RUNNER_POLL_INITIAL_SECONDS (5) / RUNNER_POLL_MAX_SECONDS (60):
 * polling of the runner container, the fallback when its "finished" event does not come.
 * ACTIVITY_RETRY_FIRST_SECONDS (5), ACTIVITY_RETRY_MAX_SECONDS (300), ACTIVITY_RETRY_MAX_ATTEMPTS (5):
 * retries of each step; CLEANUP_MAX_ATTEMPTS (300): retries of the cleanup steps (revoke, delete runner).
 */
export interface OperationsConfig {
  /** AZURE_TENANT_ID: the Entra tenant of the runner identities, given to runners as ADE_TENANT_ID. */
  tenantId: string;
  runnerImages: Record<string, string>;
  runnerSubscriptionId?: string;
  runnerResourceGroup: string;
  runnerLocation?: string;
  timeoutMinutes: number;
  poll: { initialSeconds: number; maxSeconds: number };
  retry: { firstIntervalSeconds: number; maxIntervalSeconds: number; maxAttempts: number };
  cleanupMaxAttempts: number;
}

/** The images runner/images/arm-bicep and runner/images/terraform build, by default. */
export const DEFAULT_RUNNER_IMAGES: Readonly<Record<string, string>> = Object.freeze({
  ARM: "devcenter/runner-arm-bicep:latest",
  Bicep: "devcenter/runner-arm-bicep:latest",
  Terraform: "devcenter/runner-terraform:latest",
});

/**
 * ARM_ENDPOINT (https, default management.azure.com), ARM_CA_CERT_FILE (extra PEM to trust, e.g.
 * the local ARM emulator's certificate or a TLS-inspecting proxy's), AZURE_CREDENTIAL, ARM_POLL_INTERVAL_MS.
 */
export interface ArmConfig {
  endpoint: string;
  caCertFile?: string;
  credential: ArmCredentialConfig;
  /** Interval between polls of long-running ARM operations. */
  pollIntervalMs: number;
}

/**
 * AZURE_CREDENTIAL: `default` (DefaultAzureCredential), `managedIdentity` (AZURE_CLIENT_ID selects a
 * user-assigned identity), or `emulator` (a fixed token, only for a loopback ARM_ENDPOINT).
 */
export type ArmCredentialConfig =
  { kind: "default" } | { kind: "managedIdentity"; clientId?: string } | { kind: "emulator" };

/**
 * RUNNER_API_ENDPOINT: this app's base URL as runner containers reach it (default: https://$WEBSITE_HOSTNAME
 * in Azure, else http://127.0.0.1:7071). RUNNER_ENVIRONMENT_STORAGE_CAP_BYTES: most bytes the files of one
 * environment may take (default 1 GiB). RUNNER_LOG_BATCH_BYTES (default and most 4194304, one append-blob block), RUNNER_LOG_INTERVAL_MS
 * (default 1000) and RUNNER_LOG_RETRY_MS (default 120000): the runner's log pump, passed to the container.
 * RUNNER_ENABLE_CUSTOM_DEPLOY (default true): passed as ADE_ENABLE_CUSTOM_DEPLOY, lets a definition's own
 * deploy.sh / delete.sh run in the core image instead of the image's scripts.
 */
export interface RunnerApiConfig {
  endpoint: string;
  environmentStorageCapBytes: number;
  logBatchBytes: number;
  logIntervalMs: number;
  logRetryMs: number;
  enableCustomDeploy: boolean;
}

/** RUNNER_CPU (cores, default 1) and RUNNER_MEMORY_GB (default 2). */
export interface RunnerContainerConfig {
  cpu: number;
  memoryInGB: number;
}

/**
 * Either Entra ID (AUTH_JWKS_URI with AUTH_ISSUER and AUTH_AUDIENCE) or, when AUTH_JWKS_URI is unset,
 * the local key pair that `npm start` / `npm run token` keep in .local/auth (AUTH_JWKS_FILE).
 * AUTH_ISSUER and AUTH_AUDIENCE accept comma-separated lists (e.g. v1 and v2 Entra issuers).
 */
export interface AuthConfig {
  issuers: string[];
  audiences: string[];
  jwksUri?: string;
  jwksFile?: string;
}

export interface EventGridConfig {
  /** Topic endpoint (locally the dev host's /runtime/webhooks/EventGrid?functionName=catalogSync&code=<host key>). */
  endpoint: string;
  /** EVENTGRID_KEY, the topic access key; unset: Entra ID with the app's credential (AZURE_CREDENTIAL). */
  key?: string;
}

/**
 * Traces and metrics (src/telemetry). APPLICATIONINSIGHTS_CONNECTION_STRING set: Azure Monitor (with
 * Entra ID when APPLICATIONINSIGHTS_AUTHENTICATION_STRING is `Authorization=AAD`, optionally
 * `;ClientId=<user-assigned identity>`). Otherwise TELEMETRY_EXPORTER: `none` (default, also in
 * tests), `console` (one JSON line per span and per metric on stdout) or `otlp` (traces over
 * OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, read by the exporter itself).
 */
export type TelemetryConfig =
  | { kind: "none" }
  | { kind: "console" }
  | { kind: "otlp" }
  | { kind: "azureMonitor"; connectionString: string; entraId: boolean; clientId?: string };

export function loadTelemetryConfig(env: Env = process.env): TelemetryConfig {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (connectionString) {
    const auth = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING?.trim() ?? "";
    const parts = Object.fromEntries(
      auth
        .split(";")
        .filter(Boolean)
        .map((part) => part.split("=").map((item) => item.trim()) as [string, string]),
    );
    if (auth && parts.Authorization !== "AAD") {
      throw new ConfigError(
        "Setting APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be Authorization=AAD[;ClientId=<id>].",
      );
    }
    return {
      kind: "azureMonitor",
      connectionString,
      entraId: parts.Authorization === "AAD",
      ...(parts.ClientId && { clientId: parts.ClientId }),
    };
  }
  const kind = optional(env, "TELEMETRY_EXPORTER", "none");
  if (kind !== "none" && kind !== "console" && kind !== "otlp") {
    throw new ConfigError("Setting TELEMETRY_EXPORTER must be none, console or otlp.");
  }
  return { kind };
}

/** Defaults of the local identity; `npm run token` signs with the same issuer and audience. */
export const LOCAL_AUTH = {
  issuer: "https://devcenter.local/auth",
  audience: "https://devcenter.azure.com",
  jwksFile: ".local/auth/jwks.json",
  privateKeyFile: ".local/auth/signing-key.json",
} as const;

export const DEFAULT_CATALOG_SYNC_SCHEDULE = "0 */30 * * * *";

export const DEFAULT_EXPIRY_SWEEP_SCHEDULE = "0 */5 * * * *";

export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Setting ${name} is required (see local.settings.sample.json).`);
  return value;
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function loadAuthConfig(env: Env): AuthConfig {
  const jwksUri = env.AUTH_JWKS_URI?.trim();
  if (jwksUri) {
    if (!jwksUri.startsWith("https://"))
      throw new ConfigError("Setting AUTH_JWKS_URI must be an https:// URL.");
    return {
      issuers: list(required(env, "AUTH_ISSUER")),
      audiences: list(required(env, "AUTH_AUDIENCE")),
      jwksUri,
    };
  }
  return {
    issuers: list(optional(env, "AUTH_ISSUER", LOCAL_AUTH.issuer)),
    audiences: list(optional(env, "AUTH_AUDIENCE", LOCAL_AUTH.audience)),
    jwksFile: optional(env, "AUTH_JWKS_FILE", LOCAL_AUTH.jwksFile),
  };
}

function loadEventGridConfig(env: Env, arm: ArmConfig): EventGridConfig | undefined {
  const endpoint = env.EVENTGRID_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  const key = env.EVENTGRID_KEY?.trim();
  if (key) return { endpoint, key };
  if (arm.credential.kind === "emulator") {
    throw new ConfigError("Setting EVENTGRID_KEY is required with AZURE_CREDENTIAL=emulator.");
  }
  return { endpoint };
}

function serviceUri(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!/^https?:\/\/[^/]/.test(value) || !URL.canParse(value)) {
    throw new ConfigError(`Setting ${name} must be an https:// URL.`);
  }
  return value.replace(/\/+$/, "");
}

/** The connection string in `name`, else its identity-based form; undefined when neither is set. */
function loadStorageConnection(env: Env, name: string): StorageConnection | undefined {
  const connectionString = env[name]?.trim();
  if (connectionString) return { kind: "connectionString", connectionString };
  const account = env[`${name}__accountName`]?.trim();
  const blob = serviceUri(env, `${name}__blobServiceUri`);
  const table = serviceUri(env, `${name}__tableServiceUri`);
  if (!account && !blob && !table) return undefined;
  if (account && !/^[a-z0-9]{3,24}$/.test(account)) {
    throw new ConfigError(
      `Setting ${name}__accountName must be a storage account name (3-24 lowercase letters and digits).`,
    );
  }
  const blobServiceUri = blob ?? (account && `https://${account}.blob.core.windows.net`);
  const tableServiceUri = table ?? (account && `https://${account}.table.core.windows.net`);
  if (!blobServiceUri || !tableServiceUri) {
    throw new ConfigError(
      `Setting ${name}__blobServiceUri and ${name}__tableServiceUri go together (or use ${name}__accountName).`,
    );
  }
  const credential = env[`${name}__credential`]?.trim().toLowerCase();
  if (credential && credential !== "managedidentity") {
    throw new ConfigError(`Setting ${name}__credential must be managedidentity when set.`);
  }
  const clientId = env[`${name}__clientId`]?.trim();
  return {
    kind: "identity",
    blobServiceUri,
    tableServiceUri,
    managedIdentity: credential === "managedidentity",
    ...(clientId && { clientId }),
  };
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`Setting ${name} must be a positive number.`);
  return value;
}

/** True for 127.0.0.1 (or any 127.x), ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function loadArmConfig(env: Env): ArmConfig {
  const endpoint = optional(env, "ARM_ENDPOINT", DEFAULT_ARM_ENDPOINT).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError("Setting ARM_ENDPOINT must be an https:// URL.");
  }
  if (url.protocol !== "https:") throw new ConfigError("Setting ARM_ENDPOINT must be an https:// URL.");
  const kind = optional(env, "AZURE_CREDENTIAL", "default");
  let credential: ArmCredentialConfig;
  if (kind === "default") credential = { kind };
  else if (kind === "managedIdentity")
    credential = { kind, clientId: env.AZURE_CLIENT_ID?.trim() || undefined };
  else if (kind === "emulator") {
    if (!isLoopbackHost(url.hostname)) {
      throw new ConfigError(
        "Setting AZURE_CREDENTIAL=emulator is only allowed with a loopback ARM_ENDPOINT.",
      );
    }
    credential = { kind };
  } else {
    throw new ConfigError("Setting AZURE_CREDENTIAL must be default, managedIdentity or emulator.");
  }
  const pollIntervalMs = positiveNumber(env, "ARM_POLL_INTERVAL_MS", 2000);
  if (!Number.isInteger(pollIntervalMs))
    throw new ConfigError("Setting ARM_POLL_INTERVAL_MS must be an integer.");
  return { endpoint, caCertFile: env.ARM_CA_CERT_FILE?.trim() || undefined, credential, pollIntervalMs };
}

function positiveInteger(env: Env, name: string, fallback: number): number {
  const value = positiveNumber(env, name, fallback);
  if (!Number.isSafeInteger(value)) throw new ConfigError(`Setting ${name} must be a whole number.`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = optional(env, name, String(fallback)).toLowerCase();
  if (value !== "true" && value !== "false") throw new ConfigError(`Setting ${name} must be true or false.`);
  return value === "true";
}

function loadRunnerApiConfig(env: Env): RunnerApiConfig {
  const host = env.WEBSITE_HOSTNAME?.trim();
  const endpoint = optional(env, "RUNNER_API_ENDPOINT", host ? `https://${host}` : "http://127.0.0.1:7071");
  if (!/^https?:\/\/[^/]/.test(endpoint) || !URL.canParse(endpoint)) {
    throw new ConfigError("Setting RUNNER_API_ENDPOINT must be an http(s) URL.");
  }
  const logBatchBytes = positiveInteger(env, "RUNNER_LOG_BATCH_BYTES", MAX_LOG_APPEND_BYTES);
  if (logBatchBytes > MAX_LOG_APPEND_BYTES) {
    throw new ConfigError(`Setting RUNNER_LOG_BATCH_BYTES must be at most ${MAX_LOG_APPEND_BYTES}.`);
  }
  return {
    endpoint: endpoint.replace(/\/+$/, ""),
    environmentStorageCapBytes: positiveInteger(env, "RUNNER_ENVIRONMENT_STORAGE_CAP_BYTES", 1024 ** 3),
    logBatchBytes,
    logIntervalMs: positiveInteger(env, "RUNNER_LOG_INTERVAL_MS", 1000),
    logRetryMs: positiveInteger(env, "RUNNER_LOG_RETRY_MS", 120_000),
    enableCustomDeploy: flag(env, "RUNNER_ENABLE_CUSTOM_DEPLOY", true),
  };
}

function loadRunnerImages(env: Env): Record<string, string> {
  const raw = env.RUNNER_IMAGES?.trim();
  if (!raw) return { ...DEFAULT_RUNNER_IMAGES };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      'Setting RUNNER_IMAGES must be a JSON object such as {"Bicep":"myacr.azurecr.io/runner:1"}.',
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      'Setting RUNNER_IMAGES must be a JSON object such as {"Bicep":"myacr.azurecr.io/runner:1"}.',
    );
  }
  const images: Record<string, string> = { ...DEFAULT_RUNNER_IMAGES };
  for (const [alias, image] of Object.entries(parsed)) {
    if (alias.includes("/")) {
      throw new ConfigError(`Setting RUNNER_IMAGES has ${alias}, which is no alias: aliases have no "/".`);
    }
    if (image === null) {
      delete images[alias];
      continue;
    }
    if (typeof image !== "string" || image.trim() === "") {
      throw new ConfigError(
        `Setting RUNNER_IMAGES maps ${alias} to something that is not an image reference (null removes an alias).`,
      );
    }
    images[alias] = image.trim();
  }
  return images;
}

function loadOperationsConfig(env: Env): OperationsConfig {
  const subscription = env.RUNNER_SUBSCRIPTION_ID?.trim();
  if (subscription && !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(subscription)) {
    throw new ConfigError("Setting RUNNER_SUBSCRIPTION_ID must be a subscription id (uuid).");
  }
  const pollInitial = positiveNumber(env, "RUNNER_POLL_INITIAL_SECONDS", 5);
  const pollMax = positiveNumber(env, "RUNNER_POLL_MAX_SECONDS", 60);
  if (pollMax < pollInitial) {
    throw new ConfigError("Setting RUNNER_POLL_MAX_SECONDS must be at least RUNNER_POLL_INITIAL_SECONDS.");
  }
  return {
    tenantId: optional(env, "AZURE_TENANT_ID", ""),
    runnerImages: loadRunnerImages(env),
    ...(subscription && { runnerSubscriptionId: subscription.toLowerCase() }),
    runnerResourceGroup: optional(env, "RUNNER_RESOURCE_GROUP", "devcenter-runners"),
    ...(env.RUNNER_LOCATION?.trim() && { runnerLocation: env.RUNNER_LOCATION.trim() }),
    timeoutMinutes: loadOperationTimeoutSetting(env),
    poll: { initialSeconds: pollInitial, maxSeconds: pollMax },
    retry: {
      firstIntervalSeconds: positiveNumber(env, "ACTIVITY_RETRY_FIRST_SECONDS", 5),
      maxIntervalSeconds: positiveNumber(env, "ACTIVITY_RETRY_MAX_SECONDS", 300),
      maxAttempts: positiveInteger(env, "ACTIVITY_RETRY_MAX_ATTEMPTS", 5),
    },
    cleanupMaxAttempts: positiveInteger(env, "CLEANUP_MAX_ATTEMPTS", 300),
  };
}

function loadPortalConfig(env: Env, auth: AuthConfig): PortalConfig {
  const tenant = optional(env, "PORTAL_TENANT_ID", optional(env, "AZURE_TENANT_ID", ""));
  if (tenant && !/^[\w.-]+$/.test(tenant)) {
    throw new ConfigError("Setting PORTAL_TENANT_ID must be a tenant id or domain name.");
  }
  const clientId = env.PORTAL_CLIENT_ID?.trim();
  return {
    ...(clientId && { clientId }),
    ...(tenant && { authority: `https://login.microsoftonline.com/${tenant}` }),
    scopes: list(optional(env, "PORTAL_SCOPES", `${auth.audiences[0].replace(/\/+$/, "")}/.default`)),
  };
}

function loadApiConfig(env: Env): ApiConfig {
  const base = env.PUBLIC_BASE_URL?.trim().replace(/\/+$/, "");
  if (base) {
    const url = URL.canParse(base) ? new URL(base) : undefined;
    if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username) {
      throw new ConfigError(
        "Setting PUBLIC_BASE_URL must be an http(s) URL without query, such as https://devcenter.example.com.",
      );
    }
  }
  const trustedFronts = list(env.TRUSTED_FRONTS ?? "");
  for (const entry of trustedFronts) {
    const [address, prefix, extra] = entry.split("/");
    const version = isIP(address);
    const bits = version === 6 ? 128 : 32;
    const validPrefix = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
    if (version === 0 || !validPrefix || extra !== undefined) {
      throw new ConfigError(
        `Setting TRUSTED_FRONTS must list IP addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32); ${JSON.stringify(entry)} is neither.`,
      );
    }
  }
  return {
    ...(base && { publicBaseUrl: base }),
    trustedFronts,
    retryAfterSeconds: positiveInteger(env, "RETRY_AFTER_SECONDS", 5),
  };
}

function loadSecureParametersKey(env: Env): Buffer | undefined {
  const text = env.SECURE_PARAMETERS_KEY?.trim();
  if (!text) return undefined;
  const key = Buffer.from(text, "base64");
  if (key.length !== 32 || key.toString("base64") !== text) {
    throw new ConfigError(
      "Setting SECURE_PARAMETERS_KEY must be 32 bytes in base64 (openssl rand -base64 32).",
    );
  }
  return key;
}

export function loadConfig(env: Env = process.env): Config {
  const webJobsStorage = loadStorageConnection(env, "AzureWebJobsStorage");
  if (!webJobsStorage) {
    throw new ConfigError(
      "Setting AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__accountName (identity-based) is required (see local.settings.sample.json).",
    );
  }
  const arm = loadArmConfig(env);
  const auth = loadAuthConfig(env);
  return {
    webJobsStorage,
    devCenterStorage: loadStorageConnection(env, "DEVCENTER_STORAGE") ?? webJobsStorage,
    taskHub: optional(env, "DURABLE_TASK_HUB", "devcenter"),
    devCenterConfigPath: optional(env, "DEVCENTER_CONFIG", "samples/devcenter.yaml"),
    auth,
    eventGrid: loadEventGridConfig(env, arm),
    catalogSyncSchedule: optional(env, "CATALOG_SYNC_SCHEDULE", DEFAULT_CATALOG_SYNC_SCHEDULE),
    catalogSyncOnStartup: flag(env, "CATALOG_SYNC_ON_STARTUP", false),
    arm,
    runnerContainer: {
      cpu: positiveNumber(env, "RUNNER_CPU", 1),
      memoryInGB: positiveNumber(env, "RUNNER_MEMORY_GB", 2),
    },
    runnerApi: loadRunnerApiConfig(env),
    operations: loadOperationsConfig(env),
    expirySweepSchedule: optional(env, "EXPIRY_SWEEP_SCHEDULE", DEFAULT_EXPIRY_SWEEP_SCHEDULE),
    portal: loadPortalConfig(env, auth),
    api: loadApiConfig(env),
    secureParametersKey: loadSecureParametersKey(env),
  };
}

/**
 * The value of a setting named in the dev center config (a catalog's secretSetting: an app setting
 * holding a Key Vault reference in Azure, a plain setting locally). Read when needed, never cached or logged.
 */
export function readSecretSetting(name: string, env: Env = process.env): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

let cached: Config | undefined;

/** The process-wide settings, read once. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/** OPERATION_TIMEOUT_MINUTES alone, for tools such as `npm run operations -- stuck`. */
export function loadOperationTimeoutSetting(env: Env = process.env): number {
  return positiveNumber(env, "OPERATION_TIMEOUT_MINUTES", 60);
}

/** The Dev Center Storage connection alone (DEVCENTER_STORAGE, else AzureWebJobsStorage), for tools such as the migration. */
export function loadDevCenterStorageSetting(env: Env = process.env): StorageConnection {
  const connection =
    loadStorageConnection(env, "DEVCENTER_STORAGE") ?? loadStorageConnection(env, "AzureWebJobsStorage");
  if (!connection) {
    throw new ConfigError(
      "Setting DEVCENTER_STORAGE or AzureWebJobsStorage (a connection string, or <name>__accountName for identity-based access) is required.",
    );
  }
  return connection;
}
