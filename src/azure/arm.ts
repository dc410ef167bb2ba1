/** The ARM adapters (role assignments, resource groups, runner containers) from the settings. */
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ResourceManagementClient } from "@azure/arm-resources";
import { TokenCredential } from "@azure/identity";
import { ArmConfig, RunnerContainerConfig } from "../config";
import { ResourceGroups, RoleAssignments, RunnerContainers } from "../operations/ports";
import { RetryOptions, armClientOptions } from "./arm-options";
import { createArmCredential } from "./credentials";
import { ArmResourceGroups } from "./resource-groups";
import { ArmRoleAssignments } from "./role-assignments";
import { ArmRunnerContainers } from "./runner-containers";

export interface ArmAdapters {
  roleAssignments: RoleAssignments;
  resourceGroups: ResourceGroups;
  runnerContainers: RunnerContainers;
}

export interface ArmAdapterOptions {
  /** Overrides the credential AZURE_CREDENTIAL selects. */
  credential?: TokenCredential;
  /** Overrides the SDK's retry settings (tests use short delays). */
  retryOptions?: RetryOptions;
}

// Role assignment calls are addressed by scope; the client's subscription id is never used.
const UNUSED_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

function perSubscription<T>(create: (subscriptionId: string) => T): (subscriptionId: string) => T {
  const clients = new Map<string, T>();
  return (subscriptionId) => {
    let client = clients.get(subscriptionId);
    if (!client) {
      client = create(subscriptionId);
      clients.set(subscriptionId, client);
    }
    return client;
  };
}

export function createArmAdapters(
  config: { arm: ArmConfig; runnerContainer: RunnerContainerConfig },
  options: ArmAdapterOptions = {},
): ArmAdapters {
  const credential = options.credential ?? createArmCredential(config.arm);
  const clientOptions = armClientOptions(config.arm, options.retryOptions);
  return {
    roleAssignments: new ArmRoleAssignments(
      new AuthorizationManagementClient(credential, UNUSED_SUBSCRIPTION, clientOptions),
    ),
    resourceGroups: new ArmResourceGroups(
      perSubscription((id) => new ResourceManagementClient(credential, id, clientOptions)),
    ),
    runnerContainers: new ArmRunnerContainers(
      perSubscription((id) => new ContainerInstanceManagementClient(credential, id, clientOptions)),
      config.runnerContainer,
      config.arm.pollIntervalMs,
    ),
  };
}
