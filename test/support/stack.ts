/**
 * The product as `npm start` runs it, for end-to-end tests: Azurite, the ARM emulator running the
 * Core runner image's entrypoint.sh as a local process, and the compiled app in the dev host (a child
 * process, so a test can SIGKILL it and start it again on the same port).
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { spawnDevHost, type DevHostProcess } from "../../dev/host/spawn";
import { freePort } from "../../dev/net";
import { REPO_ROOT, startLocalServices, type LocalServices } from "../../dev/stack";
import type { EmulatorSnapshot, FaultSettings } from "../../dev/arm";

export const API_VERSION = "2026-01-01-preview";
export const RUNNER_PRINCIPAL = "22222222-2222-2222-2222-222222222222";

export interface StackOptions {
  /** Sample definitions (folders of samples/catalog) to copy; default counter and failing. */
  samples?: string[];
  /** Extra definitions: folder name → files (paths may name subfolders), next to the copied samples. */
  definitions?: Record<string, Record<string, string>>;
  settings?: Record<string, string>;
  /** Object ids of the sample project's admins (its `admins`, empty in the sample). */
  projectAdmins?: string[];
  /** A dev center config to run with instead of the sample's (its local catalogs as they are). */
  devCenterConfigFile?: string;
  /** Runs once the services are up, before the dev host starts (e.g. to prepare its storage). */
  beforeHost?(services: LocalServices): Promise<void>;
  /** More runner images for the ARM emulator: image reference (or prefix) → local folder. */
  images?: Record<string, string>;
  /** False: the dev host prints the functions' own logs too (default true: --quiet). */
  quiet?: boolean;
}

