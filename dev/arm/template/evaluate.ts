/**
 * Evaluates template expressions and JSON values in a scope: the deployment functions (parameters,
 * variables, copyIndex, reference, resourceId, resourceGroup, ...), lazy if/and/or, lambdas,
 * user-defined functions, property access and indexing, and property copy loops.
 */
import { TemplateError, invalid, unsupportedFunction } from "./errors";
import { Node, expressionOf, literalOf, parseExpression } from "./expression";
import { FUNCTIONS, Value, findKey, isPlainObject, stringify, typeName } from "./functions";
import { AZURE_CLOUD } from "./target";

export interface Loop {
  /** The copy loop's name; undefined for an output loop. */
  name?: string;
  index: number;
  /** A resource or output loop answers copyIndex() without a name. */
  unnamed: boolean;
}

export interface UserFunction {
  parameters: { name: string }[];
  output: { value: Value };
}

/** What expressions can read: everything but the arguments. */
export interface Scope {
  subscriptionId: string;
  resourceGroupName: string;
  parameter(name: string): Value;
  variable(name: string): Value;
  /** A resource's runtime state (its properties, or the whole resource when full). */
  reference(target: string, full: boolean): Value;
  resourceGroup(): Value;
  subscription(): Value;
  deployment(): Value;
  tenant(): Value;
  userFunction(name: string): UserFunction | undefined;
  loops: Loop[];
  /** Lambda variables in effect. */
  lambdas?: Record<string, Value>;
}

const RESOURCE_ID_FUNCTIONS: Record<string, string> = {
  resourceid: "resourceId",
  subscriptionresourceid: "subscriptionResourceId",
  tenantresourceid: "tenantResourceId",
  extensionresourceid: "extensionResourceId",
};

const parsed = new Map<string, Node>();

export function parseCached(source: string): Node {
  let node = parsed.get(source);
  if (!node) {
    node = parseExpression(source);
    if (parsed.size > 5000) parsed.clear();
    parsed.set(source, node);
  }
  return node;
}

function resourceIdFrom(scope: Scope, fn: string, args: Value[]): string {
  const strings = args.map((a) => {
    if (typeof a !== "string")
      throw invalid(`The template function '${fn}' expects string arguments, not ${typeName(a)}.`);
    return a;
  });
  // extensionResourceId's first argument is the extended resource's id; the type comes next.
  const typeAt = fn === "extensionResourceId" ? 1 : strings.findIndex((s) => s.includes("/"));
  if (typeAt < 0 || typeAt >= strings.length)
    throw invalid(
      `The template function '${fn}' needs a resource type such as 'Microsoft.Storage/storageAccounts'.`,
    );
  const type = strings[typeAt];
  const names = strings.slice(typeAt + 1);
  const segments = type.split("/").length - 1;
  if (names.length !== segments) {
    throw invalid(
      `Unable to evaluate template language function '${fn}': the type '${type}' requires ${segments} resource name argument(s), not ${names.length}.`,
    );
  }
  const typeParts = type.split("/");
  const tail = [typeParts[0], ...typeParts.slice(1).flatMap((t, i) => [t, names[i]])].join("/");
  const before = strings.slice(0, typeAt);
  if (fn === "tenantResourceId") return `/providers/${tail}`;
  if (fn === "extensionResourceId") return `${before.join("/")}/providers/${tail}`;
  if (fn === "subscriptionResourceId") {
    if (before.length > 1)
      throw invalid("subscriptionResourceId takes at most a subscription id before the type.");
    return `/subscriptions/${before[0] ?? scope.subscriptionId}/providers/${tail}`;
  }
  if (before.length > 2)
    throw invalid("resourceId takes at most a subscription id and a resource group name before the type.");
  const subscriptionId = before.length === 2 ? before[0] : scope.subscriptionId;
  const group = before.length >= 1 ? before[before.length - 1] : scope.resourceGroupName;
  return `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/${tail}`;
}

function copyIndex(scope: Scope, args: Value[]): number {
  const [a, b] = args;
  const name = typeof a === "string" ? a : undefined;
  const offset = typeof a === "number" ? a : typeof b === "number" ? b : 0;
  const loops = [...scope.loops].reverse();
  const loop =
    name === undefined
      ? loops.find((l) => l.unnamed)
      : loops.find((l) => l.name?.toLowerCase() === name.toLowerCase());
  if (!loop) {
    throw invalid(
      name === undefined
        ? "The template function 'copyIndex' is not expected at this location: it is only valid inside a copy loop."
        : `The template function 'copyIndex' refers to the copy loop '${name}', which is not in effect here.`,
    );
  }
  return loop.index + offset;
}

function member(target: Value, name: string, expression: string): Value {
  if (isPlainObject(target)) {
    const key = findKey(target, name);
    if (key !== undefined) return target[key];
  }
  throw invalid(
    `The language expression property '${name}' doesn't exist, available properties are '${isPlainObject(target) ? Object.keys(target).join(", ") : typeName(target)}' (in '${expression}').`,
  );
}

