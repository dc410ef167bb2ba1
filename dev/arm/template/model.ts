/** What a deployment of a template takes and gives, and the port through which it records resources. */
import { Value } from "./functions";

export interface GroupInfo {
  id: string;
  name: string;
  location: string;
  tags: Record<string, string>;
}

export interface DeploymentTarget {
  subscriptionId: string;
  tenantId: string;
  resourceGroup: GroupInfo;
  deploymentName: string;
}

/** A resource as the emulator records it: what the template said, evaluated. */
export interface RecordedResource {
  id: string;
  type: string;
  name: string;
  apiVersion?: string;
  location?: string;
  tags?: Record<string, string>;
  properties: Value;
  sku?: Value;
  kind?: Value;
  identity?: Value;
  plan?: Value;
  zones?: Value;
  /** The deployment that last wrote it. */
  deployment: string;
}

export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
}

export interface OperationResult {
  operationId: string;
  /** Create unless said otherwise (Complete mode's deletions are Delete). */
  provisioningOperation?: "Create" | "Delete";
  provisioningState: "Succeeded" | "Failed";
  timestamp: string;
  duration: string;
  statusCode: "OK" | "Created" | "BadRequest" | "Conflict" | "NotFound" | "InternalServerError";
  targetResource: { id: string; resourceType: string; resourceName: string };
  error?: ArmErrorBody;
}

export interface NestedDeploymentResult {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  outcome: DeploymentOutcome;
  parameters: Record<string, { type: string; value?: Value }>;
}

export interface DeploymentOutcome {
  provisioningState: "Succeeded" | "Failed";
  error?: ArmErrorBody;
  outputs: Record<string, { type: string; value?: Value }>;
  operations: OperationResult[];
  /** Ids of the resources this template deployed (not those of its nested deployments). */
  resourceIds: string[];
  /** Nested deployments, innermost first. */
  nested: NestedDeploymentResult[];
}

export interface DeploymentHost {
  resourceGroup(subscriptionId: string, name: string): GroupInfo | undefined;
  /** A resource recorded before (a reference() to one the template does not deploy). */
  existing(id: string): RecordedResource | undefined;
  /** Records the resource, or answers why its write fails (an injected fault, a missing group). */
  provision(resource: RecordedResource): ArmErrorBody | undefined;
}
