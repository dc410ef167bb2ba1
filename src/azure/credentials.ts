/**
 * Token credentials: the app's credential for ARM and Event Grid (AZURE_CREDENTIAL), and the one an
 * identity-based storage connection names (its __credential and __clientId settings).
 */
import { DefaultAzureCredential, ManagedIdentityCredential, TokenCredential } from "@azure/identity";
import { ArmConfig, ConfigError, isLoopbackHost, StorageConnection } from "../config";

/** As the Functions host reads the same settings: managedidentity (+ clientId) or DefaultAzureCredential. */
export function createStorageCredential(
  connection: Extract<StorageConnection, { kind: "identity" }>,
): TokenCredential {
  if (connection.managedIdentity || connection.clientId) {
    return connection.clientId
      ? new ManagedIdentityCredential({ clientId: connection.clientId })
      : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential();
}

/** The fixed token the local ARM emulator accepts; worthless anywhere else. */
export const EMULATOR_TOKEN = "local-arm-emulator-token";

export function createArmCredential(config: Pick<ArmConfig, "credential" | "endpoint">): TokenCredential {
  const credential = config.credential;
  switch (credential.kind) {
    case "default":
      return new DefaultAzureCredential();
    case "managedIdentity":
      return credential.clientId
        ? new ManagedIdentityCredential({ clientId: credential.clientId })
        : new ManagedIdentityCredential();
    case "emulator":
      // Checked again here so no caller can send the fixed token to a real endpoint.
      if (!isLoopbackHost(new URL(config.endpoint).hostname)) {
        throw new ConfigError("AZURE_CREDENTIAL=emulator is only allowed with a loopback ARM_ENDPOINT.");
      }
      return {
        getToken: async () => ({ token: EMULATOR_TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }),
      };
  }
}
