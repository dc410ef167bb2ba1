/** Validation results shared by every parser and validator of the core. */

export interface ValidationIssue {
  /** The file (or request) the issue is in, e.g. `catalog/web/environment.yaml`. */
  file: string;
  /** JSON pointer (RFC 6901) to the offending value; "" for the document root. */
  pointer: string;
  /** What is wrong and what is allowed, for a platform engineer. */
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(errors: ValidationIssue[]): Result<T> {
  return { ok: false, errors };
}

/** One line per issue: `file#/pointer: message`. */
export function formatIssues(errors: ValidationIssue[]): string {
  return errors.map((e) => `${e.file}#${e.pointer}: ${e.message}`).join("\n");
}

/** Builds a JSON pointer from path tokens, escaping `~` and `/` as RFC 6901 requires. */
export function jsonPointer(...tokens: (string | number)[]): string {
  return tokens.map((t) => "/" + String(t).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
