/**
 * A local ARM emulator on https://127.0.0.1 for exactly the requests the src/azure adapters send:
 * resource groups, role definitions and assignments, container groups (run as local processes) and
 * their logs, with fault injection. Any bearer token is accepted. State survives restarts in stateDir.
 *
 * Admin endpoints (no token needed): GET/PUT /_emulator/faults, GET /_emulator/state, POST /_emulator/reset.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import { AddressInfo } from "node:net";
import { join } from "node:path";
import { ArmHttpError, ArmService, EmulatorSnapshot, Reply } from "./arm";
import { FaultInjector, FaultSettings, InjectedCounts, parseFaults } from "./faults";
import { ensureLocalTls } from "../tls";

export type { FaultSettings, OperationFailure } from "./faults";
export type { EmulatorSnapshot } from "./arm";

export interface ArmEmulatorOptions {
  /** Folder for state.json and container folders (and tls/ when tlsDir is not given). */
  stateDir: string;
  /** Folder of the local CA (dev/tls.ts) that signs the emulator's certificate; default stateDir/tls. */
  tlsDir?: string;
  /** 0 or omitted: a free port. */
  port?: number;
  /** Image reference (or prefix) → local folder holding entrypoint.sh (and optionally bin/). */
  images?: Record<string, string>;
  faults?: FaultSettings;
  /** No request log on stdout. */
  quiet?: boolean;
  /** How long a resource group deletion or a template deployment stays in progress (default 200 ms). */
  lroDurationMs?: number;
  /** Delay before a new container group's processes start (default 0). */
  containerStartDelayMs?: number;
}

export interface RunningArmEmulator {
  /** https://127.0.0.1:<port> — the ARM_ENDPOINT setting. */
  endpoint: string;
  /** PEM of the local CA that signed the emulator's certificate — the ARM_CA_CERT_FILE setting. */
  caCertFile: string;
  /** What GET /_emulator/state answers, for callers in the same process. */
  snapshot(): EmulatorSnapshot;
  /** What PUT /_emulator/faults does, for callers in the same process. */
  setFaults(faults: FaultSettings): void;
  /** How many faults were injected since the last setFaults. */
  injectedFaults(): InjectedCounts;
  stop(): Promise<void>;
}

function normalizePath(pathname: string): string {
  const collapsed = pathname.replace(/\/{2,}/g, "/");
  return collapsed.length > 1 ? collapsed.replace(/\/$/, "") : collapsed;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ArmHttpError(400, "InvalidRequestContent", "The request content is not valid JSON.");
  }
}

function send(res: ServerResponse, method: string, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.body !== undefined && method !== "HEAD") {
    payload = JSON.stringify(reply.body);
    headers["content-type"] = "application/json; charset=utf-8";
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function errorReply(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  return { status, body: { error: { code, message } }, headers };
}

export async function startArmEmulator(options: ArmEmulatorOptions): Promise<RunningArmEmulator> {
  const tls = await ensureLocalTls(options.tlsDir ?? join(options.stateDir, "tls"));
  const certificate = await tls.serverCertificate("arm-emulator");
  const faults = new FaultInjector(options.faults);
  let endpoint = "";
  const service = new ArmService({
    stateDir: options.stateDir,
    images: options.images ?? {},
    lroDurationMs: options.lroDurationMs ?? 200,
    containerStartDelayMs: options.containerStartDelayMs ?? 0,
    baseUrl: () => endpoint,
    // The stand-in for a container's managed identity: runner images reach this emulator with its
    // fixed token (src/azure/credentials.ts), as the control plane does locally.
    containerEnvironment: () => ({
      ARM_ENDPOINT: endpoint,
      ARM_CA_CERT_FILE: tls.caCertFile,
      AZURE_CREDENTIAL: "emulator",
      // This emulator's deployments take lroDurationMs and say no Retry-After: runner programs
      // (runner/arm) look again every 100 ms, as the control plane does locally, not every 2 s
      // (the SDK's default), which would be most of a local ARM deploy.
      ARM_POLL_INTERVAL_MS: "100",
    }),
    resourceFault: (method, path) => faults.decideNamed(method, path),
  });

  async function admin(method: string, path: string, req: IncomingMessage): Promise<Reply> {
    if (path === "/_emulator/faults" && method === "GET") return { status: 200, body: faults.get() };
    if (path === "/_emulator/faults" && method === "PUT") {
      try {
        faults.set(parseFaults(await readBody(req)));
      } catch (error) {
        return errorReply(400, "InvalidFaults", (error as Error).message);
      }
      return { status: 200, body: faults.get() };
    }
    if (path === "/_emulator/state" && method === "GET") return { status: 200, body: service.snapshot() };
    if (path === "/_emulator/reset" && method === "POST") {
      await service.reset();
      faults.set(options.faults ?? {});
      return { status: 204 };
    }
    return errorReply(404, "NotFound", `No emulator admin endpoint ${method} ${path}.`);
  }

  async function arm(method: string, path: string, url: URL, req: IncomingMessage): Promise<Reply> {
    if (!/^Bearer \S+/i.test(req.headers.authorization ?? "")) {
      return errorReply(
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
      );
    }
    if (!url.searchParams.get("api-version")) {
      return errorReply(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
      );
    }
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const fault = faults.decide(method, path);
    if (fault) return errorReply(fault.status, fault.code, fault.message, fault.headers);
    return service.handle(method, path, url.searchParams, await readBody(req));
  }

  const server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    const started = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    // A leading "//" (arm-authorization sends "//subscriptions/…") would otherwise parse as a host.
    const url = new URL((req.url ?? "/").replace(/^\/{2,}/, "/"), "https://127.0.0.1");
    const path = normalizePath(url.pathname);
    const work = path.startsWith("/_emulator/") ? admin(method, path, req) : arm(method, path, url, req);
    work
      .catch((error: unknown) =>
        error instanceof ArmHttpError
          ? errorReply(error.status, error.code, error.message)
          : errorReply(500, "InternalServerError", `ARM emulator error: ${(error as Error).message}`),
      )
      .then((reply) => {
        send(res, method, reply);
        if (!options.quiet)
          console.log(`arm ${method} ${path} → ${reply.status} (${Date.now() - started} ms)`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    caCertFile: tls.caCertFile,
    snapshot: () => service.snapshot(),
    setFaults: (settings) => faults.set(parseFaults(settings)),
    injectedFaults: () => faults.get().injected,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await service.stop();
    },
  };
}
