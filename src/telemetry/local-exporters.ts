/**
 * Local telemetry: spans as JSON lines on stdout or over OTLP/HTTP, metrics as JSON lines on stdout
 * (console only), and the Azure SDK instrumentation, which turns the SDKs' @azure/core-tracing spans
 * into OpenTelemetry spans under the active one.
 */
import { createAzureSdkInstrumentation } from "@azure/opentelemetry-instrumentation-azure-sdk";
import { metrics } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { JsonLineMetricExporter, JsonLineSpanExporter } from "./console-exporters";

const SERVICE = resourceFromAttributes({ "service.name": "devcenter-control-plane" });
/** Console metrics are printed this often, and once more when the app stops. */
const CONSOLE_METRICS_INTERVAL_MS = 60_000;

export function startLocalTelemetry(kind: "console" | "otlp"): () => Promise<void> {
  const tracing = new NodeTracerProvider({
    resource: SERVICE,
    spanProcessors: [
      kind === "console"
        ? new SimpleSpanProcessor(new JsonLineSpanExporter())
        : new BatchSpanProcessor(new OTLPTraceExporter()),
    ],
  });
  tracing.register();
  const meters =
    kind === "console"
      ? new MeterProvider({
          resource: SERVICE,
          readers: [
            new PeriodicExportingMetricReader({
              exporter: new JsonLineMetricExporter(),
              exportIntervalMillis: CONSOLE_METRICS_INTERVAL_MS,
            }),
          ],
        })
      : undefined;
  if (meters) metrics.setGlobalMeterProvider(meters);
  const disable = registerInstrumentations({ instrumentations: [createAzureSdkInstrumentation()] });
  return async () => {
    disable();
    await Promise.all([tracing.shutdown(), meters?.shutdown()]);
  };
}
