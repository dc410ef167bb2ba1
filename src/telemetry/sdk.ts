/**
 * Starts OpenTelemetry for the app once, before the Azure SDKs load (src/telemetry/start.ts is the
 * first import of the composition root), as the settings say (loadTelemetryConfig): Azure Monitor
 * in Azure, a console or OTLP exporter locally, nothing by default.
 */
import type { TelemetryConfig } from "../config";
import type * as AzureMonitor from "./azure-monitor";
import type * as LocalExporters from "./local-exporters";

let shutdown: (() => Promise<void>) | undefined;

export function startTelemetry(config: TelemetryConfig): void {
  if (shutdown || config.kind === "none") return;
  // Required only when telemetry is on: the SDK packages take seconds to load, and every start
  // (a cold start in Azure, a restart under a runner waiting for the API) would pay for them.
  /* eslint-disable @typescript-eslint/no-require-imports */
  shutdown =
    config.kind === "azureMonitor"
      ? (require("./azure-monitor") as typeof AzureMonitor).startAzureMonitor(config)
      : (require("./local-exporters") as typeof LocalExporters).startLocalTelemetry(config.kind);
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** Flushes and stops what startTelemetry started (the app's terminate hook). */
export async function shutdownTelemetry(): Promise<void> {
  const stop = shutdown;
  shutdown = undefined;
  await stop?.();
}
