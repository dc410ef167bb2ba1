/** The sweep that deletes environments past their expirationDate (EXPIRY_SWEEP_SCHEDULE). */
import * as df from "durable-functions";
import { getAppContext } from "../app-context";
import { deleteExpiredEnvironments } from "../operations/expiry";
import { operationScheduler } from "../azure/operation-scheduler";

const context = getAppContext();

df.app.client.timer("environmentExpiry", {
  schedule: context.config.expirySweepSchedule,
  handler: async (_timer, client, invocation) => {
    const sweep = await deleteExpiredEnvironments(context.expiry(operationScheduler(client)));
    for (const environment of sweep.deleting) invocation.log(`Deleting expired environment ${environment}.`);
    for (const { environment, reason } of sweep.skipped) {
      invocation.log(`Expired environment ${environment} is left for the next sweep: ${reason}`);
    }
  },
});
