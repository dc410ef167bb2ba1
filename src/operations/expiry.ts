/**
 * Environments past their expirationDate are deleted: a periodic sweep requests a delete operation
 * for each, as its owner would. One that is busy is picked up by a later sweep.
 */
import type { DevCenterConfig } from "../core/devcenter-config";
import { definitionOfEnvironment, type DefinitionFinder } from "./definitions";
import { isExpired } from "./expiration";
import { RequestRejected } from "./rejections";
import { requestDelete, type RequestDeps } from "./requests";

/** The object id recorded as `createdBy` of the delete operations the dev center itself starts. */
export const DEV_CENTER_PRINCIPAL = "00000000-0000-0000-0000-000000000000";

export interface ExpiryDeps extends RequestDeps {
  devCenter: DevCenterConfig;
  catalogs: DefinitionFinder;
}

export interface ExpirySweep {
  /** `project/environment` of each environment whose delete was requested. */
  deleting: string[];
  /** Expired environments left for a later sweep, and why. */
  skipped: { environment: string; reason: string }[];
}

export async function deleteExpiredEnvironments(deps: ExpiryDeps): Promise<ExpirySweep> {
  const now = deps.now();
  const sweep: ExpirySweep = { deleting: [], skipped: [] };
  for (const project of deps.devCenter.projects) {
    for (const { value: environment } of await deps.environments.list(project.name)) {
      if (!isExpired(environment, now)) continue;
      if (environment.provisioningState === "Deleting") continue;
      const name = `${environment.project}/${environment.name}`;
      try {
        const definition = await definitionOfEnvironment(deps.devCenter, deps.catalogs, environment);
        // An expired environment goes even if its definition has left the catalog.
        await requestDelete(deps, {
          project: environment.project,
          environmentName: environment.name,
          user: environment.user,
          createdBy: DEV_CENTER_PRINCIPAL,
          ...(definition && { definition }),
          force: true,
        });
        sweep.deleting.push(name);
      } catch (error) {
        if (!(error instanceof RequestRejected)) throw error;
        sweep.skipped.push({ environment: name, reason: error.message });
      }
    }
  }
  return sweep;
}
