/**
 * Reads a dev center's configuration from ADE's management plane (ARM, Microsoft.DevCenter
 * api-version 2024-02-01): the dev center, its catalogs and environment types, and every project
 * that belongs to it with its catalogs, project environment types and role assignments.
 */
import type {
  AdeCatalog,
  AdeDevCenter,
  AdeEnvironmentType,
  AdeProject,
  AdeProjectEnvironmentType,
  AdeProjectRoleAssignment,
  AdeRoleRef,
} from "./ade-model";
import { ReadError, type JsonReader } from "./json-reader";

export const DEVCENTER_API_VERSION = "2024-02-01";
const AUTHORIZATION_API_VERSION = "2022-04-01";

type Json = Record<string, unknown>;

function object(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `name: value` lines for properties the migration does not map, for the report. */
function leftovers(properties: Json, mapped: readonly string[]): string[] {
  const ignored = new Set([...mapped, "provisioningState", "syncState", "connectionState", "lastSyncTime"]);
  return Object.entries(properties)
    .filter(([key, value]) => !ignored.has(key) && value !== null && value !== undefined)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
}

function catalogOf(resource: Json): AdeCatalog {
  const properties = object(resource.properties);
  const kind = properties.adoGit ? "adoGit" : "gitHub";
  const git = object(properties[kind]);
  const tags = object(resource.tags);
  return {
    name: String(resource.name),
    kind,
    git: {
      uri: text(git.uri) ?? "",
      ...(text(git.branch) && { branch: text(git.branch) }),
      ...(text(git.path) && { path: text(git.path) }),
      ...(text(git.secretIdentifier) && { secretIdentifier: text(git.secretIdentifier) }),
    },
    other: [
      ...leftovers(properties, ["gitHub", "adoGit", "lastSyncStats", "lastConnectionTime"]),
      ...Object.keys(tags).map((tag) => `tag ${tag}`),
    ],
  };
}

function environmentTypeOf(resource: Json): AdeEnvironmentType {
  const properties = object(resource.properties);
  return {
    name: String(resource.name),
    ...(text(properties.displayName) && { displayName: text(properties.displayName) }),
    other: [
      ...leftovers(properties, ["displayName"]),
      ...Object.keys(object(resource.tags)).map((tag) => `tag ${tag}`),
    ],
  };
}

function rolesOf(value: unknown): AdeRoleRef[] {
  return Object.entries(object(object(value).roles)).map(([id, role]) => ({
    id,
    ...(text(object(role).roleName) && { roleName: text(object(role).roleName) }),
  }));
}

function projectEnvironmentTypeOf(resource: Json): AdeProjectEnvironmentType {
  const properties = object(resource.properties);
  const identity = object(resource.identity);
  const userAssigned = object(identity.userAssignedIdentities);
  return {
    name: String(resource.name),
    ...(text(properties.status) && { status: text(properties.status) }),
    ...(text(properties.deploymentTargetId) && { deploymentTargetId: text(properties.deploymentTargetId) }),
    ...(text(identity.type) && { identityType: text(identity.type) }),
    userAssignedIdentities: Object.fromEntries(
      Object.entries(userAssigned).map(([id, ids]) => [
        id,
        { clientId: text(object(ids).clientId), principalId: text(object(ids).principalId) },
      ]),
    ),
    creatorRoles: rolesOf(properties.creatorRoleAssignment),
    userRoles: Object.fromEntries(
      Object.entries(object(properties.userRoleAssignments)).map(([principal, value]) => [
        principal,
        rolesOf(value),
      ]),
    ),
    other: leftovers(properties, [
      "status",
      "deploymentTargetId",
      "creatorRoleAssignment",
      "userRoleAssignments",
      "environmentCount",
    ]),
  };
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function guidOf(roleDefinitionId: string): string {
  return roleDefinitionId.split("/").pop()!.toLowerCase();
}

async function roleAssignmentsAt(
  reader: JsonReader,
  scope: string,
): Promise<AdeProjectRoleAssignment[] | undefined> {
  try {
    const assignments = await reader.list(
      `${scope}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()`,
      AUTHORIZATION_API_VERSION,
    );
    return assignments
      .map((assignment) => object(assignment.properties))
      .filter((p) => sameId(String(p.scope ?? scope), scope))
      .map((p) => ({
        principalId: String(p.principalId).toLowerCase(),
        ...(text(p.principalType) && { principalType: text(p.principalType) }),
        roleDefinitionGuid: guidOf(String(p.roleDefinitionId)),
      }));
  } catch (error) {
    if (error instanceof ReadError && (error.status === 403 || error.status === 401)) return undefined;
    throw error;
  }
}

export interface ReadProgress {
  (message: string): void;
}

/** The dev center `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.DevCenter/devcenters/{name}`. */
export async function readAdeDevCenter(
  reader: JsonReader,
  devCenterId: string,
  progress: ReadProgress,
): Promise<AdeDevCenter> {
  const devCenter = await reader.get(devCenterId, DEVCENTER_API_VERSION);
  const properties = object(devCenter.properties);
  const subscription = devCenterId.split("/").slice(0, 3).join("/");
  progress(`Read dev center ${String(devCenter.name)}.`);

  const catalogs = (await reader.list(`${devCenterId}/catalogs`, DEVCENTER_API_VERSION)).map(catalogOf);
  const environmentTypes = (await reader.list(`${devCenterId}/environmentTypes`, DEVCENTER_API_VERSION)).map(
    environmentTypeOf,
  );
  progress(
    `Read ${catalogs.length} dev center catalog(s) and ${environmentTypes.length} environment type(s).`,
  );

  const allProjects = await reader.list(
    `${subscription}/providers/Microsoft.DevCenter/projects`,
    DEVCENTER_API_VERSION,
  );
  const projects: AdeProject[] = [];
  for (const resource of allProjects) {
    const projectProperties = object(resource.properties);
    if (!sameId(String(projectProperties.devCenterId ?? ""), devCenterId)) continue;
    const id = String(resource.id);
    const project: AdeProject = {
      name: String(resource.name),
      id,
      ...(text(projectProperties.description) && { description: text(projectProperties.description) }),
      ...(text(projectProperties.displayName) && { displayName: text(projectProperties.displayName) }),
      ...(typeof projectProperties.maxDevBoxesPerUser === "number" && {
        maxDevBoxesPerUser: projectProperties.maxDevBoxesPerUser,
      }),
      catalogs: (await reader.list(`${id}/catalogs`, DEVCENTER_API_VERSION)).map(catalogOf),
      environmentTypes: (await reader.list(`${id}/environmentTypes`, DEVCENTER_API_VERSION)).map(
        projectEnvironmentTypeOf,
      ),
      roleAssignments: await roleAssignmentsAt(reader, id),
      other: leftovers(projectProperties, [
        "devCenterId",
        "description",
        "displayName",
        "maxDevBoxesPerUser",
        "devCenterUri",
      ]),
    };
    projects.push(project);
    progress(
      `Read project ${project.name}: ${project.catalogs.length} catalog(s), ${project.environmentTypes.length} environment type(s), ` +
        (project.roleAssignments
          ? `${project.roleAssignments.length} role assignment(s).`
          : "role assignments not readable."),
    );
  }

  return {
    id: devCenterId,
    name: String(devCenter.name),
    location: String(devCenter.location ?? ""),
    ...(text(properties.devCenterUri) && { devCenterUri: text(properties.devCenterUri) }),
    catalogs,
    environmentTypes,
    projects,
    other: leftovers(properties, ["devCenterUri", "displayName"]),
  };
}
