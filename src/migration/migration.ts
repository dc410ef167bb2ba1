/**
 * The migration from Azure Deployment Environments, step by step: read the dev center from ADE's
 * management plane, write our dev center config, read every environment from ADE's data plane and
 * adopt it here. Returns a report of what was done, what would be done (dry run), and what did not map.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { zipSync } from "fflate";
import yaml from "js-yaml";
import { parseDevCenterConfig } from "../core/devcenter-config";
import {
  adoptEnvironment,
  planAdoption,
  type AdoptDeps,
  type AdoptOutcome,
  type AdoptRequest,
} from "../operations/adopt";
import { validateEnvironmentOutputs } from "../runner-protocol/outputs";
import { readAdeEnvironments } from "./ade-data-plane";
import { readAdeDevCenter } from "./ade-management";
import type { AdeEnvironment } from "./ade-model";
import { planDevCenterConfig } from "./config-plan";
import { DATA_PLANE_API_VERSION } from "./ade-data-plane";
import { ReadError, type JsonReader } from "./json-reader";

/** `project/environment` (lower case) → state file path. */
export type StateFiles = Record<string, string>;

export interface MigrationOptions {
  devCenterId: string;
  outFile: string;
  dryRun: boolean;
  skipEnvironments: boolean;
  states: StateFiles;
  dataPlaneEndpoint?: string;
}

export interface MigrationDeps {
  arm: JsonReader;
  dataPlane(endpoint: string): JsonReader;
  /** Dev Center Storage; needed unless the environments are skipped. */
  target?: Omit<AdoptDeps, "now">;
  progress(line: string): void;
  now(): Date;
}

export interface MigrationResult {
  report: string;
  conflicts: number;
  failures: number;
}

const SETTLED_STATES: Record<string, "Succeeded" | "Failed"> = { succeeded: "Succeeded", failed: "Failed" };

function stateBytes(file: string): Uint8Array {
  const bytes = readFileSync(file);
  if (file.toLowerCase().endsWith(".zip")) {
    if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw new Error(`${file} is not a zip file`);
    return bytes;
  }
  // A Terraform state file: the Terraform runner keeps it as terraform.tfstate in $ADE_STORAGE.
  JSON.parse(bytes.toString("utf8"));
  return zipSync({ "terraform.tfstate": bytes });
}

async function isTerraform(reader: JsonReader, environment: AdeEnvironment): Promise<boolean> {
  try {
    const definition = await reader.get(
      `/projects/${encodeURIComponent(environment.project)}/catalogs/${encodeURIComponent(environment.catalogName)}/environmentDefinitions/${encodeURIComponent(environment.environmentDefinitionName)}`,
      DATA_PLANE_API_VERSION,
    );
    return String(definition.templatePath ?? "")
      .toLowerCase()
      .endsWith(".tf");
  } catch (error) {
    if (error instanceof ReadError) return false;
    throw error;
  }
}

