/**
 * `func start` parity: the compiled app, loaded through the registration contract as the Functions
 * Node.js worker loads it, registers functions whose metadata the real Functions host accepts, so
 * the same build runs under Core Tools and in Azure. The rules are the host's: its function and
 * binding name patterns, the binding types the HTTP, timer, Event Grid and Durable Task extensions
 * register, their required properties, the routes it reserves for itself (admin/, runtime/), and
 * NCRONTAB schedules.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { parseSchedule } from "../../../dev/host/ncrontab";
import { compileRoute } from "../../../dev/host/routes";
import { DEFAULT_CATALOG_SYNC_SCHEDULE, DEFAULT_EXPIRY_SWEEP_SCHEDULE } from "../../../src/config";
import { OPERATION_ORCHESTRATION } from "../../../src/operations/orchestration";
import { CLEANUP_ORCHESTRATION } from "../../../src/operations/cleanup";
import { ACTIVITY_NAMES } from "../../../src/operations/activity-table";

const REPO = path.resolve(__dirname, "..", "..", "..");
const PROBE = path.join(REPO, "dist", "test", "integration", "functions", "registrations-probe.js");

interface Binding {
  type: string;
  direction: "in" | "out";
  name?: string;
  [property: string]: unknown;
}
interface Registration {
  name: string;
  bindings: Record<string, Binding>;
}
interface ProbeResult {
  mainFiles: string[];
  functions: Registration[];
  problems: string[];
}

// The Functions host's own patterns (function names; binding names are the metadata keys).
const FUNCTION_NAME = /^[a-z][a-z0-9_-]{0,127}$/i;
const BINDING_NAME = /^([a-zA-Z][a-zA-Z0-9]{0,127}|\$return)$/;
/** Binding types of the built-in HTTP binding and the bundle's timer, Event Grid and Durable Task extensions. */
const TRIGGERS = [
  "httpTrigger",
  "timerTrigger",
  "eventGridTrigger",
  "orchestrationTrigger",
  "activityTrigger",
];
const OTHER_BINDINGS = { http: "out", durableClient: "in" } as const;
const AUTH_LEVELS = ["anonymous", "function", "admin"];
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
/** Route prefixes the host serves itself (admin API, webhooks for Event Grid and Durable). */
const RESERVED_ROUTES = /^(admin|runtime)(\/|$)/i;

let app: ProbeResult;

