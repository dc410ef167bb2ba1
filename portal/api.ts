/**
 * The data-plane API as the portal calls it: relative URLs on the page's origin (the API is served
 * next to /portal, under the same route prefix), the api-version on every call, the bearer token,
 * and every failure turned into an ApiFailure whose text says what went wrong.
 */

export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
  details?: ErrorDetail[];
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

export interface Page<T> {
  value: T[];
  nextLink?: string;
}

export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** The API's root: the folder above /portal/ (so a route prefix is kept). */
function apiRoot(): URL {
  return new URL("../", document.baseURI);
}

/** A URL the API handed out (nextLink, Operation-Location) as a path on this origin. */
function sameOrigin(link: string): URL {
  const url = new URL(link, apiRoot());
  return new URL(url.pathname + url.search, location.origin);
}

export class Api {
  constructor(
    private readonly apiVersion: string,
    private readonly token: () => Promise<string>,
  ) {}

  private url(path: string | URL): URL {
    const url = path instanceof URL ? path : new URL(path, apiRoot());
    if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", this.apiVersion);
    return url;
  }

  async call<T>(
    method: string,
    path: string | URL,
    options: {
      body?: unknown;
      signal?: AbortSignal;
      contentType?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = {
      ...options.headers,
      authorization: `Bearer ${await this.token()}`,
    };
    if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        method,
        headers,
        ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiFailure(0, "NetworkError", "The service could not be reached; check that it is running.");
    }
    const text = await response.text();
    const isJson = response.headers.get("content-type")?.includes("json") ?? false;
    let body: unknown = text;
    if (isJson && text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiFailure(
          response.status,
          "InvalidResponse",
          "The service answered with JSON it could not read.",
        );
      }
    }
    if (!response.ok) throw failureOf(response, body);
    return { status: response.status, headers: response.headers, body: body as T };
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return (await this.call<T>("GET", path, { signal })).body;
  }

  /** Every item of a paged list, following nextLink. */
  async list<T>(path: string, signal?: AbortSignal): Promise<T[]> {
    const items: T[] = [];
    let next: string | URL | undefined = path;
    while (next !== undefined) {
      const page: Page<T> = (await this.call<Page<T>>("GET", next, { signal })).body;
      items.push(...page.value);
      next = page.nextLink ? sameOrigin(page.nextLink) : undefined;
    }
    return items;
  }
}

function failureOf(response: Response, body: unknown): ApiFailure {
  const error = (body as { error?: ErrorDetail } | undefined)?.error;
  if (error && typeof error.message === "string") {
    return new ApiFailure(response.status, error.code, error.message, error.target, error.details ?? []);
  }
  const reason = response.statusText || "error";
  return new ApiFailure(response.status, "HttpError", `The service answered ${response.status} ${reason}.`);
}

/** A failure in words, for the page: what failed, then the service's message and code. */
export function describeFailure(what: string, error: unknown): string {
  if (error instanceof ApiFailure) {
    const code = error.status > 0 ? ` (${error.code}, HTTP ${error.status})` : "";
    return `${what}: ${error.message}${code}`;
  }
  return `${what}: ${error instanceof Error ? error.message : String(error)}`;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/** Path segments are names the API checked; they are still encoded. */
export function path(...segments: string[]): string {
  return segments.map(encodeURIComponent).join("/");
}
