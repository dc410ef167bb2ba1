/**
 * The host's one listener on 127.0.0.1. Requests are offered to the handlers in order (admin,
 * Event Grid webhook, Durable management API, the app's HTTP triggers); the first answer wins.
 *
 * With a certificate the port speaks TLS and plain HTTP both: the first byte of a connection says
 * which (22 opens a TLS handshake). Clients use https; the host's own loopback callers (the runner
 * API of local runners, the Event Grid publisher, the durable client) keep plain http.
 */
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  Socket,
} from "node:net";
import { Duplex, pipeline, Readable } from "node:stream";
import { createSecureContext, TLSSocket, type SecureContext } from "node:tls";
import type { HostLogger } from "./logger";

export interface TlsCertificate {
  cert: string;
  key: string;
}

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
  /** A stream is sent as it comes (at the pace the client reads). */
  body?: Buffer | string | Readable;
}

/** Answers a request, or returns undefined when the request is not for it. */
export type HttpHandler = (request: HttpRequestIn) => Promise<HttpReply | undefined>;

/** Request bodies beyond this are refused, as the Functions host refuses them (100 MB). */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

/** How long the rest of a refused body is read (and dropped) before the connection is cut. */
const LINGER_MS = 30_000;

/** Kestrel's default limit of all request headers together (MaxRequestHeadersTotalSize). */
const MAX_HEADER_BYTES = 32 * 1024;

/** The first byte of a TLS handshake record. */
const TLS_HANDSHAKE = 0x16;

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
  private listener: NetServer | undefined;
  private server: Server | undefined;
  private readonly handlers: HttpHandler[] = [];
  private portNumber = 0;
  private readonly secureContext: SecureContext | undefined;
  /** The TCP connection under each TLS connection: where it came from. */
  private readonly underlying = new WeakMap<object, Socket>();

  constructor(
    private readonly logger: HostLogger,
    tls?: TlsCertificate,
  ) {
    this.secureContext = tls && createSecureContext(tls);
  }

  use(handler: HttpHandler): void {
    this.handlers.push(handler);
  }

  get port(): number {
    return this.portNumber;
  }

  /** Whether clients reach the host over https. */
  get secure(): boolean {
    return this.secureContext !== undefined;
  }

  /** Listens on 127.0.0.1:port (0: any free port) and resolves with the port. */
  async listen(port: number): Promise<number> {
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => void this.serve(req, res));
    server.on("clientError", (error, socket) => answerClientError(error, socket));
    this.server = server;
    let listener: NetServer = server;
    const context = this.secureContext;
    if (context) {
      // The HTTP server never listens itself: 'listening' starts the connection tracking that
      // close() uses to end idle connections and, after the grace period, all of them.
      server.emit("listening");
      listener = createNetServer((socket) => {
        socket.once("data", (first: Buffer) => {
          socket.pause();
          socket.unshift(first);
          if (first[0] === TLS_HANDSHAKE) {
            // Over a stream wrapper, not the socket's handle, so the bytes read above are not lost.
            const secure = new TLSSocket(Duplex.from({ readable: socket, writable: socket }), {
              isServer: true,
              secureContext: context,
            });
            this.underlying.set(secure, socket);
            secure.on("error", () => socket.destroy());
            socket.on("close", () => secure.destroy());
            server.emit("connection", secure);
          } else server.emit("connection", socket);
          socket.resume();
        });
      });
      this.listener = listener;
    }
    await new Promise<void>((resolve, reject) => {
      listener.once("error", reject);
      listener.listen(port, "127.0.0.1", () => {
        listener.off("error", reject);
        resolve();
      });
    });
    this.portNumber = (listener.address() as AddressInfo).port;
    return this.portNumber;
  }

  async close(): Promise<void> {
    const server = this.server;
    const listener = this.listener;
    if (!server) return;
    this.server = undefined;
    this.listener = undefined;
    const closed = Promise.all([
      new Promise<void>((resolve) => server.close(() => resolve())),
      ...(listener ? [new Promise<void>((resolve) => listener.close(() => resolve()))] : []),
    ]);
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
        url: new URL(req.url ?? "/", `${req.socket instanceof TLSSocket ? "https" : "http"}://${host}`),
        headers: withConnectingAddress(req, this.underlying.get(req.socket) ?? req.socket),
        body,
      };
      reply = (await this.dispatch(request)) ?? textReply(404, "Not Found");
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        reply = jsonReply(
          413,
          { error: { code: "RequestBodyTooLarge", message: error.message } },
          { "x-ms-error-code": "RequestBodyTooLarge" },
        );
      } else {
        // Without the query (code=) and the durable SDK's path key: keys stay out of logs.
        const path = (req.url ?? "/").split("?")[0].replace(/^\/durabletask\/[^/]+/, "/durabletask/…");
        this.logger.host("error", `${req.method} ${path} failed in the host: ${(error as Error).stack}`);
        reply = textReply(500, "Internal Server Error");
      }
    }
    res.writeHead(reply.status, reply.headers);
    const { body } = reply;
    // A stream that breaks cuts the connection: the client must not take a part for the whole.
    if (body instanceof Readable) pipeline(body, res, () => undefined);
    else res.end(body);
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

/**
 * The request's headers with the connecting address appended to X-Forwarded-For, as App Service's
 * front ends do: the app believes a front's forwarding headers only when that address is a trusted
 * front's (TRUSTED_FRONTS), and a client cannot write the last entry itself.
 */
function withConnectingAddress(req: IncomingMessage, connection: Socket): IncomingHttpHeaders {
  const address = (connection.remoteAddress ?? "").replace(/^::ffff:(?=\d+\.)/, "");
  if (!address) return req.headers;
  const entry = address.includes(":")
    ? `[${address}]:${connection.remotePort}`
    : `${address}:${connection.remotePort}`;
  const existing = headerValue(req.headers, "x-forwarded-for");
  return { ...req.headers, "x-forwarded-for": existing ? `${existing}, ${entry}` : entry };
}

/**
 * A request node's parser refused (headers over the limit, a malformed request line): answered in
 * the Azure.Core error shape, as the app answers everything else, and the connection closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // As node's own handler: a connection the client broke gets no answer.
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [
          431,
          "Request Header Fields Too Large",
          "RequestHeaderFieldsTooLarge",
          `The request headers are larger than ${MAX_HEADER_BYTES} bytes.`,
        ]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "RequestTimeout", "The request did not arrive in time."]
        : [400, "Bad Request", "BadRequest", "The request is not valid HTTP."];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      `content-type: application/json; charset=utf-8\r\nx-ms-error-code: ${code}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * The body, up to the limit. A Content-Length over it is refused before anything is read, a body
 * without one as soon as it passes the limit. The rest is read and dropped (never buffered) while the
 * 413 goes out: closing with unread data would reset the connection before the client reads the
 * answer. A client still sending after LINGER_MS is cut off.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => {
      req.removeAllListeners("data");
      req.resume();
      const linger = setTimeout(() => req.socket.destroy(), LINGER_MS);
      req.once("close", () => clearTimeout(linger));
      reject(
        new BodyTooLargeError(
          `The request body is larger than ${MAX_BODY_BYTES} bytes, the most the host accepts.`,
        ),
      );
    };
    if (Number(req.headers["content-length"] ?? NaN) > MAX_BODY_BYTES) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge();
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
