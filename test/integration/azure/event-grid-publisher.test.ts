import { createServer, IncomingHttpHeaders, Server } from "node:http";
import { CATALOG_SYNC_EVENT_TYPE, parseSyncEvent } from "../../../src/catalog/events";
import { createEventGridPublisher } from "../../../src/azure/event-grid-publisher";

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

describe("Event Grid publisher", () => {
  let server: Server;
  let port: number;
  const received: Received[] = [];
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({
          url: req.url ?? "",
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString()),
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("posts an Event Grid schema event with the key to the dev host's webhook URL", async () => {
    const endpoint = `http://127.0.0.1:${port}/runtime/webhooks/EventGrid?functionName=catalogSync`;
    const publisher = createEventGridPublisher(endpoint, "the-topic-key");
    const id = await publisher.publish({ project: "demo", catalog: "team" });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.url).toMatch(/^\/runtime\/webhooks\/EventGrid\?functionName=catalogSync&api-version=/);
    expect(request.headers["aeg-sas-key"]).toBe("the-topic-key");
    expect(request.body).toEqual([
      expect.objectContaining({
        id,
        eventType: CATALOG_SYNC_EVENT_TYPE,
        subject: "/projects/demo/catalogs/team",
        dataVersion: "1.0",
        data: { project: "demo", catalog: "team" },
      }),
    ]);
    expect(parseSyncEvent((request.body as unknown[])[0])).toEqual({
      ok: true,
      id,
      ref: { project: "demo", catalog: "team" },
    });
  });

  it("takes a Functions host webhook's 202 Accepted as success, and fails on errors", async () => {
    const publisher = createEventGridPublisher(
      `http://127.0.0.1:${port}/runtime/webhooks/EventGrid?functionName=catalogSync`,
      "k",
    );
    status = 202;
    await expect(publisher.publish({ catalog: "samples" })).resolves.toEqual(expect.any(String));
    status = 400;
    await expect(publisher.publish({ catalog: "samples" })).rejects.toMatchObject({ statusCode: 400 });
    status = 200;
  });

  it("refuses plain http except on loopback", () => {
    expect(() => createEventGridPublisher("http://example.com/api/events", "k")).toThrow(/https/);
  });
});
