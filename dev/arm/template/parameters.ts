/**
 * Binds a template's parameters: supplied values or defaults, checked against their type, allowed
 * values and min/max bounds as ARM validates them. Secure parameters are marked so that their values
 * stay out of records and answers.
 */
import { invalid } from "./errors";
import { Value, deepEqual, isPlainObject, stringify, typeName } from "./functions";

export interface BoundParameters {
  values: Record<string, Value>;
  /** Lower-cased names of securestring and secureObject parameters. */
  secure: Set<string>;
  /** Each parameter's type as ARM reports it. */
  types: Record<string, string>;
}

const TYPES: Record<string, (v: Value) => boolean> = {
  string: (v) => typeof v === "string",
  securestring: (v) => typeof v === "string",
  int: (v) => typeof v === "number" && Number.isInteger(v),
  bool: (v) => typeof v === "boolean",
  object: isPlainObject,
  secureobject: isPlainObject,
  array: Array.isArray,
};

const SPELLING: Record<string, string> = {
  string: "String",
  securestring: "SecureString",
  int: "Int",
  bool: "Bool",
  object: "Object",
  secureobject: "SecureObject",
  array: "Array",
};

/** A type as ARM reports it on parameters and outputs ("string" → "String"). */
export function typeSpelling(type: string): string {
  return SPELLING[type.toLowerCase()] ?? type;
}

function describe(name: string, secure: boolean, value: Value): string {
  return secure
    ? `for the secure template parameter '${name}'`
    : `'${stringify(value)}' for the template parameter '${name}'`;
}

/** Checks one value against its definition (the value of a secure parameter never appears in a message). */
function check(name: string, definition: Record<string, Value>, value: Value, secure: boolean): void {
  const type = String(definition.type).toLowerCase();
  if (!TYPES[type](value)) {
    throw invalid(
      `Template parameter '${name}' has a value of type '${typeName(value)}'; the template expects '${definition.type}'.`,
    );
  }
  const allowed = definition.allowedValues;
  if (Array.isArray(allowed)) {
    const ok = Array.isArray(value)
      ? value.every((v) => allowed.some((a) => deepEqual(a, v)))
      : allowed.some((a) => deepEqual(a, value));
    if (!ok) {
      throw invalid(
        `The provided value ${describe(name, secure, value)} is not valid. The value is not part of the allowed value(s): '${allowed.map(stringify).join(",")}'.`,
      );
    }
  }
  const bound = (key: string) =>
    typeof definition[key] === "number" ? (definition[key] as number) : undefined;
  if (typeof value === "number") {
    const min = bound("minValue");
    const max = bound("maxValue");
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      throw invalid(
        `The provided value ${describe(name, secure, value)} is not valid: it must be between ${min ?? "-∞"} and ${max ?? "∞"}.`,
      );
    }
  }
  if (typeof value === "string" || Array.isArray(value)) {
    const min = bound("minLength");
    const max = bound("maxLength");
    if ((min !== undefined && value.length < min) || (max !== undefined && value.length > max)) {
      throw invalid(
        `The provided value ${describe(name, secure, value)} is not valid: its length must be between ${min ?? 0} and ${max ?? "∞"}.`,
      );
    }
  }
}

/**
 * `evaluateDefault` evaluates a default value (it may use other parameters, resolved in order of
 * need through `parameter`).
 */
export function bindParameters(
  definitions: Value,
  supplied: Value,
  evaluateDefault: (value: Value, parameter: (name: string) => Value) => Value,
): BoundParameters {
  const defs = definitions === undefined ? {} : definitions;
  if (!isPlainObject(defs)) throw invalid("The template's 'parameters' must be an object.");
  const given = supplied === undefined || supplied === null ? {} : supplied;
  if (!isPlainObject(given)) throw invalid("The deployment's 'parameters' must be an object.");
  const byLower = new Map(Object.keys(defs).map((k) => [k.toLowerCase(), k]));
  const extra = Object.keys(given).filter((k) => !byLower.has(k.toLowerCase()));
  if (extra.length) {
    throw invalid(
      `The template parameters '${extra.join(", ")}' are not valid; they are not present in the original template and can therefore not be provided at deployment time.`,
    );
  }
  const suppliedByLower = new Map(Object.entries(given).map(([k, v]) => [k.toLowerCase(), v]));
  const secure = new Set<string>();
  const types: Record<string, string> = {};
  for (const [name, definition] of Object.entries(defs)) {
    if (!isPlainObject(definition)) throw invalid(`The template parameter '${name}' must be an object.`);
    if ("$ref" in definition)
      throw invalid(
        `The template parameter '${name}' uses a user-defined type ($ref), which the ARM emulator does not support.`,
      );
    const type = typeof definition.type === "string" ? definition.type.toLowerCase() : "";
    if (!TYPES[type])
      throw invalid(
        `The template parameter '${name}' has type '${stringify(definition.type)}', which is not valid.`,
      );
    if (type.startsWith("secure")) secure.add(name.toLowerCase());
    types[name] = typeSpelling(type);
  }
  const values: Record<string, Value> = {};
  const resolving = new Set<string>();
  const parameter = (wanted: string): Value => {
    const name = byLower.get(wanted.toLowerCase());
    if (name === undefined) throw invalid(`The template parameter '${wanted}' is not found.`);
    if (name in values) return values[name];
    if (resolving.has(name))
      throw invalid(`The default value of the template parameter '${name}' refers to itself.`);
    resolving.add(name);
    const definition = defs[name] as Record<string, Value>;
    const entry = suppliedByLower.get(name.toLowerCase());
    let value: Value;
    if (entry !== undefined) {
      if (!isPlainObject(entry))
        throw invalid(`The value of the template parameter '${name}' must be an object with a 'value'.`);
      if ("reference" in entry) {
        throw invalid(
          `The template parameter '${name}' is a Key Vault reference, which the ARM emulator cannot resolve.`,
        );
      }
      value = entry.value;
    }
    if (value === undefined) {
      if (!("defaultValue" in definition))
        throw invalid(`The value for the template parameter '${name}' is not provided.`);
      value = evaluateDefault(definition.defaultValue, parameter);
    }
    check(name, definition, value, secure.has(name.toLowerCase()));
    values[name] = value;
    resolving.delete(name);
    return value;
  };
  for (const name of Object.keys(defs)) parameter(name);
  return { values, secure, types };
}
