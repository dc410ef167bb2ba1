/**
 * Typed, validated settings. This is the one module that reads the environment: everything else
 * receives a Config (or a part of it). Each setting is listed in local.settings.sample.json.
 */

export interface Config {
  /** Storage used by the Functions host and the Durable engine. */
  webJobsStorage: string;
  /** Dev Center Storage (records, catalog snapshots, environment files, logs); defaults to webJobsStorage. */
  devCenterStorage: string;
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
  /** Topic endpoint (locally the dev host's /runtime/webhooks/EventGrid?functionName=catalogSync). */
  endpoint: string;
  /** Topic access key. */
  key: string;
}

/** Defaults of the local identity; `npm run token` signs with the same issuer and audience. */
export const LOCAL_AUTH = {
  issuer: "https://devcenter.local/auth",
  audience: "https://devcenter.azure.com",
  jwksFile: ".local/auth/jwks.json",
  privateKeyFile: ".local/auth/signing-key.json",
} as const;

export const DEFAULT_CATALOG_SYNC_SCHEDULE = "0 */30 * * * *";

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

function loadEventGridConfig(env: Env): EventGridConfig | undefined {
  const endpoint = env.EVENTGRID_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  return { endpoint, key: required(env, "EVENTGRID_KEY") };
}

export function loadConfig(env: Env = process.env): Config {
  const webJobsStorage = required(env, "AzureWebJobsStorage");
  return {
    webJobsStorage,
    devCenterStorage: optional(env, "DEVCENTER_STORAGE", webJobsStorage),
    taskHub: optional(env, "DURABLE_TASK_HUB", "devcenter"),
    devCenterConfigPath: optional(env, "DEVCENTER_CONFIG", "samples/devcenter.yaml"),
    auth: loadAuthConfig(env),
    eventGrid: loadEventGridConfig(env),
    catalogSyncSchedule: optional(env, "CATALOG_SYNC_SCHEDULE", DEFAULT_CATALOG_SYNC_SCHEDULE),
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
