/**
 * The whole product on one machine: Azurite, the ARM emulator (runner images mapped to local
 * folders), the local signing key, the local CA (dataDir/tls) that signs the TLS certificates of
 * the ARM emulator and the dev host, and the settings that point the app at them. `npm start` and the
 * end-to-end tests compose the same stack, so what the tests run is what a developer runs.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startAzurite, type RunningAzurite } from "./azurite";
import { startArmEmulator, type FaultSettings, type RunningArmEmulator } from "./arm";
import { MASTER_KEY_SETTING, newKey } from "./host/keys";
import { ensureLocalTls, type Certificate } from "./tls";
import { ensureLocalSigningKey, issueLocalToken, type LocalKeyFiles, type LocalSigningKey } from "./token";

// This file runs compiled (dist/dev) under npm start and from source (dev) under jest.
const parent = path.resolve(__dirname, "..");
export const REPO_ROOT = path.basename(parent) === "dist" ? path.dirname(parent) : parent;

/** The runner images' references (those of RUNNER_IMAGES' defaults) and where each runs from locally. */
export const LOCAL_RUNNER_IMAGES: Record<string, string> = {
  "devcenter/runner-core": path.join(REPO_ROOT, "runner", "images", "core"),
  "devcenter/runner-arm-bicep": path.join(REPO_ROOT, "runner", "images", "arm-bicep"),
  "devcenter/runner-terraform": path.join(REPO_ROOT, "runner", "images", "terraform"),
};

export interface LocalServicesOptions {
  /** Folder for Azurite data, emulator state and keys; Azurite stays in memory when `persistent` is false. */
  dataDir: string;
  persistent: boolean;
  armFaults?: FaultSettings;
  quiet?: boolean;
  /** More runner images (reference or prefix → local folder) beside the Core image. */
  images?: Record<string, string>;
}

export interface LocalServices {
  azurite: RunningAzurite;
  arm: RunningArmEmulator;
  signingKey: LocalSigningKey;
  keyFiles: LocalKeyFiles;
  /** The dev host's key (DEVHOST_MASTER_KEY) for its webhooks, Durable API and /admin; in dataDir/secrets. */
  masterKey: string;
  /** The local CA's PEM (what clients trust) and the dev host's certificate, signed by it. */
  tls: { caCertFile: string; host: Certificate };
  /**
   * The app settings for a dev host on `hostPort` (on top of local.settings): storage, ARM, auth, and
   * the runner API and Event Grid endpoints, which point back at that host.
   */
  appSettings(hostPort: number): Record<string, string>;
  token(user: string, options?: { admin?: boolean }): Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalServices(options: LocalServicesOptions): Promise<LocalServices> {
  const azurite = await startAzurite(
    options.persistent ? { location: path.join(options.dataDir, "azurite") } : {},
  );
  const tlsDir = path.join(options.dataDir, "tls");
  let arm: RunningArmEmulator;
  let tls: LocalServices["tls"];
  try {
    const authority = await ensureLocalTls(tlsDir);
    tls = { caCertFile: authority.caCertFile, host: await authority.serverCertificate("dev-host") };
    arm = await startArmEmulator({
      stateDir: path.join(options.dataDir, "arm"),
      tlsDir,
      images: { ...LOCAL_RUNNER_IMAGES, ...options.images },
      quiet: options.quiet ?? true,
      ...(options.armFaults && { faults: options.armFaults }),
    });
  } catch (error) {
    await azurite.stop();
    throw error;
  }
  const keyFiles: LocalKeyFiles = {
    privateKeyFile: path.join(options.dataDir, "auth", "signing-key.json"),
    jwksFile: path.join(options.dataDir, "auth", "jwks.json"),
  };
  const signingKey = await ensureLocalSigningKey(keyFiles);
  const secureParametersKey = ensureKeyFile(
    path.join(options.dataDir, "secrets", "secure-parameters.key"),
    () => randomBytes(32).toString("base64"),
  );
  const masterKey = ensureKeyFile(path.join(options.dataDir, "secrets", MASTER_KEY_FILE), newKey);
  const appSettings = (hostPort: number): Record<string, string> => ({
    AzureWebJobsStorage: azurite.connectionString,
    DEVCENTER_STORAGE: azurite.connectionString,
    ARM_ENDPOINT: arm.endpoint,
    ARM_CA_CERT_FILE: arm.caCertFile,
    AZURE_CREDENTIAL: "emulator",
    ARM_POLL_INTERVAL_MS: "100",
    AUTH_JWKS_FILE: keyFiles.jwksFile,
    AUTH_JWKS_URI: "",
    // Loopback callers of the host's own port (local runners, the Event Grid publisher) speak plain
    // http to it; clients use https on the same port.
    RUNNER_API_ENDPOINT: `http://127.0.0.1:${hostPort}`,
    EVENTGRID_ENDPOINT: `http://127.0.0.1:${hostPort}/runtime/webhooks/EventGrid?functionName=catalogSync&code=${masterKey}`,
    [MASTER_KEY_SETTING]: masterKey,
    EVENTGRID_KEY: "local-development-key",
    SECURE_PARAMETERS_KEY: secureParametersKey,
    CATALOG_SYNC_ON_STARTUP: "true",
    // Locally the runner's "finished" event comes at once; polling is only the crash fallback.
    RUNNER_POLL_INITIAL_SECONDS: "2",
    RUNNER_POLL_MAX_SECONDS: "10",
    ACTIVITY_RETRY_FIRST_SECONDS: "1",
    ACTIVITY_RETRY_MAX_SECONDS: "10",
  });
  return {
    azurite,
    arm,
    signingKey,
    keyFiles,
    masterKey,
    tls,
    appSettings,
    token: (user, tokenOptions) => issueLocalToken(signingKey, { user, admin: tokenOptions?.admin ?? false }),
    async stop() {
      await arm.stop();
      await azurite.stop();
    },
  };
}

/** Where `npm start` keeps the dev host's key, below the data folder. */
export const MASTER_KEY_FILE = "devhost-master-key";

/**
 * A key kept in a file, made once, readable by its owner only: the one that seals secure parameter
 * values (SECURE_PARAMETERS_KEY) and the dev host's (DEVHOST_MASTER_KEY).
 */
function ensureKeyFile(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const key = make();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
