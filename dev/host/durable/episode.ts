/**
 * One orchestration episode, decided without I/O: which inbox message to apply, the replay payload
 * for the SDK, and, from what the orchestrator returned, the history to append, the instance's new
 * state and the work to start (activities, timers).
 *
 * Task ids must match the SDK's numbering exactly (a wrong id hangs the instance): the SDK takes
 * ids 0, 1, 2… as it first tracks each leaf task, and also takes one for the delay timer after a
 * failed attempt of callActivityWithRetry and one for each new attempt. Every id it takes shows up
 * here as exactly one TaskScheduled or TimerCreated event, so the next id is their count. One new
 * event per episode keeps retry ids and the ids of newly scheduled actions from interleaving.
 */
import {
  ActionType,
  describeActionType,
  inputJson,
  leafActions,
  OrchestratorAction,
  OrchestratorState,
} from "./actions";
import {
  base,
  EventType,
  HistoryEvent,
  HistoryView,
  RetryOptions,
  TaskFailedEvent,
  TaskScheduledEvent,
  TimerCreatedEvent,
} from "./history";
import { InboxMessage, InstanceRecord, isTerminal, StoredMessage } from "./store";

/** How the engine treats one inbox message right now. */
export type Disposition =
  /** Keep it for later (the instance is suspended, or has not started yet). */
  | { kind: "wait" }
  /** Consume it without effect (finished instance, stale execution, duplicate result). */
  | { kind: "drop"; why: string }
  | { kind: "terminate"; reason: string }
  | { kind: "suspend"; reason: string }
  | { kind: "resume"; reason: string }
  /** Replay the orchestrator with this one new event. */
  | { kind: "replay"; event: HistoryEvent };

export function dispose(record: InstanceRecord, view: HistoryView, stored: StoredMessage): Disposition {
  const message = stored.message;
  const time = new Date(stored.time);
  if (isTerminal(record.status)) return { kind: "drop", why: `instance is ${record.status}` };
  switch (message.kind) {
    case "Terminate":
      return { kind: "terminate", reason: message.reason };
    case "Suspend":
      return record.status === "Suspended"
        ? { kind: "drop", why: "already suspended" }
        : { kind: "suspend", reason: message.reason };
    case "Resume":
      return record.status === "Suspended"
        ? { kind: "resume", reason: message.reason }
        : { kind: "drop", why: "not suspended" };
  }
  if (record.status === "Suspended") return { kind: "wait" };
  if (message.kind === "ExecutionStarted") {
    if (view.started || message.executionId !== record.executionId)
      return { kind: "drop", why: "stale start" };
    return {
      kind: "replay",
      event: {
        ...base(time),
        EventType: EventType.ExecutionStarted,
        Name: record.name,
        Input: record.inputJson,
        Version: "",
      },
    };
  }
  if (!view.started) return { kind: "wait" };
  return replayEvent(record, view, message, time);
}

function replayEvent(
  record: InstanceRecord,
  view: HistoryView,
  message: Exclude<InboxMessage, { kind: "ExecutionStarted" | "Terminate" | "Suspend" | "Resume" }>,
  time: Date,
): Disposition {
  switch (message.kind) {
    case "EventRaised":
      return {
        kind: "replay",
        event: {
          ...base(time),
          EventType: EventType.EventRaised,
          Name: message.name,
          Input: message.inputJson,
        },
      };
    case "TaskCompleted":
    case "TaskFailed": {
      if (message.executionId !== record.executionId)
        return { kind: "drop", why: "result of an earlier execution" };
      if (!view.taskScheduled(message.taskId)) return { kind: "drop", why: `no task ${message.taskId}` };
      if (view.isTaskFinished(message.taskId))
        return { kind: "drop", why: `task ${message.taskId} already finished` };
      if (message.kind === "TaskCompleted") {
        return {
          kind: "replay",
          event: {
            ...base(time),
            EventType: EventType.TaskCompleted,
            TaskScheduledId: message.taskId,
            Result: message.resultJson,
          },
        };
      }
      const failed: TaskFailedEvent = {
        ...base(time),
        EventType: EventType.TaskFailed,
        TaskScheduledId: message.taskId,
      };
      if (message.failureDetails) failed.FailureDetails = message.failureDetails;
      else {
        failed.Reason = message.reason ?? "";
        failed.Details = message.details ?? "";
      }
      return { kind: "replay", event: failed };
    }
    case "TimerFired": {
      if (message.executionId !== record.executionId)
        return { kind: "drop", why: "timer of an earlier execution" };
      if (!view.timerCreated(message.timerId)) return { kind: "drop", why: `no timer ${message.timerId}` };
      if (view.isTimerFired(message.timerId))
        return { kind: "drop", why: `timer ${message.timerId} already fired` };
      return {
        kind: "replay",
        event: {
          ...base(time),
          EventType: EventType.TimerFired,
          TimerId: message.timerId,
          FireAt: message.fireAt,
        },
      };
    }
  }
}

