/**
 * What every port shares: JSON values and the base of the typed errors ports throw, so callers never
 * see SDK error types. Pure types, no I/O.
 */

/** A JSON-serializable object (what a record holds). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Base of the typed errors the ports throw; `code` is stable, `message` is for people. */
export class PortError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
