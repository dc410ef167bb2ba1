/**
 * What the migration reads from Azure Deployment Environments: the dev center's configuration from
 * ADE's management plane (ARM, Microsoft.DevCenter) and its environments from ADE's data plane. Field
 * names follow ADE's REST shapes so that a reader can check them against the public specs.
 */

/** A catalog's repository, as ADE's `gitHub` or `adoGit` property holds it. */
export interface AdeGitCatalog {
  uri: string;
  branch?: string;
  path?: string;
  /** A Key Vault secret URI holding the git token. */
  secretIdentifier?: string;
}

export interface AdeCatalog {
  name: string;
  /** Which property held the repository. */
  kind: "gitHub" | "adoGit";
  git: AdeGitCatalog;
  /** ADE settings with no equivalent here (e.g. syncType, tags), as `name: value` text for the report. */
  other: string[];
}

export interface AdeEnvironmentType {
  name: string;
  displayName?: string;
  other: string[];
}

export interface AdeRoleRef {
  /** Role definition GUID. */
  id: string;
  roleName?: string;
}

export interface AdeProjectEnvironmentType {
  name: string;
  status?: string;
  deploymentTargetId?: string;
  identityType?: string;
  /** resource id → ids of each user-assigned identity. */
  userAssignedIdentities: Record<string, { clientId?: string; principalId?: string }>;
  creatorRoles: AdeRoleRef[];
  userRoles: Record<string, AdeRoleRef[]>;
  other: string[];
}

/** A role assignment at the project's scope, as read from Microsoft.Authorization. */
export interface AdeProjectRoleAssignment {
  principalId: string;
  principalType?: string;
  roleDefinitionGuid: string;
}

export interface AdeProject {
  name: string;
  id: string;
  description?: string;
  displayName?: string;
  maxDevBoxesPerUser?: number;
  catalogs: AdeCatalog[];
  environmentTypes: AdeProjectEnvironmentType[];
  /** Undefined when the role assignments could not be read (no permission): members are then left to the operator. */
  roleAssignments?: AdeProjectRoleAssignment[];
  other: string[];
}

export interface AdeDevCenter {
  id: string;
  name: string;
  location: string;
  /** The data-plane endpoint, e.g. https://{tenant}-{devcenter}.{region}.devcenter.azure.com */
  devCenterUri?: string;
  catalogs: AdeCatalog[];
  environmentTypes: AdeEnvironmentType[];
  projects: AdeProject[];
  other: string[];
}

/** One output of an environment, in the EnvironmentOutputs format. */
export interface AdeOutput {
  type: string;
  value: unknown;
  sensitive?: boolean;
}

/** An environment as ADE's data plane lists it. */
export interface AdeEnvironment {
  project: string;
  name: string;
  /** Object id of the owner. */
  user: string;
  environmentType: string;
  catalogName: string;
  environmentDefinitionName: string;
  parameters: Record<string, unknown>;
  provisioningState?: string;
  resourceGroupId?: string;
  expirationDate?: string;
  /** Undefined when ADE did not serve the environment's outputs. */
  outputs?: Record<string, AdeOutput>;
}
