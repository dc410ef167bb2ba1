/**
 * Telemetry end to end: the compiled app in the dev host with the console exporter
 * (TELEMETRY_EXPORTER=console: one JSON line per finished span and per metric on the host's
 * stdout), a deployment that succeeds and one that fails after its runner printed its token and a
 * parameter value, with one failed cleanup step on the way. The host's whole output (function
 * logs, spans, metrics) must show the operations, their steps and the ARM calls inside them, and
 * never the runner token or the parameter value. Needs `npm run build`.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ACTIVITY_NAMES } from "../../../src/operations/activity-table";
import { METRIC_LINE_PREFIX, SPAN_LINE_PREFIX } from "../../../src/telemetry/console-exporters";
import { Stack, type Json, type Reply } from "../../support/stack";

const ENVIRONMENTS = "/projects/demo/users/me/environments";
const SECRET_PARAMETER = "hunter2-telemetry-parameter-7f3c";
/** What dev/host/spawn.ts keeps of a host's output; the test fails rather than grep a truncated one. */
const OUTPUT_LIMIT = 512 * 1024;

interface SpanLine {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  scope: string;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
}
interface MetricPoint {
  attributes: Record<string, unknown>;
  value: number | { count: number; sum: number };
}
interface MetricLine {
  name: string;
  points: MetricPoint[];
}

function operationLocation(reply: Reply): string {
  const location = reply.headers.get("operation-location");
  if (!location) throw new Error(`no Operation-Location: ${reply.status} ${reply.text}`);
  return location;
}

function parsed<T>(output: string, prefix: string): T[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => JSON.parse(line.slice(prefix.length)) as T);
}

