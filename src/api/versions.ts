/** The `api-version` query parameter every data-plane operation requires. */
import { ApiError, ApiRequest } from "./http";

/** The data-plane versions of the contract's routes (contracts/README.md), oldest first. */
export const SUPPORTED_API_VERSIONS: readonly string[] = Object.freeze([
  "2023-04-01",
  "2024-02-01",
  "2024-05-01-preview",
  "2024-08-01-preview",
  "2024-09-01-preview",
  "2024-10-01-preview",
  "2025-02-01",
  "2025-04-01-preview",
  "2025-07-01-preview",
  "2025-08-01-preview",
  "2026-01-01-preview",
]);

export const LATEST_API_VERSION = SUPPORTED_API_VERSIONS[SUPPORTED_API_VERSIONS.length - 1];

export function requireApiVersion(request: ApiRequest): string {
  const version = request.url.searchParams.get("api-version");
  if (version === null || version === "") {
    throw new ApiError(
      400,
      "MissingApiVersionParameter",
      `The api-version query parameter is required; supported versions: ${SUPPORTED_API_VERSIONS.join(", ")}.`,
      { target: "api-version" },
    );
  }
  if (!SUPPORTED_API_VERSIONS.includes(version)) {
    throw new ApiError(
      400,
      "UnsupportedApiVersion",
      `The api-version ${JSON.stringify(version.slice(0, 40))} is not supported; supported versions: ${SUPPORTED_API_VERSIONS.join(", ")}.`,
      { target: "api-version" },
    );
  }
  return version;
}
