/**
 * The deploy form's fields from a definition's parametersSchema (the JSON Schema the API serves), and
 * the reading of what the user typed back into JSON values. Pure: no DOM, so it is unit tested.
 */

export type ParameterType = "array" | "boolean" | "integer" | "number" | "object" | "string";

export interface Field {
  id: string;
  label: string;
  description?: string;
  type: ParameterType;
  required: boolean;
  readOnly: boolean;
  /** A secure parameter (securestring/secureobject; `writeOnly` in the schema): typed masked, shown masked. */
  secret: boolean;
  /** `allowed` values, offered as choices. */
  choices?: unknown[];
  /** The manifest's default (typed, from the schema). */
  default?: unknown;
}

interface SchemaProperty {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  readOnly?: boolean;
  writeOnly?: boolean;
  const?: unknown;
}

interface ParametersSchema {
  properties?: Record<string, SchemaProperty>;
  required?: string[];
}

/** The contract's parameter list: `required` there also holds for read-only parameters. */
export interface DefinitionParameter {
  id: string;
  required?: boolean;
}

const TYPES: ParameterType[] = ["array", "boolean", "integer", "number", "object", "string"];

/** The fields of a definition, in the schema's order. parametersSchema is a JSON string per the contract. */
export function fieldsOf(parametersSchema: unknown, parameters: DefinitionParameter[] = []): Field[] {
  if (parametersSchema === undefined) return [];
  const schema = (
    typeof parametersSchema === "string" ? JSON.parse(parametersSchema) : parametersSchema
  ) as ParametersSchema;
  const required = new Set(schema.required ?? []);
  for (const p of parameters) if (p.required) required.add(p.id);
  return Object.entries(schema.properties ?? {}).map(([id, property]) => {
    const type = TYPES.includes(property.type as ParameterType) ? (property.type as ParameterType) : "string";
    const readOnly = property.readOnly === true;
    const fallback = readOnly ? property.const : undefined;
    const value = property.default !== undefined ? property.default : fallback;
    return {
      id,
      label: property.title ?? id,
      ...(property.description !== undefined && { description: property.description }),
      type,
      required: required.has(id),
      readOnly,
      secret: property.writeOnly === true,
      ...(Array.isArray(property.enum) && { choices: property.enum }),
      ...(value !== undefined && { default: value }),
    };
  });
}

/** The ids of a definition's secure parameters. */
export function secretIds(parametersSchema: unknown): Set<string> {
  return new Set(
    fieldsOf(parametersSchema)
      .filter((f) => f.secret)
      .map((f) => f.id),
  );
}

/** A value as the form shows it: strings as they are, everything else as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export type ReadResult = { ok: true; value?: unknown } | { ok: false; message: string };

/**
 * What the user entered for a field (the text of its input; "" when left empty), as the JSON value
 * to send. Empty optional fields are left out, so the server applies the manifest default.
 */
export function readField(field: Field, text: string): ReadResult {
  if (text.trim() === "") {
    return field.required && field.default === undefined
      ? { ok: false, message: "is required" }
      : { ok: true };
  }
  if (field.choices) {
    const choice = field.choices.find((c) => showValue(c) === text);
    return choice === undefined
      ? { ok: false, message: `must be one of: ${field.choices.map(showValue).join(", ")}` }
      : { ok: true, value: choice };
  }
  switch (field.type) {
    case "string":
      return { ok: true, value: text };
    case "boolean":
      return text === "true" || text === "false"
        ? { ok: true, value: text === "true" }
        : { ok: false, message: "must be true or false" };
    case "integer":
    case "number": {
      const value = Number(text);
      if (!Number.isFinite(value)) return { ok: false, message: "must be a number" };
      if (field.type === "integer" && !Number.isSafeInteger(value)) {
        return { ok: false, message: "must be a whole number" };
      }
      return { ok: true, value };
    }
    case "array":
    case "object": {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { ok: false, message: `must be JSON (${field.type === "array" ? "[ … ]" : "{ … }"})` };
      }
      const isArray = Array.isArray(value);
      const isObject = typeof value === "object" && value !== null && !isArray;
      if (field.type === "array" ? !isArray : !isObject) {
        return { ok: false, message: `must be a JSON ${field.type}` };
      }
      return { ok: true, value };
    }
  }
}

/**
 * The field a server error names: details of a 400 point at `/parameters/<id>` (JSON pointer), other
 * errors name a body property (`environmentType`, `expirationDate`) or a path parameter.
 */
export function fieldOfTarget(target: string | undefined): string | undefined {
  if (!target) return undefined;
  const pointer = /^\/parameters\/(.+)$/.exec(target);
  if (pointer) return `parameters.${pointer[1].replace(/~1/g, "/").replace(/~0/g, "~")}`;
  return target;
}
