/** Azure Monitor (Application Insights) through @azure/monitor-opentelemetry, with the Azure SDK spans. */
import { ManagedIdentityCredential } from "@azure/identity";
import { shutdownAzureMonitor, useAzureMonitor } from "@azure/monitor-opentelemetry";
import type { TelemetryConfig } from "../config";

export function startAzureMonitor(
  config: Extract<TelemetryConfig, { kind: "azureMonitor" }>,
): () => Promise<void> {
  const credential = config.entraId
    ? config.clientId
      ? new ManagedIdentityCredential({ clientId: config.clientId })
      : new ManagedIdentityCredential()
    : undefined;
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString: config.connectionString, credential },
    instrumentationOptions: { azureSdk: { enabled: true } },
  });
  return shutdownAzureMonitor;
}
