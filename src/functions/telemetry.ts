/** Traces every invocation (src/telemetry/invocations.ts) and flushes telemetry when the app stops. */
import { app } from "@azure/functions";
import { traceInvocation } from "../telemetry/invocations";
import { shutdownTelemetry } from "../telemetry/sdk";

app.hook.preInvocation((hook) => {
  hook.functionHandler = traceInvocation(hook.invocationContext, hook.functionHandler);
});

app.hook.appTerminate(() => shutdownTelemetry());
