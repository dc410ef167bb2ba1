/**
 * Microsoft.ContainerInstance: container groups run as local processes (see containers.ts), their
 * logs, and the Azure-AsyncOperation status of their creation.
 */
import { rmSync } from "node:fs";
import { containerGroupBody, parseContainerGroup } from "./container-groups";
import { ContainerRuntime } from "./containers";
import { ArmContext, ResourceProvider } from "./context";
import {
  ArmHttpError,
  ArmRequest,
  AsyncOperation,
  Reply,
  badRequest,
  decode,
  methodNotAllowed,
  normalizeLocation,
  notFound,
  now,
} from "./reply";
import { ContainerGroupRecord, key } from "./state";

const CG_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerinstance\/containergroups\/([^/]+)$/i;
const LOGS_PATH =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerinstance\/containergroups\/([^/]+)\/containers\/([^/]+)\/logs$/i;
const AAO_PATH =
  /^\/subscriptions\/([^/]+)\/providers\/microsoft\.containerinstance\/locations\/([^/]+)\/operations\/([^/]+)$/i;
const ACI_API_VERSION = "2023-05-01";

export class ContainerInstance implements ResourceProvider {
  private readonly runtime: ContainerRuntime;
  /** Secure values, in memory only, from a PUT until the process starts. */
  private readonly pendingSecrets = new Map<string, Record<string, string>[]>();

  constructor(
    private readonly ctx: ArmContext,
    images: Record<string, string>,
    /** Delay between accepting a container group and starting its processes. */
    private readonly containerStartDelayMs: number,
    containerEnvironment: () => Record<string, string>,
  ) {
    this.runtime = new ContainerRuntime(
      images,
      (pid, exitCode) => this.containerExited(pid, exitCode),
      containerEnvironment,
    );
  }

  route({ method, path, query, body }: ArmRequest): Promise<Reply> | Reply | undefined {
    let m: RegExpExecArray | null;
    if ((m = LOGS_PATH.exec(path))) return this.logs(method, m.slice(1).map(decode), query);
    if ((m = CG_PATH.exec(path))) {
      const [subscriptionId, resourceGroup, name] = m.slice(1).map(decode);
      if (method === "GET")
        return {
          status: 200,
          body: containerGroupBody(this.getGroup(subscriptionId, resourceGroup, name)),
        };
      if (method === "PUT") return this.putContainerGroup(subscriptionId, resourceGroup, name, body);
      if (method === "DELETE") return this.deleteContainerGroup(subscriptionId, resourceGroup, name);
      throw methodNotAllowed(method, path);
    }
    if ((m = AAO_PATH.exec(path)) && method === "GET") return this.asyncOperation(decode(m[3]));
    return undefined;
  }

  /** Deletes every container group of a resource group (killing its processes); returns their ids. */
  async removeAllIn(subscriptionId: string, resourceGroup: string): Promise<string[]> {
    const inside = Object.values(this.ctx.state.containerGroups).filter(
      (g) => key(g.subscriptionId, g.resourceGroup) === key(subscriptionId, resourceGroup),
    );
    await Promise.all(inside.map((g) => this.removeContainerGroup(g)));
    return inside.map((g) => g.name);
  }

  /** After a restart: follow processes still running; fail groups whose start was interrupted. */
  recover(): void {
    for (const group of Object.values(this.ctx.state.containerGroups)) {
      if (group.provisioningState === "Pending" || group.provisioningState === "Creating") {
        group.provisioningState = "Failed";
        for (const c of group.containers) {
          c.events.push(
            this.event(
              "Warning",
              "Failed",
              "The ARM emulator restarted before the container started; delete the group and create it again.",
            ),
          );
        }
        continue;
      }
      for (const c of group.containers) {
        if (c.currentState.state === "Running" && c.pid !== undefined) this.runtime.adopt(c.pid, c.folder);
      }
    }
  }

