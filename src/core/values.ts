/** Helpers for JSON values: strict type checks (never coercing), equality and short descriptions for messages. */

export type ParameterType = "array" | "boolean" | "integer" | "number" | "object" | "string";

export const PARAMETER_TYPES: readonly ParameterType[] = [
  "array",
  "boolean",
  "integer",
  "number",
  "object",
  "string",
];

/**
 * ARM's secure types, as a manifest may name them (securestring, secureString, …): the type of the
 * value, which is kept sealed and never listed.
 */
export const SECURE_PARAMETER_TYPES: Readonly<Record<string, ParameterType>> = Object.freeze({
  securestring: "string",
  secureobject: "object",
});

/** The value type of a manifest's type name: itself, or the base type of a secure type. */
export function baseParameterType(type: string): string {
  return SECURE_PARAMETER_TYPES[type.toLowerCase()] ?? type;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when the value is of the parameter type. "1" is not an integer and "true" is not a boolean. */
export function matchesParameterType(value: unknown, type: ParameterType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return isPlainObject(value);
  }
}

/** "a string", "an integer", … as used in "must be <x>". */
export function describeType(type: string): string {
  switch (type) {
    case "string":
      return "a string";
    case "boolean":
      return "a boolean (true or false)";
    case "integer":
      return "an integer";
    case "number":
      return "a number";
    case "array":
      return "an array (a list)";
    case "object":
      return "an object (a mapping)";
    case "null":
      return "null";
    default:
      return type;
  }
}

/** What kind of value this is, for "found <x>" (never the value itself). */
export function describeKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return "an integer";
    return Number.isFinite(value) ? "a number" : "a non-finite number";
  }
  if (typeof value === "object") return "an object";
  if (typeof value === "boolean") return "a boolean";
  if (typeof value === "string") return "a string";
  return String(typeof value);
}

/** A short JSON rendering of a value for messages about files we own (manifests, config), never requests. */
export function showValue(value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Structural equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]))
    );
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}
