/**
 * The Azure SDKs' RestError, read by its name: each SDK package may bring its own copy of
 * @azure/core-rest-pipeline, so `instanceof` against one package's class can miss another's.
 */

export interface RestErrorLike extends Error {
  statusCode?: number;
  code?: string;
}

export function isRestError(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === "RestError";
}

/** The HTTP status of an SDK call that failed with a RestError. */
export function restStatus(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

/** The service's error code of an SDK call that failed with a RestError. */
export function restCode(error: unknown): string | undefined {
  return isRestError(error) ? error.code : undefined;
}
