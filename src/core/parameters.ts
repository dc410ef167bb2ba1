/**
 * An environment definition's parameters: the JSON Schema the API serves, the contract's parameter
 * list, and the check of a request's parameters (defaults applied, nothing coerced).
 */

import type { EnvironmentManifest, ManifestParameter } from "./manifest";
import { fail, jsonPointer, ok, type Result, type ValidationIssue } from "./result";
import {
  describeKind,
  describeType,
  isPlainObject,
  jsonEqual,
  matchesParameterType,
  showValue,
  type ParameterType,
} from "./values";

/** The contract's `EnvironmentDefinitionParameter`: defaults and allowed values as strings. */
export interface ContractParameter {
  id: string;
  name?: string;
  description?: string;
  type: ParameterType;
  required: boolean;
  default?: string;
  readOnly?: boolean;
  allowed?: string[];
}

/**
 * Draft-07 JSON Schema of the parameters object. Parameters marked required are listed in
 * `required` unless they are read-only (as the contract's example shows); read-only ones are
 * fixed with `const`. The API serves `JSON.stringify` of this as `parametersSchema`.
 */
export function buildParametersSchema(manifest: EnvironmentManifest): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const p of manifest.parameters) {
    const property: Record<string, unknown> = { type: p.type };
    if (p.name !== undefined) property.title = p.name;
    if (p.description !== undefined) property.description = p.description;
    if (p.default !== undefined) property.default = p.default;
    if (p.allowed !== undefined) property.enum = p.allowed;
    if (p.readOnly) {
      property.readOnly = true;
      property.const = p.default;
    }
    // JSON Schema's mark for a value that is sent but not read back (in lists).
    if (p.secure) property.writeOnly = true;
    properties[p.id] = property;
  }
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    properties,
    required: manifest.parameters.filter((p) => p.required && !p.readOnly).map((p) => p.id),
    additionalProperties: false,
  };
}

/** The contract renders values of every type as strings: "true", "3", '["a"]'. */
function contractString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function toContractParameters(manifest: EnvironmentManifest): ContractParameter[] {
  return manifest.parameters.map((p) => {
    const parameter: ContractParameter = { id: p.id, type: p.type, required: p.required === true };
    if (p.name !== undefined) parameter.name = p.name;
    if (p.description !== undefined) parameter.description = p.description;
    if (p.default !== undefined) parameter.default = contractString(p.default);
    if (p.readOnly !== undefined) parameter.readOnly = p.readOnly;
    if (p.allowed !== undefined) parameter.allowed = p.allowed.map(contractString);
    return parameter;
  });
}

/** Resolved values split into the clear ones and those of secure parameters (to be sealed). */
export function splitSecureParameters(
  manifest: EnvironmentManifest,
  values: Record<string, unknown>,
): { plain: Record<string, unknown>; secure: Record<string, unknown> } {
  const secureIds = new Set(manifest.parameters.filter((p) => p.secure).map((p) => p.id));
  const plain: Record<string, unknown> = {};
  const secure: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(values)) (secureIds.has(id) ? secure : plain)[id] = value;
  return { plain, secure };
}

/**
 * Checks a request's parameters (an object, or absent) against the manifest and returns the values
 * to deploy with: the request's values, then the manifest defaults for what it left out. Errors
 * point at `/parameters/<id>` in `file` and never repeat the request's values (they may be secret).
 */
export function resolveParameters(
  manifest: EnvironmentManifest,
  input: unknown,
  file = "request",
): Result<Record<string, unknown>> {
  if (input !== undefined && !isPlainObject(input)) {
    return fail([
      {
        file,
        pointer: "/parameters",
        message: `must be an object mapping parameter ids to values, or be left out; found ${describeKind(input)}`,
      },
    ]);
  }
  const given = input ?? {};
  const errors: ValidationIssue[] = [];
  const issue = (id: string, message: string) =>
    errors.push({ file, pointer: jsonPointer("parameters", id), message });

  const known = new Set(manifest.parameters.map((p) => p.id));
  for (const id of Object.keys(given)) {
    if (!known.has(id)) {
      const accepted = manifest.parameters.map((p) => p.id).join(", ");
      issue(
        id,
        `unknown parameter ${showValue(id)}; ` +
          (accepted ? `this definition accepts: ${accepted}` : "this definition has no parameters"),
      );
    }
  }

  const resolved: [string, unknown][] = [];
  for (const p of manifest.parameters) {
    const present = Object.prototype.hasOwnProperty.call(given, p.id) && given[p.id] !== undefined;
    if (!present) {
      if (p.default !== undefined) resolved.push([p.id, structuredClone(p.default)]);
      else if (p.required) issue(p.id, "is required and this definition has no default for it");
      continue;
    }
    const message = checkValue(p, given[p.id]);
    if (message) issue(p.id, message);
    else resolved.push([p.id, given[p.id]]);
  }
  if (errors.length > 0) return fail(errors);
  return ok(Object.fromEntries(resolved));
}

function checkValue(p: ManifestParameter, value: unknown): string | undefined {
  if (p.readOnly) {
    return jsonEqual(value, p.default)
      ? undefined
      : `is read-only: it is always ${showValue(p.default)} and cannot be set to another value`;
  }
  if (!matchesParameterType(value, p.type)) {
    return (
      `must be ${describeType(p.type)}; found ${describeKind(value)}` +
      (typeof value === "string" ? " (values are not converted: send a JSON value of the right type)" : "")
    );
  }
  if (p.allowed && !p.allowed.some((a) => jsonEqual(a, value))) {
    return `must be one of the allowed values: ${p.allowed.map((a) => showValue(a)).join(", ")}`;
  }
  return undefined;
}
