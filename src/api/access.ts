/**
 * `GET /management/projects/{projectName}/access`: what the caller may do in a project, for the
 * portal. The Dev Center API has no way to ask, and a project's admins are named in the dev center's
 * config, not in the caller's token. A member asks about themselves only.
 */
import { canAdminister, requireProject } from "./authz";
import { jsonResponse } from "./http";
import type { Handler } from "./pipeline";
import type { DevCenterApiDeps } from "./ports";

export const describeProjectAccess: Handler<DevCenterApiDeps> = async (request, { deps, caller }) => {
  const project = requireProject(deps.devCenter, request.params.projectName, caller);
  return jsonResponse({
    projectName: project.name,
    objectId: caller.objectId.toLowerCase(),
    projectAdmin: canAdminister(project, caller),
  });
};
