/**
 * The operation an activity works for, from what the activity knows: its input (an
 * OperationInput, an OperationPlan, or one wrapped in `plan` / `input`) or else the Durable
 * instance id the host passes as the activity trigger's `instanceId` (the operation id, or the
 * operation's cleanup orchestration). Inputs that name no operation (a role grant, a runner
 * container) get project and environment from an earlier activity of the same operation in this
 * process, when there was one.
 */
export interface OperationFields {
  operationId?: string;
  project?: string;
  environment?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fromInput(input: unknown): OperationFields {
  for (const candidate of [input, isObject(input) && input.plan, isObject(input) && input.input]) {
    if (!isObject(candidate) || typeof candidate.operationId !== "string") continue;
    return {
      operationId: candidate.operationId,
      ...(typeof candidate.project === "string" && { project: candidate.project }),
      ...(typeof candidate.environmentName === "string" && { environment: candidate.environmentName }),
    };
  }
  return {};
}

const MAX_REMEMBERED = 1000;
const remembered = new Map<string, OperationFields>();

/** The cleanup orchestration of an abandoned operation runs as `<operationId>-cleanup` (src/operations/cleanup.ts). */
const CLEANUP_INSTANCE = /-cleanup$/;

export function operationFields(instanceId: string | undefined, input: unknown): OperationFields {
  const given = fromInput(input);
  const operationId = given.operationId ?? instanceId?.replace(CLEANUP_INSTANCE, "");
  if (!operationId) return {};
  const fields = { ...remembered.get(operationId), ...given, operationId };
  if (fields.project && fields.environment) {
    remembered.delete(operationId);
    remembered.set(operationId, fields);
    if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
  }
  return fields;
}

/** One structured log line: the message with the operation's fields and the step, as JSON. */
export function operationLogLine(fields: OperationFields, step: string, message: string): string {
  return JSON.stringify({
    message,
    operationId: fields.operationId,
    project: fields.project,
    environment: fields.environment,
    step,
  });
}
