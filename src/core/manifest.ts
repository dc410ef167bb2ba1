/**
 * The manifest of an environment definition (`environment.yaml`, `manifest.yaml`, or `.yml`): parsed
 * with js-yaml, checked against schemas/manifest.schema.json (which editors can use too), then against
 * the rules a schema cannot say (runner, template path, parameter ids, defaults and allowed values).
 * What ADE accepts is accepted; what ADE would likely misbehave on is a warning (manifestWarnings).
 */

import { MANIFEST_LIMITS } from "./limits";
import manifestSchema from "./schemas/manifest.schema.json";
import { normalizeTemplatePath } from "./paths";
import { fail, jsonPointer, ok, type Result, type ValidationIssue } from "./result";
import { compileSchema, parseYaml } from "./validation";
import {
  baseParameterType,
  describeKind,
  describeType,
  isPlainObject,
  jsonEqual,
  matchesParameterType,
  PARAMETER_TYPES,
  type ParameterType,
  SECURE_PARAMETER_TYPES,
  showValue,
} from "./values";

export interface ManifestParameter {
  id: string;
  name?: string;
  description?: string;
  /** Filled in: "string" when the manifest leaves it out; a secure type's value type. */
  type: ParameterType;
  /** securestring / secureobject: the value is stored sealed, returned only to the owner and admins, never listed. */
  secure?: boolean;
  default?: unknown;
  allowed?: unknown[];
  required?: boolean;
  readOnly?: boolean;
}

export interface EnvironmentManifest {
  name: string;
  version?: string;
  summary?: string;
  description?: string;
  /**
   * "ARM", "Bicep", "Terraform" (spelled so whatever the manifest's case) or a container image
   * reference; a manifest without one gets the alias its template implies (impliedRunner).
   */
  runner: string;
  /** Normalized path of the template file inside the definition folder ("./a/../main.bicep" → "main.bicep"). */
  templatePath: string;
  parameters: ManifestParameter[];
}

/**
 * File names that make a folder of a catalog an environment definition, in order of preference
 * (compared without case). ADE's catalogs use all four (Microsoft's Terraform samples use .yml).
 */
export const MANIFEST_FILE_NAMES: readonly string[] = Object.freeze([
  "environment.yaml",
  "environment.yml",
  "manifest.yaml",
  "manifest.yml",
]);

/** The preference of a file name as a manifest (0 is best); undefined when it is not a manifest name. */
export function manifestRank(fileName: string): number | undefined {
  const rank = MANIFEST_FILE_NAMES.indexOf(fileName.toLowerCase());
  return rank < 0 ? undefined : rank;
}

/** The manifest of a folder among its file names: the preferred one; undefined when it has none. */
export function pickManifest(fileNames: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const name of fileNames) {
    const rank = manifestRank(name);
    if (rank !== undefined && (best === undefined || rank < (manifestRank(best) as number))) best = name;
  }
  return best;
}

export const RUNNER_ALIASES = ["ARM", "Bicep", "Terraform"] as const;
export type RunnerAlias = (typeof RUNNER_ALIASES)[number];

/** The built-in runner a manifest's `runner` names, ignoring case; undefined for an image reference. */
export function runnerAlias(runner: string): RunnerAlias | undefined {
  return RUNNER_ALIASES.find((alias) => alias.toLowerCase() === runner.toLowerCase());
}

const IMPLIED_RUNNERS: Record<string, RunnerAlias> = {
  ".bicep": "Bicep",
  ".json": "ARM",
  ".tf": "Terraform",
};

/** The alias a template file implies by its extension (.bicep, .json, .tf); undefined for others. */
export function impliedRunner(templatePath: string): RunnerAlias | undefined {
  const extension = /\.[^./]+$/.exec(templatePath)?.[0].toLowerCase();
  return extension === undefined ? undefined : IMPLIED_RUNNERS[extension];
}

// Container image reference grammar (registry/path[:tag][@digest]), as in the OCI distribution spec.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
);
const IMAGE_REFERENCE_MAX_LENGTH = 512;

export function isImageReference(value: string): boolean {
  return value.length <= IMAGE_REFERENCE_MAX_LENGTH && IMAGE_REFERENCE.test(value);
}

const validateManifestShape = compileSchema(manifestSchema);

export function parseManifest(text: string, file: string): Result<EnvironmentManifest> {
  // Not parsed at all: its size is reason enough.
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MANIFEST_LIMITS.fileBytes) {
    return fail([
      {
        file,
        pointer: "",
        message: `the manifest has ${bytes} bytes; at most ${MANIFEST_LIMITS.fileBytes} are accepted`,
      },
    ]);
  }
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return parsed;
  const data = parsed.value;
  if (data === undefined || data === null) {
    return fail([
      {
        file,
        pointer: "",
        message: "the manifest is empty; it needs at least name and templatePath",
      },
    ]);
  }
  const errors = [...validateManifestShape(data, file), ...checkManifestRules(data, file)];
  if (errors.length > 0) return fail(errors);
  return ok(toManifest(data as RawManifest));
}

interface RawManifest {
  name: string;
  version?: string;
  summary?: string;
  description?: string;
  runner?: string;
  templatePath: string;
  parameters?: Array<Omit<ManifestParameter, "type" | "secure"> & { type?: string }>;
}

function toManifest(raw: RawManifest): EnvironmentManifest {
  const templatePath = normalizeTemplatePath(raw.templatePath);
  return {
    ...raw,
    runner:
      raw.runner === undefined
        ? (impliedRunner(raw.templatePath) as string)
        : (runnerAlias(raw.runner) ?? raw.runner),
    templatePath: templatePath.ok ? templatePath.value : raw.templatePath,
    parameters: (raw.parameters ?? []).map(({ type = "string", ...p }) => {
      const secureType = SECURE_PARAMETER_TYPES[type.toLowerCase()];
      return secureType ? { ...p, type: secureType, secure: true } : { ...p, type: type as ParameterType };
    }),
  };
}

