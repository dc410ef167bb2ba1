/**
 * A template's resources as instances: copy loops expanded, child resources flattened (their type
 * and name prefixed by the parent's, depending on it), each with its resource id.
 */
import { invalid } from "./errors";
import { Evaluator, Loop, Scope } from "./evaluate";
import { Value, isPlainObject, stringify } from "./functions";
import { RecordedResource } from "./model";

export interface Instance {
  /** languageVersion 2.0 symbolic name. */
  symbolic?: string;
  copyName?: string;
  definition: Record<string, Value>;
  loops: Loop[];
  type: string;
  name: string;
  id: string;
  /** Unevaluated dependsOn entries are evaluated at expansion. */
  dependsOn: string[];
  /** languageVersion 2.0 `existing: true`: read, never deployed. */
  existing: boolean;
  state: "pending" | "deploying" | "done" | "failed" | "skipped" | "blocked";
  recorded?: RecordedResource;
}

function text(evaluator: Evaluator, value: Value, scope: Scope, what: string): string {
  const v = evaluator.value(value, scope);
  if (typeof v !== "string" || !v)
    throw invalid(`The resource ${what} must be a non-empty string, not '${stringify(v)}'.`);
  return v;
}

function resourceId(type: string, name: string, scope: Scope, extensionScope: string | undefined): string {
  const typeParts = type.split("/");
  const nameParts = name.split("/");
  if (typeParts.length < 2 || nameParts.length !== typeParts.length - 1) {
    throw invalid(
      `The resource '${type}/${name}' is not valid: a type with ${typeParts.length - 1} type segment(s) needs as many name segments.`,
    );
  }
  const tail = [typeParts[0], ...typeParts.slice(1).flatMap((t, i) => [t, nameParts[i]])].join("/");
  const group = `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroupName}`;
  if (extensionScope === undefined) return `${group}/providers/${tail}`;
  const base = extensionScope.startsWith("/") ? extensionScope : `${group}/providers/${extensionScope}`;
  return `${base.replace(/\/$/, "")}/providers/${tail}`;
}

export function expandResources(
  template: Record<string, Value>,
  root: Scope,
  evaluator: Evaluator,
): Instance[] {
  const out: Instance[] = [];
  const entries: [string | undefined, Value][] = Array.isArray(template.resources)
    ? template.resources.map((r) => [undefined, r])
    : Object.entries(template.resources as Record<string, Value>);
  const add = (
    symbolic: string | undefined,
    definition: Value,
    parent: Instance | undefined,
    parentLoops: Loop[],
  ) => {
    if (!isPlainObject(definition)) throw invalid("Each template resource must be an object.");
    const copy = definition.copy;
    const loops: { loops: Loop[]; copyName?: string }[] = [];
    if (copy === undefined) loops.push({ loops: parentLoops });
    else {
      if (!isPlainObject(copy) || typeof copy.name !== "string")
        throw invalid("A resource copy needs a name and a count.");
      const count = evaluator.value(copy.count, { ...root, loops: parentLoops });
      if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
        throw invalid(
          `The copy count of '${copy.name}' must be a non-negative integer, not '${stringify(count)}'.`,
        );
      }
      for (let index = 0; index < count; index++) {
        loops.push({
          loops: [...parentLoops, { name: copy.name, index, unnamed: true }],
          copyName: copy.name,
        });
      }
    }
    for (const each of loops) {
      const scope = { ...root, loops: each.loops };
      let type = text(evaluator, definition.type, scope, "type");
      let name = text(evaluator, definition.name, scope, "name");
      if (parent && !type.includes("/")) type = `${parent.type}/${type}`;
      if (parent && name.split("/").length < type.split("/").length - 1) name = `${parent.name}/${name}`;
      const extensionScope =
        definition.scope === undefined ? undefined : text(evaluator, definition.scope, scope, "scope");
      const dependsOn =
        definition.dependsOn === undefined ? [] : evaluator.value(definition.dependsOn, scope);
      if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== "string")) {
        throw invalid(`The dependsOn of resource '${type}/${name}' must be an array of strings.`);
      }
      const instance: Instance = {
        symbolic,
        copyName: each.copyName,
        definition,
        loops: each.loops,
        type,
        name,
        id: resourceId(type, name, scope, extensionScope),
        dependsOn: [...(parent ? [parent.id] : []), ...(dependsOn as string[])],
        existing: definition.existing === true,
        state: "pending",
      };
      out.push(instance);
      if (Array.isArray(definition.resources)) {
        for (const child of definition.resources) add(undefined, child, instance, each.loops);
      }
    }
  };
  for (const [symbolic, definition] of entries) add(symbolic, definition, undefined, []);
  return out;
}

/** The instances a dependsOn entry or a reference() target names: loop, symbolic name, id, type/name or name. */
export function findInstances(instances: Instance[], target: string): Instance[] {
  const lower = target.toLowerCase();
  const matches = (pick: (i: Instance) => boolean) => instances.filter(pick);
  for (const pick of [
    (i: Instance) => i.id.toLowerCase() === lower,
    (i: Instance) => i.symbolic?.toLowerCase() === lower,
    (i: Instance) => i.copyName?.toLowerCase() === lower,
    (i: Instance) => `${i.type}/${i.name}`.toLowerCase() === lower,
    (i: Instance) => i.id.toLowerCase().endsWith(`/${lower}`) && lower.includes("/"),
    (i: Instance) => i.name.toLowerCase() === lower,
  ]) {
    const found = matches(pick);
    if (found.length) return found;
  }
  return [];
}
