/**
 * From a sync request (an event, the timer) to syncs: which configured catalog a request names
 * (names compare without case; the record uses the config's spelling) and running them.
 */
import { CatalogConfig, DevCenterConfig, findProject } from "../core/devcenter-config";
import { parseSyncEvent } from "./events";
import { CatalogRef, describeCatalog } from "./model";
import { CatalogSyncDeps, SyncOutcome, syncCatalog } from "./sync";

export function refOf(catalog: CatalogConfig): CatalogRef {
  return { catalog: catalog.name, ...(catalog.project !== undefined && { project: catalog.project }) };
}

/** The configured catalog a request names: a dev center catalog, or one of the project's own. */
export function findConfiguredCatalog(config: DevCenterConfig, ref: CatalogRef): CatalogConfig | undefined {
  const same = (c: CatalogConfig) => c.name.toLowerCase() === ref.catalog.toLowerCase();
  if (ref.project === undefined) return config.catalogs.find(same);
  return findProject(config, ref.project)?.catalogs.find(same);
}

/** Every configured catalog: the dev center's, then each project's. */
export function allCatalogs(config: DevCenterConfig): CatalogConfig[] {
  return [...config.catalogs, ...config.projects.flatMap((p) => p.catalogs)];
}

export type EventOutcome = SyncOutcome | { status: "Ignored"; reason: string };

/**
 * Runs the sync an event asks for. An event that is not a sync request, or names no configured
 * catalog, is ignored with a reason (redelivering it would not help).
 */
export async function handleSyncEvent(
  event: unknown,
  config: DevCenterConfig,
  deps: CatalogSyncDeps,
): Promise<EventOutcome> {
  const parsed = parseSyncEvent(event);
  if (!parsed.ok) return { status: "Ignored", reason: parsed.message };
  const catalog = findConfiguredCatalog(config, parsed.ref);
  if (!catalog)
    return { status: "Ignored", reason: `the dev center config has no ${describeCatalog(parsed.ref)}` };
  return syncCatalog(deps, refOf(catalog));
}

/** Syncs every configured catalog, one after the other; one catalog's failure does not stop the others. */
export async function syncAllCatalogs(
  config: DevCenterConfig,
  deps: CatalogSyncDeps,
): Promise<{ ref: CatalogRef; outcome: SyncOutcome | { status: "Error"; message: string } }[]> {
  const results = [];
  for (const catalog of allCatalogs(config)) {
    const ref = refOf(catalog);
    try {
      results.push({ ref, outcome: await syncCatalog(deps, ref) });
    } catch (error) {
      results.push({
        ref,
        outcome: {
          status: "Error" as const,
          message: error instanceof Error ? error.message : String(error),
        },
      });
    }
  }
  return results;
}
