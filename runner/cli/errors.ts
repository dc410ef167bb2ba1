/** The CLI's failures: each carries the ADE exit-code name the process exits with. */
import { ADE_EXIT_CODES, type AdeExitCodeName } from "../../src/core/exit-codes";

export class CliError extends Error {
  constructor(
    readonly codeName: AdeExitCodeName,
    message: string,
    /** A request that may succeed when sent again (network failure, 5xx, 429). */
    readonly retryable = false,
  ) {
    super(message);
    this.name = "CliError";
  }

  get exitCode(): number {
    return ADE_EXIT_CODES[this.codeName];
  }
}

export function isExitCodeName(code: unknown): code is AdeExitCodeName {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ADE_EXIT_CODES, code);
}

/** Any failure as a CliError: Node's file system errors are FileOperationErrors, the rest UnknownErrors. */
export function asCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  // Node's file system errors carry a syscall ("open", "mkdir", ...).
  if (error instanceof Error && "syscall" in error) return new CliError("FileOperationError", error.message);
  return new CliError("UnknownError", error instanceof Error ? error.message : String(error));
}
