/**
 * Run by identity.test.ts as a child process (NODE_EXTRA_CA_CERTS must name the test's certificate
 * before Node starts): loads the settings from the environment as the app does, then uses Dev Center
 * Storage and the Event Grid publisher through their identity-based forms with a test credential.
 * Prints one JSON line: what it read back and which token scopes were asked for.
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import { createStorageAdapters } from "../../../src/azure/storage";
import { createEventGridPublisher } from "../../../src/azure/event-grid-publisher";
import { loadConfig } from "../../../src/config";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** An unsigned token of the shape Entra ID issues; Azurite's basic OAuth checks all but the signature. */
const scopes: string[] = [];
const credential: TokenCredential = {
  async getToken(requested): Promise<AccessToken> {
    const scope = Array.isArray(requested) ? requested[0] : requested;
    scopes.push(scope);
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: scope.replace(/\/\.default$/, ""),
      iss: `https://sts.windows.net/${TENANT}/`,
      tid: TENANT,
      oid: "33333333-3333-3333-3333-333333333333",
      nbf: now - 60,
      iat: now - 60,
      exp: now + 3600,
    };
    return {
      token: `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`,
      expiresOnTimestamp: (now + 3600) * 1000,
    };
  },
};

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const storage = createStorageAdapters(config.devCenterStorage, credential);
  const records = storage.records<{ value: string }>("identityprobe");
  await records.create("p", "r", { value: "through a token" });
  const record = await records.get("p", "r");
  await storage.blobs.put("identity-probe", "file.txt", "blob through a token");
  const blob = await storage.blobs.get("identity-probe", "file.txt");
  const eventId = await createEventGridPublisher(config.eventGrid!.endpoint, credential).publish({
    catalog: "samples",
  });
  const result = {
    connection: config.devCenterStorage.kind,
    record: record?.value.value,
    blob: blob?.toString(),
    eventId,
    scopes: [...new Set(scopes)].sort(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
