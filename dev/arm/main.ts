/**
 * CLI: `node dist/dev/arm/main.js` starts the ARM emulator and prints the settings the app needs.
 * Settings: ARM_EMULATOR_STATE_DIR (default .local/arm), ARM_EMULATOR_PORT (default: a free port),
 * ARM_EMULATOR_IMAGES (JSON {"<image or prefix>": "<folder>"}), ARM_EMULATOR_FAULTS (JSON, see
 * faults.ts), ARM_EMULATOR_QUIET=true.
 */
import { parseFaults } from "./faults";
import { startArmEmulator } from "./index";

function json(name: string): unknown {
  const raw = process.env[name]?.trim();
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`${name} is not valid JSON.`);
  }
}

function images(): Record<string, string> {
  const value = json("ARM_EMULATOR_IMAGES") ?? {};
  if (
    typeof value !== "object" ||
    value === null ||
    Object.values(value).some((v) => typeof v !== "string")
  ) {
    throw new Error('ARM_EMULATOR_IMAGES must be a JSON object of "<image or prefix>": "<folder>".');
  }
  return value as Record<string, string>;
}

async function main(): Promise<void> {
  const faults = json("ARM_EMULATOR_FAULTS");
  const emulator = await startArmEmulator({
    stateDir: process.env.ARM_EMULATOR_STATE_DIR || ".local/arm",
    port: Number(process.env.ARM_EMULATOR_PORT || 0),
    images: images(),
    faults: faults === undefined ? undefined : parseFaults(faults),
    quiet: process.env.ARM_EMULATOR_QUIET === "true",
  });
  console.log(`ARM emulator listening on ${emulator.endpoint}`);
  console.log(`  ARM_ENDPOINT=${emulator.endpoint}`);
  console.log(`  ARM_CA_CERT_FILE=${emulator.caCertFile}`);
  console.log("  AZURE_CREDENTIAL=emulator");
  const shutdown = () => {
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  console.error(`ARM emulator: ${(error as Error).message}`);
  process.exit(1);
});
