/** Environment provisioning states and operation states, as the data-plane contract names them. */

/** Every value of the contract's `EnvironmentProvisioningState`. */
export const PROVISIONING_STATES = [
  "Succeeded",
  "Failed",
  "Canceled",
  "Creating",
  "Accepted",
  "Deleting",
  "Updating",
  "Preparing",
  "Running",
  "Syncing",
  "MovingResources",
  "TransientFailure",
  "StorageProvisioningFailed",
] as const;

export type ProvisioningState = (typeof PROVISIONING_STATES)[number];

/** Every value of the contract's `Azure.Core.Foundations.OperationState`. */
export const OPERATION_STATES = ["NotStarted", "Running", "Succeeded", "Failed", "Canceled"] as const;

export type OperationState = (typeof OPERATION_STATES)[number];

const TERMINAL_OPERATION_STATES: ReadonlySet<OperationState> = new Set(["Succeeded", "Failed", "Canceled"]);

/** A terminal operation never changes state again; clients stop polling. */
export function isTerminalOperationState(s: OperationState): boolean {
  return TERMINAL_OPERATION_STATES.has(s);
}

export function isProvisioningState(value: string): value is ProvisioningState {
  return (PROVISIONING_STATES as readonly string[]).includes(value);
}

export function isOperationState(value: string): value is OperationState {
  return (OPERATION_STATES as readonly string[]).includes(value);
}
