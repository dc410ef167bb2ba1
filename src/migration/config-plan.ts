/**
 * ADE's dev center configuration → this product's dev center config (the DEVCENTER_CONFIG YAML),
 * the app settings it needs, and a list of everything that has no equivalent here. Pure.
 */
import type {
  AdeCatalog,
  AdeDevCenter,
  AdeProject,
  AdeProjectEnvironmentType,
  AdeRoleRef,
} from "./ade-model";

/** Built-in role definition GUIDs ADE's configuration refers to. */
const ROLE_NAMES: Record<string, string> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
};
/** ADE's project roles. */
const DEPLOYMENT_ENVIRONMENTS_USER = "18e40d4e-8d2e-438d-97e1-9528336e149c";
const DEVCENTER_PROJECT_ADMIN = "331c37c6-af14-46d9-b9f4-e1909e1b95a0";
const DEPLOYMENT_ENVIRONMENTS_READER = "eb960402-bf75-4cc3-8d68-35b34f960f72";

type YamlObject = Record<string, unknown>;

export interface ConfigPlan {
  /** The dev center config document, ready to be written as YAML. */
  config: YamlObject;
  /** App settings the config refers to (git tokens as Key Vault references). */
  settings: Record<string, string>;
  /** Everything that was not carried over, and why. */
  unmapped: string[];
}

