/** What the CLI reads from its environment: the runner container's variables. */
import { RUNNER_VARIABLES } from "../../src/runner-protocol/protocol";
import { CliError } from "./errors";

type Env = Record<string, string | undefined>;

export interface LogPumpSettings {
  batchBytes: number;
  intervalMs: number;
  retryMs: number;
}

export interface ApiSettings {
  /** The runner endpoint without a trailing slash. */
  endpoint: string;
  token: string;
  operationId: string;
  devCenterId: string;
  /** When the operation times out (ms since the epoch); undefined when not given. */
  deadline?: number;
}

export const DEFAULT_ROOT = "/ade";
export const DEFAULT_LOG_PUMP: LogPumpSettings = {
  batchBytes: 4 * 1024 * 1024,
  intervalMs: 1000,
  retryMs: 120_000,
};

/** $ADE_ROOT: the folder every ADE path is under (`/ade` in a container). */
export function adeRoot(env: Env): string {
  return env.ADE_ROOT?.trim() || DEFAULT_ROOT;
}

function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new CliError("CliSetupError", `${name} must be a positive whole number, not "${raw}".`);
  }
  return value;
}

export function logPumpSettings(env: Env): LogPumpSettings {
  return {
    batchBytes: positiveInteger(env, RUNNER_VARIABLES.logBatchBytes, DEFAULT_LOG_PUMP.batchBytes),
    intervalMs: positiveInteger(env, RUNNER_VARIABLES.logIntervalMs, DEFAULT_LOG_PUMP.intervalMs),
    retryMs: positiveInteger(env, RUNNER_VARIABLES.logRetryMs, DEFAULT_LOG_PUMP.retryMs),
  };
}

/** The settings every call to the runner API needs; each missing one has its own exit code. */
export function apiSettings(env: Env): ApiSettings {
  const endpoint = env[RUNNER_VARIABLES.endpoint]?.trim();
  if (!endpoint || !/^https?:\/\/[^/]/.test(endpoint) || !URL.canParse(endpoint)) {
    throw new CliError(
      "InvalidEndpoint",
      `${RUNNER_VARIABLES.endpoint} must be the runner API's http(s) URL.`,
    );
  }
  const operationId = env[RUNNER_VARIABLES.operationId]?.trim();
  if (!operationId) throw new CliError("InvalidOperationId", `${RUNNER_VARIABLES.operationId} is not set.`);
  const devCenterId = env[RUNNER_VARIABLES.devCenterId]?.trim();
  if (!devCenterId) throw new CliError("InvalidDevCenterId", `${RUNNER_VARIABLES.devCenterId} is not set.`);
  const token = env[RUNNER_VARIABLES.token]?.trim();
  if (!token) throw new CliError("SecurityError", `${RUNNER_VARIABLES.token} is not set.`);
  const rawDeadline = env[RUNNER_VARIABLES.deadline]?.trim();
  const deadline = rawDeadline ? Date.parse(rawDeadline) : undefined;
  if (Number.isNaN(deadline)) {
    throw new CliError(
      "CliSetupError",
      `${RUNNER_VARIABLES.deadline} must be an ISO 8601 time, not "${rawDeadline}".`,
    );
  }
  return {
    endpoint: endpoint.replace(/\/+$/, ""),
    token,
    operationId,
    devCenterId,
    ...(deadline !== undefined && { deadline }),
  };
}
