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
}

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

export function loadConfig(env: Env = process.env): Config {
  const webJobsStorage = required(env, "AzureWebJobsStorage");
  return {
    webJobsStorage,
    devCenterStorage: optional(env, "DEVCENTER_STORAGE", webJobsStorage),
    taskHub: optional(env, "DURABLE_TASK_HUB", "devcenter"),
    devCenterConfigPath: optional(env, "DEVCENTER_CONFIG", "samples/devcenter.yaml"),
  };
}

let cached: Config | undefined;

/** The process-wide settings, read once. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}
