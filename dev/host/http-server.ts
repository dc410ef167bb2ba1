/**
 * The host's one HTTP listener on 127.0.0.1. Requests are offered to the handlers in order (admin,
 * Event Grid webhook, Durable management API, the app's HTTP triggers); the first answer wins.
 */
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HostLogger } from "./logger";

export interface HttpRequestIn {
  method: string;
  /** Absolute URL as the client addressed it (Host header), e.g. http://127.0.0.1:7071/api/x?a=1. */
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
}

/** Answers a request, or returns undefined when the request is not for it. */
export type HttpHandler = (request: HttpRequestIn) => Promise<HttpReply | undefined>;

/** Request bodies beyond this are refused; the Functions host's own limit is 100 MB. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(value),
  };
}

export function textReply(status: number, text: string, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers }, body: text };
}

/** One header value; repeated headers are joined with ", " (Set-Cookie aside, which requests do not carry). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

export class HttpServer {
  private server: Server | undefined;
  private readonly handlers: HttpHandler[] = [];
  private portNumber = 0;

  constructor(private readonly logger: HostLogger) {}

  use(handler: HttpHandler): void {
    this.handlers.push(handler);
  }

  get port(): number {
    return this.portNumber;
  }

  /** Listens on 127.0.0.1:port (0: any free port) and resolves with the port. */
  async listen(port: number): Promise<number> {
    const server = createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.portNumber = (server.address() as AddressInfo).port;
    return this.portNumber;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Requests still running get a moment to finish; then their sockets are cut.
    const timer = setTimeout(() => server.closeAllConnections(), 2000);
    await closed;
    clearTimeout(timer);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: HttpReply;
    try {
      const body = await readBody(req);
      const host = req.headers.host ?? `127.0.0.1:${this.portNumber}`;
      const request: HttpRequestIn = {
        method: (req.method ?? "GET").toUpperCase(),
        url: new URL(req.url ?? "/", `http://${host}`),
        headers: req.headers,
        body,
      };
      reply = (await this.dispatch(request)) ?? textReply(404, "Not Found");
    } catch (error) {
      if (error instanceof BodyTooLargeError) reply = textReply(413, error.message);
      else {
        this.logger.host("error", `${req.method} ${req.url} failed in the host: ${(error as Error).stack}`);
        reply = textReply(500, "Internal Server Error");
      }
    }
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  }

  private async dispatch(request: HttpRequestIn): Promise<HttpReply | undefined> {
    for (const handler of this.handlers) {
      const reply = await handler(request);
      if (reply) return reply;
    }
    return undefined;
  }
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`Request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
