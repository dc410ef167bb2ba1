/**
 * The control plane's metrics. Instruments are made on first use, after the SDK started (the
 * metrics API hands out no-op instruments when no provider is registered, and keeps them).
 */
import { metrics, type Counter, type Histogram } from "@opentelemetry/api";

interface Instruments {
  started: Counter;
  succeeded: Counter;
  failed: Counter;
  canceled: Counter;
  stepDuration: Histogram;
  runnerDuration: Histogram;
  cleanupRetries: Counter;
}

let instruments: Instruments | undefined;

export function operationMetrics(): Instruments {
  if (instruments) return instruments;
  const meter = metrics.getMeter("devcenter-control-plane");
  instruments = {
    started: meter.createCounter("devcenter.operations.started", {
      description: "Environment operations whose plan was resolved (kind: deploy or delete).",
    }),
    succeeded: meter.createCounter("devcenter.operations.succeeded", {
      description: "Environment operations that ended Succeeded.",
    }),
    failed: meter.createCounter("devcenter.operations.failed", {
      description: "Environment operations that ended Failed, by error code.",
    }),
    canceled: meter.createCounter("devcenter.operations.canceled", {
      description: "Environment operations that ended Canceled.",
    }),
    stepDuration: meter.createHistogram("devcenter.operation.step.duration", {
      description: "Duration of one run of an operation step (an activity), by step and outcome.",
      unit: "ms",
    }),
    runnerDuration: meter.createHistogram("devcenter.runner.duration", {
      description: "From the runner's start to the collection of its results.",
      unit: "s",
    }),
    cleanupRetries: meter.createCounter("devcenter.cleanup.retries", {
      description:
        "Failed runs of a cleanup step (revoke the runner's role, delete the runner, follow its deletion); each is retried.",
    }),
  };
  return instruments;
}