  /** Kills every running container, recording `detail` as how it ended. */
  async killAll(detail: string): Promise<void> {
    const running = Object.values(this.ctx.state.containerGroups).flatMap((group) =>
      group.containers.filter((c) => c.pid !== undefined),
    );
    await Promise.all(
      running.map(async (c) => {
        await this.runtime.kill(c.pid as number);
        c.pid = undefined;
        c.currentState = {
          ...c.currentState,
          state: "Terminated",
          exitCode: c.currentState.exitCode ?? 137,
          finishTime: c.currentState.finishTime ?? now(),
          detailStatus: detail,
        };
      }),
    );
  }

  /** Before a reset: kill everything and remove the container folders. */
  async clear(): Promise<void> {
    await this.killAll("Killed: the ARM emulator was reset.");
    for (const group of Object.values(this.ctx.state.containerGroups)) this.removeFolders(group);
    this.pendingSecrets.clear();
  }

  close(): void {
    this.runtime.close();
  }

  private getGroup(subscriptionId: string, resourceGroup: string, name: string): ContainerGroupRecord {
    this.ctx.resourceGroup(subscriptionId, resourceGroup);
    const group = this.ctx.state.containerGroups[key(subscriptionId, resourceGroup, name)];
    if (!group) {
      throw notFound(
        "ResourceNotFound",
        `The Resource 'Microsoft.ContainerInstance/containerGroups/${name}' under resource group '${resourceGroup}' was not found.`,
      );
    }
    return group;
  }

