/**
 * Starts Azurite (blob, queue, table) from the `azurite` npm package on loopback, on free ports,
 * with telemetry off. Used by `npm start`, the dev host and the tests. It runs as a child process
 * (dev/azurite-process.ts) that saves every write before acknowledging it and exits when its
 * parent dies.
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { freePort, waitForPort } from "./net";

export const AZURITE_ACCOUNT = "devstoreaccount1";
// The well-known Azurite development key (public, documented by Azurite; not a secret).
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Folder for Azurite's data; in memory when omitted. */
  location?: string;
  /** Fixed ports (0 or omitted: pick free ones). */
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

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const blobPort = options.blobPort || (await freePort());
  const queuePort = options.queuePort || (await freePort());
  const tablePort = options.tablePort || (await freePort());
  const args = [
    azuriteProcessScript(),
    "--blobHost=127.0.0.1",
    "--queueHost=127.0.0.1",
    "--tableHost=127.0.0.1",
    `--blobPort=${blobPort}`,
    `--queuePort=${queuePort}`,
    `--tablePort=${tablePort}`,
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
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await Promise.race([
      Promise.all([waitForPort(blobPort), waitForPort(queuePort), waitForPort(tablePort)]),
      exited.then(() => {
        throw new Error(`Azurite exited while starting: ${stderr.trim() || "no output"}`);
      }),
    ]);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
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
