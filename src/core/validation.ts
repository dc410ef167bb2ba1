/**
 * YAML parsing and JSON Schema validation with messages a platform engineer can act on.
 * ajv checks the structure; its errors are rewritten here as "what is wrong, what is allowed".
 */

import Ajv, { type ErrorObject } from "ajv";
import yaml from "js-yaml";
import { fail, jsonPointer, ok, type Result, type ValidationIssue } from "./result";
import { describeKind, describeType, showValue } from "./values";

/**
 * Parses one YAML document. The JSON schema of js-yaml only produces JSON values (no dates, no
 * merge keys, no custom tags), and duplicate keys are errors.
 */
export function parseYaml(text: string, file: string): Result<unknown> {
  try {
    const value = yaml.load(text, { schema: yaml.JSON_SCHEMA, filename: file });
    if (!withinNodeBudget(value, MAX_YAML_VALUES)) {
      return fail([
        {
          file,
          pointer: "",
          message: `the document has more than ${MAX_YAML_VALUES} values (counting each use of a YAML alias)`,
        },
      ]);
    }
    return ok(value);
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : "";
      return fail([{ file, pointer: "", message: `YAML syntax error${where}: ${e.reason}` }]);
    }
    throw e;
  }
}

/**
 * YAML aliases share one value between many places, so a small file can stand for a huge tree
 * ("billion laughs") that would explode when validated or serialized. Manifests and configs are small.
 */
export const MAX_YAML_VALUES = 100_000;

function withinNodeBudget(root: unknown, budget: number): boolean {
  const pending: unknown[] = [root];
  let visited = 0;
  while (pending.length > 0) {
    const value = pending.pop();
    if (++visited > budget) return false;
    if (value !== null && typeof value === "object") {
      for (const child of Object.values(value)) pending.push(child);
    }
  }
  return true;
}

/**
 * Schemas may carry an `x-message` annotation: the message to show (followed by the value found)
 * when any keyword of that schema fails, e.g. for patterns that mean nothing to a reader.
 */
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictNumbers: true });
ajv.addKeyword("x-message");

export type SchemaValidator = (data: unknown, file: string) => ValidationIssue[];

export function compileSchema(schema: object): SchemaValidator {
  const validate = ajv.compile(schema);
  return (data, file) => {
    if (validate(data)) return [];
    return (validate.errors ?? []).map((error) => toIssue(error, file));
  };
}

type SchemaNode = { properties?: Record<string, { description?: string }>; "x-message"?: string };

function toIssue(error: ErrorObject, file: string): ValidationIssue {
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const at = error.instancePath;
  const found = `; found ${showFound(error.data)}`;
  switch (error.keyword) {
    case "required": {
      const name = String(error.params.missingProperty);
      const description = parent.properties?.[name]?.description;
      return {
        file,
        pointer: at + jsonPointer(name),
        message: `"${name}" is required${description ? ` (${description})` : ""}`,
      };
    }
    case "additionalProperties": {
      const name = String(error.params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const guess = closest(name, allowed);
      return {
        file,
        pointer: at + jsonPointer(name),
        message:
          `unknown field "${name}"${guess ? ` (did you mean "${guess}"?)` : ""}; ` +
          `allowed fields here: ${allowed.join(", ")}`,
      };
    }
    case "uniqueItems": {
      // Point at the later of the two equal items (ajv's i and j come in either order).
      const [first, repeat] = [Number(error.params.i), Number(error.params.j)].sort((a, b) => a - b);
      return {
        file,
        pointer: at + jsonPointer(repeat),
        message: `repeats item ${first}; the values must be unique`,
      };
    }
  }
  if (parent["x-message"]) return { file, pointer: at, message: parent["x-message"] + found };
  return { file, pointer: at, message: defaultMessage(error) };
}

function defaultMessage(error: ErrorObject): string {
  const p = error.params;
  const found = `; found ${showFound(error.data)}`;
  switch (error.keyword) {
    case "type":
      return `must be ${String(p.type).split(",").map(describeType).join(" or ")}${found}`;
    case "enum":
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => showValue(v)).join(", ")}${found}`;
    case "minLength":
      return p.limit === 1 ? "must not be empty" : `must be at least ${p.limit} characters long${found}`;
    case "maxLength":
      return `must be at most ${p.limit} characters long${found}`;
    case "minItems":
      return `must list at least ${p.limit} ${p.limit === 1 ? "item" : "items"}`;

    case "minimum":
      return `must be ${p.limit} or more${found}`;
    case "pattern":
      return `must match the pattern ${p.pattern}${found}`;
    default:
      return `${error.message ?? "is invalid"}${found}`;
  }
}

/** The value itself for scalars (config and manifests are not secret), the kind for the rest. */
function showFound(value: unknown): string {
  return value !== null && typeof value === "object" ? describeKind(value) : showValue(value);
}

/** A known name the unknown one is probably a typo of: same letters ignoring case, or ≤ 2 edits away. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  if (name.length < 4) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
