/**
 * The dev center configuration: one YAML file (DEVCENTER_CONFIG) that says which projects, catalogs
 * and environment types exist, who may use them, and where and as whom environments are deployed.
 * Checked against schemas/devcenter-config.schema.json, then for duplicates and references.
 * Names (projects, catalogs, environment types) are compared without case, as Azure does.
 *
 * ```yaml
 * devCenter:
 *   name: local                        # dev center name (name rule: 3-63 characters)
 *   location: westeurope               # default location of environment resource groups
 * catalogs:                            # dev center catalogs: every project sees them
 *   - name: samples
 *     localPath: samples/catalog       # EITHER a local folder (development) ...
 *     # gitUrl: https://github.com/org/repo.git   ... OR a git repository over https (http on loopback)
 *     # branch: main                   # default: the remote's default branch (git only)
 *     # secretSetting: CATALOG_TOKEN   # setting holding the git token (git only)
 *     # path: /Environments            # folder inside the repository or folder; default "/"
 * environmentTypes:
 *   - name: Dev
 *     displayName: Development         # optional
 * projects:
 *   - name: demo
 *     description: Demo project        # optional
 *     displayName: Demo                # optional
 *     maxDevBoxesPerUser: 0            # optional
 *     members: ["*"]                   # object ids (uuid) or "*" = every signed-in user; default none
 *     admins: []                       # object ids; admins act on every user's environments
 *     catalogs: []                     # project catalogs, same shape as above
 *     environmentTypes:                # project environment types
 *       - environmentType: Dev         # one of the dev center's environment types
 *         status: Enabled              # Enabled (default) | Disabled
 *         deploymentTargetId: /subscriptions/00000000-0000-0000-0000-000000000000
 *         location: westeurope         # optional, overrides devCenter.location
 *         runnerIdentity:              # user-assigned managed identity the runner runs as
 *           resourceId: /subscriptions/<uuid>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>
 *           clientId: <uuid>
 *           principalId: <uuid>
 *         runnerRole: { roleName: Owner, scope: resourceGroup }   # default; scope: resourceGroup | subscription
 *         creatorRoleAssignment: { roles: [Contributor] }        # default: no roles
 *         userRoleAssignments:                                   # default: none
 *           - { principalId: <uuid>, roles: [Reader] }
 * ```
 *
 * The parsed config has every default filled in, uuids in lower case, catalog paths as "/a/b",
 * and each project environment type's subscription id and location resolved.
 */

import devCenterConfigSchema from "./schemas/devcenter-config.schema.json";
import { isUuid, resourceGroupId } from "./names";
import { splitContainedPath } from "./paths";
import { fail, jsonPointer, ok, type Result, type ValidationIssue } from "./result";
import { compileSchema, parseYaml } from "./validation";
import { showValue } from "./values";

export interface DevCenterConfig {
  devCenter: DevCenterSettings;
  catalogs: CatalogConfig[];
  environmentTypes: EnvironmentTypeConfig[];
  projects: ProjectConfig[];
}

export interface DevCenterSettings {
  name: string;
  /** Default Azure region of environment resource groups. */
  location: string;
}

interface CatalogCommon {
  name: string;
  /** Folder inside the repository or local folder, "/" or "/a/b". */
  path: string;
  /** The project that owns the catalog; undefined for dev center catalogs. */
  project?: string;
}

export interface LocalCatalogConfig extends CatalogCommon {
  /** A local folder, for development. */
  localPath: string;
  gitUrl?: undefined;
  branch?: undefined;
  secretSetting?: undefined;
}

export interface GitCatalogConfig extends CatalogCommon {
  localPath?: undefined;
  /** https URL of the repository, without credentials. */
  gitUrl: string;
  /** Default: the remote's default branch. */
  branch?: string;
  /** Name of the setting holding the token (a Key Vault reference in Azure). */
  secretSetting?: string;
}

export type CatalogConfig = LocalCatalogConfig | GitCatalogConfig;

export interface EnvironmentTypeConfig {
  name: string;
  displayName?: string;
}

export interface ProjectConfig {
  name: string;
  description?: string;
  displayName?: string;
  maxDevBoxesPerUser?: number;
  /** Object ids (lower case) or "*" for every signed-in user. */
  members: string[];
  /** Object ids (lower case). */
  admins: string[];
  catalogs: CatalogConfig[];
  environmentTypes: ProjectEnvironmentTypeConfig[];
}

