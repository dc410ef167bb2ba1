/**
 * `npm start`: the product on this machine. First the local services (dev/stack.ts: Azurite with
 * its data in .local/azurite, the ARM emulator, the local signing key, the local CA in .local/tls),
 * then the compiled app in the dev host on https://127.0.0.1:7071 (DEVHOST_PORT to change it).
 * Ctrl-C stops everything.
 */
import path from "node:path";
import { ConfigError } from "../src/config";
import { startDevHost } from "./host";
import { MASTER_KEY_FILE, REPO_ROOT, startLocalServices } from "./stack";

async function main(): Promise<void> {
  const port = Number(process.env.DEVHOST_PORT) || 7071;
  const dataDir = path.join(REPO_ROOT, ".local");
  // The local services. New ones start here, and put the settings the app needs in appSettings.
  const services = await startLocalServices({ dataDir, persistent: true });
  // The stack's settings win over the shell's and local.settings.json: they point at what runs here.
  Object.assign(process.env, services.appSettings(port));

  let host: Awaited<ReturnType<typeof startDevHost>>;
  try {
    host = await startDevHost({
      appRoot: REPO_ROOT,
      port,
      tls: services.tls.host,
      storageConnection: services.azurite.connectionString,
    });
  } catch (error) {
    await services.stop();
    if (String(error).includes("EADDRINUSE")) {
      throw new ConfigError(
        `Port ${port} is in use (another npm start?); stop it or set DEVHOST_PORT to another port.`,
      );
    }
    throw error;
  }

  const ca = services.tls.caCertFile;
  const lines = [
    "",
    "Local services:",
    `  Azurite        blob ${services.azurite.blobEndpoint}`,
    `                 table ${services.azurite.tableEndpoint}`,
    `                 (data in ${path.relative(REPO_ROOT, path.join(dataDir, "azurite"))})`,
    `  ARM emulator   ${services.arm.endpoint}`,
    `Dev host         ${host.url}  (the API, over TLS)`,
    `  Portal         ${host.url}/portal/ (sign in as any user name)`,
    `  Durable API    ${host.url}/runtime/webhooks/durabletask/instances?code=<key>`,
    `  Host key       code=<key> or x-functions-key: <key> for the Durable API, the Event Grid`,
    `                 webhook and /admin; the key is in ${path.relative(REPO_ROOT, path.join(dataDir, "secrets", MASTER_KEY_FILE))}`,
    `  Health         ${host.url}/health`,
    "Tokens:          npm run token -- <user> [--admin]",
    `TLS:             certificates from the local CA ${ca}; trust it with`,
    `  curl           export CURL_CA_BUNDLE=${ca}   (or curl --cacert ${ca} …)`,
    `  Node.js        export NODE_EXTRA_CA_CERTS=${ca}`,
    `  Python         export REQUESTS_CA_BUNDLE=${ca}`,
    "Ctrl-C stops everything.",
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write("Stopping...\n");
    host
      .stop()
      .then(() => services.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`Stopping failed: ${(error as Error).stack}\n`);
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  // A settings or config problem is the user's to fix: its message says what; a stack would only hide it.
  const expected = error instanceof ConfigError;
  const text =
    error instanceof Error ? (expected ? error.message : (error.stack ?? error.message)) : String(error);
  process.stderr.write(`npm start failed: ${text}\n`);
  process.exit(1);
});
