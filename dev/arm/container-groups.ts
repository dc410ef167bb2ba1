/** A container group's wire shapes: the PUT body ACI accepts (checked), and the body GET answers. */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { badRequest, isObject } from "./reply";
import { ContainerGroupRecord, ContainerRecord } from "./state";

export function parseContainerGroup(
  stateDir: string,
  subscriptionId: string,
  resourceGroup: string,
  name: string,
  body: unknown,
): { group: ContainerGroupRecord; secrets: Record<string, string>[] } {
  const invalid = (message: string) => badRequest("InvalidRequestContent", message);
  if (!isObject(body) || typeof body.location !== "string") throw invalid("location is required.");
  const properties = isObject(body.properties) ? body.properties : undefined;
  const containers = properties?.containers;
  if (!Array.isArray(containers) || containers.length === 0)
    throw invalid("properties.containers must not be empty.");
  if (properties?.osType !== "Linux" && properties?.osType !== "Windows")
    throw invalid("properties.osType must be Linux or Windows.");
  const secrets: Record<string, string>[] = [];
  const records: ContainerRecord[] = containers.map((c: unknown, index: number) => {
    const cp = isObject(c) && isObject(c.properties) ? c.properties : undefined;
    const requests =
      isObject(cp?.resources) && isObject(cp.resources.requests) ? cp.resources.requests : undefined;
    if (!isObject(c) || typeof c.name !== "string" || typeof cp?.image !== "string") {
      throw invalid(`containers[${index}] needs a name and properties.image.`);
    }
    if (typeof requests?.cpu !== "number" || typeof requests?.memoryInGB !== "number") {
      throw invalid(`containers[${index}] needs properties.resources.requests.cpu and memoryInGB.`);
    }
    if (
      cp.command !== undefined &&
      !(Array.isArray(cp.command) && cp.command.every((a) => typeof a === "string"))
    ) {
      throw invalid(`containers[${index}].properties.command must be an array of strings.`);
    }
    const variables = Array.isArray(cp.environmentVariables) ? cp.environmentVariables : [];
    const secret: Record<string, string> = {};
    const environment = variables.map((v: unknown) => {
      if (!isObject(v) || typeof v.name !== "string")
        throw invalid(`containers[${index}] has a variable without a name.`);
      if (typeof v.secureValue === "string") {
        secret[v.name] = v.secureValue;
        return { name: v.name, secure: true };
      }
      return { name: v.name, value: typeof v.value === "string" ? v.value : "", secure: false };
    });
    secrets.push(secret);
    return {
      name: c.name,
      image: cp.image,
      command: cp.command as string[] | undefined,
      environment,
      cpu: requests.cpu,
      memoryInGB: requests.memoryInGB,
      currentState: { state: "Waiting", detailStatus: "Pending" },
      events: [],
      folder: join(stateDir, "containers", `${name}-${c.name}-${randomUUID().slice(0, 8)}`),
    };
  });
  return {
    group: {
      subscriptionId,
      resourceGroup,
      name,
      location: body.location,
      tags: isObject(body.tags) ? (body.tags as Record<string, string>) : undefined,
      identity: body.identity,
      osType: properties.osType,
      restartPolicy: typeof properties.restartPolicy === "string" ? properties.restartPolicy : "Always",
      imageRegistryCredentials: Array.isArray(properties.imageRegistryCredentials)
        ? properties.imageRegistryCredentials
        : undefined,
      provisioningState: "Pending",
      containers: records,
    },
    secrets,
  };
}

export function containerGroupBody(group: ContainerGroupRecord): unknown {
  const states = group.containers.map((c) => c.currentState);
  const groupState =
    group.provisioningState === "Failed"
      ? "Failed"
      : states.every((s) => s.state === "Terminated")
        ? states.every((s) => s.exitCode === 0)
          ? "Succeeded"
          : "Failed"
        : states.some((s) => s.state === "Running")
          ? "Running"
          : "Pending";
  return {
    id: `/subscriptions/${group.subscriptionId}/resourceGroups/${group.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${group.name}`,
    name: group.name,
    type: "Microsoft.ContainerInstance/containerGroups",
    location: group.location,
    tags: group.tags,
    identity: group.identity,
    properties: {
      provisioningState: group.provisioningState,
      osType: group.osType,
      restartPolicy: group.restartPolicy,
      sku: "Standard",
      imageRegistryCredentials: group.imageRegistryCredentials,
      containers: group.containers.map((c) => ({
        name: c.name,
        properties: {
          image: c.image,
          command: c.command,
          environmentVariables: c.environment.map((v) =>
            v.secure ? { name: v.name } : { name: v.name, value: v.value },
          ),
          resources: { requests: { cpu: c.cpu, memoryInGB: c.memoryInGB } },
          instanceView: { restartCount: 0, currentState: c.currentState, events: c.events },
        },
      })),
      instanceView: { state: groupState, events: [] },
    },
  };
}