export type EnvironmentTypeStatus = "Enabled" | "Disabled";

export interface RunnerIdentity {
  resourceId: string;
  clientId: string;
  principalId: string;
}

export type RunnerRoleScope = "resourceGroup" | "subscription";

export interface RunnerRole {
  roleName: string;
  scope: RunnerRoleScope;
}

export interface UserRoleAssignment {
  principalId: string;
  roles: string[];
}

export interface ProjectEnvironmentTypeConfig {
  /** The dev center environment type's name, spelled as the dev center spells it. */
  environmentType: string;
  status: EnvironmentTypeStatus;
  /** `/subscriptions/<uuid>`. */
  deploymentTargetId: string;
  /** The subscription id of deploymentTargetId. */
  subscriptionId: string;
  /** This type's location, or the dev center's. */
  location: string;
  runnerIdentity: RunnerIdentity;
  runnerRole: RunnerRole;
  creatorRoleAssignment: { roles: string[] };
  userRoleAssignments: UserRoleAssignment[];
}

export const DEFAULT_RUNNER_ROLE: Readonly<RunnerRole> = Object.freeze({
  roleName: "Owner",
  scope: "resourceGroup",
});

const validateConfigShape = compileSchema(devCenterConfigSchema);

const MANAGED_IDENTITY_ID =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i;

export function parseDevCenterConfig(text: string, file: string): Result<DevCenterConfig> {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return parsed;
  const data = parsed.value;
  if (data === undefined || data === null) {
    return fail([{ file, pointer: "", message: "the configuration is empty; it needs at least devCenter" }]);
  }
  const shapeErrors = validateConfigShape(data, file);
  if (shapeErrors.length > 0) return fail(shapeErrors);
  // From here on the shape is right, so the raw types below hold.
  const raw = data as RawConfig;
  const errors = checkConfigRules(raw, file);
  if (errors.length > 0) return fail(errors);
  return ok(toConfig(raw));
}

type RawCatalog = Omit<CatalogCommon, "path" | "project"> & {
  path?: string;
  localPath?: string;
  gitUrl?: string;
  branch?: string;
  secretSetting?: string;
};

interface RawProjectEnvironmentType {
  environmentType: string;
  status?: EnvironmentTypeStatus;
  deploymentTargetId: string;
  location?: string;
  runnerIdentity: RunnerIdentity;
  runnerRole?: { roleName: string; scope?: RunnerRoleScope };
  creatorRoleAssignment?: { roles: string[] };
  userRoleAssignments?: UserRoleAssignment[];
}

interface RawProject {
  name: string;
  description?: string;
  displayName?: string;
  maxDevBoxesPerUser?: number;
  members?: string[];
  admins?: string[];
  catalogs?: RawCatalog[];
  environmentTypes?: RawProjectEnvironmentType[];
}

interface RawConfig {
  devCenter: DevCenterSettings;
  catalogs?: RawCatalog[];
  environmentTypes?: EnvironmentTypeConfig[];
  projects?: RawProject[];
}

