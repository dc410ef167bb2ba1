/**
 * The wire contract between the `ade` CLI (runner/cli) and the runner API: routes, bodies, the
 * variables a runner container receives. Both sides import it (and the limits in src/core/limits.ts),
 * so they cannot drift apart.
 *
 * Every route is below the runner endpoint (`ADE_RUNNER_ENDPOINT` = `{app}/runner/projects/{project}`)
 * and takes `Authorization: Bearer {ADE_RUNNER_TOKEN}`:
 *
 * | method | path below the endpoint                  | body → answer                                  |
 * |--------|------------------------------------------|------------------------------------------------|
 * | GET    | /operations/{id}                         | → OperationContext                             |
 * | GET    | /operations/{id}/definition/content      | → zip of the definition folder                 |
 * | GET    | /operations/{id}/files                   | → string[] (file names)                        |
 * | GET    | /operations/{id}/files/{name}            | → the file's bytes                             |
 * | PUT    | /operations/{id}/files/{name}            | bytes → 204                                    |
 * | POST   | /operations/{id}/logs[?file={name}]      | UTF-8 text (whole lines) → 204                 |
 * | PUT    | /operations/{id}/outputs                 | EnvironmentOutputs → 204                       |
 * | PUT    | /operations/{id}/result                  | OperationResultBody → 204                      |
 * | POST   | /operations/{id}/finished                | RunnerFinishedBody → 202                       |
 *
 * Errors are Azure.Core error bodies `{"error":{"code","message"}}` (header x-ms-error-code); the
 * codes are ADE exit-code names where one fits, so the CLI exits with the matching code.
 */
import type { AdeExitCodeName } from "../core/exit-codes";

/** Bumped when a change would break older CLIs; `ade upgrade` compares it. */
export const RUNNER_PROTOCOL_VERSION = 1;

/** Variables of the runner container beyond the ADE_HTTP__* pair. */
export const RUNNER_VARIABLES = {
  endpoint: "ADE_RUNNER_ENDPOINT",
  /** Secret: passed as a secure value, never printed. */
  token: "ADE_RUNNER_TOKEN",
  operationId: "ADE_HTTP__OPERATIONID",
  devCenterId: "ADE_HTTP__DEVCENTERID",
  /**
   * Ours: when the operation times out (ISO 8601). The CLI retries a failing request until then,
   * since the operation may still succeed until then.
   */
  deadline: "ADE_OPERATION_DEADLINE",
  /** Log pump: a batch is sent once it holds this many bytes ... */
  logBatchBytes: "ADE_LOG_BATCH_BYTES",
  /** ... or this many milliseconds after its first line. */
  logIntervalMs: "ADE_LOG_INTERVAL_MS",
  /** How long a failing batch is retried before the pump gives up on it. */
  logRetryMs: "ADE_LOG_RETRY_MS",
  /**
   * Ours, exported by `ade init`: a JSON array of the ids of the operation's secure parameters (those
   * its definition's parametersSchema marks writeOnly), so that `ade execute` masks their values
   * (from ADE_OPERATION_PARAMETERS) in the log before it cuts a long line.
   */
  secureParameterIds: "ADE_SECURE_PARAMETER_IDS",
} as const;

/** What `ade environment` prints (the documented shape). */
export interface RunnerEnvironmentInfo {
  name: string;
  environmentType: string;
  user: string;
  provisioningState: string;
  resourceGroupId?: string;
  catalogName: string;
  environmentDefinitionName: string;
  /** The parameters of this operation. */
  parameters: Record<string, unknown>;
  location?: string;
}

/** What `ade definitions list` prints (the documented shape). */
export interface RunnerDefinitionInfo {
  id: string;
  name: string;
  catalogName: string;
  description?: string;
  parameters: unknown[];
  parametersSchema: string;
  /** `{catalog}/{definition folder}/{template}`: where the template lands below $ADE_ROOT/repository. */
  templatePath: string;
  /** `{catalog}/{definition folder}`. */
  contentSourcePath: string;
}

export interface OperationContext {
  protocolVersion: number;
  operation: { id: string; kind: "deploy" | "delete"; project: string };
  environment: RunnerEnvironmentInfo;
  definition: RunnerDefinitionInfo;
}

export interface OperationResultBody {
  code: string;
  message: string;
}

export interface RunnerFinishedBody {
  exitCode: number;
}

/** Error codes of the runner API: ADE exit-code names, so the CLI exits with the matching code. */
export type RunnerErrorCode = AdeExitCodeName;

/**
 * Names of environment files: one path segment of up to 255 letters, digits, spaces and . _ - + @ ( ) = ,
 * not starting with a space nor ending with a dot or space (no "/", "\" or "%": a name cannot leave
 * the environment's storage or be decoded twice; "." and ".." are out).
 */
export function isValidFileName(name: string): boolean {
  return /^[\w+@()=,-]$|^[\w.+@()=,-][\w .+@()=,-]{0,253}[\w+@()=,-]$/.test(name);
}
