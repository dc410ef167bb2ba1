/**
 * `Range: bytes=…` requests (RFC 9110 §14): which bytes of a representation of `size` bytes to send.
 * One range only; a header this does not understand (another unit, several ranges, bad syntax) is
 * ignored and the whole is sent, as the RFC allows. Pure.
 */

export type RangeAnswer =
  | { kind: "whole" }
  /** Bytes [start, end): answer 206 with Content-Range. */
  | { kind: "part"; start: number; end: number }
  /** Answer 416 with `Content-Range: bytes *\/size`. */
  | { kind: "unsatisfiable" };

const SINGLE_RANGE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

export function resolveRange(header: string | null | undefined, size: number): RangeAnswer {
  const match = SINGLE_RANGE.exec(header ?? "");
  if (!match) return { kind: "whole" };
  const [first, last] = [match[1], match[2]].map((digits) => (digits === "" ? undefined : Number(digits)));
  if ([first, last].some((n) => n !== undefined && !Number.isSafeInteger(n))) return { kind: "whole" };
  if (first === undefined) {
    // bytes=-N: the last N bytes (a tail).
    if (last === undefined) return { kind: "whole" };
    if (last === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "part", start: Math.max(0, size - last), end: size };
  }
  if (last !== undefined && last < first) return { kind: "whole" };
  if (first >= size) return { kind: "unsatisfiable" };
  return { kind: "part", start: first, end: last === undefined ? size : Math.min(last + 1, size) };
}

/** The Content-Range of a part, e.g. `bytes 0-99/1000` (last byte inclusive). */
export function contentRange(start: number, end: number, size: number): string {
  return `bytes ${start}-${end - 1}/${size}`;
}