export async function runMigration(deps: MigrationDeps, options: MigrationOptions): Promise<MigrationResult> {
  const lines: string[] = [];
  const notes: string[] = [];
  let conflicts = 0;
  let failures = 0;
  const verb = options.dryRun ? "would be" : "";

  deps.progress(`Reading ${options.devCenterId} from ADE's management plane…`);
  const devCenter = await readAdeDevCenter(deps.arm, options.devCenterId, deps.progress);
  const plan = planDevCenterConfig(devCenter);
  const document =
    `# Dev center config imported from Azure Deployment Environments (${devCenter.id}).\n` +
    yaml.dump(plan.config, { lineWidth: 120, noRefs: true });
  const checked = parseDevCenterConfig(document, options.outFile);

  lines.push("Configuration");
  if (!checked.ok) {
    failures++;
    lines.push(
      `  The imported config does not pass this control plane's checks; it ${options.dryRun ? "would not be" : "was not"} written:`,
    );
    for (const issue of checked.errors) lines.push(`    ${issue.pointer}: ${issue.message}`);
  } else if (existsSync(options.outFile)) {
    if (readFileSync(options.outFile, "utf8") === document) lines.push(`  ${options.outFile} is up to date.`);
    else {
      conflicts++;
      lines.push(
        `  ${options.outFile} exists and differs from the import; it was not overwritten (move it away to write a new one).`,
      );
    }
  } else {
    if (!options.dryRun) writeFileSync(options.outFile, document);
    lines.push(
      `  ${options.outFile} ${verb || "was"} written: ${devCenter.catalogs.length} catalog(s), ${devCenter.environmentTypes.length} environment type(s), ${devCenter.projects.length} project(s).`,
    );
  }
  if (Object.keys(plan.settings).length > 0) {
    lines.push("  App settings the config refers to (add them to the Function App or local.settings.json):");
    for (const [name, value] of Object.entries(plan.settings)) lines.push(`    ${name}=${value}`);
  }

  if (!options.skipEnvironments) {
    lines.push("", "Environments");
    const endpoint = options.dataPlaneEndpoint ?? devCenter.devCenterUri;
    if (!endpoint) throw new Error("The dev center has no devCenterUri; pass --data-plane-endpoint.");
    if (!deps.target) throw new Error("Dev Center Storage is needed to adopt environments.");
    const reader = deps.dataPlane(endpoint);
    const target = { ...deps.target, now: deps.now };
    const known = checked.ok ? checked.value : undefined;
    for (const project of devCenter.projects) {
      deps.progress(`Reading the environments of project ${project.name} from ${endpoint}…`);
      const read = await readAdeEnvironments(reader, project.name);
      notes.push(...read.problems);
      for (const environment of read.environments) {
        const where = `${project.name}/${environment.name}`;
        const settled = SETTLED_STATES[(environment.provisioningState ?? "").toLowerCase()];
        if (!settled || !environment.resourceGroupId) {
          failures++;
          lines.push(
            `  ${where}: skipped: it is ${environment.provisioningState ?? "in no known state"} in ADE${environment.resourceGroupId ? "" : " and has no resource group"}; run again when its operation has ended`,
          );
          continue;
        }
        const stateFile = options.states[where.toLowerCase()];
        if (!stateFile && (await isTerraform(reader, environment))) {
          notes.push(
            `${where}: a Terraform definition; ADE's public API does not serve the state ADE kept: pass --state ${where}=<terraform.tfstate> so that a redeploy or delete here knows its resources`,
          );
        }
        const outputs = environment.outputs
          ? validateEnvironmentOutputs({ outputs: environment.outputs })
          : undefined;
        if (outputs && !outputs.ok)
          notes.push(
            `${where}: its outputs do not validate and are not imported (${outputs.errors[0]?.message})`,
          );
        const request: AdoptRequest = {
          source: endpoint,
          project: project.name,
          environmentName: environment.name,
          user: environment.user,
          environmentType: environment.environmentType,
          catalogName: environment.catalogName,
          environmentDefinitionName: environment.environmentDefinitionName,
          parameters: environment.parameters,
          provisioningState: settled,
          resourceGroupId: environment.resourceGroupId,
          ...(environment.expirationDate && { expirationDate: environment.expirationDate }),
          ...(outputs?.ok && { outputs: outputs.value }),
          ...(stateFile && { state: stateBytes(stateFile) }),
        };
        const outcome: AdoptOutcome = options.dryRun
          ? await planAdoption(target, request)
          : await adoptEnvironment(target, request);
        if (outcome.outcome === "conflict") {
          conflicts++;
          lines.push(`  ${where}: conflict: ${outcome.reason}; not overwritten`);
          continue;
        }
        const status = outcome.outcome === "unchanged" ? "already adopted" : `${verb || "was"} adopted`;
        lines.push(
          `  ${where} (${environment.user}, ${settled}) ${status}: resource group ${environment.resourceGroupId}${stateFile ? ", with its state" : ""}`,
        );
        if (known) {
          const projectConfig = known.projects.find(
            (p) => p.name.toLowerCase() === project.name.toLowerCase(),
          );
          if (
            !projectConfig?.environmentTypes.some(
              (t) => t.environmentType.toLowerCase() === environment.environmentType.toLowerCase(),
            )
          ) {
            notes.push(
              `${where}: environment type ${environment.environmentType} is not configured for the project here; a redeploy or delete fails until it is`,
            );
          }
        }
      }
    }
  }

  if (plan.unmapped.length > 0) {
    lines.push("", "Not carried over");
    for (const item of plan.unmapped) lines.push(`  ${item}`);
  }
  if (notes.length > 0) {
    lines.push("", "Notes");
    for (const note of notes) lines.push(`  ${note}`);
  }
  if (options.dryRun) lines.push("", "Dry run: nothing was written.");
  return { report: `${lines.join("\n")}\n`, conflicts, failures };
}
