/** What a deployment reports: ARM's DeploymentFailed, and parameters and records with no secure value. */
import { Value, isPlainObject } from "./functions";
import { ArmErrorBody } from "./model";
import { BoundParameters } from "./parameters";

export function deploymentFailed(target: string, failures: ArmErrorBody[]): ArmErrorBody {
  return {
    code: "DeploymentFailed",
    target,
    message:
      "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
    details: failures,
  };
}

/** Every string value of the secure parameters, to keep them out of what is recorded. */
export function secretsOf(bound: BoundParameters): string[] {
  const out: string[] = [];
  const walk = (v: Value) => {
    if (typeof v === "string" && v.length >= 3) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isPlainObject(v)) Object.values(v).forEach(walk);
  };
  for (const [name, value] of Object.entries(bound.values))
    if (bound.secure.has(name.toLowerCase())) walk(value);
  return out.sort((a, b) => b.length - a.length);
}

export function redact<T>(value: T, secrets: string[]): T {
  if (!secrets.length) return value;
  const walk = (v: Value): Value => {
    if (typeof v === "string") return secrets.reduce((s, secret) => s.split(secret).join("[redacted]"), v);
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** Parameters as ARM reports them on a deployment: secure values left out. */
export function reportedParameters(bound: BoundParameters): Record<string, { type: string; value?: Value }> {
  return Object.fromEntries(
    Object.entries(bound.values).map(([name, value]) => [
      name,
      bound.secure.has(name.toLowerCase()) ? { type: bound.types[name] } : { type: bound.types[name], value },
    ]),
  );
}
