/**
 * The app's HTTP triggers: route matching under the routePrefix, 404/405 answers, and the
 * conversion between node's request/response and the worker's RpcHttpData, or, for an app that
 * streams HTTP, the exchange with the library's stream proxy.
 */
import { randomUUID } from "node:crypto";
import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import type { FunctionsWorker, RegisteredFunction } from "./functions-worker";
import { HttpHandler, HttpReply, HttpRequestIn, textReply } from "./http-server";
import type { HostLogger } from "./logger";
import { compileRoute, comparePrecedence, CompiledRoute } from "./routes";
import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from "./worker-types";

interface HttpRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  /** Upper-case methods; undefined means any method. */
  methods?: string[];
}

export interface HttpRouteSummary {
  functionName: string;
  methods: string[];
  /** Path as served, with the route prefix, e.g. /api/items/{id:int?}. */
  path: string;
}

/** Headers of the proxy's answer that are about its own connection, not the client's. */
const PROXY_ONLY_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "x-ms-invocation-id"]);

export class HttpTriggers {
  private readonly routes: HttpRoute[];
  /** Connections to the library's stream proxy, kept open between invocations. */
  private readonly proxyAgent = new Agent({ keepAlive: true });

  constructor(
    private readonly worker: FunctionsWorker,
    private readonly routePrefix: string,
    private readonly logger: HostLogger,
  ) {
    this.routes = worker
      .ofTrigger("httpTrigger")
      .map((fn) => {
        const methods = fn.trigger.methods as string[] | undefined;
        const template = typeof fn.trigger.route === "string" ? fn.trigger.route : fn.name;
        return {
          fn,
          route: compileRoute(template),
          methods: methods && methods.length > 0 ? methods.map((m) => m.toUpperCase()) : undefined,
        };
      })
      .sort((a, b) => comparePrecedence(a.route, b.route));
  }

  summary(): HttpRouteSummary[] {
    return this.routes.map(({ fn, route, methods }) => ({
      functionName: fn.name,
      methods: methods ?? ["*"],
      path: "/" + [this.routePrefix, route.template.replace(/^\/+/, "")].filter(Boolean).join("/"),
    }));
  }

  readonly handle: HttpHandler = async (request) => {
    const path = this.stripPrefix(request.url.pathname);
    if (path === undefined) return undefined;
    const allowed = new Set<string>();
    for (const candidate of this.routes) {
      const params = candidate.route.match(path);
      if (!params) continue;
      if (candidate.methods && !candidate.methods.includes(request.method)) {
        candidate.methods.forEach((m) => allowed.add(m));
        continue;
      }
      return this.invoke(candidate.fn, request, params);
    }
    if (allowed.size > 0)
      return textReply(405, "Method Not Allowed", { allow: [...allowed].sort().join(", ") });
    return undefined;
  };

  /** The path below the route prefix, or undefined when the request is outside it. */
  private stripPrefix(pathname: string): string | undefined {
    if (!this.routePrefix) return pathname;
    const prefix = `/${this.routePrefix}`;
    if (pathname.toLowerCase() === prefix.toLowerCase()) return "/";
    if (pathname.toLowerCase().startsWith(prefix.toLowerCase() + "/")) return pathname.slice(prefix.length);
    return undefined;
  }

