/** The environment operation orchestration and its activities (src/operations). */
import * as df from "durable-functions";
import { getAppContext } from "../app-context";
import { environmentOperation, OPERATION_ORCHESTRATION } from "../operations/orchestration";
import { ACTIVITY } from "../operations/plan";

df.app.orchestration(OPERATION_ORCHESTRATION, environmentOperation);

const activities = getAppContext().operationActivities();

for (const name of Object.values(ACTIVITY)) {
  const run = activities[name] as (input: unknown) => Promise<unknown>;
  df.app.activity(name, { handler: (input: unknown) => run(input) });
}
