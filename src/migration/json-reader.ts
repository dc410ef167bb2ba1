/**
 * Read-only JSON over HTTPS with a bearer token, through @azure/core-rest-pipeline (retries,
 * throttling and the token policy of the Azure SDKs). The migration reads ADE's management plane and
 * data plane with it; it never writes to either.
 */
import type { TokenCredential } from "@azure/identity";
import {
  bearerTokenAuthenticationPolicy,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  createDefaultHttpClient,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import { isLoopbackHost } from "../config";

export class ReadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ReadError";
  }
}

export interface JsonReaderOptions {
  /** Base URL, e.g. https://management.azure.com or a dev center's data-plane URI. */
  endpoint: string;
  credential: TokenCredential;
  scope: string;
  /** Extra PEM certificates to trust (a local endpoint's CA). */
  ca?: string;
}

export interface JsonReader {
  /** The JSON at the path; ReadError for any answer but 200. */
  get(path: string, apiVersion: string): Promise<Record<string, unknown>>;
  /** Every item of a paged list (`value` + `nextLink`). */
  list(path: string, apiVersion: string): Promise<Record<string, unknown>[]>;
}

function errorOf(status: number, body: string, url: string): ReadError {
  let code = `Http${status}`;
  let message = body.slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error?.code) code = parsed.error.code;
    if (parsed.error?.message) message = parsed.error.message;
  } catch {
    // Not JSON: keep the text.
  }
  const where = new URL(url);
  return new ReadError(status, code, `GET ${where.pathname} answered ${status} ${code}: ${message}`);
}

export function createJsonReader(options: JsonReaderOptions): JsonReader {
  const pipeline: Pipeline = createPipelineFromOptions({
    ...(options.ca && { tlsOptions: { ca: options.ca } }),
  });
  const base = new URL(options.endpoint);
  if (base.protocol === "http:" && isLoopbackHost(base.hostname)) {
    // The SDK's bearer policy refuses plain http; a local stand-in for ADE on loopback is served that way.
    pipeline.addPolicy({
      name: "loopbackBearerToken",
      async sendRequest(request, next) {
        const token = await options.credential.getToken(options.scope);
        if (token) request.headers.set("authorization", `Bearer ${token.token}`);
        request.allowInsecureConnection = true;
        return next(request);
      },
    });
  } else if (base.protocol === "https:") {
    pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({ credential: options.credential, scopes: options.scope }),
    );
  } else {
    throw new Error(`${options.endpoint}: must be an https URL (plain http only on loopback).`);
  }
  const httpClient = createDefaultHttpClient();

  async function fetchJson(url: string): Promise<Record<string, unknown>> {
    const request = createPipelineRequest({
      url,
      method: "GET",
      headers: createHttpHeaders({ accept: "application/json" }),
    });
    const response = await pipeline.sendRequest(httpClient, request);
    const body = response.bodyAsText ?? "";
    if (response.status !== 200) throw errorOf(response.status, body, url);
    return JSON.parse(body) as Record<string, unknown>;
  }

  function urlOf(path: string, apiVersion: string): string {
    const url = new URL(path.replace(/^\/+/, "/"), options.endpoint);
    url.searchParams.set("api-version", apiVersion);
    return url.toString();
  }

  return {
    get: (path, apiVersion) => fetchJson(urlOf(path, apiVersion)),
    async list(path, apiVersion) {
      const items: Record<string, unknown>[] = [];
      let next: string | undefined = urlOf(path, apiVersion);
      while (next) {
        const page = await fetchJson(next);
        if (Array.isArray(page.value)) items.push(...(page.value as Record<string, unknown>[]));
        next = typeof page.nextLink === "string" && page.nextLink ? page.nextLink : undefined;
      }
      return items;
    },
  };
}
