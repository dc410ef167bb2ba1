/**
 * Runs a template against a resource group: binds parameters, expands copy loops and child resources,
 * deploys each resource after what it depends on (dependsOn, and any resource its expressions
 * reference), runs nested templates, and evaluates outputs. Resources are recorded through the host;
 * nothing is created.
 */
import { randomBytes } from "node:crypto";
import { TemplateError, invalid } from "./errors";
import { Evaluator, Loop, Scope, UserFunction } from "./evaluate";
import { Value, isPlainObject, stringify } from "./functions";
import {
  ArmErrorBody,
  DeploymentHost,
  DeploymentOutcome,
  DeploymentTarget,
  NestedDeploymentResult,
  OperationResult,
} from "./model";
import { BoundParameters, bindParameters, typeSpelling } from "./parameters";
import { deploymentFailed, redact, reportedParameters, secretsOf } from "./report";
import { targetObjects } from "./target";
import { Instance, expandResources, findInstances } from "./resources";
import { checkShape, checkSupported } from "./validate";

const DEPLOYMENTS = "microsoft.resources/deployments";
const evaluator = new Evaluator();

/** A dependency failed: the resource waiting on it is not attempted, as in ARM. */
class Blocked extends Error {}

export interface DeploymentRequest {
  template: Value;
  parameters: Value;
  target: DeploymentTarget;
}

function isoDuration(startedMs: number): string {
  return `PT${((Date.now() - startedMs) / 1000).toFixed(3)}S`;
}

function operationId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

function userFunctions(template: Record<string, Value>): Map<string, UserFunction> {
  const out = new Map<string, UserFunction>();
  for (const entry of Array.isArray(template.functions) ? template.functions : []) {
    const e = entry as { namespace: string; members: Record<string, UserFunction> };
    for (const [name, member] of Object.entries(e.members))
      out.set(`${e.namespace}.${name}`.toLowerCase(), member);
  }
  return out;
}

export class TemplateRun {
  readonly bound: BoundParameters;
  private readonly template: Record<string, Value>;
  private readonly functions: Map<string, UserFunction>;
  private readonly variables = new Map<string, Value>();
  private readonly resolvingVariables = new Set<string>();
  private instances: Instance[] = [];
  private readonly operations: OperationResult[] = [];
  private readonly nested: NestedDeploymentResult[] = [];
  private readonly secrets: string[];

  /**
   * Validates the template and binds its parameters (ARM's validation step); throws TemplateError.
   * `outer`: a nested template in outer scope reads its parent's parameters and variables.
   */
  constructor(
    private readonly request: DeploymentRequest,
    private readonly host: DeploymentHost,
    private readonly outer?: TemplateRun,
  ) {
    checkShape(request.template);
    this.template = request.template;
    if (!outer) checkSupported(this.template);
    this.functions = userFunctions(this.template);
    this.bound = outer
      ? outer.bound
      : bindParameters(this.template.parameters, request.parameters, (value, parameter) =>
          evaluator.value(value, { ...this.scope([]), parameter }),
        );
    this.secrets = secretsOf(this.bound);
  }

  run(): DeploymentOutcome {
    const failed = (error: ArmErrorBody): DeploymentOutcome => ({
      provisioningState: "Failed",
      error,
      outputs: {},
      operations: this.operations,
      resourceIds: this.deployedIds(),
      nested: this.nested,
    });
    try {
      this.instances = expandResources(this.template, this.scope([]), evaluator);
      for (const instance of this.instances) this.ensure(instance);
    } catch (error) {
      if (error instanceof TemplateError) return failed({ code: error.code, message: error.message });
      throw error;
    }
    const failures = this.operations
      .filter((o) => o.error)
      .map((o) => ({ ...(o.error as ArmErrorBody), target: o.targetResource.id }));
    if (failures.length) return failed(deploymentFailed(this.deploymentId(), failures));
    let outputs: DeploymentOutcome["outputs"];
    try {
      outputs = this.outputs();
    } catch (error) {
      if (error instanceof TemplateError) {
        return failed({
          code: error.code,
          message: `Unable to evaluate the template outputs: ${error.message}`,
        });
      }
      throw error;
    }
    return {
      provisioningState: "Succeeded",
      outputs,
      operations: this.operations,
      resourceIds: this.deployedIds(),
      nested: this.nested,
    };
  }

  private deploymentId(): string {
    const t = this.request.target;
    return `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup.name}/providers/Microsoft.Resources/deployments/${t.deploymentName}`;
  }

  private deployedIds(): string[] {
    return this.instances.filter((i) => i.state === "done" && !i.existing).map((i) => i.id);
  }

  scope(loops: Loop[]): Scope {
    const target = this.request.target;
    return {
      subscriptionId: target.subscriptionId,
      resourceGroupName: target.resourceGroup.name,
      loops,
      parameter: (name) => this.parameter(name),
      variable: (name) => this.variable(name),
      reference: (name, full) => this.reference(name, full),
      ...targetObjects(target, this.template),
      userFunction: (name) => this.functions.get(name) ?? this.outer?.functions.get(name),
    };
  }

