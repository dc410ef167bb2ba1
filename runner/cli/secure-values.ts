/**
 * The secure parameter values `ade execute` masks in what it sends to the log. The runner API masks
 * them too, in each batch; the pump must do it first because it cuts a line longer than a batch, and
 * a value across a cut would reach the API in two halves.
 */
import { secureValueForms } from "../../src/core/secrets";
import { RUNNER_VARIABLES } from "../../src/runner-protocol/protocol";
import { isPlainObject } from "../../src/core/values";

type Env = Record<string, string | undefined>;

/** The ids of the secure parameters in a definition's parametersSchema (they are marked writeOnly). */
export function secureParameterIds(parametersSchema: string): string[] {
  const schema: unknown = JSON.parse(parametersSchema);
  const properties = isPlainObject(schema) && isPlainObject(schema.properties) ? schema.properties : {};
  return Object.entries(properties)
    .filter(([, property]) => isPlainObject(property) && property.writeOnly === true)
    .map(([id]) => id);
}

/**
 * The texts to mask: the forms of the values in ADE_OPERATION_PARAMETERS of the ids `ade init` put
 * in ADE_SECURE_PARAMETER_IDS. When those variables are unreadable (a script replaced them), `warn`
 * is told and nothing is masked here: the runner API still masks what it receives.
 */
export function secureValuesToMask(env: Env, warn: (message: string) => void): string[] {
  const ids = env[RUNNER_VARIABLES.secureParameterIds];
  if (!ids) return [];
  try {
    const idList: unknown = JSON.parse(ids);
    const parameters: unknown = JSON.parse(env.ADE_OPERATION_PARAMETERS ?? "");
    if (!Array.isArray(idList) || !isPlainObject(parameters)) throw new Error("not an array and an object");
    return secureValueForms(idList.map((id) => parameters[String(id)]));
  } catch (error) {
    warn(
      `${RUNNER_VARIABLES.secureParameterIds} or ADE_OPERATION_PARAMETERS cannot be read (${(error as Error).message}); ` +
        "secure values are masked by the control plane only.",
    );
    return [];
  }
}
