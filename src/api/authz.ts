/**
 * Authorization from the dev center config: project members (or "*") may read and use a project;
 * the DevCenter.Admin app role sees every project and may request catalog syncs.
 */
import { DevCenterConfig, findProject, isAdmin, isMember, ProjectConfig } from "../core/devcenter-config";
import { isUuid, isValidName, NAME_RULE } from "../core/names";
import { Caller, hasAdminRole, ADMIN_ROLE } from "./auth";
import { ApiError, notFound } from "./http";

/** A path parameter that must follow the contract's name rule (400 with the rule otherwise). */
export function requireName(value: string | undefined, parameter: string): string {
  if (value === undefined || !isValidName(value)) {
    throw new ApiError(
      400,
      "InvalidName",
      `The ${parameter} ${JSON.stringify((value ?? "").slice(0, 80))} ${NAME_RULE}.`,
      {
        target: parameter,
      },
    );
  }
  return value;
}

export function canUseProject(project: ProjectConfig, caller: Caller): boolean {
  return hasAdminRole(caller) || isMember(project, caller.objectId);
}

/** Project admins (the config's `admins`) and DevCenter.Admin may act on everyone's environments. */
export function canAdminister(project: ProjectConfig, caller: Caller): boolean {
  return hasAdminRole(caller) || isAdmin(project, caller.objectId);
}

/** The project, if it exists (404) and the caller may use it (403). */
export function requireProject(
  config: DevCenterConfig,
  projectName: string | undefined,
  caller: Caller,
): ProjectConfig {
  const name = requireName(projectName, "projectName");
  const project = findProject(config, name);
  if (!project) throw notFound("ProjectNotFound", `The project ${name} does not exist.`, "projectName");
  if (!canUseProject(project, caller)) {
    throw new ApiError(403, "Forbidden", `The caller is not a member of the project ${project.name}.`);
  }
  return project;
}

export function requireAdmin(caller: Caller): void {
  if (!hasAdminRole(caller)) {
    throw new ApiError(403, "Forbidden", `This operation needs the ${ADMIN_ROLE} app role.`);
  }
}

const USER_ID_PATTERN = /^[a-zA-Z0-9]{8}-([a-zA-Z0-9]{4}-){3}[a-zA-Z0-9]{12}$|^me$/;

/** The contract's userId: an object id, or `me` for the caller; lower case. */
export function resolveUserId(userId: string | undefined, caller: Caller): string {
  if (userId === undefined || !USER_ID_PATTERN.test(userId)) {
    throw new ApiError(400, "InvalidUserId", "The userId must be an object id (uuid) or me.", {
      target: "userId",
    });
  }
  if (userId === "me") return caller.objectId;
  if (!isUuid(userId)) {
    throw new ApiError(400, "InvalidUserId", "The userId must be an object id (uuid) or me.", {
      target: "userId",
    });
  }
  return userId.toLowerCase();
}