  private putContainerGroup(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    body: unknown,
  ): Reply {
    const rg = this.ctx.resourceGroup(subscriptionId, resourceGroup);
    if (rg.provisioningState === "Deleting") {
      throw new ArmHttpError(
        409,
        "ResourceGroupBeingDeleted",
        `The resource group '${resourceGroup}' is being deleted.`,
      );
    }
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
      throw badRequest(
        "ContainerGroupNameInvalid",
        `The container group name '${name}' is invalid: use 1-63 lowercase letters, digits and dashes.`,
      );
    }
    const existing = this.ctx.state.containerGroups[key(subscriptionId, resourceGroup, name)];
    // The emulator does not update groups: a repeated PUT (a retried start) returns the group as it is.
    if (existing) return { status: 200, body: containerGroupBody(existing) };
    const { group, secrets } = parseContainerGroup(
      this.ctx.stateDir,
      subscriptionId,
      resourceGroup,
      name,
      body,
    );
    const groupKey = key(subscriptionId, resourceGroup, name);
    this.ctx.state.containerGroups[groupKey] = group;
    this.pendingSecrets.set(groupKey, secrets);
    this.ctx.save();
    const { id: operationId, operation } = this.ctx.startOperation();
    this.ctx.later(this.containerStartDelayMs, async () => this.provision(groupKey, operation));
    const asyncUrl = `${this.ctx.baseUrl()}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerInstance/locations/${normalizeLocation(group.location)}/operations/${operationId}?api-version=${ACI_API_VERSION}`;
    return {
      status: 201,
      body: containerGroupBody(group),
      headers: { "azure-asyncoperation": asyncUrl },
    };
  }

  /** Starts the group's processes, or fails it like ACI when an image cannot be pulled. */
  private provision(groupKey: string, operation: AsyncOperation): void {
    const group = this.ctx.state.containerGroups[groupKey];
    const secrets = this.pendingSecrets.get(groupKey) ?? [];
    this.pendingSecrets.delete(groupKey);
    if (!group) return;
    const resolved = group.containers.map((c) => this.runtime.resolveImage(c.image));
    const failure = resolved.find((r): r is { error: string } => "error" in r);
    if (failure) {
      group.provisioningState = "Failed";
      group.containers.forEach((c, i) => {
        const r = resolved[i];
        c.currentState = { state: "Waiting", detailStatus: "error" in r ? "ErrImagePull" : "Pending" };
        if ("error" in r) c.events.push(this.event("Warning", "Failed", r.error));
      });
      Object.assign(operation, {
        status: "Failed",
        endTime: now(),
        error: { code: "InaccessibleImage", message: failure.error },
      });
      this.ctx.save();
      return;
    }
    group.containers.forEach((c, i) => {
      const environment: Record<string, string> = {};
      for (const v of c.environment) if (!v.secure) environment[v.name] = v.value ?? "";
      Object.assign(environment, secrets[i]);
      c.events.push(this.event("Normal", "Started", `Started container ${c.name}`));
      try {
        c.pid = this.runtime.start(
          {
            image: c.image,
            command: c.command,
            environment,
            folder: c.folder,
          },
          (resolved[i] as { folder: string }).folder,
        );
        c.currentState = { state: "Running", detailStatus: "", startTime: now() };
      } catch (error) {
        c.currentState = {
          state: "Terminated",
          detailStatus: (error as Error).message,
          exitCode: 1,
          finishTime: now(),
        };
      }
    });
    group.provisioningState = "Succeeded";
    Object.assign(operation, { status: "Succeeded", endTime: now() });
    this.ctx.save();
  }

  private event(type: "Normal" | "Warning", name: string, message: string) {
    const at = now();
    return { type, name, message, firstTimestamp: at, lastTimestamp: at, count: 1 };
  }

  private containerExited(pid: number, exitCode: number | undefined): void {
    for (const group of Object.values(this.ctx.state.containerGroups)) {
      const container = group.containers.find((c) => c.pid === pid && c.currentState.state === "Running");
      if (!container) continue;
      container.pid = undefined;
      container.currentState = {
        ...container.currentState,
        state: "Terminated",
        exitCode,
        finishTime: now(),
        detailStatus:
          exitCode === undefined
            ? "The process ended while the ARM emulator was not running and left no exit code."
            : exitCode === 0
              ? "Completed"
              : "Error",
      };
      container.events.push(this.event("Normal", "Killing", `Container ${container.name} terminated`));
      this.ctx.save();
      return;
    }
  }

  private async deleteContainerGroup(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
  ): Promise<Reply> {
    this.ctx.resourceGroup(subscriptionId, resourceGroup);
    const group = this.ctx.state.containerGroups[key(subscriptionId, resourceGroup, name)];
    if (!group) return { status: 204 };
    await this.removeContainerGroup(group);
    return { status: 200, body: containerGroupBody(group) };
  }

  private async removeContainerGroup(group: ContainerGroupRecord): Promise<void> {
    const groupKey = key(group.subscriptionId, group.resourceGroup, group.name);
    this.pendingSecrets.delete(groupKey);
    await Promise.all(
      group.containers.map(async (c) => {
        if (c.pid !== undefined) await this.runtime.kill(c.pid);
      }),
    );
    this.removeFolders(group);
    delete this.ctx.state.containerGroups[groupKey];
    this.ctx.save();
  }

  private removeFolders(group: ContainerGroupRecord): void {
    for (const c of group.containers) rmSync(c.folder, { recursive: true, force: true });
  }

  private logs(
    method: string,
    [subscriptionId, resourceGroup, name, containerName]: string[],
    query: URLSearchParams,
  ): Reply {
    if (method !== "GET") throw methodNotAllowed(method, "logs");
    const group = this.getGroup(subscriptionId, resourceGroup, name);
    const container = group.containers.find((c) => c.name === containerName);
    if (!container)
      throw notFound(
        "ContainerNotFound",
        `Container '${containerName}' was not found in container group '${name}'.`,
      );
    const tail = query.get("tail");
    return {
      status: 200,
      body: { content: this.runtime.logs(container.folder, tail ? Number(tail) : undefined) },
    };
  }

  private asyncOperation(operationId: string): Reply {
    const operation = this.ctx.operation(operationId);
    if (!operation) throw notFound("OperationNotFound", `Operation '${operationId}' was not found.`);
    return { status: 200, body: { id: operationId, name: operationId, ...operation } };
  }
}