beforeAll(async () => {
  const source = path.join(__dirname, "registrations-probe.ts");
  if (!existsSync(PROBE) || statSync(PROBE).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${PROBE} is missing or older than its source: run "npm run build" first`);
  }
  // Entra ID auth settings as in Azure (main.bicep); nothing is fetched while loading.
  const { stdout } = await promisify(execFile)(process.execPath, [PROBE], {
    env: {
      PATH: process.env.PATH,
      AUTH_JWKS_URI:
        "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys",
      AUTH_ISSUER: "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
      AUTH_AUDIENCE: "api://devcenter",
    },
  });
  app = JSON.parse(stdout.trim()) as ProbeResult;
});

const trigger = (fn: Registration): Binding =>
  Object.values(fn.bindings).find((binding) => binding.type.endsWith("Trigger"))!;
const ofType = (type: string) => app.functions.filter((fn) => trigger(fn).type === type);
const names = (fns: Registration[]) => fns.map((fn) => fn.name).sort();

describe("the app's registrations, as the Functions host reads them", () => {
  it("loads every entry file of package.json main without a disabled function or a warning", () => {
    expect(app.mainFiles.length).toBeGreaterThan(0);
    expect(app.mainFiles.every((file) => file.startsWith(path.join("dist", "src", "functions")))).toBe(true);
    expect(app.problems).toEqual([]);
    expect(app.functions.length).toBeGreaterThan(30);
  });

  it("has valid, case-insensitively unique function names and valid binding names and directions", () => {
    for (const fn of app.functions) {
      expect({ fn: fn.name, valid: FUNCTION_NAME.test(fn.name) && fn.name.toLowerCase() !== "host" }).toEqual(
        {
          fn: fn.name,
          valid: true,
        },
      );
      for (const [name, binding] of Object.entries(fn.bindings)) {
        expect({ fn: fn.name, name, valid: BINDING_NAME.test(name) }).toEqual({
          fn: fn.name,
          name,
          valid: true,
        });
        expect(["in", "out"]).toContain(binding.direction);
      }
    }
    const lower = app.functions.map((fn) => fn.name.toLowerCase());
    expect(lower.filter((name, i) => lower.indexOf(name) !== i)).toEqual([]);
  });

  it("gives every function exactly one trigger, and only binding types the extensions register", () => {
    for (const fn of app.functions) {
      const bindings = Object.values(fn.bindings);
      const triggers = bindings.filter((binding) => TRIGGERS.includes(binding.type));
      expect({ fn: fn.name, triggers: triggers.length }).toEqual({ fn: fn.name, triggers: 1 });
      expect(triggers[0].direction).toBe("in");
      for (const binding of bindings.filter((b) => !TRIGGERS.includes(b.type))) {
        expect({ fn: fn.name, type: binding.type, direction: binding.direction }).toEqual({
          fn: fn.name,
          type: binding.type,
          direction: OTHER_BINDINGS[binding.type as keyof typeof OTHER_BINDINGS],
        });
      }
    }
  });

  it("declares HTTP triggers the host can route: auth level, methods, a route outside the host's own, an http $return", () => {
    const http = ofType("httpTrigger");
    expect(http.length).toBeGreaterThan(20);
    const seen = new Map<string, string>();
    for (const fn of http) {
      const { authLevel, methods, route } = trigger(fn) as Binding & {
        authLevel: string;
        methods: string[];
        route: string;
      };
      // The API checks bearer tokens itself; a function key would lock out every Dev Center client.
      expect({ fn: fn.name, authLevel }).toEqual({ fn: fn.name, authLevel: "anonymous" });
      expect(AUTH_LEVELS).toContain(authLevel);
      expect(methods.length).toBeGreaterThan(0);
      for (const method of methods) expect(HTTP_METHODS).toContain(method.toUpperCase());
      expect(typeof route).toBe("string");
      expect(() => compileRoute(route)).not.toThrow();
      expect({ fn: fn.name, reserved: RESERVED_ROUTES.test(route) }).toEqual({
        fn: fn.name,
        reserved: false,
      });
      expect(fn.bindings.$return).toMatchObject({ type: "http", direction: "out" });
      // Two functions on the same template and method are ambiguous for the host's router.
      const template = route.toLowerCase().replace(/\{[^}]*\}/g, "{}");
      for (const method of methods) {
        const key = `${method.toUpperCase()} ${template}`;
        expect({ key, other: seen.get(key) }).toEqual({ key, other: undefined });
        seen.set(key, fn.name);
      }
    }
  });

  it("schedules the timers with valid NCRONTAB expressions (the config defaults under the sample settings)", () => {
    const timers = ofType("timerTrigger");
    expect(names(timers)).toEqual(["catalogSyncTimer", "environmentExpiry"]);
    for (const fn of timers) {
      const { schedule, runOnStartup } = trigger(fn) as Binding & {
        schedule: string;
        runOnStartup?: unknown;
      };
      expect(schedule.trim().split(/\s+/)).toHaveLength(6);
      expect(() => parseSchedule(schedule)).not.toThrow();
      expect(["undefined", "boolean"]).toContain(typeof runOnStartup);
    }
    const schedules = Object.fromEntries(timers.map((fn) => [fn.name, (trigger(fn) as Binding).schedule]));
    expect(schedules).toEqual({
      catalogSyncTimer: DEFAULT_CATALOG_SYNC_SCHEDULE,
      environmentExpiry: DEFAULT_EXPIRY_SWEEP_SCHEDULE,
    });
  });

  it("registers the Event Grid trigger under the name the Bicep subscription and the local endpoint use", () => {
    expect(names(ofType("eventGridTrigger"))).toEqual(["catalogSync"]);
    expect(read("infra/modules/catalog-sync-subscription.bicep")).toMatch(/name: 'catalogSync'/);
    const sample = JSON.parse(read("local.settings.sample.json")) as { Values: Record<string, string> };
    expect(new URL(sample.Values.EVENTGRID_ENDPOINT).searchParams.get("functionName")).toBe("catalogSync");
  });

  it("registers the orchestration and exactly the activities it calls, and durable clients where operations start", () => {
    expect(names(ofType("orchestrationTrigger"))).toEqual(
      [CLEANUP_ORCHESTRATION, OPERATION_ORCHESTRATION].sort(),
    );
    expect(names(ofType("activityTrigger"))).toEqual([...ACTIVITY_NAMES].sort());
    const clients = app.functions.filter((fn) =>
      Object.values(fn.bindings).some((binding) => binding.type === "durableClient"),
    );
    expect(names(clients)).toEqual(
      expect.arrayContaining([
        "environment",
        "environmentExpiry",
        "cancelEnvironmentOperation",
        "runnerFinished",
        "runnerFile",
        "runnerOutputs",
        "runnerResult",
      ]),
    );
    for (const fn of clients) expect(["httpTrigger", "timerTrigger"]).toContain(trigger(fn).type);
    // Reads build no durable client.
    for (const read of ["getEnvironment", "getEnvironmentOperation", "listEnvironmentsByUser"])
      expect(names(clients)).not.toContain(read);
  });
});

function read(file: string): string {
  return readFileSync(path.join(REPO, file), "utf8");
}

describe("host.json, as the Functions host reads it", () => {
  const host = JSON.parse(read("host.json")) as {
    version: string;
    extensionBundle: { id: string; version: string };
    extensions: {
      http: { routePrefix: string };
      durableTask: { hubName: string; storageProvider: { type: string } };
    };
  };

  it("uses the version 2 schema and the Functions extension bundle, pinned to major version 4", () => {
    expect(host.version).toBe("2.0");
    expect(host.extensionBundle.id).toBe("Microsoft.Azure.Functions.ExtensionBundle");
    expect(host.extensionBundle.version).toMatch(/^\[4\.[\d*.]*,\s*5\.0\.0\)$/);
  });

  it("serves routes at the root, and names the task hub by a setting the sample and the Bicep both have", () => {
    expect(host.extensions.http.routePrefix).toBe("");
    expect(host.extensions.durableTask.hubName).toBe("%DURABLE_TASK_HUB%");
    expect(host.extensions.durableTask.storageProvider.type).toBe("AzureStorage");
    const sample = JSON.parse(read("local.settings.sample.json")) as { Values: Record<string, string> };
    expect(sample.Values.DURABLE_TASK_HUB).toMatch(/^[A-Za-z][A-Za-z0-9]{2,44}$/);
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe("node");
    expect(read("infra/main.bicep")).toMatch(/^\s+DURABLE_TASK_HUB: durableTaskHub$/m);
  });
});