  private async invoke(
    fn: RegisteredFunction,
    request: HttpRequestIn,
    params: Record<string, string>,
  ): Promise<HttpReply> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    // The query is left out on purpose: the library then reads it from the URL, keeping repeated keys.
    const http: RpcHttpData = {
      method: request.method,
      url: request.url.href,
      headers,
      params,
      body: request.body.length > 0 ? { bytes: request.body } : undefined,
    };
    try {
      if (this.worker.httpUri) return await this.invokeStreaming(fn, request, http, this.worker.httpUri);
      const invocation = await this.worker.invoke(fn, { http });
      const response = await invocation.response();
      const out =
        response.returnValue?.http ??
        response.outputData?.find((binding) => binding.data?.http)?.data?.http ??
        undefined;
      return toReply(out);
    } catch (error) {
      this.logger.host(
        "error",
        `Executed 'Functions.${fn.name}' (Failed): ${(error as Error)?.stack ?? error}`,
      );
      return { status: 500 };
    }
  }

  /**
   * As the Functions host streams HTTP: the request goes to the library's proxy with the invocation's
   * id, the function gets the route parameters and headers as trigger metadata, and the proxy's
   * answer is passed on as it comes. A function that fails before answering is a 500; one that fails
   * while its body is on the way cuts the connection.
   */
  private async invokeStreaming(
    fn: RegisteredFunction,
    request: HttpRequestIn,
    http: RpcHttpData,
    proxy: URL,
  ): Promise<HttpReply> {
    const invocationId = randomUUID();
    const { answered, destroy } = sendToProxy(proxy, this.proxyAgent, request, invocationId);
    answered.catch(() => undefined); // awaited below, or abandoned after the function failed
    const metadata: Record<string, RpcTypedData> = { Headers: { json: JSON.stringify(http.headers) } };
    for (const [name, value] of Object.entries(http.params ?? {})) metadata[name] = { string: value };
    // The library writes the answer to the proxy while it converts the result.
    const sent = this.worker.invoke(fn, { http }, metadata, invocationId).then(async (invocation) => {
      if (invocation.result === undefined || invocation.result === null) return false;
      await invocation.response();
      return true;
    });
    sent.catch(() => undefined); // handled below, whichever comes first
    try {
      const first = await Promise.race([answered, sent]);
      if (first === false) {
        destroy();
        return { status: 204 };
      }
      const response = first === true ? await answered : first;
      sent.catch((error: unknown) => {
        this.logger.host(
          "error",
          `Executed 'Functions.${fn.name}' (Failed): ${(error as Error)?.stack ?? error}`,
        );
        response.destroy(error as Error);
      });
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined && !PROXY_ONLY_HEADERS.has(name)) headers[name] = value;
      }
      return { status: response.statusCode ?? 500, headers, body: response };
    } catch (error) {
      destroy();
      throw error;
    }
  }
}

/**
 * Sends an invocation's request to the library's stream proxy. A kept-alive connection that the proxy
 * closed as it was being reused fails with ECONNRESET before the proxy read the request: that one is
 * sent again on another connection, as node's documentation advises (else the invocation would wait
 * for its request forever and the client get a 500).
 */
export function sendToProxy(
  proxy: URL,
  agent: Agent,
  request: HttpRequestIn,
  invocationId: string,
): { answered: Promise<IncomingMessage>; destroy(): void } {
  let current: ClientRequest | undefined;
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    const send = () => {
      const proxied = httpRequest({
        host: proxy.hostname,
        port: proxy.port,
        agent,
        method: request.method,
        path: request.url.pathname + request.url.search,
        headers: {
          "x-ms-invocation-id": invocationId,
          "x-forwarded-host": request.url.host,
          "x-forwarded-proto": request.url.protocol.replace(/:$/, ""),
          "content-length": String(request.body.length),
        },
      });
      current = proxied;
      proxied.once("response", resolve).once("error", (error: NodeJS.ErrnoException) => {
        if (proxied.reusedSocket && error.code === "ECONNRESET") send();
        else reject(error);
      });
      proxied.end(request.body);
    };
    send();
  });
  return { answered, destroy: () => current?.destroy() };
}

function toReply(out: RpcHttpData | undefined): HttpReply {
  if (!out) return { status: 204 };
  const headers: Record<string, string | string[]> = { ...(out.headers ?? {}) };
  const cookies = (out.cookies ?? []).map(formatCookie);
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const body = out.body?.bytes
    ? Buffer.from(out.body.bytes)
    : typeof out.body?.string === "string"
      ? out.body.string
      : undefined;
  return { status: out.statusCode ? Number(out.statusCode) : 200, headers, body };
}

function formatCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const seconds = cookie.expires?.value?.seconds;
  if (typeof seconds === "number") parts.push(`Expires=${new Date(seconds * 1000).toUTCString()}`);
  if (typeof cookie.maxAge?.value === "number") parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push("Secure");
  if (cookie.httpOnly?.value) parts.push("HttpOnly");
  if (cookie.sameSite === "lax") parts.push("SameSite=Lax");
  if (cookie.sameSite === "strict") parts.push("SameSite=Strict");
  if (cookie.sameSite === "explicitNone") parts.push("SameSite=None");
  return parts.join("; ");
}
