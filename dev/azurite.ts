/**
 * Starts Azurite (blob, queue, table) from the `azurite` npm package on loopback, on ports it picks
 * itself (0: no window in which another process can take a port chosen for it), with telemetry off. Used by `npm start`, the dev host and the tests. It runs as a child process
 * (dev/azurite-process.ts) that saves every write before acknowledging it and exits when its
 * parent dies.
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

export const AZURITE_ACCOUNT = "devstoreaccount1";
// The well-known Azurite development key (public, documented by Azurite; not a secret).
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Folder for Azurite's data; in memory when omitted. */
  location?: string;
  /** Fixed ports (0 or omitted: Azurite picks free ones). */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /**
   * Serve https with this certificate and accept bearer tokens (Azurite's `--oauth basic`: issuer,
   * audience and lifetime are checked, the signature is not), for identity-based connections.
   */
  oauth?: { certFile: string; keyFile: string };
}

export interface RunningAzurite {
  connectionString: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  /** The Azurite process. */
  pid: number;
  stop(): Promise<void>;
}

/** The compiled child entry, whether this module runs compiled (dist/dev) or from source (dev, under jest). */
function azuriteProcessScript(): string {
  const compiledHere = path.join(__dirname, "azurite-process.js");
  if (existsSync(compiledHere)) return compiledHere;
  const compiled = path.resolve(__dirname, "..", "dist", "dev", "azurite-process.js");
  if (!existsSync(compiled)) throw new Error(`${compiled} does not exist: run "npm run build" first`);
  return compiled;
}

export function azuriteConnectionString(
  blobPort: number,
  queuePort: number,
  tablePort: number,
  protocol: "http" | "https" = "http",
): string {
  const base = `${protocol}://127.0.0.1`;
  return [
    `DefaultEndpointsProtocol=${protocol}`,
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=${base}:${blobPort}/${AZURITE_ACCOUNT}`,
    `QueueEndpoint=${base}:${queuePort}/${AZURITE_ACCOUNT}`,
    `TableEndpoint=${base}:${tablePort}/${AZURITE_ACCOUNT}`,
  ].join(";");
}

/** Azurite's line for a started service: "Azurite Blob service is successfully listening at http://127.0.0.1:10000". */
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at https?:\/\/[^\s]*:(\d+)/g;

/** The ports of the three services, once Azurite has said it listens on each; fails if it exits first. */
function listeningPorts(child: ChildProcess, stderr: () => string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(
      () => reject(new Error(`Azurite did not start within 30 s: ${stdout}${stderr()}`)),
      30_000,
    );
    const read = (chunk: Buffer) => {
      stdout += chunk.toString();
      const ports = Object.fromEntries([...stdout.matchAll(LISTENING)].map((m) => [m[1], Number(m[2])]));
      if (Object.keys(ports).length < 3) return;
      clearTimeout(timer);
      // What it prints from now on is not kept.
      child.stdout?.off("data", read).resume();
      resolve(ports);
    };
    child.stdout?.on("data", read);
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited while starting: ${stderr().trim() || stdout.trim() || "no output"}`));
    });
  });
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const args = [
    azuriteProcessScript(),
    "--blobHost=127.0.0.1",
    "--queueHost=127.0.0.1",
    "--tableHost=127.0.0.1",
    `--blobPort=${options.blobPort ?? 0}`,
    `--queuePort=${options.queuePort ?? 0}`,
    `--tablePort=${options.tablePort ?? 0}`,
    "--skipApiVersionCheck",
    "--disableProductStyleUrl",
    "--disableTelemetry",
    "--silent",
  ];
  if (options.oauth) {
    args.push("--oauth=basic", `--cert=${options.oauth.certFile}`, `--key=${options.oauth.keyFile}`);
  }
  if (options.location) {
    mkdirSync(options.location, { recursive: true });
    args.push(`--location=${options.location}`);
  } else {
    args.push("--inMemoryPersistence");
  }
  // The IPC channel is how the child knows this process is alive (see azurite-process.ts).
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let ports: Record<string, number>;
  try {
    ports = await listeningPorts(child, () => stderr);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const { Blob: blobPort, Queue: queuePort, Table: tablePort } = ports;
  const protocol = options.oauth ? "https" : "http";
  const base = `${protocol}://127.0.0.1`;
  return {
    connectionString: azuriteConnectionString(blobPort, queuePort, tablePort, protocol),
    blobEndpoint: `${base}:${blobPort}/${AZURITE_ACCOUNT}`,
    queueEndpoint: `${base}:${queuePort}/${AZURITE_ACCOUNT}`,
    tableEndpoint: `${base}:${tablePort}/${AZURITE_ACCOUNT}`,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
