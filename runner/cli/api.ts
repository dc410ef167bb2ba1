/** The runner API as the CLI calls it: one method per route, errors mapped to exit-code names. */
import { request as httpRequest } from "node:http";
import type { EnvironmentOutputs } from "../../src/runner-protocol/outputs";
import type {
  OperationContext,
  OperationResultBody,
  RunnerFinishedBody,
} from "../../src/runner-protocol/protocol";
import { CliError, isExitCodeName } from "./errors";
import type { ApiSettings } from "./settings";

const REQUEST_TIMEOUT_MS = 300_000;
/**
 * A request that failed on the way (network, 5xx, 429) is retried after 250 ms, then twice as long
 * each time up to 30 s, until the operation's deadline: a control plane that restarts or is briefly
 * down must not fail an operation that can still finish. Without a deadline: three retries.
 */
const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 30_000;
const RETRIES_WITHOUT_DEADLINE = 3;
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

interface RequestOptions {
  body?: Uint8Array | string;
  contentType?: string;
  query?: Record<string, string>;
  /** False: one attempt (the log pump retries on its own terms). */
  retry?: boolean;
}

export class RunnerApi {
  constructor(private readonly settings: ApiSettings) {}

  async context(): Promise<OperationContext> {
    return (await this.request("GET", "")).json() as OperationContext;
  }

  async definitionContent(): Promise<Uint8Array> {
    return (await this.request("GET", "/definition/content")).body;
  }

  async listFiles(): Promise<string[]> {
    return (await this.request("GET", "/files")).json() as string[];
  }

  async downloadFile(name: string): Promise<Uint8Array> {
    return (await this.request("GET", `/files/${encodeURIComponent(name)}`)).body;
  }

  async uploadFile(name: string, data: Uint8Array): Promise<void> {
    await this.request("PUT", `/files/${encodeURIComponent(name)}`, {
      body: data,
      contentType: "application/octet-stream",
    });
  }

  /** `retry: false` for the log pump, which retries on its own terms. */
  async appendLog(text: string, options: { file?: string; retry?: boolean } = {}): Promise<void> {
    await this.request("POST", "/logs", {
      body: text,
      contentType: "text/plain; charset=utf-8",
      query: options.file ? { file: options.file } : undefined,
      retry: options.retry,
    });
  }

  async uploadOutputs(outputs: EnvironmentOutputs): Promise<void> {
    await this.request("PUT", "/outputs", { body: JSON.stringify(outputs), contentType: "application/json" });
  }

  async setResult(result: OperationResultBody): Promise<void> {
    await this.request("PUT", "/result", { body: JSON.stringify(result), contentType: "application/json" });
  }

  async finished(body: RunnerFinishedBody): Promise<void> {
    await this.request("POST", "/finished", { body: JSON.stringify(body), contentType: "application/json" });
  }

  private async request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const url = new URL(
      `${this.settings.endpoint}/operations/${encodeURIComponent(this.settings.operationId)}${path}`,
    );
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { authorization: `Bearer ${this.settings.token}` };
    if (options.contentType) headers["content-type"] = options.contentType;
    const { deadline } = this.settings;
    let delay = FIRST_RETRY_DELAY_MS;
    for (let attempt = 0; ; attempt++) {
      const timeout =
        deadline === undefined ? REQUEST_TIMEOUT_MS : Math.min(REQUEST_TIMEOUT_MS, deadline - Date.now());
      try {
        return await sendOnce(url, method, headers, options.body, Math.max(timeout, 1000));
      } catch (error) {
        if (!(error instanceof CliError) || !error.retryable || options.retry === false) throw error;
        const wait = deadline === undefined ? delay : Math.min(delay, deadline - Date.now());
        const retriesLeft = deadline === undefined ? attempt < RETRIES_WITHOUT_DEADLINE : wait > 0;
        if (!retriesLeft) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
        delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
      }
    }
  }
}

interface Reply {
  status: number;
  body: Buffer;
  json(): unknown;
}

/**
 * One request with node:http(s) (not fetch: loading undici costs a short-lived CLI process more
 * than the request itself; node:https, with TLS, is loaded only for an https endpoint). Non-2xx
 * answers become CliErrors.
 */
async function sendOnce(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Uint8Array | string | undefined,
  timeoutMs: number,
): Promise<Reply> {
  const payload =
    body === undefined ? undefined : typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const client = url.protocol === "https:" ? (await import("node:https")).request : httpRequest;
  const sentHeaders = payload ? { ...headers, "content-length": String(payload.length) } : headers;
  return new Promise<Reply>((resolve, reject) => {
    const request = client(url, { method, headers: sentHeaders, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.once("error", reject);
      response.once("end", () => {
        const status = response.statusCode ?? 0;
        const data = Buffer.concat(chunks);
        if (status >= 200 && status < 300) {
          resolve({ status, body: data, json: () => JSON.parse(data.toString("utf8")) });
        } else {
          reject(responseError(method, url, status, response.statusMessage ?? "", data.toString("utf8")));
        }
      });
    });
    request.once("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.once("error", (error) =>
      reject(new CliError("RequestFailed", `${method} ${url.pathname} failed: ${error.message}.`, true)),
    );
    request.end(payload);
  });
}

/** The Azure.Core error body as a CliError: ADE code names keep their exit code, others are RequestFailed. */
function responseError(method: string, url: URL, status: number, statusText: string, text: string): CliError {
  let code: unknown;
  let message: unknown;
  try {
    ({ code, message } = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error ?? {});
  } catch {
    // Not an Azure.Core error body (a proxy's page, say): report the status.
  }
  const detail = typeof message === "string" && message ? message : `${status} ${statusText}`;
  return new CliError(
    isExitCodeName(code) ? code : "RequestFailed",
    `${method} ${url.pathname}: ${detail}`,
    RETRYABLE_STATUS.has(status),
  );
}
