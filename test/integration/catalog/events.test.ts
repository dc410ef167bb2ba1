import { createServer, IncomingHttpHeaders, Server } from "node:http";
import {
  CATALOG_SYNC_EVENT_TYPE,
  createEventGridPublisher,
  parseSyncEvent,
} from "../../../src/catalog/events";

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

describe("Event Grid publisher", () => {
  let server: Server;
  let port: number;
  const received: Received[] = [];

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
        res.writeHead(200).end();
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

  it("refuses plain http except on loopback", () => {
    expect(() => createEventGridPublisher("http://example.com/api/events", "k")).toThrow(/https/);
  });
});
