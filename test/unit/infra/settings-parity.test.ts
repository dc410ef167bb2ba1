/**
 * Settings parity: every setting src/config.ts reads is in local.settings.sample.json and in the
 * Bicep app settings (set in main.bicep's controlPlaneSettings, or named on its `// optional:`
 * lines), and neither holds one that nothing reads. Everything is parsed from the sources, so a
 * setting added to config.ts alone fails here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const REPO = path.resolve(__dirname, "..", "..", "..");
const read = (file: string) => readFileSync(path.join(REPO, file), "utf8");

/** Read by the Functions host or set by the platform, never by src/config.ts. */
const HOST_SETTINGS = new Set([
  "FUNCTIONS_WORKER_RUNTIME",
  "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
  "AzureFunctionsJobHost__extensions__durableTask__storageProvider__type",
  "AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName",
]);
/** Set by the platform in Azure; locally unset on purpose. */
const PLATFORM_SETTINGS = new Set(["WEBSITE_HOSTNAME"]);

/** The settings config.ts reads: env.X, env["X"], helper(env, "X"), and <name>__suffix connections. */
function settingsReadBy(source: string): Set<string> {
  const names = new Set<string>();
  for (const [, name] of source.matchAll(/\benv\.([A-Za-z_]\w*)/g)) names.add(name);
  for (const [, name] of source.matchAll(/\benv\[\s*"([^"]+)"\s*\]/g)) names.add(name);
  for (const [, name] of source.matchAll(/\w+\(\s*env,\s*"([A-Za-z_]\w*)"/g)) names.add(name);
  // loadStorageConnection(env, "X") reads X and every `${name}__suffix` inside the function.
  const suffixes = [...source.matchAll(/`\$\{name\}__(\w+)`/g)].map(([, suffix]) => suffix);
  for (const [, name] of source.matchAll(/loadStorageConnection\(\s*env,\s*"(\w+)"/g)) {
    for (const suffix of suffixes) names.add(`${name}__${suffix}`);
  }
  return names;
}

/** Top-level keys of `var <name> = {` … `}` (or `= cond ? {` … `} : {}`) in a Bicep file. */
function bicepObjectKeys(bicep: string, variable: string): string[] {
  const start = bicep.search(new RegExp(`^var ${variable} = `, "m"));
  if (start < 0) throw new Error(`main.bicep has no var ${variable}`);
  const keys: string[] = [];
  let depth = 0;
  for (const line of bicep.slice(start).split("\n")) {
    const code = line.replace(/\/\/.*$/, "");
    const key = depth === 1 ? /^\s*([A-Za-z_]\w*)\s*:/.exec(code) : null;
    if (key) keys.push(key[1]);
    depth += (code.match(/\{/g) ?? []).length - (code.match(/\}/g) ?? []).length;
    if (depth === 0 && code.includes("}")) break;
  }
  return keys;
}

const config = settingsReadBy(read("src/config.ts"));
const sample = Object.keys((JSON.parse(read("local.settings.sample.json")) as { Values: object }).Values);
const bicep = read("infra/main.bicep");
const bicepSet = bicepObjectKeys(bicep, "controlPlaneSettings");
const bicepHost = bicepObjectKeys(bicep, "schedulerSettings");
const bicepOptional = [...bicep.matchAll(/^\/\/ optional: (.+)$/gm)].flatMap(([, list]) =>
  list.split(",").map((name) => name.trim()),
);

describe("settings parity between src/config.ts, local.settings.sample.json and infra/main.bicep", () => {
  it("finds the settings config.ts reads (the parser itself works)", () => {
    expect(config).toEqual(
      expect.objectContaining(
        new Set(["AzureWebJobsStorage", "AzureWebJobsStorage__accountName", "RUNNER_IMAGES"]),
      ),
    );
    for (const name of [
      "AzureWebJobsStorage",
      "AzureWebJobsStorage__accountName",
      "DEVCENTER_STORAGE__clientId",
      "RUNNER_IMAGES",
      "EVENTGRID_KEY",
      "WEBSITE_HOSTNAME",
    ]) {
      expect(config.has(name)).toBe(true);
    }
    const added = settingsReadBy('const x = optional(env, "NEW_SETTING", "1"); env.OTHER; env["THIRD"];');
    expect([...added].sort()).toEqual(["NEW_SETTING", "OTHER", "THIRD"]);
    expect(bicepSet.length).toBeGreaterThan(10);
    expect(bicepOptional.length).toBeGreaterThan(10);
  });

  it("local.settings.sample.json has every setting config.ts reads, and no stale one", () => {
    const expected = [...config].filter((name) => !PLATFORM_SETTINGS.has(name));
    expect(expected.filter((name) => !sample.includes(name))).toEqual([]);
    expect(sample.filter((name) => !config.has(name) && !HOST_SETTINGS.has(name))).toEqual([]);
  });

  it("main.bicep sets or names as optional every setting config.ts reads, and no stale one", () => {
    const covered = new Set([...bicepSet, ...bicepOptional]);
    expect([...config].filter((name) => !covered.has(name))).toEqual([]);
    expect([...covered].filter((name) => !config.has(name))).toEqual([]);
    expect(bicepSet.filter((name) => bicepOptional.includes(name))).toEqual([]);
  });

  it("main.bicep's host settings are the host's, not settings config.ts would read", () => {
    expect(bicepHost.filter((name) => !HOST_SETTINGS.has(name))).toEqual([]);
    expect(bicepHost.filter((name) => config.has(name))).toEqual([]);
  });

  it("main.bicep sets no key or secret: identity-based storage, Entra ID for Event Grid", () => {
    expect(bicepSet).toEqual(
      expect.arrayContaining(["AzureWebJobsStorage__accountName", "EVENTGRID_ENDPOINT"]),
    );
    expect(bicepSet).not.toEqual(expect.arrayContaining(["AzureWebJobsStorage"]));
    // The one connection string names the Application Insights component; ingestion needs Entra ID.
    expect(bicepSet.filter((name) => /KEY|CONNECTION_STRING|SECRET/.test(name))).toEqual([
      "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ]);
    expect(bicep).toMatch(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'/);
    expect(bicep).not.toMatch(/listKeys\(/);
  });
});
