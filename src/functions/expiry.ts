/**
 * The periodic sweep (EXPIRY_SWEEP_SCHEDULE): ends operations that lost their orchestration (and
 * cleans up after them), then deletes environments past their expirationDate.
 */
import * as df from "durable-functions";
import { getAppContext } from "../app-context";
import { endAbandonedOperations } from "../operations/abandoned";
import { deleteExpiredEnvironments } from "../operations/expiry";
import { operationScheduler } from "../azure/operation-scheduler";

const context = getAppContext();

df.app.client.timer("environmentExpiry", {
  schedule: context.config.expirySweepSchedule,
  handler: async (_timer, client, invocation) => {
    const deps = context.expiry(operationScheduler(client));
    const projects = context.devCenter.projects.map((project) => project.name);
    for (const operation of await endAbandonedOperations(deps, projects)) {
      invocation.log(`Ended operation ${operation}: its orchestration was gone; cleaning up after it.`);
    }
    const sweep = await deleteExpiredEnvironments(deps);
    for (const environment of sweep.deleting) invocation.log(`Deleting expired environment ${environment}.`);
    for (const { environment, reason } of sweep.skipped) {
      invocation.log(`Expired environment ${environment} is left for the next sweep: ${reason}`);
    }
  },
});
