/** RunnerContainers on @azure/arm-containerinstance: one container group with one container per run. */
import { ContainerGroup, ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { RunnerContainerConfig } from "../config";
import {
  ArmProgress,
  RunnerContainerRef,
  RunnerContainerSpec,
  RunnerContainerState,
  RunnerContainers,
  RunnerLogsOptions,
} from "../operations/ports";
import { armProgress, toArmError } from "./arm-options";
import { restStatus } from "./rest-errors";

/** The one container in each runner group (logs are read by container name). */
export const RUNNER_CONTAINER_NAME = "runner";

export class ArmRunnerContainers implements RunnerContainers {
  constructor(
    private readonly client: (subscriptionId: string) => ContainerInstanceManagementClient,
    private readonly defaults: RunnerContainerConfig,
    private readonly pollIntervalMs: number,
  ) {}

  async start(spec: RunnerContainerSpec): Promise<void> {
    const group: ContainerGroup = {
      location: spec.location,
      identity: { type: "UserAssigned", userAssignedIdentities: { [spec.identityResourceId]: {} } },
      osType: "Linux",
      restartPolicy: "Never",
      containers: [
        {
          name: RUNNER_CONTAINER_NAME,
          image: spec.image,
          command: spec.command,
          environmentVariables: spec.environment.map((v) =>
            v.secureValue !== undefined
              ? { name: v.name, secureValue: v.secureValue }
              : { name: v.name, value: v.value ?? "" },
          ),
          resources: {
            requests: {
              cpu: spec.cpu ?? this.defaults.cpu,
              memoryInGB: spec.memoryInGB ?? this.defaults.memoryInGB,
            },
          },
        },
      ],
      imageRegistryCredentials: spec.registryLoginServer
        ? [{ server: spec.registryLoginServer, identity: spec.identityResourceId }]
        : undefined,
    };
    try {
      await this.client(spec.subscriptionId).containerGroups.beginCreateOrUpdate(
        spec.resourceGroup,
        spec.name,
        group,
        { updateIntervalInMs: this.pollIntervalMs },
      );
    } catch (error) {
      // The SDK polls once after ARM accepted the group; a provisioning failure it sees there
      // (e.g. an image that cannot be pulled) is reported by state(), like one seen later.
      if (
        restStatus(error) === undefined &&
        /^The long-running operation has failed/.test((error as Error).message)
      ) {
        return;
      }
      throw toArmError(error, `Starting runner container group ${spec.name} in ${spec.resourceGroup}`);
    }
  }

  async state(ref: RunnerContainerRef): Promise<RunnerContainerState> {
    let group: ContainerGroup;
    try {
      group = await this.client(ref.subscriptionId).containerGroups.get(ref.resourceGroup, ref.name);
    } catch (error) {
      if (restStatus(error) === 404) return { state: "NotFound" };
      throw toArmError(error, `Reading runner container group ${ref.name} in ${ref.resourceGroup}`);
    }
    const container = group.containers.find((c) => c.name === RUNNER_CONTAINER_NAME) ?? group.containers[0];
    const current = container?.instanceView?.currentState;
    const warning = container?.instanceView?.events?.filter((e) => e.type === "Warning").pop()?.message;
    if (current?.state === "Terminated") {
      return {
        state: "Terminated",
        exitCode: current.exitCode,
        startTime: current.startTime,
        finishTime: current.finishTime,
        detail: current.detailStatus || undefined,
      };
    }
    if (group.provisioningState === "Failed") {
      // The container never ran (no exit code): say why.
      return {
        state: "Terminated",
        detail:
          [current?.detailStatus, warning].filter(Boolean).join(": ") ||
          "The container group failed to start.",
      };
    }
    if (current?.state === "Running") return { state: "Running", startTime: current.startTime };
    return {
      state: "Pending",
      detail: [current?.detailStatus, warning].filter(Boolean).join(": ") || undefined,
    };
  }

  async logs(ref: RunnerContainerRef, options: RunnerLogsOptions = {}): Promise<string> {
    try {
      const logs = await this.client(ref.subscriptionId).containers.listLogs(
        ref.resourceGroup,
        ref.name,
        RUNNER_CONTAINER_NAME,
        { tail: options.tail },
      );
      return logs.content ?? "";
    } catch (error) {
      if (restStatus(error) === 404) return "";
      throw toArmError(error, `Reading logs of runner container group ${ref.name} in ${ref.resourceGroup}`);
    }
  }

  async beginDelete(ref: RunnerContainerRef): Promise<ArmProgress> {
    try {
      return await armProgress(
        await this.client(ref.subscriptionId).containerGroups.beginDelete(ref.resourceGroup, ref.name),
      );
    } catch (error) {
      if (restStatus(error) === 404) return { done: true };
      throw toArmError(error, `Deleting runner container group ${ref.name} in ${ref.resourceGroup}`);
    }
  }

  async pollDelete(ref: RunnerContainerRef, resumeFrom: string): Promise<ArmProgress> {
    try {
      // With resumeFrom the SDK sends no new DELETE: it looks at the operation once.
      return await armProgress(
        await this.client(ref.subscriptionId).containerGroups.beginDelete(ref.resourceGroup, ref.name, {
          resumeFrom,
        }),
      );
    } catch (error) {
      throw toArmError(error, `Deleting runner container group ${ref.name} in ${ref.resourceGroup}`);
    }
  }
}
