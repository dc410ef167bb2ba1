/**
 * Entry point of runner/images/arm-bicep/arm-deploy.js (`arm-deploy deploy|delete`): deploys
 * $ADE_TEMPLATE_FILE to the environment's resource group as the runner identity, or empties the group
 * (Complete mode, empty template) for delete. Progress goes to stdout, a failure to stderr (the Core
 * entrypoint records it in $ADE_ERROR_LOG), and the exit code is the ADE one.
 */
import { writeFile } from "node:fs/promises";
import { DeploymentsClient } from "@azure/arm-resourcesdeployments";
import { ARM_SCOPE, armClientOptions } from "../../src/azure/arm-options";
import { restCode } from "../../src/azure/rest-errors";
import { createArmCredential } from "../../src/azure/credentials";
import { DEFAULT_ARM_ENDPOINT } from "../../src/config";
import { runDeployment } from "./deployment";
import { RunnerError } from "./errors";
import { environmentOutputs } from "./outputs";
import { loadTemplate, templateParameters } from "./template";

type Env = Record<string, string | undefined>;

const EMPTY_TEMPLATE = {
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  contentVersion: "1.0.0.0",
  resources: [],
};

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value)
    throw new RunnerError(
      "InvalidCliInput",
      `${name} is not set; run this inside the runner (after ade init).`,
    );
  return value;
}

function operationParameters(env: Env): Record<string, unknown> {
  const text = env.ADE_OPERATION_PARAMETERS?.trim() || "{}";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RunnerError("InvalidCliInput", "ADE_OPERATION_PARAMETERS is not JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RunnerError("InvalidCliInput", "ADE_OPERATION_PARAMETERS is not a JSON object.");
  }
  return value as Record<string, unknown>;
}

/** The runner identity (a user-assigned managed identity), or the emulator's fixed token locally. */
async function signIn(env: Env): Promise<DeploymentsClient> {
  const endpoint = env.ARM_ENDPOINT?.trim() || DEFAULT_ARM_ENDPOINT;
  const clientId = env.ADE_CLIENT_ID?.trim() || undefined;
  const credential = createArmCredential({
    endpoint,
    credential:
      env.AZURE_CREDENTIAL?.trim() === "emulator"
        ? { kind: "emulator" }
        : { kind: "managedIdentity", clientId },
  });
  try {
    // Once, with the credential's own bounded retries: an identity that is not there fails the run.
    await credential.getToken(ARM_SCOPE);
  } catch (error) {
    throw new RunnerError(
      "DeploymentIdentitySignInError",
      `Signing in as the runner identity${clientId ? ` (client id ${clientId})` : ""} failed: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const { agent, retryOptions } = armClientOptions({
    endpoint,
    caCertFile: env.ARM_CA_CERT_FILE?.trim() || undefined,
  });
  return new DeploymentsClient(credential, required(env, "ADE_SUBSCRIPTION_ID"), {
    endpoint,
    agent,
    retryOptions,
  });
}

function deploymentName(env: Env): string {
  const operationId = env.ADE_HTTP__OPERATIONID?.trim();
  return `ade-${operationId || new Date().toISOString().replace(/\D/g, "").slice(0, 14)}`.slice(0, 64);
}

function pollInterval(env: Env): number | undefined {
  const value = Number(env.ARM_POLL_INTERVAL_MS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

async function deploy(env: Env, log: (line: string) => void): Promise<void> {
  const templateFile = required(env, "ADE_TEMPLATE_FILE");
  const resourceGroup = required(env, "ADE_RESOURCE_GROUP_NAME");
  const outputsFile = required(env, "ADE_OUTPUTS");
  const template = loadTemplate(templateFile);
  const { parameters, ignored } = templateParameters(template, operationParameters(env));
  if (ignored.length > 0) log(`Not passed (the template does not declare them): ${ignored.join(", ")}`);
  const client = await signIn(env);
  const outputs = await runDeployment(
    client,
    {
      resourceGroup,
      name: deploymentName(env),
      template,
      parameters,
      mode: "Incremental",
      pollIntervalMs: pollInterval(env),
    },
    log,
  );
  const { document, skipped } = environmentOutputs(outputs);
  for (const name of skipped)
    log(`Output ${name} has no value in the deployment (ARM returns none for secure outputs).`);
  await writeFile(outputsFile, JSON.stringify(document));
  log(`${Object.keys(document.outputs).length} outputs written to ${outputsFile}.`);
}

async function remove(env: Env, log: (line: string) => void): Promise<void> {
  const resourceGroup = required(env, "ADE_RESOURCE_GROUP_NAME");
  const client = await signIn(env);
  try {
    await runDeployment(
      client,
      {
        resourceGroup,
        name: deploymentName(env),
        template: EMPTY_TEMPLATE,
        parameters: {},
        mode: "Complete",
        pollIntervalMs: pollInterval(env),
      },
      log,
    );
  } catch (error) {
    if (error instanceof RunnerError && "code" in error && error.code === "ResourceGroupNotFound") {
      log(`Resource group ${resourceGroup} is already gone: nothing to delete.`);
      return;
    }
    throw error;
  }
  log(`Resource group ${resourceGroup} emptied; the control plane deletes the group itself.`);
}

const COMMANDS: Record<string, (env: Env, log: (line: string) => void) => Promise<void>> = {
  deploy,
  delete: remove,
};

async function main(args: string[], env: Env): Promise<number> {
  const command = COMMANDS[args[0] ?? ""];
  if (!command || args.length !== 1) {
    process.stderr.write("Usage: arm-deploy deploy|delete\n");
    return 12;
  }
  try {
    await command(env, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (error) {
    if (error instanceof RunnerError) {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    const code = restCode(error);
    process.stderr.write(
      `ARM request failed${code ? ` (${code})` : ""}: ${(error as Error).message ?? String(error)}\n`,
    );
    return 1;
  }
}

main(process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code;
});
