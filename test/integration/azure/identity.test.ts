/**
 * Identity-based connections with no keys: Dev Center Storage through AzureWebJobsStorage__* /
 * DEVCENTER_STORAGE__* settings against an Azurite that serves https and takes bearer tokens, and
 * the catalog sync publisher with Entra ID (no EVENTGRID_KEY) against an https topic stand-in.
 * The probe runs as a child process so it can trust the test's certificate (NODE_EXTRA_CA_CERTS).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, request, type Server } from "node:https";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ensureLocalTls } from "../../../dev/tls";
import { RunningAzurite, startAzurite } from "../../../dev/azurite";

const REPO = path.resolve(__dirname, "..", "..", "..");
const PROBE = path.join(REPO, "dist", "test", "integration", "azure", "identity-probe.js");

function probeBuilt(): string {
  const source = path.join(__dirname, "identity-probe.ts");
  if (!existsSync(PROBE) || statSync(PROBE).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${PROBE} is missing or older than its source: run "npm run build" first`);
  }
  return PROBE;
}

describe("identity-based storage and Event Grid connections", () => {
  let dir: string;
  /** The local CA's PEM: what the probe and the test trust. */
  let certFile: string;
  let azurite: RunningAzurite;
  let topic: Server;
  let topicUrl: string;
  const published: { authorization?: string; key?: string; body: unknown }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "identity-"));
    const tls = await ensureLocalTls(dir);
    const cert = await tls.serverCertificate("loopback");
    certFile = tls.caCertFile;
    azurite = await startAzurite({ oauth: { certFile: cert.certFile, keyFile: cert.keyFile } });
    topic = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        published.push({
          authorization: req.headers.authorization,
          key: req.headers["aeg-sas-key"] as string | undefined,
          body: JSON.parse(body),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => topic.listen(0, "127.0.0.1", resolve));
    topicUrl = `https://127.0.0.1:${(topic.address() as { port: number }).port}/api/events`;
  });

  afterAll(async () => {
    await azurite?.stop();
    await new Promise<void>((resolve) => (topic ? topic.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function runProbe(env: Record<string, string>): Promise<Record<string, unknown>> {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(AzureWebJobsStorage|DEVCENTER_STORAGE|EVENTGRID_)/.test(name),
      ),
    );
    const { stdout } = await promisify(execFile)(process.execPath, [probeBuilt()], {
      env: { ...clean, NODE_EXTRA_CA_CERTS: certFile, NO_PROXY: "127.0.0.1", ...env },
    });
    return JSON.parse(stdout.trim()) as Record<string, unknown>;
  }

  it("reads and writes tables and blobs with a storage token and publishes with an Event Grid token", async () => {
    const result = await runProbe({
      AzureWebJobsStorage__blobServiceUri: azurite.blobEndpoint,
      AzureWebJobsStorage__tableServiceUri: azurite.tableEndpoint,
      AzureWebJobsStorage__credential: "managedidentity",
      EVENTGRID_ENDPOINT: topicUrl,
    });
    expect(result).toEqual({
      connection: "identity",
      record: "through a token",
      blob: "blob through a token",
      eventId: expect.any(String),
      scopes: ["https://eventgrid.azure.net/.default", "https://storage.azure.com/.default"],
    });
    const event = published.at(-1)!;
    expect(event.key).toBeUndefined();
    expect(event.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.$/);
    expect(event.body).toEqual([
      expect.objectContaining({ id: result.eventId, data: { catalog: "samples" } }),
    ]);
  });

  it("is served only with a token: the same Azurite refuses a request without one", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ca = readFileSync(certFile, "utf8");
      request(
        `${azurite.blobEndpoint}?comp=list`,
        { ca, headers: { "x-ms-version": "2021-12-02" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end();
    });
    expect([401, 403]).toContain(status);
  });

  it("names the setting when an identity-based connection is half given", async () => {
    await expect(
      runProbe({ AzureWebJobsStorage__blobServiceUri: azurite.blobEndpoint, EVENTGRID_ENDPOINT: topicUrl }),
    ).rejects.toThrow(
      /AzureWebJobsStorage__blobServiceUri and AzureWebJobsStorage__tableServiceUri go together/,
    );
  });
});
