/**
 * Client options shared by the ARM clients: the endpoint, the management scope (which a custom
 * endpoint would otherwise change), extra trusted CA certificates, and retry settings.
 */
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { createSecureContext, rootCertificates } from "node:tls";
import { ArmConfig, ConfigError } from "../config";
import { ArmError, type ArmProgress } from "../operations/ports";
import { isRestError } from "./rest-errors";

export const ARM_SCOPE = "https://management.azure.com/.default";

/** The SDK pipeline's retry settings (3 retries with exponential back-off by default). */
export interface RetryOptions {
  maxRetries?: number;
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
}

export interface ArmClientOptions {
  endpoint: string;
  credentialScopes: string[];
  /** With extra trusted CAs: one keep-alive agent for every ARM client. */
  agent?: Agent;
  retryOptions?: RetryOptions;
}

export function armClientOptions(
  config: Pick<ArmConfig, "endpoint" | "caCertFile">,
  retryOptions?: RetryOptions,
): ArmClientOptions {
  const options: ArmClientOptions = {
    endpoint: config.endpoint,
    credentialScopes: [ARM_SCOPE],
    retryOptions,
  };
  if (config.caCertFile) {
    let pem: string;
    try {
      pem = readFileSync(config.caCertFile, "utf8");
    } catch (error) {
      throw new ConfigError(`Cannot read ARM_CA_CERT_FILE ${config.caCertFile}: ${(error as Error).message}`);
    }
    // Trust the file in addition to the usual public roots, not instead of them. One secure
    // context for all connections: given as `ca`, the ~150 certificates would be parsed for every
    // new connection and joined into the agent's socket-pool key on every request.
    const secureContext = createSecureContext({ ca: [...rootCertificates, pem] });
    options.agent = new Agent({ keepAlive: true, secureContext });
  }
  return options;
}

const LRO_FAILED = /^The long-running operation has failed\. ([\w.-]+)\. /;

/**
 * An ArmError for a failed call: ARM's code and first message line, never the request (its headers
 * carry the token, its body may carry secure values).
 */
export function toArmError(error: unknown, action: string): ArmError {
  if (error instanceof ArmError) return error;
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  if (isRestError(error)) {
    return new ArmError(
      error.code ?? `Http${error.statusCode ?? "Error"}`,
      `${action} failed: ${message}`,
      error.statusCode,
    );
  }
  const lro = LRO_FAILED.exec(message);
  return new ArmError(lro ? lro[1] : "ArmRequestFailed", `${action} failed: ${message}`);
}

/** What a long-running operation's poller reached; a failed operation throws its error. */
export async function armProgress(poller: {
  isDone(): boolean;
  toString(): string;
  pollUntilDone(): Promise<unknown>;
}): Promise<ArmProgress> {
  if (!poller.isDone()) return { done: false, resumeFrom: poller.toString() };
  // Done: this makes no request; it answers the result or throws the operation's error.
  await poller.pollUntilDone();
  return { done: true };
}
