/**
 * The runner API's handlers: pure functions of a request and the ports. Each checks the bearer
 * token against the operation's stored hash (constant time) and that the operation is Running,
 * then works only on that operation and its environment. See protocol.ts for the routes.
 */
import { findProjectEnvironmentType, type DevCenterConfig } from "../core/devcenter-config";
import { isUuid, isValidName } from "../core/names";
import { formatIssues } from "../core/result";
import { scrubSecrets } from "../core/secrets";
import { isPlainObject } from "../core/values";
import {
  CONTAINERS,
  environmentFilePrefix,
  environmentOutputsBlob,
  operationLogBlob,
  type EnvironmentRecord,
  type OperationRecord,
} from "../storage/records";
import type { OperationScheduler } from "../operations/requests";
import { PortError } from "../core/ports";
import { type BlobStore, type RecordStore } from "../storage/ports";
import {
  openSealedParameters,
  sealedValueForms,
  type SecureParameterSealer,
} from "../storage/secure-parameters";
import { updateRecord } from "../storage/update-record";
import { DefinitionLoader, DefinitionUnavailableError, definitionInfo, definitionZip } from "./definition";
import { validateEnvironmentOutputs } from "../runner-protocol/outputs";
import {
  MAX_ENVIRONMENT_FILE_BYTES,
  MAX_LOG_APPEND_BYTES,
  MAX_OUTPUTS_BYTES,
  MAX_RESULT_MESSAGE_CHARS,
} from "../core/limits";
import {
  isValidFileName,
  RUNNER_PROTOCOL_VERSION,
  type OperationContext,
  type RunnerErrorCode,
} from "../runner-protocol/protocol";
import { runnerTokenMatches } from "../runner-protocol/token";

export interface RunnerRequest {
  /** The route's {project}, {operationId} and, for files, {fileName}. */
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  /** The Authorization header. */
  authorization: string | null;
  /** The body, or undefined when it is larger than `limit` bytes (then not read further). */
  body(limit: number): Promise<Uint8Array | undefined>;
}

export interface RunnerResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  jsonBody?: unknown;
}

export interface RunnerApiSettings {
  /** Most bytes the files of one environment may take together. */
  environmentStorageCapBytes: number;
}

export interface RunnerApiDeps {
  operations: RecordStore<OperationRecord>;
  environments: RecordStore<EnvironmentRecord>;
  blobs: BlobStore;
  devCenter: DevCenterConfig;
  settings: RunnerApiSettings;
  /** Opens the operation's sealed secure parameters for its runner. */
  secureParameters?: SecureParameterSealer;
}

/** Tells the operation's orchestration its runner finished; false when it has no orchestration. */
export type NotifyFinished = OperationScheduler["runnerFinished"];

/** A request the API refuses, with the Azure.Core error it answers. */
export class RunnerApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: RunnerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "RunnerApiError";
  }
}

interface Authorized {
  project: string;
  operation: OperationRecord;
  /** The presented token, to scrub from what the runner sends. */
  token: string;
}

// eslint-disable-next-line no-control-regex
const RESULT_CODE = /^[^\u0000-\u001f\u007f]{1,128}$/;

function errorResponse(status: number, code: string, message: string): RunnerResponse {
  return { status, headers: { "x-ms-error-code": code }, jsonBody: { error: { code, message } } };
}

