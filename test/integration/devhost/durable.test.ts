/**
 * The Durable side of the dev host, driven like a real app is: the fixture's df.app.client.http
 * functions (startNew, getStatus, raiseEvent, ...) called over HTTP, plus the management API.
 */
import { RunningAzurite, startAzurite } from "../../../dev/azurite";
import type { DevHostProcess } from "../../../dev/host/spawn";
import {
  call,
  DURABLE_APP,
  FIXTURE_MASTER_KEY,
  InstanceStatus,
  Scratch,
  startFixtureHost,
  status,
  waitFor,
  waitForStatus,
  withHostOutput,
} from "./helpers";

describe("dev host: durable orchestrations", () => {
  let azurite: RunningAzurite;
  let host: DevHostProcess;
  const scratch = new Scratch();
  let api: string;

  beforeAll(async () => {
    azurite = await startAzurite();
    host = await startFixtureHost({
      appRoot: DURABLE_APP,
      storage: azurite.connectionString,
      taskHub: "durabletests",
      scratch,
    });
    api = `${host.url}/api`;
  });

  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
    scratch.cleanup();
  });

  const start = (name: string, instanceId: string, input?: unknown) =>
    call(`${api}/orchestrators/${name}/${instanceId}`, {
      method: "POST",
      body: input === undefined ? "" : input,
    });

  /** The status as the app's durable client reports it (client.getStatus through the fixture). */
  const clientStatus = async (instanceId: string) =>
    (await call(`${api}/orchestrations/${instanceId}`)).json<InstanceStatus>();

  it("runs activities, a durable timer, a retried activity, a fan-out of 20, an event and a custom status", () =>
    withHostOutput(host, async () => {
      const started = await start("acceptance", "accept-1", { name: "Ada", timerSeconds: 1, fanOut: 20 });
      expect(started.status).toBe(202);
      const links = started.json<{ id: string; statusQueryGetUri: string }>();
      expect(links.id).toBe("accept-1");
      expect(started.headers.get("location")).toBe(links.statusQueryGetUri);
      expect(
        links.statusQueryGetUri.startsWith(`${host.url}/runtime/webhooks/durabletask/instances/accept-1`),
      ).toBe(true);

      const waiting = await waitFor("the approval stage", async () => {
        const s = await clientStatus("accept-1");
        return (s.customStatus as { stage?: string })?.stage === "waiting-approval" ? s : undefined;
      });
      expect(waiting.runtimeStatus).toBe("Running");
      expect(waiting.customStatus).toEqual({ stage: "waiting-approval", squares: 20 });

      expect(
        (await call(`${api}/orchestrations/accept-1/events/approval`, { body: { by: "lead" } })).status,
      ).toBe(202);
      const done = await waitForStatus(host.url, "accept-1", ["Completed", "Failed"]);
      const output = done.output as Record<string, string | number | object>;
      expect(done.runtimeStatus).toBe("Completed");
      expect(output).toMatchObject({
        greeting: "Hello, Ada!",
        flaky: "ok after 2 attempts",
        sumOfSquares: 2470,
        approval: { by: "lead" },
      });
      expect(done.customStatus).toEqual({ stage: "done" });
      // The orchestrator resumed at or after the timer's fire time, about a second after it set it.
      expect(Date.parse(output.wokeAt as string)).toBeGreaterThanOrEqual(Date.parse(output.wakeAt as string));
      expect(Date.parse(output.wakeAt as string) - Date.parse(done.createdTime)).toBeGreaterThanOrEqual(1000);

      expect(scratch.count("greet", "end", "Ada")).toBe(1);
      expect(scratch.count("flaky", "start")).toBe(2);
      for (let i = 0; i < 20; i++) expect(scratch.count("square", "start", String(i))).toBe(1);

      const viaClient = await clientStatus("accept-1");
      expect(viaClient.runtimeStatus).toBe("Completed");
      expect(viaClient.output).toEqual(done.output);
    }));

  it("shows the history, with each task completed once", () =>
    withHostOutput(host, async () => {
      const withHistory = await status(host.url, "accept-1", "?showHistory=true&showHistoryOutput=true");
      const events = withHistory?.historyEvents ?? [];
      expect(events[0]).toMatchObject({ EventType: "ExecutionStarted", FunctionName: "acceptance" });
      expect(
        events.filter((e) => e.EventType === "TaskCompleted" && e.FunctionName === "square"),
      ).toHaveLength(20);
      expect(events.filter((e) => e.EventType === "TaskFailed" && e.FunctionName === "flaky")).toHaveLength(
        1,
      );
      expect(events.filter((e) => e.EventType === "TimerFired")).toHaveLength(2); // the 1 s timer and the retry delay
      expect(events.filter((e) => e.EventType === "EventRaised" && e.Name === "approval")).toHaveLength(1);
      expect(events[events.length - 1]).toMatchObject({
        EventType: "ExecutionCompleted",
        OrchestrationStatus: "Completed",
      });
    }));

  it("passes inputs and results of every JSON type through unchanged", () =>
    withHostOutput(host, async () => {
      await start("roundTrip", "round-trip");
      const done = await waitForStatus(host.url, "round-trip", ["Completed", "Failed"]);
      expect(done.output).toEqual([
        { type: "string", value: "plain text" },
        { type: "string", value: '{"looks":"like json"}' },
        { type: "number", value: 42 },
        { type: "number", value: 2.5 },
        { type: "boolean", value: true },
        { type: "object", value: { nested: [1, "two"] } },
        { type: "null", value: null },
        { type: "undefined", value: null },
      ]);
    }));

  it("lets an event win a race against a timer, cancelling the timer", () =>
    withHostOutput(host, async () => {
      await start("race", "race-event", { timeoutSeconds: 60 });
      await waitForStatus(host.url, "race-event", ["Running"]);
      await call(`${api}/orchestrations/race-event/events/go`, { body: JSON.stringify("fast") });
      const done = await waitForStatus(host.url, "race-event", ["Completed"], 10_000);
      expect(done.output).toEqual({ winner: "event", data: "fast" });
    }));

  it("lets a timer win a race against an event", () =>
    withHostOutput(host, async () => {
      await start("race", "race-timer", { timeoutSeconds: 0.5 });
      const done = await waitForStatus(host.url, "race-timer", ["Completed"]);
      expect(done.output).toEqual({ winner: "timeout" });
    }));

  it("continues as new until the counter reaches its target", () =>
    withHostOutput(host, async () => {
      await start("counter", "counter-1", { value: 0, target: 3 });
      const done = await waitForStatus(host.url, "counter-1", ["Completed", "Failed"]);
      expect(done.output).toBe(3);
      expect(done.input).toEqual({ value: 3, target: 3 });
      const history = (await status(host.url, "counter-1", "?showHistory=true"))?.historyEvents ?? [];
      // Only the last execution's history remains: it started and completed without activities.
      expect(history.map((e) => e.EventType)).toEqual(["ExecutionStarted", "ExecutionCompleted"]);
    }));

  it("fails the orchestration with the error message when an activity failure is not caught", () =>
    withHostOutput(host, async () => {
      await start("failing", "fail-activity", { mode: "activity" });
      const done = await waitForStatus(host.url, "fail-activity", ["Failed", "Completed"]);
      expect(done.runtimeStatus).toBe("Failed");
      expect(done.output).toEqual(expect.stringContaining("Orchestrator function 'failing' failed"));
      expect(done.output).toEqual(expect.stringContaining("the activity exploded"));
      expect(done.customStatus).toBe("about to fail");
    }));

  it("fails the orchestration with the error message when the orchestrator throws", () =>
    withHostOutput(host, async () => {
      await start("failing", "fail-orchestrator", { mode: "orchestrator" });
      const done = await waitForStatus(host.url, "fail-orchestrator", ["Failed", "Completed"]);
      expect(done.runtimeStatus).toBe("Failed");
      expect(done.output).toBe("Orchestrator function 'failing' failed: the orchestrator gave up");
    }));

  it("retries with backoff until the attempts run out, then throws the last failure", () =>
    withHostOutput(host, async () => {
      await start("retryExhausted", "retry-out");
      const done = await waitForStatus(host.url, "retry-out", ["Completed", "Failed"]);
      expect((done.output as { caught: string }).caught).toEqual(expect.stringContaining("attempt 3 failed"));
      expect(scratch.count("alwaysFails", "start")).toBe(3);
    }));

  it("terminates a running instance with the reason as output", () =>
    withHostOutput(host, async () => {
      await start("waiter", "terminated-1");
      await waitForStatus(host.url, "terminated-1", ["Running"]);
      expect(
        (
          await call(`${api}/orchestrations/terminated-1/terminate?reason=no%20longer%20needed`, {
            method: "POST",
          })
        ).status,
      ).toBe(202);
      const done = await waitForStatus(host.url, "terminated-1", ["Terminated"]);
      expect(done.output).toBe("no longer needed");
      // Events for a finished instance are refused with 410, which the SDK accepts silently.
      const raw = await call(
        `${host.url}/runtime/webhooks/durabletask/instances/terminated-1/raiseEvent/go`,
        { body: 1 },
      );
      expect(raw.status).toBe(410);
    }));

  it("holds events while suspended and applies them on resume", () =>
    withHostOutput(host, async () => {
      await start("waiter", "suspended-1");
      await waitForStatus(host.url, "suspended-1", ["Running"]);
      await call(`${api}/orchestrations/suspended-1/suspend?reason=maintenance`, { method: "POST" });
      await waitForStatus(host.url, "suspended-1", ["Suspended"]);
      await call(`${api}/orchestrations/suspended-1/events/go`, { body: { held: true } });
      expect((await status(host.url, "suspended-1"))?.runtimeStatus).toBe("Suspended");
      await call(`${api}/orchestrations/suspended-1/resume?reason=done`, { method: "POST" });
      const done = await waitForStatus(host.url, "suspended-1", ["Completed"]);
      expect(done.output).toEqual({ held: true });
    }));

  it("refuses to start an instance id that is still running, and restarts a finished one", () =>
    withHostOutput(host, async () => {
      await start("waiter", "same-id");
      await waitForStatus(host.url, "same-id", ["Running"]);
      const again = await call(`${host.url}/runtime/webhooks/durabletask/orchestrators/waiter/same-id`, {
        body: "",
      });
      expect(again.status).toBe(409);
      await call(`${api}/orchestrations/same-id/events/go`, { body: JSON.stringify("first") });
      expect((await waitForStatus(host.url, "same-id", ["Completed"])).output).toBe("first");

      await start("waiter", "same-id");
      await waitFor(
        "the restarted instance to wait",
        async () =>
          (await status(host.url, "same-id"))?.customStatus === "waiting" &&
          (await status(host.url, "same-id"))?.runtimeStatus === "Running",
      );
      await call(`${api}/orchestrations/same-id/events/go`, { body: JSON.stringify("second") });
      expect((await waitForStatus(host.url, "same-id", ["Completed"])).output).toBe("second");
    }));

  it("lists instances by status, page by page, and purges finished ones", () =>
    withHostOutput(host, async () => {
      for (let i = 0; i < 5; i++) await start("sequence", `listed-${i}`, { count: 2 });
      for (let i = 0; i < 5; i++) await waitForStatus(host.url, `listed-${i}`, ["Completed"]);

      const seen: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<typeof call>> = await call(
          `${host.url}/runtime/webhooks/durabletask/instances?runtimeStatus=Completed&instanceIdPrefix=listed-&top=2`,
          { headers: token ? { "x-ms-continuation-token": token } : {} },
        );
        expect(page.status).toBe(200);
        seen.push(...page.json<InstanceStatus[]>().map((s) => s.instanceId));
        token = page.headers.get("x-ms-continuation-token");
        pages++;
      } while (token);
      expect(seen.sort()).toEqual(["listed-0", "listed-1", "listed-2", "listed-3", "listed-4"]);
      expect(pages).toBeGreaterThanOrEqual(3);

      const created = Date.parse((await status(host.url, "listed-2"))!.createdTime);
      const inWindow = async (from: number, to: number) => {
        const window = `createdTimeFrom=${new Date(from).toISOString()}&createdTimeTo=${new Date(to).toISOString()}`;
        const reply = await call(
          `${host.url}/runtime/webhooks/durabletask/instances?instanceIdPrefix=listed-&${window}`,
        );
        return reply.json<InstanceStatus[]>().map((s) => s.instanceId);
      };
      expect(await inWindow(created, created)).toEqual(["listed-2"]);
      expect(await inWindow(created + 3_600_000, created + 7_200_000)).toEqual([]);

      // The SDK's getStatusBy follows the continuation tokens itself.
      const viaClient = (await call(`${api}/orchestrations?status=Completed`)).json<
        { instanceId: string }[]
      >();
      expect(viaClient.map((s) => s.instanceId)).toEqual(expect.arrayContaining(seen));
      const running = (await call(`${api}/orchestrations?status=Running`)).json<{ instanceId: string }[]>();
      expect(running.map((s) => s.instanceId)).not.toContain("listed-0");

      const purged = await call(`${api}/orchestrations/listed-0`, { method: "DELETE" });
      expect(purged.json()).toEqual({ instancesDeleted: 1 });
      expect(await status(host.url, "listed-0")).toBeUndefined();
      expect((await call(`${api}/orchestrations/listed-0`)).status).toBe(404);

      const many = await call(
        `${host.url}/runtime/webhooks/durabletask/instances?instanceIdPrefix=listed-&runtimeStatus=Completed`,
        { method: "DELETE" },
      );
      expect(many.json()).toEqual({ instancesDeleted: 4 });
    }));

  it("runs many instances at once", () =>
    withHostOutput(host, async () => {
      const ids = Array.from({ length: 25 }, (_, i) => `parallel-${i}`);
      await Promise.all(ids.map((id) => start("sequence", id, { count: 5 })));
      const results = await Promise.all(
        ids.map((id) => waitForStatus(host.url, id, ["Completed", "Failed"])),
      );
      expect(results.map((r) => r.output)).toEqual(ids.map(() => 5));
      // Episodes of one instance never overlapped: none had its commit refused and retried.
      expect(host.output()).not.toContain("retrying in");
    }));

  it("stores large values across several table properties, and fails cleanly beyond the limits", () =>
    withHostOutput(host, async () => {
      await start("bigResult", "big-length", { chars: 200_000 });
      expect((await waitForStatus(host.url, "big-length", ["Completed", "Failed"])).output).toBe(200_000);

      await start("bigResult", "big-output", { chars: 200_000, times: 1 });
      const returned = await waitForStatus(host.url, "big-output", ["Completed", "Failed"]);
      expect(returned.output).toBe("x".repeat(200_000));

      await start("bigResult", "big-activity", { chars: 500_000 });
      const tooBigResult = await waitForStatus(host.url, "big-activity", ["Completed", "Failed"]);
      expect(tooBigResult.output).toEqual({
        failed: expect.stringMatching(
          /^Activity function 'big' failed: .* is too large for the dev host's table storage/,
        ),
      });

      await start("bigResult", "big-too-much", { chars: 300_000, times: 2 });
      const tooBigOutput = await waitForStatus(host.url, "big-too-much", ["Completed", "Failed"]);
      expect(tooBigOutput.runtimeStatus).toBe("Failed");
      expect(tooBigOutput.output).toEqual(
        expect.stringContaining("is too large for the dev host's table storage"),
      );

      const base = `${host.url}/runtime/webhooks/durabletask`;
      const hugeInput = JSON.stringify("y".repeat(500_000));
      expect((await call(`${base}/orchestrators/waiter/big-input`, { body: hugeInput })).status).toBe(400);
      await start("waiter", "big-event");
      await waitForStatus(host.url, "big-event", ["Running"]);
      expect((await call(`${base}/instances/big-event/raiseEvent/go`, { body: hugeInput })).status).toBe(400);
    }));

  it("answers 401 to the management API and /admin without the host's key, and the SDK's calls still work", () =>
    withHostOutput(host, async () => {
      const base = `${host.url}/runtime/webhooks/durabletask`;
      for (const [url, method] of [
        [`${base}/instances`, "GET"],
        [`${base}/orchestrators/waiter/unkeyed`, "POST"],
        [`${base}/instances/unkeyed/terminate?reason=x`, "POST"],
        [`${host.url}/admin/host/status`, "GET"],
        [`${host.url}/admin/functions`, "GET"],
      ]) {
        const refused = await call(url, { method, key: false });
        expect([url, refused.status]).toEqual([url, 401]);
        expect(
          (await call(`${url}${url.includes("?") ? "&" : "?"}code=wrong`, { method, key: false })).status,
        ).toBe(401);
      }
      expect(await status(host.url, "unkeyed")).toBeUndefined();
      // The key in the query, as the management URLs carry it.
      expect((await call(`${base}/instances?code=${FIXTURE_MASTER_KEY}`, { key: false })).status).toBe(200);
      // The SDK's rpcBaseUrl path is not served without its per-start key.
      expect((await call(`${host.url}/durabletask/instances`, { key: false })).status).toBe(404);
    }));

  it("answers the management API's errors", () =>
    withHostOutput(host, async () => {
      const base = `${host.url}/runtime/webhooks/durabletask`;
      expect((await call(`${base}/instances/nope`)).status).toBe(404);
      expect((await call(`${base}/instances/nope/raiseEvent/x`, { body: 1 })).status).toBe(404);
      expect((await call(`${base}/orchestrators/notAnOrchestrator`, { body: "" })).status).toBe(400);
      expect((await call(`${base}/orchestrators/waiter/bad%23id`, { body: "" })).status).toBe(400);
      expect((await call(`${base}/orchestrators/waiter/x`, { body: "{not json" })).status).toBe(400);
      expect((await call(`${base}/instances?taskHub=otherhub`)).status).toBe(400);
      expect((await call(`${base}/instances?runtimeStatus=Sleeping`)).status).toBe(400);
    }));
});
