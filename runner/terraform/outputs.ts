/**
 * `terraform output -json` → the EnvironmentOutputs document: Terraform's types in the contract's
 * words (bool → boolean, list/set/tuple → array, map/object → object), `sensitive` kept.
 */
import type { EnvironmentOutput, EnvironmentOutputs } from "../../src/runner-protocol/outputs";

export class TerraformOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TerraformOutputError";
  }
}

const PRIMITIVES: Record<string, string> = { string: "string", number: "number", bool: "boolean" };
const COLLECTIONS: Record<string, string> = {
  list: "array",
  set: "array",
  tuple: "array",
  map: "object",
  object: "object",
};

/** Terraform's type: a primitive name, or [kind, element or attribute types]. */
function contractType(name: string, type: unknown): string {
  const kind = typeof type === "string" ? PRIMITIVES[type] : undefined;
  if (kind) return kind;
  const collection = Array.isArray(type) && typeof type[0] === "string" ? COLLECTIONS[type[0]] : undefined;
  if (collection) return collection;
  throw new TerraformOutputError(
    `Terraform output ${name} has type ${JSON.stringify(type)}, which has no EnvironmentOutputs type.`,
  );
}

export function terraformOutputs(document: unknown): EnvironmentOutputs {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new TerraformOutputError("terraform output -json did not print a JSON object.");
  }
  const outputs: [string, EnvironmentOutput][] = Object.entries(document).map(([name, entry]) => {
    if (typeof entry !== "object" || entry === null || !("value" in entry)) {
      throw new TerraformOutputError(`Terraform output ${name} has no value.`);
    }
    const { type, value, sensitive } = entry as { type?: unknown; value: unknown; sensitive?: unknown };
    return [name, { type: contractType(name, type), value, sensitive: sensitive === true }];
  });
  // fromEntries defines own properties, so an output named like "__proto__" stays an output.
  return { outputs: Object.fromEntries(outputs) };
}
