/**
 * The dev host killed with SIGKILL mid-flight and started again on the same Azurite: in-flight
 * orchestrations resume, nothing accepted is lost, and no activity whose result was stored runs
 * again. Besides kills at moments seen from outside, the host is made to kill itself at each of
 * the engine's fault points (DEVHOST_CRASH_AT), and the stored state is checked right after.
 */
import { unlinkSync, writeFileSync } from "node:fs";
import { RunningAzurite, startAzurite } from "../../../dev/azurite";
import { EventType } from "../../../dev/host/durable/history";
import { DurableStore, LoadedInstance } from "../../../dev/host/durable/store";
import type { DevHostProcess } from "../../../dev/host/spawn";
import {
  call,
  DURABLE_APP,
  InstanceStatus,
  Scratch,
  startFixtureHost,
  status,
  waitFor,
  withHostOutput,
} from "./helpers";

interface AcceptanceOutput {
  greeting: string;
  wakeAt: string;
  wokeAt: string;
  flaky: string;
  sumOfSquares: number;
  approval: unknown;
}

describe("dev host: crash and restart", () => {
  let azurite: RunningAzurite;
  let hubNumber = 0;
  const hosts: DevHostProcess[] = [];
  const scratches: Scratch[] = [];

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.kill()));
  });

  afterAll(async () => {
    await azurite?.stop();
    scratches.forEach((s) => s.cleanup());
  });

  function newRun() {
    const scratch = new Scratch();
    scratches.push(scratch);
    const taskHub = `crash${++hubNumber}`;
    const startHost = async (crashAt?: string) => {
      const host = await startFixtureHost({
        appRoot: DURABLE_APP,
        storage: azurite.connectionString,
        taskHub,
        scratch,
        crashAt,
      });
      hosts.push(host);
      return host;
    };
    const peek = async (instanceId: string): Promise<LoadedInstance> => {
      const store = await DurableStore.open(azurite.connectionString, taskHub);
      const { instance } = await store.load(instanceId);
      if (!instance) throw new Error(`no instance ${instanceId}`);
      return instance;
    };
    return { scratch, startHost, peek };
  }

  const stage = (s: InstanceStatus | undefined) => (s?.customStatus as { stage?: string } | undefined)?.stage;

  /**
   * Polls the instance until it finishes or the host dies, raising "approval" once when the
   * orchestration waits for it (unless it was raised before).
   */
  async function drive(
    host: DevHostProcess,
    instanceId: string,
    approval: { raised: boolean },
  ): Promise<InstanceStatus | "died"> {
    let died = false;
    void host.exited.then(() => (died = true));
    for (;;) {
      if (died) return "died";
      let current: InstanceStatus | undefined;
      try {
        current = await status(host.url, instanceId);
      } catch {
        continue; // the host is going down; the exit handler ends the loop
      }
      if (current && ["Completed", "Failed", "Terminated"].includes(current.runtimeStatus)) return current;
      if (stage(current) === "waiting-approval" && !approval.raised) {
        try {
          const raised = await call(`${host.url}/api/orchestrations/${instanceId}/events/approval`, {
            body: { by: "ops" },
          });
          approval.raised = raised.status === 202;
        } catch {
          continue;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  function expectAcceptanceOutput(done: InstanceStatus | "died", fanOut: number): AcceptanceOutput {
    if (done === "died") throw new Error("the host died");
    expect(done.runtimeStatus).toBe("Completed");
    const output = done.output as AcceptanceOutput;
    expect(output).toMatchObject({
      greeting: "Hello, Ada!",
      flaky: "ok after 2 attempts",
      sumOfSquares: Array.from({ length: fanOut }, (_, i) => i * i).reduce((a, b) => a + b, 0),
      approval: { by: "ops" },
    });
    expect(Date.parse(output.wokeAt)).toBeGreaterThanOrEqual(Date.parse(output.wakeAt));
    return output;
  }

  function historyTypes(instance: LoadedInstance, type: number): number {
    return instance.history.filter((e) => e.EventType === type).length;
  }

  function inboxKinds(instance: LoadedInstance): string[] {
    return instance.inbox.map((m) => m.message.kind);
  }

  it("resumes after SIGKILL while an activity runs and then while a timer is pending", async () => {
    const { scratch, startHost } = newRun();
    writeFileSync(scratch.file("hold-greet"), "");
    let host = await startHost();
    await withHostOutput(host, async () => {
      await call(`${host.url}/api/orchestrators/acceptance/crash-1`, {
        body: { name: "Ada", timerSeconds: 3, fanOut: 20 },
      });
      await waitFor("greet to start", () => scratch.count("greet", "start") === 1);
      await host.kill();
    });

    unlinkSync(scratch.file("hold-greet"));
    host = await startHost();
    await withHostOutput(host, async () => {
      const atTimer = await waitFor("the timer stage", async () => {
        const s = await status(host.url, "crash-1");
        return stage(s) === "timer" ? s : undefined;
      });
      expect(atTimer.runtimeStatus).toBe("Running");
      // The greeting that was cut short ran again; its result is stored, so it will not run a third time.
      expect(scratch.count("greet", "start")).toBe(2);
      expect(scratch.count("greet", "end")).toBe(1);
      await host.kill();
    });

    host = await startHost();
    await withHostOutput(host, async () => {
      const done = await drive(host, "crash-1", { raised: false });
      const output = expectAcceptanceOutput(done, 20);
      // The timer was re-armed at its fire time, not restarted from zero nor fired early.
      expect(
        Date.parse(output.wakeAt) - Date.parse((done as InstanceStatus).createdTime),
      ).toBeGreaterThanOrEqual(3000);
      expect(host.output()).toContain("Resuming 1 orchestration instance(s) with pending work");
      expect(scratch.count("greet", "start")).toBe(2);
      expect(scratch.count("flaky", "start")).toBe(2);
      for (let i = 0; i < 20; i++) expect(scratch.count("square", "start", String(i))).toBe(1);
    });
  });

  // Episodes of the acceptance orchestration with a fan-out of 5: 1 start, 2 greeting done,
  // 3 timer fired, 4 flaky failed, 5 retry delay fired, 6 flaky done, 7-11 squares, 12 approval.
  const cases: {
    crashAt: string;
    what: string;
    greetRuns: number;
    check(instance: LoadedInstance, scratch: Scratch): void;
  }[] = [
    {
      crashAt: "episode-before-commit:2",
      what: "applying an activity result",
      greetRuns: 1,
      check(instance) {
        expect(inboxKinds(instance)).toEqual(["TaskCompleted"]);
        expect(historyTypes(instance, EventType.TaskCompleted)).toBe(0);
      },
    },
    {
      crashAt: "episode-after-commit:3",
      what: "after an episode committed, before its activity was started",
      greetRuns: 1,
      check(instance, scratch) {
        expect(historyTypes(instance, EventType.TimerFired)).toBe(1);
        expect(
          instance.history
            .filter((e) => e.EventType === EventType.TaskScheduled)
            .map((e) => "Name" in e && e.Name),
        ).toEqual(["greet", "flaky"]);
        expect(inboxKinds(instance)).toEqual([]);
        expect(scratch.count("flaky", "start")).toBe(0);
      },
    },
    {
      crashAt: "activity-before-persist:1",
      what: "an activity finished, its result not yet stored",
      greetRuns: 2,
      check(instance, scratch) {
        expect(scratch.count("greet", "end")).toBe(1);
        expect(inboxKinds(instance)).toEqual([]);
        expect(historyTypes(instance, EventType.TaskCompleted)).toBe(0);
      },
    },
    {
      crashAt: "activity-after-persist:1",
      what: "an activity result stored, not yet applied",
      greetRuns: 1,
      check(instance) {
        expect(inboxKinds(instance)).toEqual(["TaskCompleted"]);
        expect(historyTypes(instance, EventType.TaskCompleted)).toBe(0);
      },
    },
    {
      crashAt: "timer-before-persist:1",
      what: "a timer fired, not yet stored",
      greetRuns: 1,
      check(instance) {
        expect(historyTypes(instance, EventType.TimerCreated)).toBe(1);
        expect(historyTypes(instance, EventType.TimerFired)).toBe(0);
        expect(inboxKinds(instance)).toEqual([]);
      },
    },
    {
      crashAt: "episode-before-commit:12",
      what: "a raised event stored, not yet applied",
      greetRuns: 1,
      check(instance) {
        expect(inboxKinds(instance)).toEqual(["EventRaised"]);
        expect(JSON.parse(instance.record.customStatusJson ?? "null")).toEqual({
          stage: "waiting-approval",
          squares: 5,
        });
      },
    },
  ];

  it.each(cases)("loses nothing when killed at $crashAt ($what)", async ({ crashAt, greetRuns, check }) => {
    const { scratch, startHost, peek } = newRun();
    const approval = { raised: false };
    let host = await startHost(crashAt);
    await withHostOutput(host, async () => {
      await call(`${host.url}/api/orchestrators/acceptance/fault`, {
        body: { name: "Ada", timerSeconds: 1, fanOut: 5 },
      });
      expect(await drive(host, "fault", approval)).toBe("died");
      expect((await host.exited).signal).toBe("SIGKILL");
      check(await peek("fault"), scratch);
    });

    host = await startHost();
    await withHostOutput(host, async () => {
      expectAcceptanceOutput(await drive(host, "fault", approval), 5);
      expect(scratch.count("greet", "start")).toBe(greetRuns);
      expect(scratch.count("flaky", "start")).toBe(2);
      for (let i = 0; i < 5; i++) expect(scratch.count("square", "start", String(i))).toBe(1);
      const instance = await peek("fault");
      expect(historyTypes(instance, EventType.TaskCompleted)).toBe(1 + 1 + 5);
      expect(historyTypes(instance, EventType.EventRaised)).toBe(1);
    });
  });

  it("keeps every instance consistent through repeated kills at arbitrary moments", async () => {
    const { scratch, startHost, peek } = newRun();
    const flows = ["chaos-a", "chaos-b", "chaos-c"];
    const chains = ["chain-a", "chain-b", "chain-c", "chain-d"];
    const approvals = new Map(flows.map((id) => [id, { raised: false }]));
    let host = await startHost();
    for (const id of flows) {
      await call(`${host.url}/api/orchestrators/acceptance/${id}`, {
        body: { name: "Ada", timerSeconds: 0.3, fanOut: 10 },
      });
    }
    for (const id of chains)
      await call(`${host.url}/api/orchestrators/sequence/${id}`, { body: { count: 150 } });

    // Kill after these many milliseconds of each run: fixed so that a failure can be replayed.
    let killsMidFlight = 0;
    for (const lifetime of [150, 400, 60, 250, 90, 500, 30, 300]) {
      const driving = flows.map((id) => drive(host, id, approvals.get(id)!));
      await new Promise((resolve) => setTimeout(resolve, lifetime));
      const running = await Promise.all(
        [...flows, ...chains].map(
          async (id) => (await status(host.url, id).catch(() => undefined))?.runtimeStatus,
        ),
      );
      if (running.some((s) => s !== "Completed")) killsMidFlight++;
      await host.kill();
      await Promise.all(driving);
      host = await startHost();
    }
    expect(killsMidFlight).toBeGreaterThanOrEqual(4);

    await withHostOutput(host, async () => {
      const results = await Promise.all(flows.map((id) => drive(host, id, approvals.get(id)!)));
      results.forEach((done) => expectAcceptanceOutput(done, 10));
      for (const id of chains) {
        // 150 activities in a row after nine restarts: minutes on a machine whose cores are busy.
        const done = await waitFor(
          `${id} to complete`,
          async () => {
            const s = await status(host.url, id);
            return s?.runtimeStatus === "Completed" ? s : undefined;
          },
          180_000,
        );
        expect(done.output).toBe(150);
      }
      for (const id of [...flows, ...chains]) {
        const instance = await peek(id);
        // Every scheduled task has exactly one outcome in the history, and nothing is left over.
        const scheduled = instance.history
          .filter((e) => e.EventType === EventType.TaskScheduled)
          .map((e) => e.EventId);
        const outcomes = instance.history
          .filter((e) => e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed)
          .map((e) => ("TaskScheduledId" in e ? e.TaskScheduledId : -1));
        expect([...outcomes].sort((a, b) => a - b)).toEqual([...scheduled].sort((a, b) => a - b));
        expect(instance.inbox).toEqual([]);
      }
      for (let i = 0; i < 10; i++)
        expect(scratch.count("square", "end", String(i))).toBeGreaterThanOrEqual(3);
    });
    // Nine host starts: on a busy machine each takes seconds.
  }, 600_000);
});
