/**
 * The template language's built-in functions that need nothing but their arguments: strings,
 * numbers, logic, arrays and objects, conversions. Functions that read the deployment (parameters,
 * reference, resourceId, copyIndex, ...) and the lazy ones (if, and, or, coalesce) are in evaluate.ts.
 */
import { randomUUID } from "node:crypto";
import { DATE_FUNCTIONS } from "./dates";
import { invalid } from "./errors";
import { guid, uniqueString } from "./unique";

export type Value = unknown;
type Fn = (args: Value[]) => Value;

export function isPlainObject(value: Value): value is Record<string, Value> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function typeName(value: Value): string {
  if (value === null || value === undefined) return "Null";
  if (Array.isArray(value)) return "Array";
  if (typeof value === "number") return Number.isInteger(value) ? "Integer" : "Float";
  if (typeof value === "boolean") return "Boolean";
  if (typeof value === "string") return "String";
  return "Object";
}

function wrong(fn: string, expected: string): never {
  throw invalid(
    `The template language function '${fn}' expects ${expected}. Please see https://aka.ms/arm-functions for usage details.`,
  );
}

function arity(fn: string, args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    wrong(fn, min === max ? `${min} argument(s)` : `between ${min} and ${max} arguments`);
  }
}

function str(fn: string, value: Value): string {
  if (typeof value !== "string") wrong(fn, `a string argument, not ${typeName(value)}`);
  return value as string;
}

function int(fn: string, value: Value): number {
  if (typeof value !== "number" || !Number.isInteger(value))
    wrong(fn, `an integer argument, not ${typeName(value)}`);
  return value as number;
}

function arr(fn: string, value: Value): Value[] {
  if (!Array.isArray(value)) wrong(fn, `an array argument, not ${typeName(value)}`);
  return value as Value[];
}

/** ARM's string(): strings as they are, objects and arrays as compact JSON, booleans as True/False. */
export function stringify(value: Value): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return String(value);
  return JSON.stringify(value);
}

export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => findKey(b, k) !== undefined && deepEqual(a[k], b[findKey(b, k) as string]))
    );
  }
  return false;
}

/** Object keys are case-insensitive in ARM. */
export function findKey(object: Record<string, Value>, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(object, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
}

function sizeOf(fn: string, value: Value): number {
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  return wrong(fn, `a string, array or object, not ${typeName(value)}`);
}

function compare(fn: string, a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return wrong(fn, "two integers or two strings");
}

/** .NET composite format as format() uses it: {0}, {1:format} (the format part is ignored), {{ and }}. */
function format(args: Value[]): string {
  const pattern = str("format", args[0]);
  return pattern.replace(/\{\{|\}\}|\{(\d+)(?:,[^}:]*)?(?::[^}]*)?\}/g, (match, index?: string) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    const i = Number(index) + 1;
    if (i >= args.length)
      throw invalid(`The format string '${pattern}' refers to argument ${index}, which is missing.`);
    return stringify(args[i]);
  });
}

function union(args: Value[]): Value {
  if (args.every(Array.isArray)) {
    const out: Value[] = [];
    for (const item of (args as Value[][]).flat()) if (!out.some((o) => deepEqual(o, item))) out.push(item);
    return out;
  }
  if (!args.every(isPlainObject)) wrong("union", "all arrays or all objects");
  const merge = (a: Record<string, Value>, b: Record<string, Value>): Record<string, Value> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const existing = findKey(out, k);
      out[existing ?? k] =
        existing !== undefined && isPlainObject(out[existing]) && isPlainObject(v)
          ? merge(out[existing] as Record<string, Value>, v)
          : v;
    }
    return out;
  };
  return (args as Record<string, Value>[]).reduce(merge, {});
}

function intersection(args: Value[]): Value {
  if (args.every(Array.isArray)) {
    const [first, ...rest] = args as Value[][];
    return first.filter(
      (item, i) =>
        first.findIndex((o) => deepEqual(o, item)) === i &&
        rest.every((r) => r.some((o) => deepEqual(o, item))),
    );
  }
  if (!args.every(isPlainObject)) wrong("intersection", "all arrays or all objects");
  const [first, ...rest] = args as Record<string, Value>[];
  return Object.fromEntries(
    Object.entries(first).filter(([k, v]) =>
      rest.every((r) => findKey(r, k) !== undefined && deepEqual(r[findKey(r, k) as string], v)),
    ),
  );
}

function substring(args: Value[]): string {
  arity("substring", args, 2, 3);
  const s = str("substring", args[0]);
  const start = int("substring", args[1]);
  const length = args.length > 2 ? int("substring", args[2]) : s.length - start;
  if (start < 0 || length < 0 || start + length > s.length) {
    throw invalid(
      `The index and length parameters of 'substring' must refer to a location within the string: index ${start}, length ${length}, string length ${s.length}.`,
    );
  }
  return s.substr(start, length);
}

function toInt(value: Value): number {
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value === "string" && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
  return wrong("int", `an integer or a string of digits, not '${stringify(value)}'`);
}

function toBool(value: Value): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  return wrong("bool", `a boolean, an integer or 'true'/'false', not '${stringify(value)}'`);
}

