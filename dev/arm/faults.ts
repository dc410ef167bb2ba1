/**
 * Fault injection for ARM requests: added latency, throttling (429 with Retry-After and
 * retry-after-ms) and server errors at a rate, and named operations that fail. Random choices come
 * from a seeded generator so a test can repeat a run exactly.
 */

export interface OperationFailure {
  /** HTTP method, or "*" for any. */
  method: string;
  /** Regular expression matched (case-insensitively) against the normalized request path. */
  path: string;
  status: number;
  code: string;
  message?: string;
  /** Fail only the first N matching requests (all of them when omitted). */
  count?: number;
}

export interface FaultSettings {
  /** Added to every ARM request. */
  latencyMs?: number;
  /** Share (0..1) of requests answered 429 TooManyRequests. */
  throttleRate?: number;
  /** Share (0..1) of requests answered with `errorStatus` (default 503). */
  errorRate?: number;
  errorStatus?: number;
  /** Wait asked of clients by 429/503 answers (default 50 ms). */
  retryAfterMs?: number;
  failures?: OperationFailure[];
  /** Seed of the random generator (default: time-based). */
  seed?: number;
}

export interface InjectedCounts {
  failures: number;
  throttled: number;
  errors: number;
}

export interface FaultReply {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

function isRate(value: unknown): boolean {
  return value === undefined || (typeof value === "number" && value >= 0 && value <= 1);
}

function isNonNegative(value: unknown): boolean {
  return value === undefined || (typeof value === "number" && Number.isFinite(value) && value >= 0);
}

/** Checks settings from JSON (the admin endpoint, a setting); throws a message saying what is wrong. */
export function parseFaults(input: unknown): FaultSettings {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new Error("Fault settings must be a JSON object.");
  }
  const f = input as Record<string, unknown>;
  const known = ["latencyMs", "throttleRate", "errorRate", "errorStatus", "retryAfterMs", "failures", "seed"];
  const unknown = Object.keys(f).filter((k) => !known.includes(k));
  if (unknown.length)
    throw new Error(`Unknown fault settings: ${unknown.join(", ")} (known: ${known.join(", ")}).`);
  if (!isNonNegative(f.latencyMs) || !isNonNegative(f.retryAfterMs) || !isNonNegative(f.seed)) {
    throw new Error("latencyMs, retryAfterMs and seed must be non-negative numbers.");
  }
  if (!isRate(f.throttleRate) || !isRate(f.errorRate))
    throw new Error("throttleRate and errorRate must be in 0..1.");
  if (
    f.errorStatus !== undefined &&
    !(typeof f.errorStatus === "number" && f.errorStatus >= 500 && f.errorStatus < 600)
  ) {
    throw new Error("errorStatus must be a 5xx status.");
  }
  if (f.failures !== undefined) {
    if (!Array.isArray(f.failures)) throw new Error("failures must be an array.");
    for (const failure of f.failures as Record<string, unknown>[]) {
      const ok =
        typeof failure === "object" &&
        failure !== null &&
        typeof failure.method === "string" &&
        typeof failure.path === "string" &&
        typeof failure.status === "number" &&
        typeof failure.code === "string" &&
        (failure.message === undefined || typeof failure.message === "string") &&
        isNonNegative(failure.count);
      if (!ok)
        throw new Error(
          "Each failure needs method, path (regex), status and code; message and count are optional.",
        );
      try {
        new RegExp(failure.path as string, "i");
      } catch {
        throw new Error(`Failure path ${JSON.stringify(failure.path)} is not a valid regular expression.`);
      }
    }
  }
  return f as FaultSettings;
}

/** mulberry32: small, fast, good enough for fault dice. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private settings: FaultSettings = {};
  private remaining: (number | undefined)[] = [];
  private random: () => number = Math.random;
  private injected: InjectedCounts = { failures: 0, throttled: 0, errors: 0 };

  constructor(settings: FaultSettings = {}) {
    this.set(settings);
  }

  set(settings: FaultSettings): void {
    this.settings = settings;
    this.remaining = (settings.failures ?? []).map((f) => f.count);
    this.random = seededRandom(settings.seed ?? Date.now());
    this.injected = { failures: 0, throttled: 0, errors: 0 };
  }

  /** The settings, how many of each named failure are left, and how many faults were injected. */
  get(): FaultSettings & { remaining: (number | undefined)[]; injected: InjectedCounts } {
    return { ...this.settings, remaining: [...this.remaining], injected: { ...this.injected } };
  }

  get latencyMs(): number {
    return this.settings.latencyMs ?? 0;
  }

  /** The fault to answer this request with, if any. */
  decide(method: string, path: string): FaultReply | undefined {
    const named = this.decideNamed(method, path);
    if (named) return named;
    if (this.settings.throttleRate && this.random() < this.settings.throttleRate) {
      this.injected.throttled++;
      return {
        status: 429,
        code: "TooManyRequests",
        message: "Injected throttling: too many requests.",
        headers: this.retryHeaders(429),
      };
    }
    if (this.settings.errorRate && this.random() < this.settings.errorRate) {
      this.injected.errors++;
      const status = this.settings.errorStatus ?? 503;
      return {
        status,
        code: status === 503 ? "ServiceUnavailable" : "InternalServerError",
        message: "Injected server error.",
        headers: this.retryHeaders(status),
      };
    }
    return undefined;
  }

  /**
   * A named failure for this request, if any. Template deployments ask it for each resource they
   * write (as PUT of the resource id), so a failure can target one resource of a deployment.
   */
  decideNamed(method: string, path: string): FaultReply | undefined {
    const failures = this.settings.failures ?? [];
    for (let i = 0; i < failures.length; i++) {
      const f = failures[i];
      if (f.method !== "*" && f.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!new RegExp(f.path, "i").test(path)) continue;
      const left = this.remaining[i];
      if (left !== undefined) {
        if (left <= 0) continue;
        this.remaining[i] = left - 1;
      }
      this.injected.failures++;
      return {
        status: f.status,
        code: f.code,
        message: f.message ?? `Injected failure of ${method} ${path}.`,
        headers: this.retryHeaders(f.status),
      };
    }
    return undefined;
  }

  private retryHeaders(status: number): Record<string, string> {
    if (status !== 429 && status !== 503) return {};
    const ms = this.settings.retryAfterMs ?? 50;
    return { "retry-after": String(Math.max(1, Math.ceil(ms / 1000))), "retry-after-ms": String(ms) };
  }
}
