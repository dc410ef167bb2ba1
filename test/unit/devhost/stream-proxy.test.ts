/**
 * The dev host's request to the library's stream proxy: a kept-alive connection the proxy closes as
 * it is reused (ECONNRESET before any answer) is sent again on a new connection; other failures are
 * the caller's. A loopback server stands in for the proxy.
 */
import { once } from "node:events";
import { Agent, createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { sendToProxy } from "../../../dev/host/http-triggers";
import type { HttpRequestIn } from "../../../dev/host/http-server";

function incoming(body: string): HttpRequestIn {
  return {
    method: "POST",
    url: new URL("http://127.0.0.1:7071/api/things?a=1"),
    headers: {},
    body: Buffer.from(body),
  };
}

describe("dev host: request to the stream proxy", () => {
  let server: Server;
  let proxy: URL;
  let agent: Agent;
  /** What the stand-in proxy does with the nth request on a connection (0 = its first). */
  let onRequest: (nth: number, socket: Socket) => "answer" | "reset";
  const seen: { invocationId: string; body: string; connection: number }[] = [];

  beforeEach(async () => {
    seen.length = 0;
    let connections = 0;
    const requestsOn = new WeakMap<Socket, number>();
    const ids = new WeakMap<Socket, number>();
    server = createServer((req, res) => {
      const socket = req.socket;
      if (!ids.has(socket)) ids.set(socket, ++connections);
      const nth = requestsOn.get(socket) ?? 0;
      requestsOn.set(socket, nth + 1);
      if (onRequest(nth, socket) === "reset") {
        socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        seen.push({
          invocationId: String(req.headers["x-ms-invocation-id"]),
          body: Buffer.concat(chunks).toString(),
          connection: ids.get(socket) as number,
        });
        res.end("answered");
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    proxy = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    agent = new Agent({ keepAlive: true });
  });

  afterEach(async () => {
    agent.destroy();
    server.close();
    await once(server, "close");
  });

  async function text(response: Promise<import("node:http").IncomingMessage>): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of await response) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  }

  it("sends a request again when its kept-alive connection is reset before the answer", async () => {
    onRequest = (nth) => (nth === 0 ? "answer" : "reset");
    expect(await text(sendToProxy(proxy, agent, incoming("first"), "inv-1").answered)).toBe("answered");
    // The connection is kept alive and reused for the next request, which the proxy resets.
    expect(await text(sendToProxy(proxy, agent, incoming("second"), "inv-2").answered)).toBe("answered");
    expect(seen).toEqual([
      { invocationId: "inv-1", body: "first", connection: 1 },
      { invocationId: "inv-2", body: "second", connection: 2 },
    ]);
  });

  it("fails when a new connection is reset", async () => {
    onRequest = () => "reset";
    await expect(sendToProxy(proxy, agent, incoming("only"), "inv-3").answered).rejects.toMatchObject({
      code: "ECONNRESET",
    });
    expect(seen).toEqual([]);
  });
});
