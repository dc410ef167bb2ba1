/** The runner API as the CLI calls it: one method per route, errors mapped to exit-code names. */
import type { EnvironmentOutputs } from "../../src/runner-api/outputs";
import type {
  OperationContext,
  OperationResultBody,
  RunnerFinishedBody,
} from "../../src/runner-api/protocol";
import { CliError, isExitCodeName } from "./errors";
import type { ApiSettings } from "./settings";

const REQUEST_TIMEOUT_MS = 300_000;
/** Delays before the retries of a request that failed on the way (network, 5xx, 429). */
const RETRY_DELAYS_MS = [250, 1000, 4000];
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
    return (await this.request("GET", "")).json() as Promise<OperationContext>;
  }

  async definitionContent(): Promise<Uint8Array> {
    return bytes(await this.request("GET", "/definition/content"));
  }

  async listFiles(): Promise<string[]> {
    return (await this.request("GET", "/files")).json() as Promise<string[]>;
  }

  async downloadFile(name: string): Promise<Uint8Array> {
    return bytes(await this.request("GET", `/files/${encodeURIComponent(name)}`));
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

  private async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(
      `${this.settings.endpoint}/operations/${encodeURIComponent(this.settings.operationId)}${path}`,
    );
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { authorization: `Bearer ${this.settings.token}` };
    if (options.contentType) headers["content-type"] = options.contentType;
    const delays = options.retry === false ? [] : RETRY_DELAYS_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send(url, method, headers, options.body);
      } catch (error) {
        if (!(error instanceof CliError) || !error.retryable || attempt >= delays.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
      }
    }
  }

  private async send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | string | undefined,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : "";
      throw new CliError(
        "RequestFailed",
        `${method} ${url.pathname} failed: ${reason || "no answer"}.`,
        true,
      );
    }
    if (response.ok) return response;
    throw await responseError(method, url, response);
  }
}

async function bytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** The Azure.Core error body as a CliError: ADE code names keep their exit code, others are RequestFailed. */
async function responseError(method: string, url: URL, response: Response): Promise<CliError> {
  const text = await response.text();
  let code: unknown;
  let message: unknown;
  try {
    ({ code, message } = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error ?? {});
  } catch {
    // Not an Azure.Core error body (a proxy's page, say): report the status.
  }
  const detail =
    typeof message === "string" && message ? message : `${response.status} ${response.statusText}`;
  return new CliError(
    isExitCodeName(code) ? code : "RequestFailed",
    `${method} ${url.pathname}: ${detail}`,
    RETRYABLE_STATUS.has(response.status),
  );
}
