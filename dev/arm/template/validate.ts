/**
 * Checks made before a deployment starts, as ARM's validation does: the template's shape, that every
 * function it calls is one the emulator evaluates, and no linked templates (the emulator reads no URLs).
 */
import { invalid, unsupportedFunction } from "./errors";
import { expressionOf, functionsIn } from "./expression";
import { FUNCTIONS, Value, isPlainObject } from "./functions";
import { parseCached } from "./evaluate";

/** Functions evaluate.ts answers itself (they read the deployment, or take unevaluated arguments). */
const SCOPED_FUNCTIONS = [
  "if",
  "and",
  "or",
  "coalesce",
  "parameters",
  "variables",
  "copyindex",
  "reference",
  "resourceid",
  "subscriptionresourceid",
  "tenantresourceid",
  "extensionresourceid",
  "resourcegroup",
  "subscription",
  "deployment",
  "tenant",
  "environment",
  "tryget",
  "lambda",
  "lambdavariables",
  "map",
  "filter",
  "sort",
  "reduce",
  "toobject",
  "groupby",
  "mapvalues",
];

const KNOWN = new Set([...Object.keys(FUNCTIONS), ...SCOPED_FUNCTIONS]);

/** User-defined function names (namespace.member, lower case) a template declares. */
export function userFunctionNames(template: Record<string, Value>): Set<string> {
  const names = new Set<string>();
  const functions = template.functions;
  if (functions === undefined) return names;
  if (!Array.isArray(functions)) throw invalid("The template's 'functions' must be an array.");
  for (const entry of functions) {
    if (!isPlainObject(entry) || typeof entry.namespace !== "string" || !isPlainObject(entry.members)) {
      throw invalid("Each entry of the template's 'functions' needs a namespace and members.");
    }
    for (const member of Object.keys(entry.members)) names.add(`${entry.namespace}.${member}`.toLowerCase());
  }
  return names;
}

export function checkShape(template: Value): asserts template is Record<string, Value> {
  if (!isPlainObject(template)) throw invalid("The deployment template must be a JSON object.");
  const resources = template.resources;
  const symbolic = template.languageVersion !== undefined;
  if (symbolic && !["1.9-experimental", "2.0"].includes(String(template.languageVersion))) {
    throw invalid(
      `The template languageVersion '${String(template.languageVersion)}' is not supported by the ARM emulator.`,
    );
  }
  if (!(Array.isArray(resources) || (symbolic && isPlainObject(resources)))) {
    throw invalid("The template must have a 'resources' array (or, with languageVersion 2.0, an object).");
  }
  for (const section of ["imports", "extensions", "asserts"]) {
    if (template[section] !== undefined) {
      throw invalid(`The template section '${section}' is not supported by the ARM emulator.`);
    }
  }
  for (const section of ["parameters", "variables", "outputs"]) {
    if (template[section] !== undefined && !isPlainObject(template[section])) {
      throw invalid(`The template's '${section}' must be an object.`);
    }
  }
}

/** Walks the template (nested templates included) and fails on the first construct the emulator does not evaluate. */
export function checkSupported(template: Record<string, Value>): void {
  const user = userFunctionNames(template);
  const visit = (value: Value): void => {
    if (typeof value === "string") {
      const source = expressionOf(value);
      if (source === undefined) return;
      for (const name of functionsIn(parseCached(source))) {
        const lower = name.toLowerCase();
        if (!KNOWN.has(lower) && !user.has(lower)) throw unsupportedFunction(name);
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isPlainObject(value)) return;
    if (typeof value.type === "string" && value.type.toLowerCase() === "microsoft.resources/deployments") {
      const properties = isPlainObject(value.properties) ? value.properties : {};
      if (properties.templateLink !== undefined) {
        throw invalid(
          `The nested deployment '${String(value.name)}' uses templateLink: the ARM emulator reads no URLs; put the linked template inline as 'template'.`,
        );
      }
      if (isPlainObject(properties.template))
        for (const name of userFunctionNames(properties.template)) user.add(name);
    }
    for (const [key, item] of Object.entries(value)) if (key !== "metadata") visit(item);
  };
  visit(template);
}
