/** The environment operation orchestration and its activities (src/operations). */
import * as df from "durable-functions";
import { getAppContext } from "../app-context";
import type { ActivityLog } from "../operations/activities";
import { environmentOperation, OPERATION_ORCHESTRATION } from "../operations/orchestration";
import { ACTIVITY } from "../operations/plan";

df.app.orchestration(OPERATION_ORCHESTRATION, environmentOperation);

const activities = getAppContext().operationActivities();

for (const name of Object.values(ACTIVITY)) {
  const run = activities[name] as (input: unknown, log: ActivityLog) => Promise<unknown>;
  df.app.activity(name, {
    handler: (input: unknown, invocation) => run(input, (message) => invocation.log(message)),
  });
}
