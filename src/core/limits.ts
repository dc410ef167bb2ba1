/**
 * Every size limit of the app, in one place (documented in docs/operations.md, "Limits"). Each is
 * checked where the data comes in, and a request over one is refused with 400 or 413 naming it, so
 * nothing oversize reaches a record, a runner or a listing.
 */

/**
 * The Functions host's own request limit (100 MB, as Kestrel enforces it in Azure and the dev host
 * does locally). Every limit below is smaller, so the app's clear answer comes before the host's.
 */
export const HOST_MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;

/** Largest body of a data-plane request (PUT/PATCH of an environment, actions): JSON of a few KB. */
export const MAX_API_REQUEST_BODY_BYTES = 1024 * 1024;

/**
 * Most bytes an environment's parameters may take as JSON. The runner gets them as one variable
 * (ADE_OPERATION_PARAMETERS, as ADE does), and Linux will not start a process with a variable over
 * 128 KiB; the environment and operation records each hold them too.
 */
export const MAX_PARAMETERS_BYTES = 64 * 1024;

/** Largest environment file a runner may upload (storage.zip and others) in one request. */
export const MAX_ENVIRONMENT_FILE_BYTES = 64 * 1024 * 1024;
/** Largest log append request (one append-blob block). */
export const MAX_LOG_APPEND_BYTES = 4 * 1024 * 1024;
/** Largest outputs document. */
export const MAX_OUTPUTS_BYTES = 4 * 1024 * 1024;
/** Longest operation result message kept (the end of it: the last lines say most). */
export const MAX_RESULT_MESSAGE_CHARS = 16 * 1024;

/**
 * Catalog manifests (environment.yaml). A definition over one of these is not published and shows
 * as a catalog sync error naming the limit: every definitions list and runner context carries them.
 */
export const MANIFEST_LIMITS = {
  /** Bytes of the manifest file itself; it bounds everything in it. */
  fileBytes: 256 * 1024,
  /** Characters of each text field. */
  version: 100,
  summary: 1000,
  description: 10_000,
  /** ARM's own limit of parameters in a template. */
  parameters: 256,
  /** Characters of a parameter's id, name and description each. */
  parameterText: 1000,
  /** Allowed values of one parameter. */
  allowedValues: 1000,
} as const;
