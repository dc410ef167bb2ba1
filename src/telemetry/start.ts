/**
 * Imported first by the composition root (src/app-context.ts) so that OpenTelemetry and the Azure
 * SDK instrumentation are in place before any Azure SDK module loads.
 */
import { loadTelemetryConfig } from "../config";
import { startTelemetry } from "./sdk";

startTelemetry(loadTelemetryConfig());
