/** The `api-version` query parameter every data-plane operation requires. */
import { ApiError, ApiRequest } from "./http";

/**
 * The published data-plane versions (Azure/azure-rest-api-specs, specification/devcenter/data-plane/
 * Microsoft.DevCenter/{stable,preview}) whose environment routes are the ones we serve, with the same
 * shapes, oldest first. 2023-04-01 is the first with environmentDefinitions; the versions before it
 * (2022-03-01-preview, 2022-11-11-preview, 2023-01-01-preview) have catalogItems, artifacts and
 * actions such as :deploy and :custom instead.
 */
export const SUPPORTED_API_VERSIONS: readonly string[] = Object.freeze([
  "2023-04-01",
  "2023-10-01-preview",
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

export const OLDEST_API_VERSION = SUPPORTED_API_VERSIONS[0];
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
  if (SUPPORTED_API_VERSIONS.includes(version)) return version;
  const quoted = JSON.stringify(version.slice(0, 40));
  // Dates compare as text: a version older than the oldest we serve has other routes and shapes.
  if (/^\d{4}-\d{2}-\d{2}/.test(version) && version.slice(0, 10) < OLDEST_API_VERSION) {
    throw new ApiError(
      400,
      "UnsupportedApiVersion",
      `The api-version ${quoted} is older than this service's routes (catalog items, artifacts); the oldest supported version is ${OLDEST_API_VERSION}.`,
      { target: "api-version" },
    );
  }
  throw new ApiError(
    400,
    "UnsupportedApiVersion",
    `The api-version ${quoted} is not supported; supported versions: ${SUPPORTED_API_VERSIONS.join(", ")}.`,
    { target: "api-version" },
  );
}