function checkConfigRules(raw: RawConfig, file: string): ValidationIssue[] {
  const errors: ValidationIssue[] = [];
  const issue = (pointer: string, message: string) => errors.push({ file, pointer, message });

  const devCenterCatalogs = raw.catalogs ?? [];
  devCenterCatalogs.forEach((c, i) => checkCatalog(c, jsonPointer("catalogs", i), issue));
  checkUnique(devCenterCatalogs, (c) => c.name, "catalog name", ["catalogs"], "name", issue);

  const environmentTypes = raw.environmentTypes ?? [];
  checkUnique(environmentTypes, (t) => t.name, "environment type name", ["environmentTypes"], "name", issue);
  const typeNames = environmentTypes.map((t) => t.name);

  const projects = raw.projects ?? [];
  checkUnique(projects, (p) => p.name, "project name", ["projects"], "name", issue);
  projects.forEach((project, p) => {
    const at = (...tokens: (string | number)[]) => jsonPointer("projects", p, ...tokens);
    const catalogs = project.catalogs ?? [];
    catalogs.forEach((c, i) => {
      checkCatalog(c, at("catalogs", i), issue);
      if (devCenterCatalogs.some((d) => sameName(d.name, c.name))) {
        issue(
          at("catalogs", i, "name"),
          `catalog name ${showValue(c.name)} is already used by a dev center catalog; ` +
            "every project sees those, so a project catalog needs another name",
        );
      }
    });
    checkUnique(catalogs, (c) => c.name, "catalog name", ["projects", p, "catalogs"], "name", issue);
    checkUnique(project.members ?? [], (m) => m, "member", ["projects", p, "members"], undefined, issue);
    checkUnique(project.admins ?? [], (m) => m, "admin", ["projects", p, "admins"], undefined, issue);

    const types = project.environmentTypes ?? [];
    checkUnique(
      types,
      (t) => t.environmentType,
      "environment type",
      ["projects", p, "environmentTypes"],
      "environmentType",
      issue,
    );
    types.forEach((type, t) => {
      if (!typeNames.some((n) => sameName(n, type.environmentType))) {
        issue(
          at("environmentTypes", t, "environmentType"),
          `unknown environment type ${showValue(type.environmentType)}; the dev center defines: ` +
            (typeNames.length > 0 ? typeNames.join(", ") : "none (add it under environmentTypes)"),
        );
      }
      if (!MANAGED_IDENTITY_ID.test(type.runnerIdentity.resourceId)) {
        issue(
          at("environmentTypes", t, "runnerIdentity", "resourceId"),
          "must be the resource id of a user-assigned managed identity: /subscriptions/<uuid>/resourceGroups/<group>" +
            `/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>; found ${showValue(type.runnerIdentity.resourceId)}`,
        );
      }
      checkUnique(
        type.userRoleAssignments ?? [],
        (a) => a.principalId,
        "principal",
        ["projects", p, "environmentTypes", t, "userRoleAssignments"],
        "principalId",
        issue,
      );
    });
  });
  return errors;
}

function checkCatalog(
  catalog: RawCatalog,
  at: string,
  issue: (pointer: string, message: string) => void,
): void {
  const isLocal = catalog.localPath !== undefined;
  const isGit = catalog.gitUrl !== undefined;
  if (isLocal === isGit) {
    issue(at, "needs exactly one source: localPath (a local folder) or gitUrl (an https git repository)");
  }
  if (!isGit) {
    for (const field of ["branch", "secretSetting"] as const) {
      if (catalog[field] !== undefined)
        issue(`${at}/${field}`, "only applies to a git catalog (one with gitUrl)");
    }
  }
  if (catalog.gitUrl !== undefined) {
    const problem = gitUrlProblem(catalog.gitUrl);
    if (problem) issue(`${at}/gitUrl`, problem);
  }
  if (catalog.path !== undefined) {
    const path = splitContainedPath(catalog.path);
    if (!path.ok) issue(`${at}/path`, `${path.message}; found ${showValue(catalog.path)}`);
  }
}

function gitUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an https URL such as https://github.com/org/repo.git; found ${showValue(value)}`;
  }
  // Plain http only on loopback: a local git server for development and tests.
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i.test(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    return `must use https (http only on loopback); found ${showValue(url.protocol)}`;
  }
  // The URL may be logged and stored; the token belongs in the setting that secretSetting names.
  if (url.username || url.password)
    return "must not contain credentials; name the token's setting in secretSetting";
  return undefined;
}