/**
 * Rules beyond the schema. They look only at values of the right shape, so a value the schema
 * already rejected is not reported twice.
 */
function checkManifestRules(data: unknown, file: string): ValidationIssue[] {
  if (!isPlainObject(data)) return [];
  const errors: ValidationIssue[] = [];
  const issue = (pointer: string, message: string) => errors.push({ file, pointer, message });

  if (typeof data.runner === "string" && !runnerAlias(data.runner) && !isImageReference(data.runner)) {
    issue(
      "/runner",
      "must be ARM, Bicep, Terraform or a container image reference such as " +
        `myregistry.azurecr.io/runners/custom:1.0; found ${showValue(data.runner)}`,
    );
  }
  if (
    data.runner === undefined &&
    typeof data.templatePath === "string" &&
    !impliedRunner(data.templatePath)
  ) {
    issue(
      "/runner",
      `is needed: templatePath ${showValue(data.templatePath)} implies no runner (.bicep: Bicep, .json: ARM, .tf: Terraform)`,
    );
  }
  for (const field of ["version", "summary", "description"] as const) {
    checkLength(data[field], `/${field}`, MANIFEST_LIMITS[field], issue);
  }
  if (Array.isArray(data.parameters) && data.parameters.length > MANIFEST_LIMITS.parameters) {
    issue(
      "/parameters",
      `has ${data.parameters.length} parameters; at most ${MANIFEST_LIMITS.parameters} are accepted`,
    );
  }
  if (typeof data.templatePath === "string") {
    const path = normalizeTemplatePath(data.templatePath);
    if (!path.ok) issue("/templatePath", `${path.message}; found ${showValue(data.templatePath)}`);
  }
  if (Array.isArray(data.parameters)) {
    const seen = new Map<string, number>();
    data.parameters.forEach((parameter: unknown, index) => {
      if (!isPlainObject(parameter)) return;
      if (typeof parameter.id === "string" && parameter.id !== "") {
        // Ids differing only in case would be the same parameter to ARM, which ignores case.
        const key = parameter.id.toLowerCase();
        const first = seen.get(key);
        if (first === undefined) seen.set(key, index);
        else
          issue(
            jsonPointer("parameters", index, "id"),
            `duplicate parameter id ${showValue(parameter.id)}: /parameters/${first} has the same id ` +
              "(ids are compared without case)",
          );
      }
      const at = jsonPointer("parameters", index);
      for (const field of ["id", "name", "description"] as const) {
        checkLength(parameter[field], `${at}/${field}`, MANIFEST_LIMITS.parameterText, issue);
      }
      if (Array.isArray(parameter.allowed) && parameter.allowed.length > MANIFEST_LIMITS.allowedValues) {
        issue(
          `${at}/allowed`,
          `has ${parameter.allowed.length} values; at most ${MANIFEST_LIMITS.allowedValues} are accepted`,
        );
      }
      checkParameterValues(parameter, at, issue);
    });
  }
  return errors;
}

/** Text over its limit: every definitions list and runner context would carry it. */
function checkLength(
  value: unknown,
  pointer: string,
  limit: number,
  issue: (pointer: string, message: string) => void,
): void {
  if (typeof value === "string" && value.length > limit) {
    issue(pointer, `has ${value.length} characters; at most ${limit} are accepted`);
  }
}

function checkParameterValues(
  parameter: Record<string, unknown>,
  at: string,
  issue: (pointer: string, message: string) => void,
): void {
  const type = parameter.type ?? "string";
  if (typeof type !== "string" || !(PARAMETER_TYPES as readonly string[]).includes(baseParameterType(type)))
    return;
  const parameterType = baseParameterType(type) as ParameterType;
  const mismatch = (value: unknown) =>
    `must be ${describeType(parameterType)} to match the parameter type "${parameterType}"; found ${describeKind(value)}`;

  const allowed = Array.isArray(parameter.allowed) ? parameter.allowed : undefined;
  allowed?.forEach((value, i) => {
    if (!matchesParameterType(value, parameterType)) issue(`${at}/allowed/${i}`, mismatch(value));
  });

  const hasDefault = Object.prototype.hasOwnProperty.call(parameter, "default");
  if (hasDefault) {
    const value = parameter.default;
    if (!matchesParameterType(value, parameterType)) issue(`${at}/default`, mismatch(value));
  } else if (parameter.readOnly === true) {
    issue(`${at}/default`, "is required because the parameter is read-only (readOnly: true)");
  }
}

/**
 * What ADE accepts but would likely go wrong: a default outside the allowed values (Microsoft's own
 * ContainerApp definition has `default: ".5"` with "0.5" allowed). ADE deploys with that default
 * when the request leaves the parameter out, and so does this control plane; the template may refuse it.
 */
export function manifestWarnings(manifest: EnvironmentManifest, file: string): ValidationIssue[] {
  const warnings: ValidationIssue[] = [];
  manifest.parameters.forEach((p, index) => {
    if (p.default === undefined || !p.allowed || p.allowed.some((a) => jsonEqual(a, p.default))) return;
    warnings.push({
      file,
      pointer: jsonPointer("parameters", index, "default"),
      message:
        `the default ${showValue(p.default)} is not one of the allowed values (${p.allowed.map((a) => showValue(a)).join(", ")}); ` +
        "a deploy that leaves the parameter out uses it anyway, and the template may refuse it",
    });
  });
  return warnings;
}
