/**
 * The EnvironmentOutputs document a runner uploads (`ade outputs upload`):
 * `{ "outputs": { "<name>": { "type": "...", "value": ..., "sensitive"?: bool } } }`.
 * Types are the contract's (array, boolean, number, object, string) plus the ARM spellings runner
 * scripts pass through unchanged (bool, int, securestring, secureobject, any case: ARM says "String").
 */
import { fail, jsonPointer, ok, type Result, type ValidationIssue } from "../core/result";
import { describeType, isPlainObject, matchesParameterType, type ParameterType } from "../core/values";

export interface EnvironmentOutput {
  type: string;
  value: unknown;
  sensitive: boolean;
}

export interface EnvironmentOutputs {
  outputs: Record<string, EnvironmentOutput>;
}

const OUTPUT_TYPES: Record<string, { kind: ParameterType; secure: boolean }> = {
  string: { kind: "string", secure: false },
  securestring: { kind: "string", secure: true },
  int: { kind: "integer", secure: false },
  integer: { kind: "integer", secure: false },
  number: { kind: "number", secure: false },
  bool: { kind: "boolean", secure: false },
  boolean: { kind: "boolean", secure: false },
  array: { kind: "array", secure: false },
  object: { kind: "object", secure: false },
  secureobject: { kind: "object", secure: true },
};

const MAX_NAME_LENGTH = 256;

/**
 * Checks an uploaded outputs document. The result keeps each output's type as given and makes
 * `sensitive` explicit (true for secure types unless the document says otherwise).
 */
export function validateEnvironmentOutputs(document: unknown, file = "outputs"): Result<EnvironmentOutputs> {
  const issues: ValidationIssue[] = [];
  const issue = (pointer: string, message: string) => issues.push({ file, pointer, message });
  // ARM scripts write {"outputs": null} for a template without outputs (`az ... --query properties.outputs`).
  if (isPlainObject(document) && document.outputs === null) return ok({ outputs: {} });
  if (!isPlainObject(document) || !isPlainObject(document.outputs)) {
    issue(
      "",
      'must be an object with an "outputs" object: {"outputs": {"name": {"type": ..., "value": ...}}}',
    );
    return fail(issues);
  }
  const outputs: [string, EnvironmentOutput][] = [];
  for (const [name, entry] of Object.entries(document.outputs)) {
    const at = jsonPointer("outputs", name);
    // eslint-disable-next-line no-control-regex
    if (name.length === 0 || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
      issue(at, `output names must have 1 to ${MAX_NAME_LENGTH} characters and no control characters`);
      continue;
    }
    if (!isPlainObject(entry)) {
      issue(at, 'must be an object with "type" and "value"');
      continue;
    }
    const known = typeof entry.type === "string" ? OUTPUT_TYPES[entry.type.toLowerCase()] : undefined;
    if (!known) {
      issue(`${at}/type`, `must be one of ${Object.keys(OUTPUT_TYPES).join(", ")} (any case)`);
      continue;
    }
    if (!("value" in entry) || !matchesParameterType(entry.value, known.kind)) {
      issue(`${at}/value`, `must be ${describeType(known.kind)}, as its type ${String(entry.type)} says`);
      continue;
    }
    if (entry.sensitive !== undefined && typeof entry.sensitive !== "boolean") {
      issue(`${at}/sensitive`, "must be true or false when given");
      continue;
    }
    outputs.push([
      name,
      { type: entry.type as string, value: entry.value, sensitive: entry.sensitive ?? known.secure },
    ]);
  }
  // fromEntries defines own properties, so a name like "__proto__" stays an ordinary output.
  return issues.length > 0 ? fail(issues) : ok({ outputs: Object.fromEntries(outputs) });
}