export interface Json {
  [key: string]: unknown;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

function hostArgs(services: LocalServices, quiet: boolean): string[] {
  const { certFile, keyFile } = services.tls.host;
  return [...(quiet ? ["--quiet"] : []), "--tls-cert", certFile, "--tls-key", keyFile];
}

export class Stack {
  private constructor(
    readonly dir: string,
    readonly services: LocalServices,
    private readonly port: number,
    private readonly env: Record<string, string>,
    public host: DevHostProcess,
    private readonly quiet: boolean,
  ) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "operations-e2e-"));
    const catalog = path.join(dir, "catalog");
    for (const name of options.samples ?? ["counter", "failing"]) {
      await cp(path.join(REPO_ROOT, "samples", "catalog", name), path.join(catalog, name), {
        recursive: true,
      });
    }
    for (const [name, files] of Object.entries(options.definitions ?? {})) {
      await mkdir(path.join(catalog, name), { recursive: true });
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(catalog, name, file)), { recursive: true });
        await writeFile(path.join(catalog, name, file), text, { mode: file.endsWith(".sh") ? 0o755 : 0o644 });
      }
    }
    const sample = await readFile(path.join(REPO_ROOT, "samples", "devcenter.yaml"), "utf8");
    if (options.projectAdmins && !sample.includes("admins: []")) {
      throw new Error("samples/devcenter.yaml no longer says `admins: []`: projectAdmins cannot be set");
    }
    await writeFile(
      path.join(dir, "devcenter.yaml"),
      sample
        .replace("localPath: samples/catalog", `localPath: ${JSON.stringify(catalog)}`)
        .replace("admins: []", `admins: ${JSON.stringify(options.projectAdmins ?? [])}`),
    );

    const services = await startLocalServices({
      dataDir: dir,
      persistent: false,
      images: options.images,
    }).catch(async (error: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw error;
    });
    const stopServices = async () => {
      await services.stop();
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await options.beforeHost?.(services);
    } catch (error) {
      await stopServices();
      throw error;
    }
    // A free port can be taken by another process before the host binds it (tests run in parallel):
    // then try another one.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const env = {
        ...services.appSettings(port),
        DEVCENTER_CONFIG: options.devCenterConfigFile ?? path.join(dir, "devcenter.yaml"),
        ...options.settings,
      };
      try {
        const quiet = options.quiet ?? true;
        const host = await spawnDevHost({ appRoot: REPO_ROOT, port, args: hostArgs(services, quiet), env });
        return new Stack(dir, services, port, env, host, quiet);
      } catch (error) {
        if (attempt < 3 && String(error).includes("EADDRINUSE")) continue;
        await stopServices();
        throw error;
      }
    }
  }

  /** Plain http on the host's port, as the host's own loopback callers use it. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** https on the same port, with a certificate from the stack's local CA (caCertFile). */
  get secureUrl(): string {
    return this.host.url;
  }

  get caCertFile(): string {
    return this.services.tls.caCertFile;
  }

  async stop(): Promise<void> {
    await this.host.stop();
    await this.services.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** SIGKILL the dev host, then start it again on the same port and storage. */
  async crashAndRestart(): Promise<void> {
    await this.host.kill();
    this.host = await spawnDevHost({
      appRoot: REPO_ROOT,
      port: this.port,
      args: hostArgs(this.services, this.quiet),
      env: this.env,
    });
  }

  token(user: string): Promise<string> {
    return this.services.token(user);
  }

  /** The dev host's last warnings and errors (it runs --quiet), to explain a failure; `indent` each line. */
  hostComplaints(indent = ""): string {
    const lines = this.host
      .output()
      .split("\n")
      .filter((line) => /warn|error|fail/i.test(line));
    if (lines.length === 0) return `${indent}the dev host printed no warning or error\n`;
    const last = lines.slice(-20).map((line) => `${indent}  ${line.slice(0, 600)}\n`);
    return `${indent}the dev host's last warnings and errors:\n${last.join("")}`;
  }

  /** The dev host's key: its webhooks, Durable API and /admin answer 401 without it. */
  get masterKey(): string {
    return this.host.masterKey;
  }

  async request(method: string, pathname: string, token: string | undefined, body?: unknown): Promise<Reply> {
    const url = new URL(pathname, this.url);
    if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", API_VERSION);
    const response = await fetch(url, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        // The host's own endpoints take its key, as in Azure.
        ...(/^\/(admin|runtime)\//i.test(url.pathname) && { "x-functions-key": this.masterKey }),
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: Json = {};
    if (text && response.headers.get("content-type")?.includes("json")) parsed = JSON.parse(text) as Json;
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  /** Polls until `done` holds for the reply, or fails with the last reply and the host's output. */
  async until(
    method: string,
    pathname: string,
    token: string,
    done: (reply: Reply) => boolean,
    timeoutMs = 60_000,
    pollMs = 100,
  ): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await this.request(method, pathname, token);
      if (done(reply)) return reply;
      if (Date.now() > deadline) {
        throw new Error(
          `${pathname} never got there: ${reply.status} ${reply.text}\n${this.host.output().slice(-4000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * PUTs `me`'s environment of a samples definition and waits for its operation, looking every
   * `pollMs`; how long that took, and the OperationStatus.
   */
  async deployAndWait(
    token: string,
    name: string,
    definition: string,
    pollMs = 20,
  ): Promise<{ seconds: number; status: Json }> {
    const started = process.hrtime.bigint();
    const { operationLocation } = await this.deployStarted(token, name, definition);
    const status = await this.finished(operationLocation, token, 600_000, pollMs);
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, status };
  }

  /** PUTs `me`'s environment of a samples definition; its operation's Operation-Location. */
  async deployStarted(
    token: string,
    name: string,
    definition: string,
  ): Promise<{ operationLocation: string }> {
    const created = await this.request("PUT", `/projects/demo/users/me/environments/${name}`, token, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: definition,
    });
    if (created.status !== 201) throw new Error(`PUT ${name}: ${created.status} ${created.text}`);
    return { operationLocation: created.headers.get("operation-location") as string };
  }

  /** The log of an operation of `me`'s environment, as the logs API answers it. */
  async operationLog(token: string, environmentName: string, operationId: string): Promise<string> {
    const path = `/projects/demo/users/me/environments/${environmentName}/operations/${operationId}/logs`;
    const reply = await this.request("GET", path, token);
    if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${reply.text}`);
    return reply.text;
  }

  /** Polls an Operation-Location until the operation has ended; returns the OperationStatus. */
  async finished(operationLocation: string, token: string, timeoutMs = 60_000, pollMs = 100): Promise<Json> {
    const url = new URL(operationLocation);
    const reply = await this.until(
      "GET",
      url.pathname + url.search,
      token,
      (r) => r.status === 200 && ["Succeeded", "Failed", "Canceled"].includes(r.body.status as string),
      timeoutMs,
      pollMs,
    );
    return reply.body;
  }

  async catalogSynced(token: string): Promise<void> {
    await this.until(
      "GET",
      "/projects/demo/catalogs/samples",
      token,
      (r) => r.body.syncState === "Succeeded",
    );
  }

  arm(): EmulatorSnapshot {
    return this.services.arm.snapshot();
  }

  setFaults(faults: FaultSettings): void {
    this.services.arm.setFaults(faults);
  }
}
