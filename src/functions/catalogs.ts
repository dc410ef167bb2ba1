/**
 * Catalog sync: the Event Grid trigger that runs a sync (DevCenter.Catalog.SyncRequested, Event Grid
 * or CloudEvents schema), the timer that syncs every catalog (CATALOG_SYNC_SCHEDULE), and the
 * management endpoints that request a sync by publishing the event.
 */
import { app } from "@azure/functions";
import { requestDevCenterCatalogSync, requestProjectCatalogSync } from "../api/catalog-sync";
import { functionsHandler } from "../api/host";
import { getAppContext } from "../app-context";
import { describeCatalog } from "../catalog/model";
import { handleSyncEvent, syncAllCatalogs } from "../catalog/requests";
import { httpRoute } from "./routes";

const context = getAppContext();

app.eventGrid("catalogSync", {
  handler: async (event, invocation) => {
    // A storage failure throws, so Event Grid delivers the event again; a failed sync is recorded on the catalog.
    const outcome = await handleSyncEvent(event, context.devCenter, context.catalogSync(invocation));
    if (outcome.status === "Ignored") invocation.warn(`Catalog sync event ignored: ${outcome.reason}.`);
  },
});

app.timer("catalogSyncTimer", {
  schedule: context.config.catalogSyncSchedule,
  runOnStartup: context.config.catalogSyncOnStartup,
  handler: async (_timer, invocation) => {
    for (const { ref, outcome } of await syncAllCatalogs(
      context.devCenter,
      context.catalogSync(invocation),
    )) {
      if (outcome.status === "Error")
        invocation.error(`Sync of ${describeCatalog(ref)} failed: ${outcome.message}`);
    }
  },
});

httpRoute("requestCatalogSync", {
  route: "management/catalogs/{catalogAction}",
  methods: ["POST"],
  authLevel: "anonymous",
  handler: functionsHandler(context.api, requestDevCenterCatalogSync),
});

httpRoute("requestProjectCatalogSync", {
  route: "management/projects/{projectName}/catalogs/{catalogAction}",
  methods: ["POST"],
  authLevel: "anonymous",
  handler: functionsHandler(context.api, requestProjectCatalogSync),
});
