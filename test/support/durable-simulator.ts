/**
 * A durable orchestration simulator, in memory: the dev host's episode logic
 * (dev/host/durable/episode.ts) driving the durable-functions SDK's own replay executor. It
 * delivers one message per episode, runs activities at once and fires timers in time order, so an
 * orchestrator can be tested by replay without a host or storage.
 */
import * as df from "durable-functions";
import type { OrchestrationHandler } from "durable-functions";
import { orchestratorFailure } from "../../dev/host/durable/actions";
import {
  dispose,
  episodeEvents,
  OrchestratorOutcome,
  orchestratorPayload,
  planControl,
  planReplay,
} from "../../dev/host/durable/episode";
import { activityFailure } from "../../dev/host/durable/functions";
import { HistoryView, TimerCreatedEvent } from "../../dev/host/durable/history";
import type { InboxMessage, InstanceRecord, StoredMessage } from "../../dev/host/durable/store";

// The SDK's executor, as the orchestration trigger runs it (not part of its public types).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Orchestrator } = require("durable-functions/lib/src/orchestrations/Orchestrator") as {
  Orchestrator: new (fn: OrchestrationHandler) => {
    listen(): (trigger: unknown, context: unknown) => Promise<unknown>;
  };
};

export type Activities = Record<string, (input: unknown, attempt: number) => unknown>;

/** An event raised `at` ms after the start (default 0), once nothing earlier is left to deliver. */
export interface RaisedLater {
  name: string;
  data: unknown;
  at?: number;
}

export interface Simulation {
  record: InstanceRecord;
  view: HistoryView;
  /** Activity calls in the order they ran: name and input. */
  calls: { name: string; input: unknown }[];
  episodes: number;
}

async function replay(fn: OrchestrationHandler, payload: object): Promise<OrchestratorOutcome> {
  const handler = new Orchestrator(fn).listen();
  try {
    const state = await handler(JSON.parse(JSON.stringify(payload)), new df.DummyOrchestrationContext());
    return { kind: "state", state: state as never };
  } catch (error) {
    return { kind: "failed", ...orchestratorFailure(error) };
  }
}

/**
 * Runs an orchestration to quiescence. `events` are raised, in order, each time nothing else is
 * left to deliver; `reverseResults` delivers the results of one episode's activities last-first.
 */
export async function simulate(
  fn: OrchestrationHandler,
  input: unknown,
  activities: Activities,
  options: { events?: RaisedLater[]; reverseResults?: boolean; control?: InboxMessage[] } = {},
): Promise<Simulation> {
  const started = Date.parse("2030-01-01T00:00:00Z");
  let now = started;
  let sequence = 0;
  const inbox: StoredMessage[] = [];
  const push = (message: InboxMessage) =>
    inbox.push({ key: String(sequence++).padStart(8, "0"), time: new Date(now).toISOString(), message });
  const events = [...(options.events ?? [])];
  const timers: TimerCreatedEvent[] = [];
  const attempts = new Map<string, number>();
  const sim: Simulation = {
    record: {
      instanceId: "sim",
      name: "sim",
      status: "Pending",
      executionId: "e1",
      inputJson: JSON.stringify(input),
      outputJson: null,
      customStatusJson: null,
      createdTime: new Date(now),
      lastUpdatedTime: new Date(now),
      episodes: 0,
      actionCount: 0,
      canceledTimerIds: [],
    },
    view: new HistoryView(),
    calls: [],
    episodes: 0,
  };
  push({ kind: "ExecutionStarted", executionId: "e1" });
  for (const message of options.control ?? []) push(message);

  for (let guard = 0; guard < 1000; guard++) {
    const index = inbox.findIndex((m) => dispose(sim.record, sim.view, m).kind !== "wait");
    if (index < 0) {
      const live = timers
        .filter((t) => !sim.view.isTimerFired(t.EventId) && !sim.record.canceledTimerIds.includes(t.EventId))
        .sort((a, b) => Date.parse(a.FireAt) - Date.parse(b.FireAt));
      const next = live[0];
      const event = events[0];
      const eventAt = event ? started + (event.at ?? 0) : Infinity;
      if (next && Date.parse(next.FireAt) <= eventAt) {
        now = Math.max(now, Date.parse(next.FireAt));
        push({
          kind: "TimerFired",
          executionId: sim.record.executionId,
          timerId: next.EventId,
          fireAt: next.FireAt,
        });
      } else if (event) {
        events.shift();
        now = Math.max(now, eventAt);
        push({ kind: "EventRaised", name: event.name, inputJson: JSON.stringify(event.data) });
      } else break;
      continue;
    }
    const [stored] = inbox.splice(index, 1);
    const disposition = dispose(sim.record, sim.view, stored);
    if (disposition.kind === "drop" || disposition.kind === "wait") continue;
    now += 1;
    let plan;
    if (disposition.kind === "replay") {
      const newEvents = episodeEvents(sim.view, disposition.event, new Date(now));
      const outcome = await replay(fn, orchestratorPayload(sim.record, sim.view, newEvents));
      plan = planReplay(
        {
          record: sim.record,
          view: sim.view,
          newEvents,
          now: new Date(now),
          newExecutionId: () => `e${++sequence}`,
        },
        outcome,
      );
    } else plan = planControl(sim.record, sim.view, disposition, new Date(now));
    sim.episodes++;
    if (plan.continuedAsNew) sim.view = new HistoryView();
    else sim.view.append(plan.events);
    sim.record = plan.record;
    plan.send.forEach(push);
    timers.push(...plan.timers);
    const results: InboxMessage[] = plan.activities.map((task) => {
      const input = task.Input === null ? undefined : JSON.parse(task.Input);
      sim.calls.push({ name: task.Name, input });
      const key = `${task.Name}:${task.Input}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const base = { executionId: sim.record.executionId, taskId: task.EventId };
      try {
        const result = activities[task.Name](input, attempt);
        return { kind: "TaskCompleted", ...base, resultJson: JSON.stringify(result ?? null) };
      } catch (error) {
        const failure = activityFailure(task.Name, error);
        if (failure.ok) throw new Error("unreachable");
        return { kind: "TaskFailed", ...base, reason: failure.reason, details: failure.details };
      }
    });
    (options.reverseResults ? results.reverse() : results).forEach(push);
  }
  return sim;
}

export const output = (sim: Simulation) => JSON.parse(sim.record.outputJson ?? "null");