describe("telemetry of environment operations (dev host, console exporter)", () => {
  let stack: Stack;
  let scratch: string;
  let output: string;
  let spans: SpanLine[];
  let metricLines: MetricLine[];
  let ok: { id: string; status: Json };
  let failed: { id: string; status: Json; token: string; log: string };
  let userToken: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "telemetry-e2e-"));
    stack = await Stack.start({
      definitions: {
        telltale: {
          "environment.yaml": [
            "name: telltale",
            "runner: Bicep",
            "templatePath: main.bicep",
            "parameters:",
            "  - id: password",
            "    name: Password",
            "    type: string",
            "",
          ].join("\n"),
          "main.bicep": "// nothing\n",
          // Leaves the token where the test reads it, prints it and the parameters, and fails.
          "deploy.sh": [
            "#!/bin/bash",
            `printf %s "$ADE_RUNNER_TOKEN" > ${JSON.stringify(scratch)}/token`,
            'echo "token: $ADE_RUNNER_TOKEN parameters: $ADE_OPERATION_PARAMETERS"',
            "exit 3",
            "",
          ].join("\n"),
        },
      },
      settings: { TELEMETRY_EXPORTER: "console", ACTIVITY_RETRY_FIRST_SECONDS: "1" },
      quiet: false,
    });
    const alice = await stack.token("alice");
    userToken = alice;
    await stack.catalogSynced(alice);
    // The first runner deletion fails once: the cleanup step is retried.
    stack.setFaults({
      failures: [
        { method: "DELETE", path: "/containergroups/runner-", status: 400, code: "Injected", count: 1 },
      ],
    });
    const body = (definition: string, parameters: Json): Json => ({
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: definition,
      parameters,
    });
    const put = async (name: string, definition: string, parameters: Json) => {
      const reply = await stack.request(
        "PUT",
        `${ENVIRONMENTS}/${name}`,
        alice,
        body(definition, parameters),
      );
      expect(reply.status).toBe(201);
      return {
        id: new URL(operationLocation(reply)).pathname.split("/").pop() as string,
        location: operationLocation(reply),
      };
    };
    const counted = await put("counted", "counter", { step: 2 });
    const leaking = await put("leaking", "telltale", { password: SECRET_PARAMETER });
    ok = { id: counted.id, status: await stack.finished(counted.location, alice, 120_000, 250) };
    const failedStatus = await stack.finished(leaking.location, alice, 120_000, 250);
    const log = await stack.request("GET", `${ENVIRONMENTS}/leaking/operations/${leaking.id}/logs`, alice);
    failed = {
      id: leaking.id,
      status: failedStatus,
      token: await readFile(path.join(scratch, "token"), "utf8"),
      log: log.text,
    };
    await stack.host.stop(); // the app's terminate hook flushes the metrics
    output = stack.host.output();
    spans = parsed<SpanLine>(output, SPAN_LINE_PREFIX);
    metricLines = parsed<MetricLine>(output, METRIC_LINE_PREFIX);
  }, 240_000);

  afterAll(async () => {
    stack?.setFaults({});
    await stack?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it("ran both operations as intended, and kept the host's whole output", () => {
    expect(ok.status).toMatchObject({ status: "Succeeded" });
    expect(failed.status).toMatchObject({ status: "Failed" });
    expect(stack.services.arm.injectedFaults().failures).toBe(1);
    expect(output).toContain("Dev host listening on");
    expect(output.length).toBeLessThan(OUTPUT_LIMIT);
  });

  it("never shows the runner token or a parameter value, in logs, spans or metrics", () => {
    // The secrets existed and went through the app: the runner had the token, and the operation's
    // log (what the runner printed, served by the app) holds the parameter value.
    expect(failed.token.length).toBeGreaterThanOrEqual(20);
    expect(failed.log).toContain(SECRET_PARAMETER);
    expect(output).not.toContain(failed.token);
    expect(output).not.toContain(SECRET_PARAMETER);
    // Nor the callers' bearer tokens, nor any header.
    expect(output).not.toContain(userToken);
    expect(output).not.toMatch(/Bearer [\w-]+\./);
    const keys = spans.flatMap((span) => Object.keys(span.attributes));
    expect(keys.filter((key) => /authorization|header|cookie/i.test(key))).toEqual([]);
  });

  it("logs every line of an operation's steps as JSON with the operation id, project, environment and step", () => {
    const steps = new Set<string>(ACTIVITY_NAMES);
    const stepLines = output
      .split("\n")
      .map((line) => /^\[[^\]]+\] \[(\w+)\] (.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null && steps.has(match[1]));
    expect(stepLines.length).toBeGreaterThan(10);
    const environments: Record<string, string> = { [ok.id]: "counted", [failed.id]: "leaking" };
    for (const [, step, text] of stepLines) {
      const line = JSON.parse(text) as Json;
      expect(line).toEqual({
        message: expect.any(String),
        operationId: expect.stringMatching(new RegExp(`^(${ok.id}|${failed.id})$`)),
        project: "demo",
        environment: environments[line.operationId as string],
        step,
      });
    }
    expect(
      stepLines.some(
        ([, step, text]) => step === "deleteRunner" && text.includes("deleteRunner failed (Injected)"),
      ),
    ).toBe(true);
  });

  it("traces the API handlers and each activity of each operation, with the ARM calls inside", () => {
    const puts = spans.filter(
      (span) => span.name === "PUT /projects/{projectName}/users/{userId}/environments/{environmentName}",
    );
    expect(puts).toHaveLength(2);
    for (const span of puts) {
      expect(span.attributes).toMatchObject({
        "http.request.method": "PUT",
        "http.response.status_code": 201,
      });
    }
    for (const id of [ok.id, failed.id]) {
      const activities = spans.filter((span) => span.attributes["devcenter.operation.id"] === id);
      const names = new Set(activities.map((span) => span.attributes["devcenter.step"]));
      for (const step of [
        "resolveOperation",
        "ensureResourceGroup",
        "grantRole",
        "startRunner",
        "collectRunnerResults",
        "deleteRunner",
        "revokeRole",
        "finishOperation",
      ]) {
        expect({ id, step, traced: names.has(step) }).toEqual({ id, step, traced: true });
      }
      // recordStep names only project and operation; before resolveOperation ran, nothing else is known.
      for (const span of activities.filter((one) => one.attributes["devcenter.step"] !== "recordStep")) {
        expect(span.attributes).toMatchObject({
          "devcenter.project": "demo",
          "devcenter.environment": expect.any(String),
        });
      }
      const ensure = activities.find((span) => span.attributes["devcenter.step"] === "ensureResourceGroup")!;
      const armCalls = spans.filter(
        (span) => span.parentSpanId === ensure.spanId && span.traceId === ensure.traceId,
      );
      expect(armCalls).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            name: "HTTP PUT",
            scope: "@azure/core-rest-pipeline",
            attributes: expect.objectContaining({
              "http.url": expect.stringMatching(/\/subscriptions\/[^/]+\/resourcegroups\//i),
            }),
          }),
        ]),
      );
    }
    const failedDelete = spans.find(
      (span) => span.name === "activity deleteRunner" && span.status.code === 2,
    );
    expect(failedDelete?.attributes["error.type"]).toBe("Injected");
  });

  it("counts operations started, succeeded and failed by code, and measures steps, runners and cleanup retries", () => {
    const metric = (name: string) => metricLines.filter((line) => line.name === name).at(-1)?.points ?? [];
    const value = (name: string, attributes: Json) =>
      metric(name).find((point) => JSON.stringify(point.attributes) === JSON.stringify(attributes))?.value;
    expect(value("devcenter.operations.started", { kind: "deploy" })).toBe(2);
    expect(value("devcenter.operations.succeeded", { kind: "deploy" })).toBe(1);
    const code = (failed.status.error as Json).code as string;
    expect(value("devcenter.operations.failed", { kind: "deploy", code })).toBe(1);
    expect(value("devcenter.cleanup.retries", { step: "deleteRunner" })).toBe(1);
    const runner = metric("devcenter.runner.duration");
    expect(runner.map((point) => point.attributes.outcome).sort()).toEqual(["Failed", "Succeeded"]);
    for (const point of runner) expect((point.value as { sum: number }).sum).toBeGreaterThan(0);
    const steps = metric("devcenter.operation.step.duration");
    const stepOf = (outcome: string) =>
      steps.filter((point) => point.attributes.outcome === outcome).map((point) => point.attributes.step);
    expect(stepOf("succeeded")).toEqual(
      expect.arrayContaining(["resolveOperation", "startRunner", "finishOperation"]),
    );
    expect(stepOf("failed")).toEqual(["deleteRunner"]);
  });
});
