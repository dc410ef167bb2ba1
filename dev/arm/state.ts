/**
 * The emulator's resources, kept in one JSON file written atomically (write a temp file, rename), so
 * they survive restarts. Secure environment values are never stored: they live in memory only long
 * enough to start the process.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArmErrorBody, OperationResult, RecordedResource } from "./template/model";

export interface ResourceGroupRecord {
  subscriptionId: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  provisioningState: "Succeeded" | "Deleting";
}

export interface RoleAssignmentRecord {
  scope: string;
  name: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  createdOn: string;
}

export interface ContainerEvent {
  type: "Normal" | "Warning";
  name: string;
  message: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

export interface ContainerCurrentState {
  state: "Waiting" | "Running" | "Terminated";
  detailStatus: string;
  startTime?: string;
  finishTime?: string;
  exitCode?: number;
}

export interface ContainerRecord {
  name: string;
  image: string;
  command?: string[];
  /** Secure variables are recorded by name only. */
  environment: { name: string; value?: string; secure: boolean }[];
  cpu: number;
  memoryInGB: number;
  currentState: ContainerCurrentState;
  events: ContainerEvent[];
  /** Folder holding the container's root (ADE_ROOT), output log and exit code file. */
  folder: string;
  pid?: number;
}

export interface ContainerGroupRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  identity?: unknown;
  osType: string;
  restartPolicy: string;
  imageRegistryCredentials?: unknown[];
  provisioningState: "Pending" | "Creating" | "Succeeded" | "Failed";
  containers: ContainerRecord[];
}

/** A template deployment: what ARM reports on it (secure parameter values are never kept). */
export interface DeploymentRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  mode: "Incremental" | "Complete";
  provisioningState: "Accepted" | "Running" | "Succeeded" | "Failed";
  timestamp: string;
  duration?: string;
  correlationId: string;
  templateHash: string;
  parameters: Record<string, { type: string; value?: unknown }>;
  outputs?: Record<string, { type: string; value?: unknown }>;
  outputResources: string[];
  error?: ArmErrorBody;
  operations: OperationResult[];
  tags?: Record<string, string>;
}

export interface EmulatorState {
  resourceGroups: Record<string, ResourceGroupRecord>;
  roleAssignments: Record<string, RoleAssignmentRecord>;
  containerGroups: Record<string, ContainerGroupRecord>;
  /** Resources recorded by template deployments, by lower-case id. Nothing behind them exists. */
  resources: Record<string, RecordedResource>;
  deployments: Record<string, DeploymentRecord>;
}

export function emptyState(): EmulatorState {
  return { resourceGroups: {}, roleAssignments: {}, containerGroups: {}, resources: {}, deployments: {} };
}

export class StateFile {
  private readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, "state.json");
  }

  load(): EmulatorState {
    try {
      return { ...emptyState(), ...(JSON.parse(readFileSync(this.file, "utf8")) as Partial<EmulatorState>) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
      throw new Error(`Cannot read the ARM emulator state ${this.file}: ${(error as Error).message}`);
    }
  }

  save(state: EmulatorState): void {
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(state, null, 2));
    renameSync(temp, this.file);
  }
}

/** Case-insensitive keys, as ARM treats resource ids. */
export function key(...parts: string[]): string {
  return parts.join("/").toLowerCase();
}