  private parameter(name: string): Value {
    if (this.outer) return this.outer.parameter(name);
    const key = Object.keys(this.bound.values).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) throw invalid(`The template parameter '${name}' is not found.`);
    return this.bound.values[key];
  }

  private variable(name: string): Value {
    if (this.outer) return this.outer.variable(name);
    const lower = name.toLowerCase();
    if (this.variables.has(lower)) return this.variables.get(lower);
    const definitions = (this.template.variables ?? {}) as Record<string, Value>;
    if (this.resolvingVariables.has(lower))
      throw invalid(`The template variable '${name}' refers to itself.`);
    this.resolvingVariables.add(lower);
    const copies = Array.isArray(definitions.copy)
      ? evaluator.propertyCopies(definitions.copy, this.scope([]))
      : {};
    const copied = Object.keys(copies).find((k) => k.toLowerCase() === lower);
    const key = Object.keys(definitions).find((k) => k !== "copy" && k.toLowerCase() === lower);
    if (key === undefined && copied === undefined)
      throw invalid(`The template variable '${name}' is not found.`);
    const value =
      copied !== undefined ? copies[copied] : evaluator.value(definitions[key as string], this.scope([]));
    this.resolvingVariables.delete(lower);
    this.variables.set(lower, value);
    return value;
  }

  private reference(target: string, full: boolean): Value {
    const [instance] = findInstances(this.instances, target);
    if (!instance) {
      if (this.outer) return this.outer.reference(target, full);
      const existing = target.startsWith("/") ? this.host.existing(target) : undefined;
      if (!existing)
        throw invalid(
          `The resource '${target}' is not defined in the template and was not found in the resource group.`,
        );
      return full
        ? { ...existing, properties: { ...(existing.properties as object), provisioningState: "Succeeded" } }
        : { ...(existing.properties as object), provisioningState: "Succeeded" };
    }
    const state = this.ensure(instance);
    if (state === "failed" || state === "blocked") throw new Blocked();
    if (state === "skipped")
      throw invalid(`The resource '${instance.id}' is not deployed: its condition is false.`);
    const recorded = instance.existing ? this.host.existing(instance.id) : instance.recorded;
    if (!recorded)
      throw invalid(`The existing resource '${instance.id}' was not found in the resource group.`);
    const properties = { ...(recorded.properties as object), provisioningState: "Succeeded" };
    return full ? { ...recorded, properties } : properties;
  }

  /** Deploys the instance once, after its dependencies; answers its final state. */
  private ensure(instance: Instance): Instance["state"] {
    if (instance.state === "deploying")
      throw invalid(`Circular dependency detected on resource '${instance.id}'.`);
    if (instance.state !== "pending") return instance.state;
    instance.state = "deploying";
    try {
      for (const dependency of instance.dependsOn.flatMap((d) => this.dependencies(d, instance))) {
        const state = this.ensure(dependency);
        if (state === "failed" || state === "blocked") return (instance.state = "blocked");
      }
      if (instance.existing) return (instance.state = "done");
      const scope = this.scope(instance.loops);
      if (instance.definition.condition !== undefined) {
        const condition = evaluator.value(instance.definition.condition, scope);
        if (typeof condition !== "boolean")
          throw invalid(
            `The condition of resource '${instance.id}' must be a boolean, not '${stringify(condition)}'.`,
          );
        if (!condition) return (instance.state = "skipped");
      }
      return (instance.state = this.deploy(instance, scope));
    } catch (error) {
      if (error instanceof Blocked) return (instance.state = "blocked");
      if (error instanceof TemplateError && !error.message.startsWith("Unable to process")) {
        throw invalid(
          `Unable to process template language expressions for resource '${instance.id}': ${error.message}`,
        );
      }
      throw error;
    }
  }

  private dependencies(entry: string, of: Instance): Instance[] {
    const found = findInstances(this.instances, entry).filter((i) => i !== of);
    if (!found.length)
      throw invalid(`The resource '${entry}' that '${of.id}' depends on is not defined in the template.`);
    return found;
  }

  private deploy(instance: Instance, scope: Scope): "done" | "failed" {
    const started = Date.now();
    const d = instance.definition;
    const isDeployment = instance.type.toLowerCase() === DEPLOYMENTS;
    const evaluated = (field: string) =>
      d[field] === undefined ? undefined : evaluator.value(d[field], scope);
    const rawProperties = isPlainObject(d.properties) ? d.properties : {};
    const { template, ...rest } = isDeployment ? rawProperties : { template: undefined, ...rawProperties };
    const properties =
      d.properties === undefined ? {} : (evaluator.value(isDeployment ? rest : d.properties, scope) as Value);
    const record = redact(
      {
        id: instance.id,
        type: instance.type,
        name: instance.name,
        apiVersion: evaluated("apiVersion") as string | undefined,
        location: evaluated("location") as string | undefined,
        tags: evaluated("tags") as Record<string, string> | undefined,
        properties,
        sku: evaluated("sku"),
        kind: evaluated("kind"),
        identity: evaluated("identity"),
        plan: evaluated("plan"),
        zones: evaluated("zones"),
        deployment: this.request.target.deploymentName,
      },
      this.secrets,
    );
    let error: ArmErrorBody | undefined;
    if (isDeployment) {
      const nested = this.runNested(instance, template, properties as Record<string, Value>, scope);
      error = nested.error;
      record.properties = {
        ...(record.properties as object),
        outputs: nested.outputs,
        provisioningState: nested.provisioningState,
      };
    } else error = this.host.provision(record);
    instance.recorded = record;
    this.operations.push({
      operationId: operationId(),
      provisioningState: error ? "Failed" : "Succeeded",
      timestamp: new Date().toISOString(),
      duration: isoDuration(started),
      statusCode: error ? (error.code === "ResourceGroupNotFound" ? "NotFound" : "BadRequest") : "Created",
      targetResource: { id: instance.id, resourceType: instance.type, resourceName: instance.name },
      error,
    });
    return error ? "failed" : "done";
  }

  private runNested(
    instance: Instance,
    template: Value,
    properties: Record<string, Value>,
    scope: Scope,
  ): DeploymentOutcome {
    const d = instance.definition;
    const parent = this.request.target;
    const subscriptionId =
      d.subscriptionId === undefined
        ? parent.subscriptionId
        : stringify(evaluator.value(d.subscriptionId, scope));
    const groupName =
      d.resourceGroup === undefined
        ? parent.resourceGroup.name
        : stringify(evaluator.value(d.resourceGroup, scope));
    const group = this.host.resourceGroup(subscriptionId, groupName);
    const fail = (error: ArmErrorBody): DeploymentOutcome => ({
      provisioningState: "Failed",
      error,
      outputs: {},
      operations: [],
      resourceIds: [],
      nested: [],
    });
    if (!group)
      return fail({
        code: "ResourceGroupNotFound",
        message: `Resource group '${groupName}' could not be found.`,
      });
    if (template === undefined)
      return fail({
        code: "InvalidTemplate",
        message: `The nested deployment '${instance.name}' has no inline 'template'.`,
      });
    if (String(properties.mode ?? "Incremental").toLowerCase() !== "incremental") {
      return fail({
        code: "InvalidTemplate",
        message: `The nested deployment '${instance.name}' uses mode '${stringify(properties.mode)}'; the ARM emulator runs nested templates in Incremental mode only.`,
      });
    }
    const options = isPlainObject(properties.expressionEvaluationOptions)
      ? properties.expressionEvaluationOptions
      : {};
    const inner = String(options.scope ?? "outer").toLowerCase() === "inner";
    const request: DeploymentRequest = {
      template,
      parameters: inner ? properties.parameters : undefined,
      target: { ...parent, subscriptionId, resourceGroup: group, deploymentName: instance.name },
    };
    let run: TemplateRun;
    try {
      run = new TemplateRun(request, this.host, inner ? undefined : this);
    } catch (error) {
      if (error instanceof TemplateError) return fail({ code: error.code, message: error.message });
      throw error;
    }
    const outcome = run.run();
    this.nested.push(...outcome.nested, {
      subscriptionId,
      resourceGroup: group.name,
      name: instance.name,
      outcome,
      parameters: inner ? reportedParameters(run.bound) : {},
    });
    return outcome;
  }

  private outputs(): DeploymentOutcome["outputs"] {
    const out: DeploymentOutcome["outputs"] = {};
    for (const [name, definition] of Object.entries((this.template.outputs ?? {}) as Record<string, Value>)) {
      if (!isPlainObject(definition) || typeof definition.type !== "string")
        throw invalid(`The template output '${name}' needs a type.`);
      const scope = this.scope([]);
      if (definition.condition !== undefined && evaluator.value(definition.condition, scope) !== true)
        continue;
      let value: Value;
      if (isPlainObject(definition.copy)) {
        const count = evaluator.value(definition.copy.count, scope);
        if (typeof count !== "number" || count < 0)
          throw invalid(`The copy count of output '${name}' must be a non-negative integer.`);
        value = Array.from({ length: count }, (_, index) =>
          evaluator.value(
            (definition.copy as Record<string, Value>).input,
            this.scope([{ index, unnamed: true }]),
          ),
        );
      } else value = evaluator.value(definition.value, scope);
      // ARM never returns the value of a secure output.
      const type = typeSpelling(definition.type);
      out[name] = type.startsWith("Secure") ? { type } : { type, value: redact(value, this.secrets) };
    }
    return out;
  }
}