/** Reports every item whose key repeats an earlier one's (ignoring case), at the later item. */
function checkUnique<T>(
  items: readonly T[],
  key: (item: T) => string,
  what: string,
  arrayPath: (string | number)[],
  field: string | undefined,
  issue: (pointer: string, message: string) => void,
): void {
  const firstIndex = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item).toLowerCase();
    const first = firstIndex.get(k);
    if (first === undefined) {
      firstIndex.set(k, i);
      return;
    }
    const pointer = field === undefined ? jsonPointer(...arrayPath, i) : jsonPointer(...arrayPath, i, field);
    issue(
      pointer,
      `duplicate ${what} ${showValue(key(item))}: ${jsonPointer(...arrayPath, first)} has the same value ` +
        "(compared without case)",
    );
  });
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function toConfig(raw: RawConfig): DevCenterConfig {
  const environmentTypes = (raw.environmentTypes ?? []).map((t) => ({ ...t }));
  return {
    devCenter: { name: raw.devCenter.name, location: raw.devCenter.location },
    catalogs: (raw.catalogs ?? []).map((c) => toCatalog(c, undefined)),
    environmentTypes,
    projects: (raw.projects ?? []).map((p) => ({
      name: p.name,
      ...optional("description", p.description),
      ...optional("displayName", p.displayName),
      ...optional("maxDevBoxesPerUser", p.maxDevBoxesPerUser),
      members: (p.members ?? []).map((m) => m.toLowerCase()),
      admins: (p.admins ?? []).map((m) => m.toLowerCase()),
      catalogs: (p.catalogs ?? []).map((c) => toCatalog(c, p.name)),
      environmentTypes: (p.environmentTypes ?? []).map((t) => {
        const subscriptionId = t.deploymentTargetId.slice("/subscriptions/".length).toLowerCase();
        return {
          environmentType:
            environmentTypes.find((e) => sameName(e.name, t.environmentType))?.name ?? t.environmentType,
          status: t.status ?? "Enabled",
          deploymentTargetId: `/subscriptions/${subscriptionId}`,
          subscriptionId,
          location: t.location ?? raw.devCenter.location,
          runnerIdentity: {
            resourceId: t.runnerIdentity.resourceId,
            clientId: t.runnerIdentity.clientId.toLowerCase(),
            principalId: t.runnerIdentity.principalId.toLowerCase(),
          },
          runnerRole: {
            roleName: t.runnerRole?.roleName ?? DEFAULT_RUNNER_ROLE.roleName,
            scope: t.runnerRole?.scope ?? DEFAULT_RUNNER_ROLE.scope,
          },
          creatorRoleAssignment: { roles: [...(t.creatorRoleAssignment?.roles ?? [])] },
          userRoleAssignments: (t.userRoleAssignments ?? []).map((a) => ({
            principalId: a.principalId.toLowerCase(),
            roles: [...a.roles],
          })),
        };
      }),
    })),
  };
}

function toCatalog(raw: RawCatalog, project: string | undefined): CatalogConfig {
  const split = splitContainedPath(raw.path ?? "/");
  const path = "/" + (split.ok ? split.segments.join("/") : "");
  const common = { name: raw.name, path, ...optional("project", project) };
  if (raw.gitUrl !== undefined) {
    return {
      ...common,
      gitUrl: raw.gitUrl,
      ...optional("branch", raw.branch),
      ...optional("secretSetting", raw.secretSetting),
    };
  }
  return { ...common, localPath: raw.localPath as string };
}

/** `{ [key]: value }` when the value is set, `{}` otherwise: keeps absent fields absent. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

// Lookups. Names are compared without case; object ids too.

export function findProject(config: DevCenterConfig, name: string): ProjectConfig | undefined {
  return config.projects.find((p) => sameName(p.name, name));
}

export function findEnvironmentType(
  config: DevCenterConfig,
  name: string,
): EnvironmentTypeConfig | undefined {
  return config.environmentTypes.find((t) => sameName(t.name, name));
}

/** A project's environment type, looked up by project and environment type names. */
export function findProjectEnvironmentType(
  config: DevCenterConfig,
  projectName: string,
  environmentType: string,
): ProjectEnvironmentTypeConfig | undefined {
  return findProject(config, projectName)?.environmentTypes.find((t) =>
    sameName(t.environmentType, environmentType),
  );
}

/** The catalogs a project sees: the dev center's, then its own. */
export function catalogsForProject(config: DevCenterConfig, project: ProjectConfig): CatalogConfig[] {
  return [...config.catalogs, ...project.catalogs];
}

export function findCatalog(
  config: DevCenterConfig,
  project: ProjectConfig,
  catalogName: string,
): CatalogConfig | undefined {
  return catalogsForProject(config, project).find((c) => sameName(c.name, catalogName));
}

/** Admins may act on every user's environments of the project. */
export function isAdmin(project: ProjectConfig, objectId: string): boolean {
  const id = objectId.toLowerCase();
  return isUuid(id) && project.admins.includes(id);
}

/** Members (and admins) may use the project; "*" admits every signed-in user. */
export function isMember(project: ProjectConfig, objectId: string): boolean {
  const id = objectId.toLowerCase();
  if (!isUuid(id)) return false;
  return project.members.includes("*") || project.members.includes(id) || project.admins.includes(id);
}

/** The ARM scope of the runner's role for an environment's resource group. */
export function runnerRoleScope(type: ProjectEnvironmentTypeConfig, resourceGroup: string): string {
  return type.runnerRole.scope === "subscription"
    ? type.deploymentTargetId
    : resourceGroupId(type.subscriptionId, resourceGroup);
}
