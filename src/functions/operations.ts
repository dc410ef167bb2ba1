/** The environment operation orchestration and its activities (src/operations). */
import * as df from "durable-functions";
import { getAppContext } from "../app-context";
import { ACTIVITY_NAMES, runActivity, type ActivityRequest } from "../operations/activity-table";
import { abandonedOperationCleanup, CLEANUP_ORCHESTRATION } from "../operations/cleanup";
import { activityLog } from "../telemetry/invocations";
import { environmentOperation, OPERATION_ORCHESTRATION } from "../operations/orchestration";

df.app.orchestration(OPERATION_ORCHESTRATION, environmentOperation);
df.app.orchestration(CLEANUP_ORCHESTRATION, abandonedOperationCleanup);

const activities = getAppContext().operationActivities();

for (const name of ACTIVITY_NAMES) {
  df.app.activity(name, {
    handler: (request: ActivityRequest<typeof name>, invocation) =>
      runActivity(activities, name, request, activityLog(invocation, request.input)),
  });
}
