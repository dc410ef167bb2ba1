/**
 * Local exporters that write one JSON line per finished span and per metric to stdout
 * (TELEMETRY_EXPORTER=console), so a developer or a test can read them from the host's output.
 * They write what the span or instrument carries, which is what any exporter would send.
 */
import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from "@opentelemetry/core";
import {
  AggregationTemporality,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

export const SPAN_LINE_PREFIX = "[otel-span] ";
export const METRIC_LINE_PREFIX = "[otel-metric] ";

export class JsonLineSpanExporter implements SpanExporter {
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const line = {
        name: span.name,
        kind: span.kind,
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        scope: span.instrumentationScope.name,
        durationMs: hrTimeToMilliseconds(span.duration),
        status: span.status,
        attributes: span.attributes,
        events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
      };
      process.stdout.write(`${SPAN_LINE_PREFIX}${JSON.stringify(line)}\n`);
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}

export class JsonLineMetricExporter implements PushMetricExporter {
  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    for (const scope of metrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const points = metric.dataPoints.map((point) => ({
          attributes: point.attributes,
          value: point.value,
        }));
        const line = { name: metric.descriptor.name, unit: metric.descriptor.unit, points };
        process.stdout.write(`${METRIC_LINE_PREFIX}${JSON.stringify(line)}\n`);
      }
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
