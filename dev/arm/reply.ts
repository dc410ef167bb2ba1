/** What every resource provider of the emulator shares: the request and answer shapes and ARM's errors. */

export interface ArmRequest {
  method: string;
  /** Normalized path: single slashes, no trailing slash; case as sent. */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An ARM error answer: {error:{code,message,details?}}. */
export class ArmHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
  }
}

/** A long-running operation as its status URL reports it. */
export interface AsyncOperation {
  status: "InProgress" | "Running" | "Succeeded" | "Failed";
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string; details?: unknown[] };
}

export function notFound(code: string, message: string): ArmHttpError {
  return new ArmHttpError(404, code, message);
}

export function badRequest(code: string, message: string): ArmHttpError {
  return new ArmHttpError(400, code, message);
}

export function methodNotAllowed(method: string, path: string): ArmHttpError {
  return new ArmHttpError(405, "MethodNotAllowed", `The ARM emulator does not support ${method} ${path}.`);
}

export function decode(segment: string): string {
  return decodeURIComponent(segment);
}

export function now(): string {
  return new Date().toISOString();
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

/** True when `outer` is `inner` or one of its ancestors. */
export function isAtOrAbove(outer: string, inner: string): boolean {
  const o = outer.toLowerCase().replace(/\/$/, "");
  const i = inner.toLowerCase();
  return o === "" || i === o || i.startsWith(`${o}/`);
}