function settingName(catalog: string, project?: string): string {
  const raw = `CATALOG_${project ? `${project}_` : ""}${catalog}_TOKEN`;
  return raw.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

function catalogConfig(
  catalog: AdeCatalog,
  plan: ConfigPlan,
  where: string,
  project?: string,
): YamlObject | undefined {
  for (const other of catalog.other) plan.unmapped.push(`${where}: ${other} (no equivalent; not imported)`);
  if (!catalog.git.uri) {
    plan.unmapped.push(`${where}: it has no git repository URI; not imported`);
    return undefined;
  }
  const config: YamlObject = { name: catalog.name, gitUrl: catalog.git.uri };
  if (catalog.git.branch) config.branch = catalog.git.branch;
  if (catalog.git.path)
    config.path = catalog.git.path.startsWith("/") ? catalog.git.path : `/${catalog.git.path}`;
  if (catalog.git.secretIdentifier) {
    const setting = settingName(catalog.name, project);
    config.secretSetting = setting;
    // A Key Vault reference: the Functions host resolves it with the app's identity.
    plan.settings[setting] = `@Microsoft.KeyVault(SecretUri=${catalog.git.secretIdentifier})`;
  }
  return config;
}

function roleNames(roles: AdeRoleRef[], plan: ConfigPlan, where: string): string[] {
  const names: string[] = [];
  for (const role of roles) {
    const name = ROLE_NAMES[role.id.toLowerCase()] ?? role.roleName;
    if (name) names.push(name);
    else
      plan.unmapped.push(`${where}: role definition ${role.id} has no name that could be read; not imported`);
  }
  return names;
}

function projectEnvironmentTypeConfig(
  type: AdeProjectEnvironmentType,
  plan: ConfigPlan,
  where: string,
): YamlObject | undefined {
  for (const other of type.other) plan.unmapped.push(`${where}: ${other} (no equivalent; not imported)`);
  const identities = Object.entries(type.userAssignedIdentities);
  const usable = identities.find(([, ids]) => ids.clientId && ids.principalId);
  if (!usable) {
    plan.unmapped.push(
      `${where}: no user-assigned identity with client and principal ids (identity type ${type.identityType ?? "none"}); ` +
        "runners here run as a user-assigned identity: create one, give it the rights ADE's identity had, and add the project environment type by hand",
    );
    return undefined;
  }
  for (const [id] of identities.filter(([id]) => id !== usable[0])) {
    plan.unmapped.push(
      `${where}: identity ${id} is not used (one runner identity per project environment type)`,
    );
  }
  if (!type.deploymentTargetId) {
    plan.unmapped.push(`${where}: no deployment target subscription; not imported`);
    return undefined;
  }
  const config: YamlObject = {
    environmentType: type.name,
    status: type.status === "Disabled" ? "Disabled" : "Enabled",
    deploymentTargetId: type.deploymentTargetId,
    runnerIdentity: {
      resourceId: usable[0],
      clientId: usable[1].clientId,
      principalId: usable[1].principalId,
    },
  };
  const creatorRoles = roleNames(type.creatorRoles, plan, `${where} creator role`);
  if (creatorRoles.length > 0) config.creatorRoleAssignment = { roles: creatorRoles };
  const users = Object.entries(type.userRoles)
    .map(([principalId, roles]) => ({
      principalId,
      roles: roleNames(roles, plan, `${where} user ${principalId}`),
    }))
    .filter((assignment) => assignment.roles.length > 0);
  if (users.length > 0) config.userRoleAssignments = users;
  return config;
}

function projectConfig(project: AdeProject, plan: ConfigPlan): YamlObject {
  const where = `project ${project.name}`;
  for (const other of project.other) plan.unmapped.push(`${where}: ${other} (no equivalent; not imported)`);
  const config: YamlObject = { name: project.name };
  if (project.description) config.description = project.description;
  if (project.displayName) config.displayName = project.displayName;
  if (project.maxDevBoxesPerUser !== undefined) config.maxDevBoxesPerUser = project.maxDevBoxesPerUser;

  const members = new Set<string>();
  const admins = new Set<string>();
  if (!project.roleAssignments) {
    plan.unmapped.push(`${where}: its role assignments could not be read; add members and admins by hand`);
  }
  for (const assignment of project.roleAssignments ?? []) {
    const who = `${where}: ${assignment.principalType ?? "principal"} ${assignment.principalId}`;
    if (assignment.principalType === "Group") {
      plan.unmapped.push(`${who}: groups are not expanded here (members are user object ids); not imported`);
      continue;
    }
    if (assignment.roleDefinitionGuid === DEPLOYMENT_ENVIRONMENTS_USER) members.add(assignment.principalId);
    else if (assignment.roleDefinitionGuid === DEVCENTER_PROJECT_ADMIN) admins.add(assignment.principalId);
    else if (assignment.roleDefinitionGuid === DEPLOYMENT_ENVIRONMENTS_READER) {
      plan.unmapped.push(
        `${who}: Deployment Environments Reader has no equivalent (members read their own environments); not imported`,
      );
    } else {
      plan.unmapped.push(
        `${who}: role ${assignment.roleDefinitionGuid} is not a project role here; not imported`,
      );
    }
  }
  // Admins act on every environment; they are members too.
  for (const admin of admins) members.add(admin);
  config.members = [...members].sort();
  config.admins = [...admins].sort();

  const catalogs = project.catalogs
    .map((catalog) => catalogConfig(catalog, plan, `${where} catalog ${catalog.name}`, project.name))
    .filter((catalog) => catalog !== undefined);
  if (catalogs.length > 0) config.catalogs = catalogs;
  config.environmentTypes = project.environmentTypes
    .map((type) => projectEnvironmentTypeConfig(type, plan, `${where} environment type ${type.name}`))
    .filter((type) => type !== undefined);
  return config;
}

export function planDevCenterConfig(devCenter: AdeDevCenter): ConfigPlan {
  const plan: ConfigPlan = { config: {}, settings: {}, unmapped: [] };
  for (const other of devCenter.other) {
    plan.unmapped.push(`dev center ${devCenter.name}: ${other} (no equivalent; not imported)`);
  }
  plan.config.devCenter = {
    name: devCenter.name,
    location: devCenter.location.toLowerCase().replace(/\s/g, ""),
  };
  plan.config.catalogs = devCenter.catalogs
    .map((catalog) => catalogConfig(catalog, plan, `dev center catalog ${catalog.name}`))
    .filter((catalog) => catalog !== undefined);
  plan.config.environmentTypes = devCenter.environmentTypes.map((type) => {
    for (const other of type.other) {
      plan.unmapped.push(`environment type ${type.name}: ${other} (no equivalent; not imported)`);
    }
    return { name: type.name, ...(type.displayName && { displayName: type.displayName }) };
  });
  plan.config.projects = devCenter.projects.map((project) => projectConfig(project, plan));
  return plan;
}
