/**
 * ASP.NET-style route templates as the Functions host accepts them: literal segments (matched
 * case-insensitively), {name}, {name?}, {name=default}, {*rest} / {**rest}, inline constraints
 * ({id:int}, {name:alpha:minlength(2)}, {v:regex(^a+$)}) and several parameters in one segment
 * ({file}.{ext}). Pure: no I/O.
 */

interface Parameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Constraint[];
}

type Constraint = (value: string) => boolean;

type Part = { literal: string } | { param: Parameter };

export interface CompiledRoute {
  template: string;
  /** Lower sorts first: literal segments beat parameters, constrained beat free, catch-all last. */
  precedence: number[];
  match(path: string): Record<string, string> | undefined;
}

export class RouteTemplateError extends Error {
  constructor(template: string, reason: string) {
    super(`Invalid route template "${template}": ${reason}`);
    this.name = "RouteTemplateError";
  }
}

const constraintFactories: Record<string, (args: string[]) => Constraint> = {
  int: () => (v) => /^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)) && Math.abs(Number(v)) <= 2 ** 31,
  long: () => (v) => /^-?\d+$/.test(v),
  bool: () => (v) => /^(true|false)$/i.test(v),
  guid: () => (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v),
  alpha: () => (v) => /^[a-z]+$/i.test(v),
  decimal: () => isNumber,
  double: () => isNumber,
  float: () => isNumber,
  datetime: () => (v) => !Number.isNaN(Date.parse(v)),
  min:
    ([n]) =>
    (v) =>
      isNumber(v) && Number(v) >= Number(n),
  max:
    ([n]) =>
    (v) =>
      isNumber(v) && Number(v) <= Number(n),
  range:
    ([a, b]) =>
    (v) =>
      isNumber(v) && Number(v) >= Number(a) && Number(v) <= Number(b),
  length:
    ([a, b]) =>
    (v) =>
      b === undefined ? v.length === Number(a) : v.length >= Number(a) && v.length <= Number(b),
  minlength:
    ([n]) =>
    (v) =>
      v.length >= Number(n),
  maxlength:
    ([n]) =>
    (v) =>
      v.length <= Number(n),
  regex: ([pattern]) => {
    const re = new RegExp(pattern, "i");
    return (v) => re.test(v);
  },
};

function isNumber(v: string): boolean {
  return v.trim() !== "" && Number.isFinite(Number(v));
}

/** Splits "name:int:range(1,5)" at colons that are not inside parentheses. */
function splitConstraints(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of body) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === ":" && depth === 0) {
      out.push(current);
      current = "";
    } else current += char;
  }
  out.push(current);
  return out;
}

function parseParameter(template: string, body: string): Parameter {
  let text = body;
  let catchAll = false;
  if (text.startsWith("**")) {
    catchAll = true;
    text = text.slice(2);
  } else if (text.startsWith("*")) {
    catchAll = true;
    text = text.slice(1);
  }
  let defaultValue: string | undefined;
  const eq = text.indexOf("=");
  if (eq >= 0 && !text.slice(0, eq).includes("(")) {
    defaultValue = text.slice(eq + 1);
    text = text.slice(0, eq);
  }
  let optional = false;
  if (text.endsWith("?")) {
    optional = true;
    text = text.slice(0, -1);
  }
  const [name, ...constraintTexts] = splitConstraints(text);
  if (!/^[A-Za-z_][\w-]*$/.test(name)) throw new RouteTemplateError(template, `bad parameter name "${name}"`);
  const constraints = constraintTexts.map((c) => {
    const m = /^(\w+)(?:\((.*)\))?$/s.exec(c);
    const factory = m && constraintFactories[m[1].toLowerCase()];
    if (!m || !factory) throw new RouteTemplateError(template, `unknown constraint "${c}"`);
    const args = m[1].toLowerCase() === "regex" ? [m[2] ?? ""] : (m[2] ?? "").split(",").map((a) => a.trim());
    return factory(args);
  });
  return {
    name,
    optional: optional || catchAll || defaultValue !== undefined,
    catchAll,
    defaultValue,
    constraints,
  };
}

function parseSegment(template: string, segment: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < segment.length) {
    if (segment[i] === "{") {
      let depth = 0;
      let j = i;
      for (; j < segment.length; j++) {
        if (segment[j] === "{") depth++;
        if (segment[j] === "}" && --depth === 0) break;
      }
      if (j >= segment.length) throw new RouteTemplateError(template, "unbalanced braces");
      parts.push({ param: parseParameter(template, segment.slice(i + 1, j)) });
      i = j + 1;
    } else {
      const next = segment.indexOf("{", i);
      const end = next < 0 ? segment.length : next;
      parts.push({ literal: segment.slice(i, end) });
      i = end;
    }
  }
  return parts;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, "");
  const segments = trimmed === "" ? [] : trimmed.split("/").map((s) => parseSegment(template, s));
  const params: Parameter[] = [];
  const precedence: number[] = [];
  let source = "";
  segments.forEach((parts, index) => {
    const last = index === segments.length - 1;
    const single = parts.length === 1 && "param" in parts[0] ? parts[0].param : undefined;
    if (single) {
      if (single.catchAll && !last)
        throw new RouteTemplateError(template, "a catch-all parameter must be last");
      params.push(single);
      precedence.push(single.catchAll ? 5 : single.constraints.length > 0 ? 3 : 4);
      const body = single.catchAll ? "(.*)" : "([^/]+)";
      source += single.optional ? `(?:/${body})?` : `/${body}`;
      return;
    }
    let segmentSource = "";
    for (const part of parts) {
      if ("literal" in part) segmentSource += escapeRegExp(part.literal);
      else {
        if (part.param.catchAll)
          throw new RouteTemplateError(template, "a catch-all parameter must be a whole segment");
        params.push(part.param);
        segmentSource += part.param.optional ? "([^/]*?)" : "([^/]+?)";
      }
    }
    precedence.push(parts.length === 1 ? 1 : 2);
    source += `/${segmentSource}`;
  });
  const regex = new RegExp(`^${source}/?$`, "i");
  return {
    template,
    precedence,
    match(path: string) {
      const m = regex.exec(path === "" ? "/" : path.startsWith("/") ? path : `/${path}`);
      if (!m) return undefined;
      const values: Record<string, string> = {};
      for (let i = 0; i < params.length; i++) {
        const raw = m[i + 1];
        const param = params[i];
        if (raw === undefined || raw === "") {
          if (!param.optional) return undefined;
          if (param.defaultValue !== undefined) values[param.name] = param.defaultValue;
          continue;
        }
        let value: string;
        try {
          value = decodeURIComponent(raw);
        } catch {
          return undefined;
        }
        if (!param.constraints.every((check) => check(value))) return undefined;
        values[param.name] = value;
      }
      return values;
    },
  };
}

/** Orders routes as the host tries them: by precedence digit by digit, then longer templates first. */
export function comparePrecedence(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    const pa = a.precedence[i] ?? 0;
    const pb = b.precedence[i] ?? 0;
    if (pa !== pb) return pa - pb;
  }
  return 0;
}
