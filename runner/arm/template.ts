/**
 * The template to submit: ARM JSON as it is, Bicep compiled by the Bicep CLI, and linked templates
 * (templateLink.relativePath) packed in as nested inline templates, so ARM needs no access to files.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { RunnerError } from "./errors";

export type Json = Record<string, unknown>;
export type ReadText = (path: string) => string;

const BICEP_HELP =
  "The arm-bicep runner image installs it; to run a Bicep definition locally, install the Bicep CLI " +
  "(https://learn.microsoft.com/azure/azure-resource-manager/bicep/install, the standalone `bicep` " +
  "binary) on the PATH of the machine that runs the ARM emulator, or use an ARM JSON template.";

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseTemplate(text: string, file: string): Json {
  let parsed: unknown;
  try {
    // ARM accepts a byte-order mark; JSON.parse does not.
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new RunnerError("DeploymentError", `${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new RunnerError("DeploymentError", `${file} is not a JSON object.`);
  return parsed;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new RunnerError(
      "DeploymentError",
      `Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
    );
  }
}

/** `bicep build --stdout`; a missing bicep is a clear failure, never a skipped deployment. */
export function compileBicep(file: string): string {
  const result = spawnSync("bicep", ["build", file, "--stdout"], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new RunnerError(
        "DeploymentError",
        `${file} is Bicep and there is no bicep on PATH. ${BICEP_HELP}`,
      );
    }
    throw new RunnerError("DeploymentError", `Running bicep build ${file} failed: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new RunnerError(
      "DeploymentError",
      `bicep build ${file} failed (exit code ${result.status}):\n${result.stderr.trim()}`,
    );
  }
  return result.stdout;
}

/** The definition's template, Bicep compiled, linked templates packed. */
export function loadTemplate(file: string): Json {
  const text = /\.bicep$/i.test(file) ? compileBicep(file) : readText(file, "template");
  return packLinkedTemplates(parseTemplate(text, file), file, (path) => readText(path, "linked template"));
}

function isDeploymentResource(resource: Json): boolean {
  return (
    typeof resource.type === "string" && resource.type.toLowerCase() === "microsoft.resources/deployments"
  );
}

function linkedPath(link: unknown, resourceName: string): string | undefined {
  if (!isObject(link) || link.relativePath === undefined) return undefined;
  const relativePath = link.relativePath;
  if (typeof relativePath !== "string" || relativePath.startsWith("[")) {
    throw new RunnerError(
      "DeploymentError",
      `Deployment ${resourceName}: templateLink.relativePath must be a plain path (expressions are not resolved before submitting).`,
    );
  }
  return relativePath;
}

/**
 * Replaces each `templateLink.relativePath` (and `parametersLink.relativePath`) with the file's
 * content, relative to the template that names it, recursively. A packed template keeps its own
 * parameters and variables (expression scope "inner"), as a linked template has them.
 */
export function packLinkedTemplates(template: Json, file: string, read: ReadText, seen: string[] = []): Json {
  const packResource = (resource: unknown): unknown => {
    if (!isObject(resource)) return resource;
    let packed: Json = resource;
    if (Array.isArray(resource.resources) || isObject(resource.resources)) {
      packed = { ...packed, resources: packResources(resource.resources) };
    }
    if (!isDeploymentResource(resource) || !isObject(resource.properties)) return packed;
    const name = String(resource.name);
    const { templateLink, parametersLink, ...properties } = resource.properties;
    const templatePath = linkedPath(templateLink, name);
    const parametersPath = linkedPath(parametersLink, name);
    if (templatePath === undefined && parametersPath === undefined) {
      return isObject(properties.template)
        ? {
            ...packed,
            properties: {
              ...resource.properties,
              template: packLinkedTemplates(properties.template, file, read, seen),
            },
          }
        : packed;
    }
    const next: Json = { ...properties };
    if (templatePath !== undefined) {
      const path = resolve(dirname(file), templatePath);
      if (seen.includes(path) || path === resolve(file)) {
        throw new RunnerError(
          "DeploymentError",
          `Linked template ${path} links to itself (through ${name}).`,
        );
      }
      next.template = packLinkedTemplates(parseTemplate(read(path), path), path, read, [
        ...seen,
        resolve(file),
      ]);
      next.expressionEvaluationOptions = { scope: "inner" };
    } else if (templateLink !== undefined) {
      next.templateLink = templateLink;
    }
    if (parametersPath !== undefined) {
      const path = resolve(dirname(file), parametersPath);
      const parameters = parseTemplate(read(path), path).parameters;
      next.parameters = isObject(parameters) ? parameters : {};
    } else if (parametersLink !== undefined) {
      next.parametersLink = parametersLink;
    }
    return { ...packed, properties: next };
  };
  const packResources = (resources: unknown): unknown =>
    Array.isArray(resources)
      ? resources.map(packResource)
      : isObject(resources)
        ? Object.fromEntries(Object.entries(resources).map(([key, r]) => [key, packResource(r)]))
        : resources;
  return template.resources === undefined
    ? template
    : { ...template, resources: packResources(template.resources) };
}

/**
 * The operation's parameters the template declares, as ARM parameter values (names matched ignoring
 * case, as ARM does); the others are named in `ignored`.
 */
export function templateParameters(
  template: Json,
  values: Record<string, unknown>,
): { parameters: Record<string, { value: unknown }>; ignored: string[] } {
  const declared = isObject(template.parameters) ? Object.keys(template.parameters) : [];
  const parameters: [string, { value: unknown }][] = [];
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const match = declared.find((d) => d.toLowerCase() === name.toLowerCase());
    if (match === undefined) ignored.push(name);
    else parameters.push([match, { value }]);
  }
  return { parameters: Object.fromEntries(parameters), ignored };
}