export function createRunnerApi(deps: RunnerApiDeps) {
  const definitions = new DefinitionLoader(deps.blobs);

  /**
   * Masks the runner's own token and the operation's secure parameter values in text it sends (a
   * script might print its environment, an error quote a value): here, so that every image is
   * covered, whether or not it sends its log through our `ade execute`.
   */
  function scrub(text: string, { token, operation }: Authorized): string {
    return scrubSecrets(text, [
      token,
      ...sealedValueForms(deps.secureParameters, operation.sealedParameters),
    ]);
  }

  async function authorize(request: RunnerRequest): Promise<Authorized> {
    const match = /^Bearer ([A-Za-z0-9_-]{16,512})$/.exec(request.authorization ?? "");
    if (!match) throw new RunnerApiError(401, "SecurityError", "A runner bearer token is required.");
    const token = match[1];
    const project = request.params.project ?? "";
    const operationId = request.params.operationId ?? "";
    const stored =
      isValidName(project) && isUuid(operationId)
        ? await deps.operations.get(project, operationId)
        : undefined;
    if (!stored) {
      throw new RunnerApiError(
        404,
        "InvalidOperationId",
        `Operation ${operationId} does not exist in project ${project}.`,
      );
    }
    if (!runnerTokenMatches(token, stored.value.runnerTokenHash)) {
      throw new RunnerApiError(401, "SecurityError", `The token is not valid for operation ${operationId}.`);
    }
    if (stored.value.status !== "Running") {
      throw new RunnerApiError(
        409,
        "InvalidOperationId",
        `Operation ${operationId} is not running (it is ${stored.value.status}).`,
      );
    }
    return { project, operation: stored.value, token };
  }

  async function environmentOf({ project, operation }: Authorized): Promise<EnvironmentRecord> {
    const stored = await deps.environments.get(project, operation.environmentName);
    if (!stored) {
      throw new RunnerApiError(
        409,
        "InvalidOperationId",
        `Environment ${operation.environmentName} does not exist.`,
      );
    }
    return stored.value;
  }

  async function definitionOf({ operation }: Authorized) {
    if (!operation.definition) {
      throw new RunnerApiError(
        409,
        "InvalidOperationId",
        `Operation ${operation.id} has no environment definition.`,
      );
    }
    try {
      return { definition: operation.definition, ...(await definitions.load(operation.definition)) };
    } catch (error) {
      if (error instanceof DefinitionUnavailableError)
        throw new RunnerApiError(409, "InvalidOperationId", error.message);
      throw error;
    }
  }

  function fileName(request: RunnerRequest): string {
    const name = request.params.fileName ?? "";
    if (!isValidFileName(name))
      throw new RunnerApiError(400, "InvalidCliInput", `"${name}" is not a valid file name.`);
    return name;
  }

  async function boundedBody(
    request: RunnerRequest,
    limit: number,
    what: string,
    code: RunnerErrorCode = "InvalidCliInput",
  ): Promise<Uint8Array> {
    const body = await request.body(limit);
    if (body === undefined) {
      throw new RunnerApiError(413, code, `${what} is larger than ${limit} bytes, the most accepted.`);
    }
    return body;
  }

  async function jsonBody(request: RunnerRequest, limit: number, what: string): Promise<unknown> {
    const text = new TextDecoder().decode(await boundedBody(request, limit, what));
    try {
      return JSON.parse(text);
    } catch {
      throw new RunnerApiError(400, "InvalidCliInput", `${what} is not JSON.`);
    }
  }

  /** Runs a handler: authorization first, then errors as Azure.Core error responses. */
  function handler(run: (request: RunnerRequest, auth: Authorized) => Promise<RunnerResponse>) {
    return async (request: RunnerRequest): Promise<RunnerResponse> => {
      try {
        return await run(request, await authorize(request));
      } catch (error) {
        if (error instanceof RunnerApiError) return errorResponse(error.status, error.code, error.message);
        const message = error instanceof PortError ? `${error.code}: ${error.message}` : String(error);
        return errorResponse(
          500,
          "RequestFailed",
          `The runner API could not complete the request (${message}).`,
        );
      }
    };
  }

  const getContext = handler(async (_request, auth) => {
    const [environment, { definition, manifest }] = await Promise.all([
      environmentOf(auth),
      definitionOf(auth),
    ]);
    const context: OperationContext = {
      protocolVersion: RUNNER_PROTOCOL_VERSION,
      operation: { id: auth.operation.id, kind: auth.operation.kind, project: auth.project },
      environment: {
        name: environment.name,
        environmentType: environment.environmentType,
        user: environment.user,
        provisioningState: environment.provisioningState,
        ...(environment.resourceGroupId !== undefined && { resourceGroupId: environment.resourceGroupId }),
        catalogName: environment.catalogName,
        environmentDefinitionName: environment.environmentDefinitionName,
        parameters: {
          ...auth.operation.environmentParameters,
          ...openSealedParameters(deps.secureParameters, auth.operation.sealedParameters),
        },
        location:
          findProjectEnvironmentType(deps.devCenter, auth.project, environment.environmentType)?.location ??
          deps.devCenter.devCenter.location,
      },
      definition: definitionInfo(auth.project, definition, manifest),
    };
    return { status: 200, jsonBody: context };
  });

  const getDefinitionContent = handler(async (_request, auth) => {
    const { files } = await definitionOf(auth);
    return { status: 200, headers: { "content-type": "application/zip" }, body: definitionZip(files) };
  });

  const listFiles = handler(async (_request, { project, operation }) => {
    const prefix = environmentFilePrefix(project, operation.environmentName);
    const blobs = await deps.blobs.list(CONTAINERS.environments, prefix);
    return { status: 200, jsonBody: blobs.map((blob) => blob.name.slice(prefix.length)) };
  });

  const getFile = handler(async (request, { project, operation }) => {
    const name = fileName(request);
    const data = await deps.blobs.get(
      CONTAINERS.environments,
      environmentFilePrefix(project, operation.environmentName) + name,
    );
    if (!data) {
      throw new RunnerApiError(
        404,
        "FileOperationError",
        `Environment ${operation.environmentName} has no file named ${name}.`,
      );
    }
    return { status: 200, headers: { "content-type": "application/octet-stream" }, body: data };
  });

  const putFile = handler(async (request, { project, operation }) => {
    const name = fileName(request);
    const data = await boundedBody(
      request,
      MAX_ENVIRONMENT_FILE_BYTES,
      `The file ${name}`,
      "EnvironmentStorageExceeded",
    );
    const prefix = environmentFilePrefix(project, operation.environmentName);
    const others = (await deps.blobs.list(CONTAINERS.environments, prefix)).filter(
      (blob) => blob.name !== prefix + name,
    );
    const total = others.reduce((sum, blob) => sum + blob.size, data.length);
    const cap = deps.settings.environmentStorageCapBytes;
    if (total > cap) {
      throw new RunnerApiError(
        413,
        "EnvironmentStorageExceeded",
        `With ${name} (${data.length} bytes) the files of environment ${operation.environmentName} would take ` +
          `${total} bytes; the limit is ${cap}.`,
      );
    }
    await deps.blobs.put(CONTAINERS.environments, prefix + name, data, {
      contentType: "application/octet-stream",
    });
    return { status: 204 };
  });

  const appendLog = handler(async (request, auth) => {
    const { project, operation } = auth;
    const file = request.query.get("file");
    if (file !== null && !isValidFileName(file)) {
      throw new RunnerApiError(400, "InvalidCliInput", `"${file}" is not a valid log file name.`);
    }
    const text = scrub(
      new TextDecoder().decode(await boundedBody(request, MAX_LOG_APPEND_BYTES, "A log batch")),
      auth,
    );
    if (text.length > 0) {
      const blob =
        file === null ? operationLogBlob(project, operation.id) : namedLogBlob(project, operation.id, file);
      await deps.blobs.appendLog(CONTAINERS.logs, blob, text.endsWith("\n") ? text : `${text}\n`);
    }
    return { status: 204 };
  });

  const putOutputs = handler(async (request, { project, operation }) => {
    const checked = validateEnvironmentOutputs(
      await jsonBody(request, MAX_OUTPUTS_BYTES, "The outputs document"),
    );
    if (!checked.ok) {
      throw new RunnerApiError(400, "InvalidCliInput", `Invalid outputs:\n${formatIssues(checked.errors)}`);
    }
    await deps.blobs.put(
      CONTAINERS.environments,
      environmentOutputsBlob(project, operation.environmentName),
      JSON.stringify(checked.value),
      { contentType: "application/json" },
    );
    return { status: 204 };
  });

  const putResult = handler(async (request, auth) => {
    const { project, operation } = auth;
    const body = await jsonBody(request, 1024 * 1024, "The operation result");
    const code = isPlainObject(body) ? body.code : undefined;
    const message = isPlainObject(body) ? (body.message ?? "") : undefined;
    if (typeof code !== "string" || !RESULT_CODE.test(code) || typeof message !== "string") {
      throw new RunnerApiError(
        400,
        "InvalidCliInput",
        'The result must be {"code": "<1-128 characters>", "message": "..."}.',
      );
    }
    const clean = scrub(message, auth);
    const result = {
      code: scrub(code, auth),
      message: clean.length > MAX_RESULT_MESSAGE_CHARS ? `…${clean.slice(-MAX_RESULT_MESSAGE_CHARS)}` : clean,
    };
    await updateRecord(deps.operations, project, operation.id, (record) =>
      record.status === "Running" ? { ...record, result } : undefined,
    );
    return { status: 204 };
  });

  /** The only handler that needs the Durable client: the registration passes the scheduler's notice. */
  function finished(notify: NotifyFinished) {
    return handler(async (request, { operation }) => {
      const body = await jsonBody(request, 1024, "The finished notice");
      const exitCode = isPlainObject(body) ? body.exitCode : undefined;
      if (typeof exitCode !== "number" || !Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) {
        throw new RunnerApiError(400, "InvalidCliInput", 'The body must be {"exitCode": <0-255>}.');
      }
      if (!(await notify(operation.id, { exitCode }))) {
        throw new RunnerApiError(
          409,
          "InvalidOperationId",
          `Operation ${operation.id} has no orchestration to tell.`,
        );
      }
      return { status: 202 };
    });
  }

  return {
    getContext,
    getDefinitionContent,
    listFiles,
    getFile,
    putFile,
    appendLog,
    putOutputs,
    putResult,
    finished,
  };
}

export type RunnerApi = ReturnType<typeof createRunnerApi>;

/** Logs a runner writes with `ade log --file NAME`, next to the operation's own log. */
export function namedLogBlob(project: string, operationId: string, file: string): string {
  return `${project}/${operationId}/${file}`;
}
