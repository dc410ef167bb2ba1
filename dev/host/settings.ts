/**
 * What `func start` reads from a function app folder: local.settings.json values, host.json, the
 * package.json `main` glob, and %SETTING% references in binding options.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

type Env = Record<string, string | undefined>;

/**
 * Copies local.settings.json `Values` (or local.settings.sample.json when there is none) into env,
 * without overriding variables that are already set. Returns the file used, if any.
 */
export function loadLocalSettings(appRoot: string, env: Env = process.env): string | undefined {
  for (const name of ["local.settings.json", "local.settings.sample.json"]) {
    const file = path.join(appRoot, name);
    if (!existsSync(file)) continue;
    const parsed = JSON.parse(readFileSync(file, "utf8")) as { Values?: Record<string, unknown> };
    for (const [key, value] of Object.entries(parsed.Values ?? {})) {
      if (env[key] === undefined && value !== null && value !== undefined) env[key] = String(value);
    }
    return file;
  }
  return undefined;
}

export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingError";
  }
}

/** Replaces every %NAME% in value with the setting NAME, as the Functions host does for binding options. */
export function resolveSettingReferences(value: string, env: Env = process.env): string {
  return value.replace(/%([^%\s]+)%/g, (_match, name: string) => {
    const setting = env[name];
    if (setting === undefined)
      throw new SettingError(`'%${name}%' does not resolve to a value (setting ${name} is not set)`);
    return setting;
  });
}

/** A deep copy of a binding's options with %NAME% references resolved in every string. */
export function resolveBindingOptions<T>(options: T, env: Env = process.env): T {
  if (typeof options === "string") return resolveSettingReferences(options, env) as T;
  if (Array.isArray(options)) return options.map((item: unknown) => resolveBindingOptions(item, env)) as T;
  if (options && typeof options === "object") {
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) copy[key] = resolveBindingOptions(value, env);
    return copy as T;
  }
  return options;
}

export interface HostJsonSettings {
  /** extensions.http.routePrefix, "api" when absent; "" means routes sit at the root. */
  routePrefix: string;
  /** extensions.durableTask.hubName, unresolved (it may hold a %SETTING% reference). */
  hubName?: string;
  maxConcurrentActivityFunctions?: number;
  maxConcurrentOrchestratorFunctions?: number;
}

interface HostJsonFile {
  extensions?: {
    http?: { routePrefix?: string };
    durableTask?: {
      hubName?: string;
      maxConcurrentActivityFunctions?: number;
      maxConcurrentOrchestratorFunctions?: number;
    };
  };
}

export function readHostJson(appRoot: string): HostJsonSettings {
  const file = path.join(appRoot, "host.json");
  const parsed: HostJsonFile = existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as HostJsonFile)
    : {};
  const http = parsed.extensions?.http;
  const durable = parsed.extensions?.durableTask;
  return {
    routePrefix: trimSlashes(http?.routePrefix ?? "api"),
    hubName: durable?.hubName,
    maxConcurrentActivityFunctions: durable?.maxConcurrentActivityFunctions,
    maxConcurrentOrchestratorFunctions: durable?.maxConcurrentOrchestratorFunctions,
  };
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, "");
}

/** The files named by package.json `main` (a path or a glob with * and **), sorted, absolute. */
export function resolveMainFiles(appRoot: string): string[] {
  const pkgFile = path.join(appRoot, "package.json");
  if (!existsSync(pkgFile))
    throw new Error(`No package.json in ${appRoot}: the app's entry files come from its "main"`);
  const main = (JSON.parse(readFileSync(pkgFile, "utf8")) as { main?: string }).main;
  if (!main) throw new Error(`${pkgFile} has no "main" (a file or a glob such as "dist/src/functions/*.js")`);
  const pattern = path.posix.normalize(main.replace(/\\/g, "/"));
  if (!/[*?]/.test(pattern)) {
    const file = path.resolve(appRoot, pattern);
    if (!existsSync(file)) throw new Error(`The app's main file ${file} does not exist (did you build?)`);
    return [file];
  }
  const segments = pattern.split("/");
  const firstWild = segments.findIndex((segment) => /[*?]/.test(segment));
  const baseDir = path.resolve(appRoot, segments.slice(0, firstWild).join("/") || ".");
  const matcher = globToRegExp(segments.slice(firstWild).join("/"));
  const files = existsSync(baseDir)
    ? walk(baseDir, pattern.includes("**"))
        .filter((file) => matcher.test(path.relative(baseDir, file).split(path.sep).join("/")))
        .sort()
    : [];
  if (files.length === 0)
    throw new Error(`No files match the app's main "${main}" under ${appRoot} (did you build?)`);
  return files;
}

function walk(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive && entry.name !== "node_modules") out.push(...walk(full, recursive));
    } else {
      out.push(full);
    }
  }
  return out;
}

/** `**` spans folders, `*` and `?` stay within one path segment. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (glob.startsWith("**/", i)) {
      source += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      source += ".*";
      i += 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
