/**
 * The EnvironmentOutputs document a runner uploads (`ade outputs upload`):
 * `{ "outputs": { "<name>": { "type": "...", "value": ..., "sensitive"?: bool } } }`.
 * Types are the contract's (array, boolean, number, object, string) plus the ARM spellings runner
 * scripts pass through unchanged (bool, int, securestring, secureobject, any case: ARM says "String"),
 * and Terraform's collection types, which the conversion in ADE's Terraform image leaves as they are
 * (`["map","string"]`, `["list","string"]`, `["object",{...}]`, `["tuple",[...]]`, "map", "tuple"):
 * those are stored as the contract's object or array.
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

/** Terraform's collection type names (alone or first in a type constraint) → the contract's type. */
const TERRAFORM_COLLECTIONS: Record<string, "array" | "object"> = {
  list: "array",
  set: "array",
  tuple: "array",
  map: "object",
  object: "object",
};

/** The type an output is stored with, and what its value must be; undefined for an unknown type. */
function outputType(type: unknown): { stored: string; kind: ParameterType; secure: boolean } | undefined {
  if (Array.isArray(type)) {
    const collection = typeof type[0] === "string" ? TERRAFORM_COLLECTIONS[type[0]] : undefined;
    return collection && { stored: collection, kind: collection, secure: false };
  }
  if (typeof type !== "string") return undefined;
  const known = OUTPUT_TYPES[type.toLowerCase()];
  if (known) return { stored: type, ...known };
  const collection = TERRAFORM_COLLECTIONS[type];
  return collection && { stored: collection, kind: collection, secure: false };
}

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
    const known = outputType(entry.type);
    if (!known) {
      issue(
        `${at}/type`,
        `must be one of ${Object.keys(OUTPUT_TYPES).join(", ")} (any case), or a Terraform collection type ` +
          `(${Object.keys(TERRAFORM_COLLECTIONS).join(", ")}, alone or first in a type constraint such as ["map","string"])`,
      );
      continue;
    }
    if (!("value" in entry) || !matchesParameterType(entry.value, known.kind)) {
      issue(
        `${at}/value`,
        `must be ${describeType(known.kind)}, as its type ${JSON.stringify(entry.type)} says`,
      );
      continue;
    }
    if (entry.sensitive !== undefined && typeof entry.sensitive !== "boolean") {
      issue(`${at}/sensitive`, "must be true or false when given");
      continue;
    }
    outputs.push([
      name,
      { type: known.stored, value: entry.value, sensitive: entry.sensitive ?? known.secure },
    ]);
  }
  // fromEntries defines own properties, so a name like "__proto__" stays an ordinary output.
  return issues.length > 0 ? fail(issues) : ok({ outputs: Object.fromEntries(outputs) });
}
