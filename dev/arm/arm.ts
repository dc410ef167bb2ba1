/**
 * The emulator's core: the state, the long-running operations and timers every provider shares, and
 * the router that hands each request to the resource provider whose path it is.
 */
import { randomUUID } from "node:crypto";
import { Authorization } from "./authorization";
import { ContainerInstance } from "./container-instance";
import { DevCenter } from "./devcenter";
import { ArmContext, ResourceProvider } from "./context";
import { Deployments } from "./deployments";
import { RecordedResources } from "./recorded-resources";
import { ArmRequest, AsyncOperation, Reply, notFound, now } from "./reply";
import { ResourceGroups, findResourceGroup } from "./resource-groups";
import {
  ContainerGroupRecord,
  DeploymentRecord,
  EmulatorState,
  ResourceGroupRecord,
  RoleAssignmentRecord,
  StateFile,
  emptyState,
} from "./state";
import { RecordedResource } from "./template/model";

export { ArmHttpError } from "./reply";
export type { Reply } from "./reply";

export interface EmulatorSnapshot {
  resourceGroups: ResourceGroupRecord[];
  roleAssignments: (RoleAssignmentRecord & { id: string })[];
  containerGroups: ContainerGroupRecord[];
  /** Resources recorded by template deployments. */
  resources: RecordedResource[];
  deployments: DeploymentRecord[];
}

export interface ArmServiceOptions {
  stateDir: string;
  images: Record<string, string>;
  /** How long a resource group deletion or a template deployment stays in progress. */
  lroDurationMs: number;
  /** Delay between accepting a container group and starting its processes. */
  containerStartDelayMs: number;
  /** https://127.0.0.1:port, for LRO URLs. */
  baseUrl: () => string;
  /** What every container process finds in its environment, as ACI gives a container its identity. */
  containerEnvironment: () => Record<string, string>;
  /** The named fault for a resource a deployment writes (a PUT of its id), if any. */
  resourceFault: (method: string, path: string) => { code: string; message: string } | undefined;
}

export class ArmService implements ArmContext {
  state: EmulatorState;
  readonly stateDir: string;
  private readonly file: StateFile;
  private readonly operations = new Map<string, AsyncOperation>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly authorization: Authorization;
  private readonly containers: ContainerInstance;
  private readonly resourceGroups: ResourceGroups;
  private readonly recorded: RecordedResources;
  private readonly deployments: Deployments;
  private readonly devCenter: DevCenter;
  private readonly providers: ResourceProvider[];

  constructor(private readonly options: ArmServiceOptions) {
    this.stateDir = options.stateDir;
    this.file = new StateFile(options.stateDir);
    this.state = this.file.load();
    this.authorization = new Authorization(this);
    this.devCenter = new DevCenter(this.stateDir);
    this.containers = new ContainerInstance(
      this,
      options.images,
      options.containerStartDelayMs,
      options.containerEnvironment,
    );
    this.recorded = new RecordedResources(this);
    this.deployments = new Deployments(this, {
      durationMs: options.lroDurationMs,
      resourceFault: options.resourceFault,
      removeOthers: async (subscriptionId, name, keep) => {
        const removed = this.recorded
          .removeIn(subscriptionId, name, keep)
          .map((r) => ({ id: r.id, type: r.type, name: r.name }));
        const groups = await this.containers.removeAllIn(subscriptionId, name);
        return [
          ...removed,
          ...groups.map((g) => ({
            id: `/subscriptions/${subscriptionId}/resourceGroups/${name}/providers/Microsoft.ContainerInstance/containerGroups/${g}`,
            type: "Microsoft.ContainerInstance/containerGroups",
            name: g,
          })),
        ];
      },
    });
    this.resourceGroups = new ResourceGroups(
      this,
      async (subscriptionId, name) => {
        this.authorization.removeUnder(`/subscriptions/${subscriptionId}/resourceGroups/${name}`);
        this.recorded.removeIn(subscriptionId, name);
        this.deployments.removeIn(subscriptionId, name);
        await this.containers.removeAllIn(subscriptionId, name);
      },
      options.lroDurationMs,
    );
    // Dev Center paths first (their own store); then recorded ids (a recorded role assignment is not
    // the authorization provider's), then authorization, whose paths nest under any scope.
    this.providers = [
      this.devCenter,
      this.recorded,
      this.deployments,
      this.authorization,
      this.containers,
      this.resourceGroups,
    ];
    this.containers.recover();
    this.resourceGroups.recover();
    this.deployments.recover();
    this.save();
  }

  async handle(method: string, path: string, query: URLSearchParams, body: unknown): Promise<Reply> {
    const request: ArmRequest = { method, path, query, body };
    for (const provider of this.providers) {
      const reply = await provider.route(request);
      if (reply) return reply;
    }
    const missing = this.recorded.notFound(request);
    if (missing) return missing;
    throw notFound("NotSupportedByEmulator", `The ARM emulator does not serve ${method} ${path}.`);
  }

  /** What tests inspect: every resource, with container processes. */
  snapshot(): EmulatorSnapshot {
    return {
      resourceGroups: Object.values(this.state.resourceGroups),
      roleAssignments: this.authorization.list(),
      containerGroups: Object.values(this.state.containerGroups),
      resources: Object.values(this.state.resources),
      deployments: Object.values(this.state.deployments),
    };
  }

  async reset(): Promise<void> {
    this.cancelTimers();
    await this.containers.clear();
    this.state = emptyState();
    this.devCenter.clear();
    this.operations.clear();
    this.save();
  }

  async stop(): Promise<void> {
    this.cancelTimers();
    await this.containers.killAll("Killed: the ARM emulator stopped.");
    this.containers.close();
    this.save();
  }

  // ArmContext

  resourceGroup(subscriptionId: string, name: string): ResourceGroupRecord {
    return findResourceGroup(this.state, subscriptionId, name);
  }

  startOperation(): { id: string; operation: AsyncOperation } {
    const id = randomUUID();
    const operation: AsyncOperation = { status: "InProgress", startTime: now() };
    this.operations.set(id, operation);
    return { id, operation };
  }

  operation(id: string): AsyncOperation | undefined {
    return this.operations.get(id);
  }

  baseUrl(): string {
    return this.options.baseUrl();
  }

  later(ms: number, work: () => Promise<void> | void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void Promise.resolve(work()).catch((error: unknown) => console.error("ARM emulator:", error));
    }, ms);
    this.timers.add(timer);
  }

  save(): void {
    this.file.save(this.state);
  }

  private cancelTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