function utcNow(args: Value[]): string {
  const at = new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const tokens: Record<string, string> = {
    yyyy: String(at.getUTCFullYear()),
    MM: pad(at.getUTCMonth() + 1),
    dd: pad(at.getUTCDate()),
    HH: pad(at.getUTCHours()),
    mm: pad(at.getUTCMinutes()),
    ss: pad(at.getUTCSeconds()),
  };
  const pattern = args.length ? str("utcNow", args[0]) : "yyyyMMddTHHmmssZ";
  if (pattern === "u")
    return at
      .toISOString()
      .replace(/\.\d+Z$/, "Z")
      .replace("T", " ");
  if (pattern === "o") return at.toISOString();
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (t) => tokens[t]);
}

function startsOrEnds(fn: string, args: Value[], test: (s: string, t: string) => boolean): boolean {
  arity(fn, args, 2);
  return test(str(fn, args[0]).toLowerCase(), str(fn, args[1]).toLowerCase());
}

export const FUNCTIONS: Record<string, Fn> = {
  // Strings
  concat: (args) =>
    args.length > 0 && Array.isArray(args[0])
      ? args.flatMap((a) => arr("concat", a))
      : args.map(stringify).join(""),
  format,
  tolower: (args) => (arity("toLower", args, 1), str("toLower", args[0]).toLowerCase()),
  toupper: (args) => (arity("toUpper", args, 1), str("toUpper", args[0]).toUpperCase()),
  trim: (args) => (arity("trim", args, 1), str("trim", args[0]).trim()),
  uniquestring: (args) => {
    if (args.length === 0) wrong("uniqueString", "at least one argument");
    return uniqueString(args.map((a) => str("uniqueString", a)));
  },
  guid: (args) => {
    if (args.length === 0) wrong("guid", "at least one argument");
    return guid(args.map((a) => str("guid", a)));
  },
  newguid: (args) => (arity("newGuid", args, 0), randomUUID()),
  utcnow: (args) => (arity("utcNow", args, 0, 1), utcNow(args)),
  substring,
  replace: (args) => (
    arity("replace", args, 3),
    str("replace", args[0]).split(str("replace", args[1])).join(str("replace", args[2]))
  ),
  split: (args) => {
    arity("split", args, 2);
    const s = str("split", args[0]);
    const delimiters = Array.isArray(args[1]) ? args[1].map((d) => str("split", d)) : [str("split", args[1])];
    return delimiters.reduce<string[]>((parts, d) => parts.flatMap((p) => p.split(d)), [s]);
  },
  startswith: (args) => startsOrEnds("startsWith", args, (s, t) => s.startsWith(t)),
  endswith: (args) => startsOrEnds("endsWith", args, (s, t) => s.endsWith(t)),
  indexof: (args) => {
    arity("indexOf", args, 2);
    if (Array.isArray(args[0])) return args[0].findIndex((v) => deepEqual(v, args[1]));
    return str("indexOf", args[0]).toLowerCase().indexOf(str("indexOf", args[1]).toLowerCase());
  },
  lastindexof: (args) => {
    arity("lastIndexOf", args, 2);
    if (Array.isArray(args[0])) return args[0].map((v) => deepEqual(v, args[1])).lastIndexOf(true);
    return str("lastIndexOf", args[0]).toLowerCase().lastIndexOf(str("lastIndexOf", args[1]).toLowerCase());
  },
  padleft: (args) => {
    arity("padLeft", args, 2, 3);
    const pad = args.length > 2 ? str("padLeft", args[2]) : " ";
    return stringify(args[0]).padStart(int("padLeft", args[1]), pad);
  },
  base64: (args) => (
    arity("base64", args, 1),
    Buffer.from(str("base64", args[0]), "utf8").toString("base64")
  ),
  base64tostring: (args) => (
    arity("base64ToString", args, 1),
    Buffer.from(str("base64ToString", args[0]), "base64").toString("utf8")
  ),
  base64tojson: (args) => (
    arity("base64ToJson", args, 1),
    JSON.parse(Buffer.from(str("base64ToJson", args[0]), "base64").toString("utf8"))
  ),
  uri: (args) => (arity("uri", args, 2), new URL(str("uri", args[1]), str("uri", args[0])).toString()),
  uricomponent: (args) => (arity("uriComponent", args, 1), encodeURIComponent(str("uriComponent", args[0]))),
  uricomponenttostring: (args) => (
    arity("uriComponentToString", args, 1),
    decodeURIComponent(str("uriComponentToString", args[0]))
  ),
  string: (args) => (arity("string", args, 1), stringify(args[0])),
  // Numbers
  int: (args) => (arity("int", args, 1), toInt(args[0])),
  add: (args) => (arity("add", args, 2), int("add", args[0]) + int("add", args[1])),
  sub: (args) => (arity("sub", args, 2), int("sub", args[0]) - int("sub", args[1])),
  mul: (args) => (arity("mul", args, 2), int("mul", args[0]) * int("mul", args[1])),
  div: (args) => {
    arity("div", args, 2);
    if (int("div", args[1]) === 0)
      throw invalid("The template language function 'div' cannot divide by zero.");
    return Math.trunc(int("div", args[0]) / (args[1] as number));
  },
  mod: (args) => {
    arity("mod", args, 2);
    if (int("mod", args[1]) === 0)
      throw invalid("The template language function 'mod' cannot divide by zero.");
    return int("mod", args[0]) % (args[1] as number);
  },
  min: (args) =>
    Math.min(...(args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map((v) => int("min", v))),
  max: (args) =>
    Math.max(...(args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map((v) => int("max", v))),
  range: (args) => (
    arity("range", args, 2),
    Array.from({ length: int("range", args[1]) }, (_, i) => int("range", args[0]) + i)
  ),
  // Logic and comparison
  equals: (args) => (arity("equals", args, 2), deepEqual(args[0], args[1])),
  not: (args) => (arity("not", args, 1), !toBool(args[0])),
  bool: (args) => (arity("bool", args, 1), toBool(args[0])),
  true: (args) => (arity("true", args, 0), true),
  false: (args) => (arity("false", args, 0), false),
  null: (args) => (arity("null", args, 0), null),
  less: (args) => (arity("less", args, 2), compare("less", args[0], args[1]) < 0),
  lessorequals: (args) => (arity("lessOrEquals", args, 2), compare("lessOrEquals", args[0], args[1]) <= 0),
  greater: (args) => (arity("greater", args, 2), compare("greater", args[0], args[1]) > 0),
  greaterorequals: (args) => (
    arity("greaterOrEquals", args, 2),
    compare("greaterOrEquals", args[0], args[1]) >= 0
  ),
  // Arrays and objects
  length: (args) => (arity("length", args, 1), sizeOf("length", args[0])),
  empty: (args) => (
    arity("empty", args, 1),
    args[0] === null || args[0] === undefined || sizeOf("empty", args[0]) === 0
  ),
  contains: (args) => {
    arity("contains", args, 2);
    const [container, item] = args;
    if (typeof container === "string") return container.includes(stringify(item));
    if (Array.isArray(container)) return container.some((v) => deepEqual(v, item));
    if (isPlainObject(container)) return findKey(container, str("contains", item)) !== undefined;
    return wrong("contains", "a string, array or object to look in");
  },
  take: (args) => {
    arity("take", args, 2);
    const n = Math.max(0, int("take", args[1]));
    if (typeof args[0] === "string" || Array.isArray(args[0])) return args[0].slice(0, n);
    return wrong("take", "a string or an array");
  },
  skip: (args) => {
    arity("skip", args, 2);
    const n = Math.max(0, int("skip", args[1]));
    if (typeof args[0] === "string" || Array.isArray(args[0])) return args[0].slice(n);
    return wrong("skip", "a string or an array");
  },
  first: (args) => {
    arity("first", args, 1);
    if (typeof args[0] === "string") return args[0].slice(0, 1);
    return arr("first", args[0])[0] ?? null;
  },
  last: (args) => {
    arity("last", args, 1);
    if (typeof args[0] === "string") return args[0].slice(-1);
    const a = arr("last", args[0]);
    return a.length ? a[a.length - 1] : null;
  },
  join: (args) => (arity("join", args, 2), arr("join", args[0]).map(stringify).join(str("join", args[1]))),
  array: (args) => (arity("array", args, 1), Array.isArray(args[0]) ? args[0] : [args[0]]),
  createarray: (args) => [...args],
  createobject: (args) => {
    if (args.length % 2 !== 0) wrong("createObject", "an even number of arguments (name, value pairs)");
    const out: Record<string, Value> = {};
    for (let i = 0; i < args.length; i += 2) out[str("createObject", args[i])] = args[i + 1];
    return out;
  },
  union,
  intersection,
  items: (args) => {
    arity("items", args, 1);
    if (!isPlainObject(args[0])) wrong("items", "an object");
    return Object.keys(args[0] as object)
      .sort((a, b) => a.localeCompare(b))
      .map((key) => ({ key, value: (args[0] as Record<string, Value>)[key] }));
  },
  shallowmerge: (args) => {
    arity("shallowMerge", args, 1);
    const list = arr("shallowMerge", args[0]);
    if (!list.every(isPlainObject)) wrong("shallowMerge", "an array of objects");
    return Object.assign({}, ...list);
  },
  datauri: (args) => (
    arity("dataUri", args, 1),
    `data:text/plain;charset=utf8;base64,${Buffer.from(stringify(args[0]), "utf8").toString("base64")}`
  ),
  datauritostring: (args) => {
    arity("dataUriToString", args, 1);
    const m = /^data:[^,]*?(;base64)?,(.*)$/s.exec(str("dataUriToString", args[0]));
    if (!m) return wrong("dataUriToString", "a data URI");
    return m[1] ? Buffer.from(m[2], "base64").toString("utf8") : decodeURIComponent(m[2]);
  },
  ...DATE_FUNCTIONS,
  json: (args) => {
    arity("json", args, 1);
    try {
      return JSON.parse(str("json", args[0]));
    } catch {
      return wrong("json", `a valid JSON string, not '${String(args[0])}'`);
    }
  },
};