function lambdaOf(node: Node | undefined, fn: string): { names: string[]; body: Node } {
  if (!node || node.kind !== "call" || node.name.toLowerCase() !== "lambda" || node.args.length < 2) {
    throw invalid(`The template function '${fn}' expects a lambda(...) as its last argument.`);
  }
  const names = node.args.slice(0, -1).map((a) => {
    if (a.kind !== "string") throw invalid("lambda() parameter names must be string literals.");
    return a.value;
  });
  return { names, body: node.args[node.args.length - 1] };
}

export class Evaluator {
  /** Evaluates one expression (the text between the brackets). */
  expression(source: string, scope: Scope): Value {
    return this.node(parseCached(source), scope, source);
  }

  /** Evaluates a JSON value: expressions in strings, "[[" literals, property copy loops. */
  value(value: Value, scope: Scope): Value {
    if (typeof value === "string") {
      const source = expressionOf(value);
      return source === undefined ? literalOf(value) : this.expression(source, scope);
    }
    if (Array.isArray(value)) return value.map((v) => this.value(v, scope));
    if (!isPlainObject(value)) return value;
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "copy" && Array.isArray(v)) Object.assign(out, this.propertyCopies(v, scope));
      else out[k] = this.value(v, scope);
    }
    return out;
  }

  /** `copy: [{name, count, input}]`: each name becomes an array of `count` evaluated inputs. */
  propertyCopies(copies: Value[], scope: Scope): Record<string, Value[]> {
    const out: Record<string, Value[]> = {};
    for (const copy of copies) {
      if (
        !isPlainObject(copy) ||
        typeof copy.name !== "string" ||
        copy.count === undefined ||
        !("input" in copy)
      ) {
        throw invalid("Each property copy needs a name, a count and an input.");
      }
      const count = this.value(copy.count, scope);
      if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
        throw invalid(
          `The copy count of '${copy.name}' must be a non-negative integer, not '${stringify(count)}'.`,
        );
      }
      out[copy.name] = Array.from({ length: count }, (_, index) =>
        this.value(copy.input, {
          ...scope,
          loops: [...scope.loops, { name: copy.name as string, index, unnamed: false }],
        }),
      );
    }
    return out;
  }

  private node(node: Node, scope: Scope, source: string): Value {
    switch (node.kind) {
      case "string":
      case "number":
        return node.value;
      case "property":
        return member(this.node(node.target, scope, source), node.name, source);
      case "index": {
        const target = this.node(node.target, scope, source);
        const index = this.node(node.index, scope, source);
        if (Array.isArray(target) && typeof index === "number") {
          if (index < 0 || index >= target.length)
            throw invalid(
              `The index ${index} is out of range of an array of ${target.length} (in '${source}').`,
            );
          return target[index];
        }
        if (typeof index === "string") return member(target, index, source);
        throw invalid(`Cannot index ${typeName(target)} with ${typeName(index)} (in '${source}').`);
      }
      case "call":
        return this.call(node, scope, source);
    }
  }

  private call(node: Extract<Node, { kind: "call" }>, scope: Scope, source: string): Value {
    const name = node.name.toLowerCase();
    const arg = (i: number) => this.node(node.args[i], scope, source);
    const args = () => node.args.map((a) => this.node(a, scope, source));
    switch (name) {
      case "if": {
        if (node.args.length !== 3) throw invalid("The template function 'if' expects 3 arguments.");
        const condition = arg(0);
        if (typeof condition !== "boolean")
          throw invalid(`The first argument of 'if' must be a boolean, not ${typeName(condition)}.`);
        return condition ? arg(1) : arg(2);
      }
      case "and":
      case "or": {
        if (node.args.length < 2)
          throw invalid(`The template function '${node.name}' expects at least 2 arguments.`);
        for (let i = 0; i < node.args.length; i++) {
          const v = arg(i);
          if (typeof v !== "boolean")
            throw invalid(`The arguments of '${node.name}' must be booleans, not ${typeName(v)}.`);
          if (name === "and" ? !v : v) return v;
        }
        return name === "and";
      }
      case "coalesce":
        for (let i = 0; i < node.args.length; i++) {
          const v = arg(i);
          if (v !== null && v !== undefined) return v;
        }
        return null;
      case "parameters":
        return scope.parameter(this.stringArg(arg(0), "parameters"));
      case "variables":
        return scope.variable(this.stringArg(arg(0), "variables"));
      case "copyindex":
        return copyIndex(scope, args());
      case "reference": {
        const values = args();
        const full = typeof values[2] === "string" && values[2].toLowerCase() === "full";
        return scope.reference(this.stringArg(values[0], "reference"), full);
      }
      case "resourceid":
      case "subscriptionresourceid":
      case "tenantresourceid":
      case "extensionresourceid":
        return resourceIdFrom(scope, RESOURCE_ID_FUNCTIONS[name], args());
      case "resourcegroup":
        return scope.resourceGroup();
      case "subscription":
        return scope.subscription();
      case "deployment":
        return scope.deployment();
      case "tenant":
        return scope.tenant();
      case "environment":
        return AZURE_CLOUD;
      case "tryget": {
        let current: Value = arg(0);
        for (let i = 1; i < node.args.length && current !== null && current !== undefined; i++) {
          const key = arg(i);
          if (Array.isArray(current) && typeof key === "number") current = current[key] ?? null;
          else if (isPlainObject(current) && typeof key === "string") {
            const found = findKey(current, key);
            current = found === undefined ? null : current[found];
          } else current = null;
        }
        return current ?? null;
      }
      case "lambdavariables": {
        const variable = this.stringArg(arg(0), "lambdaVariables");
        if (!scope.lambdas || !(variable in scope.lambdas))
          throw invalid(`The lambda variable '${variable}' is not defined here.`);
        return scope.lambdas[variable];
      }
      case "map":
      case "filter":
      case "sort":
      case "reduce":
      case "toobject":
      case "groupby":
      case "mapvalues":
        return this.lambdaCall(node, scope, source);
    }
    if (name.includes(".")) return this.userCall(node, scope, source);
    const fn = FUNCTIONS[name];
    if (!fn) throw unsupportedFunction(node.name);
    try {
      return fn(args());
    } catch (error) {
      if (error instanceof TemplateError) throw error;
      throw invalid(`Unable to evaluate the template function '${node.name}': ${(error as Error).message}`);
    }
  }

  private stringArg(value: Value, fn: string): string {
    if (typeof value !== "string")
      throw invalid(`The template function '${fn}' expects a string argument, not ${typeName(value)}.`);
    return value;
  }

  private lambdaCall(node: Extract<Node, { kind: "call" }>, scope: Scope, source: string): Value {
    const fn = node.name.toLowerCase();
    const input = this.node(node.args[0], scope, source);
    const apply = (lambda: { names: string[]; body: Node }, values: Value[]) =>
      this.node(
        lambda.body,
        {
          ...scope,
          lambdas: { ...scope.lambdas, ...Object.fromEntries(lambda.names.map((n, i) => [n, values[i]])) },
        },
        source,
      );
    if (fn === "mapvalues") {
      if (!isPlainObject(input))
        throw invalid(`The template function 'mapValues' expects an object, not ${typeName(input)}.`);
      const lambda = lambdaOf(node.args[1], node.name);
      return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, apply(lambda, [v])]));
    }
    if (!Array.isArray(input))
      throw invalid(`The template function '${node.name}' expects an array, not ${typeName(input)}.`);
    if (fn === "reduce") {
      const lambda = lambdaOf(node.args[2], node.name);
      let accumulator = this.node(node.args[1], scope, source);
      input.forEach((item, i) => (accumulator = apply(lambda, [accumulator, item, i])));
      return accumulator;
    }
    const lambda = lambdaOf(node.args[1], node.name);
    if (fn === "map") return input.map((item, i) => apply(lambda, [item, i]));
    if (fn === "filter") return input.filter((item, i) => apply(lambda, [item, i]) === true);
    if (fn === "groupby") {
      const groups: Record<string, Value[]> = {};
      for (const item of input) (groups[stringify(apply(lambda, [item]))] ??= []).push(item);
      return groups;
    }
    if (fn === "sort") return [...input].sort((a, b) => (apply(lambda, [a, b]) === true ? -1 : 1));
    const valueLambda = node.args[2] ? lambdaOf(node.args[2], node.name) : undefined;
    return Object.fromEntries(
      input.map((item) => [
        stringify(apply(lambda, [item])),
        valueLambda ? apply(valueLambda, [item]) : item,
      ]),
    );
  }

  private userCall(node: Extract<Node, { kind: "call" }>, scope: Scope, source: string): Value {
    const fn = scope.userFunction(node.name.toLowerCase());
    if (!fn) throw unsupportedFunction(node.name);
    const values = node.args.map((a) => this.node(a, scope, source));
    if (values.length !== fn.parameters.length)
      throw invalid(`The function '${node.name}' expects ${fn.parameters.length} argument(s).`);
    const own = new Map(fn.parameters.map((p, i) => [p.name.toLowerCase(), values[i]]));
    // A user-defined function sees only its own parameters; no variables, no reference().
    const inner: Scope = {
      ...scope,
      parameter: (p) => {
        if (!own.has(p.toLowerCase())) throw invalid(`The function '${node.name}' has no parameter '${p}'.`);
        return own.get(p.toLowerCase());
      },
      variable: () => {
        throw invalid(`The function '${node.name}' cannot use variables().`);
      },
    };
    return this.value(fn.output.value, inner);
  }
}
