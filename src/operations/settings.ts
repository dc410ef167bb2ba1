/** The operation settings the composition root derives from src/config.ts. */

export interface OperationSettings {
  /** Id of this dev center, given to the runner as ADE_HTTP__DEVCENTERID. */
  devCenterId: string;
  tenantId: string;
  /** Base URL of the runner API as the runner container reaches it. */
  runnerApiEndpoint: string;
  /**
   * Where runner container groups live: not in the environment's group, which the definition owns.
   * Subscription and location default to the environment type's.
   */
  runnerResourceGroup: { subscriptionId?: string; name: string; location?: string };
  /** Runner aliases (ARM, Bicep, Terraform, …) → image references (resolveRunnerImage). */
  runnerImages: Record<string, string>;
  /** Extra variables for every runner (log pump settings). */
  runnerEnvironment: Record<string, string>;
  timeoutMinutes: number;
  poll: { initialSeconds: number; maxSeconds: number };
  retry: { firstIntervalSeconds: number; maxIntervalSeconds: number; maxAttempts: number };
  cleanupMaxAttempts: number;
}
