/**
 * The episode logic (dev/host/durable/episode.ts) against the durable-functions SDK's own replay
 * executor, in memory: a small simulator delivers one message per episode, runs activities at
 * once and fires timers in time order. Task ids that drift from the SDK's numbering would hang an
 * orchestration here (it would end Running), so these cases exercise the tricky patterns.
 */
import * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import { EventType, TimerCreatedEvent } from "../../../dev/host/durable/history";
import { output, simulate } from "../../support/durable-simulator";

describe("dev host episodes against the SDK's replay", () => {
  it("numbers a fan-out whose results arrive in reverse order", async () => {
    const sim = await simulate(
      function* (context: OrchestrationContext) {
        const results: number[] = yield context.df.Task.all(
          [1, 2, 3, 4].map((n) => context.df.callActivity("double", n)),
        );
        const again: number = yield context.df.callActivity("double", results[3]);
        return [...results, again];
      },
      null,
      { double: (n) => (n as number) * 2 },
      { reverseResults: true },
    );
    expect(sim.record.status).toBe("Completed");
    expect(output(sim)).toEqual([2, 4, 6, 8, 16]);
  });

  it("keeps ids straight when a retried activity fails inside Task.all next to other work", async () => {
    const sim = await simulate(
      function* (context: OrchestrationContext) {
        const [flaky, plain]: [string, string] = yield context.df.Task.all([
          context.df.callActivityWithRetry("flaky", new df.RetryOptions(1000, 4), "x"),
          context.df.callActivity("plain", "y"),
        ]);
        const timerAt = new Date(context.df.currentUtcDateTime.getTime() + 5000);
        yield context.df.createTimer(timerAt);
        const last: string = yield context.df.callActivity("plain", "z");
        return [flaky, plain, last];
      },
      null,
      {
        flaky: (input, attempt) => {
          if (attempt < 3) throw new Error(`flaky ${input} attempt ${attempt}`);
          return `flaky ok on ${attempt}`;
        },
        plain: (input) => `plain ${input}`,
      },
    );
    expect(sim.record.status).toBe("Completed");
    expect(output(sim)).toEqual(["flaky ok on 3", "plain y", "plain z"]);
    expect(sim.calls.map((c) => c.name)).toEqual(["flaky", "plain", "flaky", "flaky", "plain"]);
    // The delays before attempts 2 and 3: 1 s each (backoff coefficient 1).
    const retryTimers = sim.view.events.filter(
      (e) => e.EventType === EventType.TimerCreated && e.RetryOf !== undefined,
    );
    expect(retryTimers).toHaveLength(2);
  });

  it("fails a retried activity after its last attempt, with the last error, and resumes the orchestrator", async () => {
    const sim = await simulate(
      function* (context: OrchestrationContext) {
        const options = new df.RetryOptions(100, 3);
        options.backoffCoefficient = 3;
        try {
          yield context.df.callActivityWithRetry("broken", options, null);
          return "no";
        } catch (error) {
          const after: string = yield context.df.callActivity("plain", "after");
          return [(error as Error).message, after];
        }
      },
      null,
      {
        broken: (_input, attempt) => {
          throw new Error(`broken ${attempt}`);
        },
        plain: (input) => input,
      },
    );
    expect(sim.record.status).toBe("Completed");
    const [message, after] = output(sim) as [string, string];
    expect(message).toContain("broken 3");
    expect(after).toBe("after");
    const delays = sim.view.events
      .filter((e): e is TimerCreatedEvent => e.EventType === EventType.TimerCreated)
      .map((t) => Date.parse(t.FireAt) - Date.parse(t.Timestamp));
    expect(delays).toEqual([100, 300, 0]);
  });

  it("handles a wait reused across Task.any rounds with timers, and cancels the losing timer", async () => {
    const sim = await simulate(
      function* (context: OrchestrationContext) {
        const done = context.df.waitForExternalEvent("done");
        let polls = 0;
        for (;;) {
          const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
          const winner: unknown = yield context.df.Task.any([done, timer]);
          if (winner === done) {
            timer.cancel();
            break;
          }
          polls = yield context.df.callActivity("poll", polls);
        }
        const final: number = yield context.df.callActivity("poll", 100);
        return { polls, final, result: done.result };
      },
      null,
      { poll: (n) => (n as number) + 1 },
      { events: [{ name: "done", data: "finished", at: 150_000 }] },
    );
    expect(sim.record.status).toBe("Completed");
    // Two rounds lost to the 60 s timer; the event won the third.
    expect(output(sim)).toEqual({ polls: 2, final: 101, result: "finished" });
    // The cancelled timer is remembered, so that a restart does not arm it again.
    expect(sim.record.canceledTimerIds).toHaveLength(1);
  });

  it("polls on timers until an event ends the loop", async () => {
    let pollCalls = 0;
    const sim = await simulate(
      function* (context: OrchestrationContext) {
        const done = context.df.waitForExternalEvent("done");
        let polls = 0;
        while (polls < 3) {
          const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1000));
          const winner: unknown = yield context.df.Task.any([done, timer]);
          if (winner === done) {
            timer.cancel();
            return "early";
          }
          polls = yield context.df.callActivity("poll", polls);
        }
        const result: string = yield done;
        return `${result} after ${polls} polls`;
      },
      null,
      {
        poll: (n) => {
          pollCalls++;
          return (n as number) + 1;
        },
      },
      { events: [{ name: "done", data: "finished", at: 3500 }] },
    );
    expect(output(sim)).toBe("finished after 3 polls");
    expect(pollCalls).toBe(3);
  });

  it("restarts with the new input on continueAsNew, leaving the old history behind", async () => {
    const sim = await simulate(
      function* (context: OrchestrationContext) {
        const n = context.df.getInput() as number;
        if (n >= 4) return n;
        const next: number = yield context.df.callActivity("inc", n);
        context.df.continueAsNew(next);
        return undefined;
      },
      0,
      { inc: (n) => (n as number) + 1 },
    );
    expect(output(sim)).toBe(4);
    expect(sim.view.events.map((e) => e.EventType)).toEqual([
      EventType.OrchestratorStarted,
      EventType.ExecutionStarted,
      EventType.ExecutionCompleted,
    ]);
  });

  it("fails an orchestrator that uses what the dev host does not support", async () => {
    const sim = await simulate(
      function* (context: OrchestrationContext) {
        yield context.df.callSubOrchestrator("child");
        return "no";
      },
      null,
      {},
    );
    expect(sim.record.status).toBe("Failed");
    expect(output(sim)).toBe(
      "Orchestrator function 'sim' failed: The dev host does not support CallSubOrchestrator (orchestrator sim)",
    );
  });

  it("detects an orchestrator whose replay issues other actions than before", async () => {
    let replays = 0;
    const sim = await simulate(
      function* (context: OrchestrationContext) {
        replays++;
        if (replays === 1) yield context.df.callActivity("plain", "a");
        const event: unknown = yield context.df.waitForExternalEvent("go");
        return event;
      },
      null,
      { plain: (input) => input },
      { events: [{ name: "go", data: 1 }] },
    );
    expect(sim.record.status).toBe("Failed");
    expect(output(sim)).toContain(
      "Non-deterministic workflow detected: action #0 was activity plain and is now WaitForExternalEvent",
    );
  });

  it("terminates at once, and drops what arrives afterwards", async () => {
    const sim = await simulate(
      function* (context: OrchestrationContext) {
        yield context.df.waitForExternalEvent("never");
        return "no";
      },
      null,
      {},
      { control: [{ kind: "Terminate", reason: "stop" }], events: [{ name: "never", data: 1 }] },
    );
    expect(sim.record.status).toBe("Terminated");
    expect(output(sim)).toBe("stop");
  });
});
