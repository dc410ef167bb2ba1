/**
 * Exit codes of the ADE runner contract: the `ade` CLI and runner images exit with these, and the
 * control plane reports the name. 0 is success and has no name here.
 */

export const ADE_EXIT_CODES = Object.freeze({
  DeploymentError: 1,
  InvalidEndpoint: 7,
  InvalidDevCenterId: 8,
  CliSetupError: 9,
  InvalidOperationId: 10,
  RequestFailed: 11,
  InvalidCliInput: 12,
  FileOperationError: 13,
  EnvironmentStorageExceeded: 14,
  SecurityError: 15,
  DeploymentIdentitySignInError: 16,
  CliUpgradeError: 17,
  UnknownError: 99,
} as const);

export type AdeExitCodeName = keyof typeof ADE_EXIT_CODES;

const NAMES_BY_CODE: ReadonlyMap<number, AdeExitCodeName> = new Map(
  (Object.keys(ADE_EXIT_CODES) as AdeExitCodeName[]).map((name) => [ADE_EXIT_CODES[name], name]),
);

/** The name of an exit code; codes outside the contract (including 0) are "UnknownError". */
export function exitCodeName(code: number): AdeExitCodeName {
  return NAMES_BY_CODE.get(code) ?? "UnknownError";
}
