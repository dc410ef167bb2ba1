/**
 * Management endpoints that request a catalog sync (DevCenter.Admin role):
 * `POST /management/catalogs/{catalogName}:sync` (dev center catalog) and
 * `POST /management/projects/{projectName}/catalogs/{catalogName}:sync`. They publish the
 * DevCenter.Catalog.SyncRequested event and answer 202; the catalogSync trigger runs the sync.
 * Not under /admin: the Functions host reserves that prefix for its own API.
 */
import { catalogSubject, CATALOG_SYNC_EVENT_TYPE } from "../catalog/events";
import { findConfiguredCatalog, refOf } from "../catalog/requests";
import { CatalogConfig, findCatalog, findProject } from "../core/devcenter-config";
import { requireAdmin, requireName } from "./authz";
import { ApiError, jsonResponse, notFound } from "./http";
import { Handler } from "./pipeline";
import { DevCenterApiDeps } from "./ports";

type H = Handler<DevCenterApiDeps>;

/** `{catalogName}:sync` → catalogName (the host matches the whole last segment as one parameter). */
function syncTarget(segment: string | undefined): string {
  const match = /^(.*):sync$/.exec(segment ?? "");
  if (!match) throw notFound("NotFound", "Unknown action: the route is {catalogName}:sync.");
  return requireName(match[1], "catalogName");
}

async function publishSync(deps: DevCenterApiDeps, catalog: CatalogConfig) {
  if (!deps.syncRequests) {
    throw new ApiError(
      503,
      "EventGridNotConfigured",
      "Sync requests need an Event Grid topic: set EVENTGRID_ENDPOINT and EVENTGRID_KEY.",
    );
  }
  const ref = refOf(catalog);
  const eventId = await deps.syncRequests.publish(ref);
  return jsonResponse(
    { eventId, eventType: CATALOG_SYNC_EVENT_TYPE, subject: catalogSubject(ref), status: "Requested" },
    202,
  );
}

export const requestDevCenterCatalogSync: H = async (request, { deps, caller }) => {
  requireAdmin(caller);
  const name = syncTarget(request.params.catalogAction);
  const catalog = findConfiguredCatalog(deps.devCenter, { catalog: name });
  if (!catalog) throw notFound("CatalogNotFound", `The dev center has no catalog ${name}.`, "catalogName");
  return publishSync(deps, catalog);
};

/** A project's own catalog, or a dev center catalog the project sees (that one is synced for every project). */
export const requestProjectCatalogSync: H = async (request, { deps, caller }) => {
  requireAdmin(caller);
  const projectName = requireName(request.params.projectName, "projectName");
  const project = findProject(deps.devCenter, projectName);
  if (!project)
    throw notFound("ProjectNotFound", `The project ${projectName} does not exist.`, "projectName");
  const name = syncTarget(request.params.catalogAction);
  const catalog = findCatalog(deps.devCenter, project, name);
  if (!catalog)
    throw notFound("CatalogNotFound", `The project ${project.name} has no catalog ${name}.`, "catalogName");
  return publishSync(deps, catalog);
};