/**
 * The episode's OrchestratorStarted time, which the orchestrator sees as currentUtcDateTime: never
 * before the previous episode's, and never before the fire time of the timer being delivered.
 */
export function episodeTime(view: HistoryView, event: HistoryEvent, now: Date): Date {
  const fireAt = event.EventType === EventType.TimerFired ? Date.parse(event.FireAt) : 0;
  return new Date(Math.max(now.getTime(), view.lastEpisodeTime, fireAt));
}

/** The events an episode replays on top of the stored history. */
export function episodeEvents(view: HistoryView, event: HistoryEvent, now: Date): HistoryEvent[] {
  return [{ ...base(episodeTime(view, event, now)), EventType: EventType.OrchestratorStarted }, event];
}

/**
 * The orchestrationTrigger payload (the Durable extension's binding data, replay schema V4).
 * maximumShortTimerDuration is set so long that the SDK never splits timers: the dev host arms a
 * timer of any length directly.
 */
export function orchestratorPayload(
  record: InstanceRecord,
  view: HistoryView,
  newEvents: HistoryEvent[],
): object {
  return {
    history: [...view.events.map((e) => ({ ...e, IsPlayed: true })), ...newEvents],
    input: record.inputJson === null ? null : JSON.parse(record.inputJson),
    instanceId: record.instanceId,
    isReplaying: false,
    parentInstanceId: null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: "3.00:00:00",
    maximumShortTimerDuration: "36500.00:00:00",
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}

/** What the orchestrator function did in one episode. */
export type OrchestratorOutcome =
  { kind: "state"; state: OrchestratorState } | { kind: "failed"; message: string; customStatus?: unknown };

export interface EpisodePlan {
  record: InstanceRecord;
  /** History to append to the execution the episode ran in (empty after continueAsNew). */
  events: HistoryEvent[];
  activities: TaskScheduledEvent[];
  timers: TimerCreatedEvent[];
  /** Timers the orchestrator cancelled in this episode. */
  canceledTimers: number[];
  send: InboxMessage[];
  continuedAsNew: boolean;
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Delay before the next attempt after `failures` failures (DTFx's exponential backoff). */
export function retryDelay(options: RetryOptions, failures: number): number {
  const delay =
    options.firstRetryIntervalInMilliseconds * (options.backoffCoefficient ?? 1) ** (failures - 1);
  const cap = options.maxRetryIntervalInMilliseconds;
  return cap && cap > 0 ? Math.min(delay, cap) : delay;
}

interface PlanContext {
  record: InstanceRecord;
  view: HistoryView;
  /** [OrchestratorStarted, the delivered event]. */
  newEvents: HistoryEvent[];
  now: Date;
  newExecutionId: () => string;
}

export function planReplay(context: PlanContext, outcome: OrchestratorOutcome): EpisodePlan {
  const { record, view, newEvents, now } = context;
  const episodeAt = new Date(newEvents[0].Timestamp);
  const plan: EpisodePlan = {
    record: { ...record, lastUpdatedTime: now, status: "Running", episodes: record.episodes + 1 },
    events: [...newEvents],
    activities: [],
    timers: [],
    canceledTimers: [],
    send: [],
    continuedAsNew: false,
  };
  let nextId = view.nextTaskId();
  const takeId = () => nextId++;

  retryBookkeeping(view, newEvents[1], episodeAt, takeId, plan);

  if (outcome.kind === "failed") return fail(plan, outcome.message, outcome.customStatus);
  const state = outcome.state;
  plan.record.customStatusJson = jsonOrNull(state.customStatus);
  const leaves = leafActions(state);

  if (state.isDone) {
    const continueAsNew = leaves.filter((a) => a.actionType === ActionType.ContinueAsNew).pop();
    if (continueAsNew) return continueAsNewPlan(plan, continueAsNew, context.newExecutionId());
    plan.record.status = "Completed";
    plan.record.outputJson = jsonOrNull(state.output) ?? "null";
    return finish(plan, "Completed");
  }

  const divergence = checkDeterminism(leaves, view, record.actionCount);
  if (divergence) return fail(plan, `Non-deterministic workflow detected: ${divergence}`);
  const canceled = new Set(record.canceledTimerIds);
  leaves.slice(0, record.actionCount).forEach((action, index) => {
    if (action.actionType !== ActionType.CreateTimer || !action.isCanceled) return;
    const id = view.idOfAction(index);
    if (id !== undefined && !canceled.has(id)) {
      canceled.add(id);
      plan.canceledTimers.push(id);
    }
  });
  for (let index = record.actionCount; index < leaves.length; index++) {
    const unsupported = scheduleAction(leaves[index], index, episodeAt, takeId, plan, canceled);
    if (unsupported)
      return fail(plan, `The dev host does not support ${unsupported} (orchestrator ${record.name})`);
  }
  plan.record.actionCount = leaves.length;
  plan.record.canceledTimerIds = [...canceled];
  return plan;
}

/**
 * Compares the actions earlier episodes turned into history with what this replay issues; a
 * description of the first difference, or undefined. Replays must issue the same actions in the
 * same order, or task ids (and results) would land on the wrong tasks.
 */
function checkDeterminism(
  leaves: OrchestratorAction[],
  view: HistoryView,
  known: number,
): string | undefined {
  if (leaves.length < known)
    return `the orchestrator now issues ${leaves.length} actions where it issued ${known}`;
  for (let index = 0; index < known; index++) {
    const action = leaves[index];
    const id = view.idOfAction(index);
    const scheduled = id === undefined ? undefined : view.taskScheduled(id);
    const timer = id === undefined ? undefined : view.timerCreated(id);
    const same = scheduled
      ? (action.actionType === ActionType.CallActivity ||
          action.actionType === ActionType.CallActivityWithRetry) &&
        action.functionName === scheduled.Name
      : timer
        ? action.actionType === ActionType.CreateTimer
        : action.actionType === ActionType.WaitForExternalEvent;
    if (!same) {
      const before = scheduled ? `activity ${scheduled.Name}` : timer ? "a timer" : "an external event wait";
      const now = action.functionName
        ? `activity ${action.functionName}`
        : describeActionType(action.actionType);
      return `action #${index} was ${before} and is now ${now}`;
    }
  }
  return undefined;
}

/** Adds the events and work for one new leaf action; returns a description when unsupported. */
function scheduleAction(
  action: OrchestratorAction,
  index: number,
  at: Date,
  takeId: () => number,
  plan: EpisodePlan,
  canceled: Set<number>,
): string | undefined {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry: {
      const scheduled: TaskScheduledEvent = {
        ...base(at, takeId()),
        EventType: EventType.TaskScheduled,
        Name: String(action.functionName),
        Input: inputJson(action.input),
        ActionIndex: index,
      };
      if (action.actionType === ActionType.CallActivityWithRetry && action.retryOptions) {
        scheduled.RetryOptions = { ...action.retryOptions };
      }
      plan.events.push(scheduled);
      plan.activities.push(scheduled);
      return undefined;
    }
    case ActionType.CreateTimer: {
      const timer: TimerCreatedEvent = {
        ...base(at, takeId()),
        EventType: EventType.TimerCreated,
        FireAt: new Date(action.fireAt as Date | string).toISOString(),
        ActionIndex: index,
      };
      plan.events.push(timer);
      if (action.isCanceled) canceled.add(timer.EventId);
      else plan.timers.push(timer);
      return undefined;
    }
    case ActionType.WaitForExternalEvent:
    case ActionType.ContinueAsNew:
      return undefined;
    default:
      return describeActionType(action.actionType);
  }
}

/**
 * The SDK's side of callActivityWithRetry: after a failed attempt it waits on a timer (taking an
 * id), and when that timer fires with attempts left it takes another id for the next attempt.
 */
function retryBookkeeping(
  view: HistoryView,
  event: HistoryEvent,
  at: Date,
  takeId: () => number,
  plan: EpisodePlan,
): void {
  if (event.EventType === EventType.TaskFailed) {
    const root = view.retryRoot(event.TaskScheduledId);
    if (root === undefined) return;
    const options = view.taskScheduled(root)?.RetryOptions as RetryOptions;
    const failures = view.failuresInChain(root) + 1;
    // After the last attempt the SDK still waits on one timer before it gives up: make it immediate.
    const delay = failures >= options.maxNumberOfAttempts ? 0 : retryDelay(options, failures);
    const timer: TimerCreatedEvent = {
      ...base(at, takeId()),
      EventType: EventType.TimerCreated,
      FireAt: new Date(at.getTime() + delay).toISOString(),
      RetryOf: root,
    };
    plan.events.push(timer);
    plan.timers.push(timer);
  } else if (event.EventType === EventType.TimerFired) {
    const root = view.timerCreated(event.TimerId)?.RetryOf;
    if (root === undefined) return;
    const first = view.taskScheduled(root) as TaskScheduledEvent;
    const options = first.RetryOptions as RetryOptions;
    if (view.failuresInChain(root) >= options.maxNumberOfAttempts) return;
    const attempt: TaskScheduledEvent = {
      ...base(at, takeId()),
      EventType: EventType.TaskScheduled,
      Name: first.Name,
      Input: first.Input,
      RetryOf: root,
    };
    plan.events.push(attempt);
    const timeout = options.retryTimeoutInMilliseconds;
    if (timeout && timeout > 0 && at.getTime() - Date.parse(first.Timestamp) >= timeout) {
      // Out of time: the attempt fails at once with the last real failure, as DTFx stops retrying.
      const last = lastFailure(view, root);
      plan.send.push({
        kind: "TaskFailed",
        executionId: plan.record.executionId,
        taskId: attempt.EventId,
        reason: last?.Reason,
        details: last?.Details,
        failureDetails: last?.FailureDetails,
      });
    } else plan.activities.push(attempt);
  }
}

function lastFailure(view: HistoryView, root: number): TaskFailedEvent | undefined {
  for (let i = view.events.length - 1; i >= 0; i--) {
    const event = view.events[i];
    if (event.EventType === EventType.TaskFailed && view.retryRoot(event.TaskScheduledId) === root)
      return event;
  }
  return undefined;
}

function finish(plan: EpisodePlan, status: "Completed" | "Failed"): EpisodePlan {
  plan.events.push({
    ...base(plan.record.lastUpdatedTime),
    EventType: EventType.ExecutionCompleted,
    OrchestrationStatus: status,
    Result: plan.record.outputJson,
  });
  plan.activities = [];
  plan.timers = [];
  plan.send = [];
  return plan;
}

function fail(plan: EpisodePlan, message: string, customStatus?: unknown): EpisodePlan {
  plan.record.status = "Failed";
  plan.record.outputJson = JSON.stringify(`Orchestrator function '${plan.record.name}' failed: ${message}`);
  if (customStatus !== undefined) plan.record.customStatusJson = jsonOrNull(customStatus);
  return finish(plan, "Failed");
}

function continueAsNewPlan(plan: EpisodePlan, action: OrchestratorAction, executionId: string): EpisodePlan {
  plan.record = {
    ...plan.record,
    executionId,
    inputJson: inputJson(action.input),
    episodes: 0,
    actionCount: 0,
    canceledTimerIds: [],
  };
  plan.events = [];
  plan.activities = [];
  plan.timers = [];
  plan.send = [{ kind: "ExecutionStarted", executionId }];
  plan.continuedAsNew = true;
  return plan;
}

/**
 * The fallback when an episode's results do not fit in storage: the instance fails with the
 * reason, keeping only the delivered event (whose size was accepted already) in its history.
 */
export function planTooLarge(
  record: InstanceRecord,
  delivered: HistoryEvent[],
  reason: string,
  now: Date,
): EpisodePlan {
  const plan: EpisodePlan = {
    record: { ...record, lastUpdatedTime: now, episodes: record.episodes + 1, customStatusJson: null },
    events: [...delivered],
    activities: [],
    timers: [],
    canceledTimers: [],
    send: [],
    continuedAsNew: false,
  };
  return fail(plan, reason);
}

/** Terminate, suspend and resume: host-side state changes that do not replay the orchestrator. */
export function planControl(
  record: InstanceRecord,
  view: HistoryView,
  disposition: Extract<Disposition, { kind: "terminate" | "suspend" | "resume" }>,
  now: Date,
): EpisodePlan {
  const plan: EpisodePlan = {
    record: { ...record, lastUpdatedTime: now, episodes: record.episodes + 1 },
    events: [],
    activities: [],
    timers: [],
    canceledTimers: [],
    send: [],
    continuedAsNew: false,
  };
  switch (disposition.kind) {
    case "terminate":
      plan.record.status = "Terminated";
      plan.record.outputJson = JSON.stringify(disposition.reason);
      plan.events.push({ ...base(now), EventType: EventType.ExecutionTerminated, Input: disposition.reason });
      break;
    case "suspend":
      plan.record.status = "Suspended";
      plan.events.push({ ...base(now), EventType: EventType.ExecutionSuspended, Reason: disposition.reason });
      break;
    case "resume":
      plan.record.status = view.started ? "Running" : "Pending";
      plan.events.push({ ...base(now), EventType: EventType.ExecutionResumed, Reason: disposition.reason });
      break;
  }
  return plan;
}
