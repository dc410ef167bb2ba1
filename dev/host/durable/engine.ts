/**
 * The Durable engine of the dev host: applies inbox messages to instances one episode at a time,
 * runs activities, arms durable timers, and after a (re)start resumes whatever the stored history
 * says is pending.
 *
 * Guarantees:
 * - episodes of one instance never overlap (one drain per instance, under a per-instance lock);
 *   different instances run in parallel up to maxConcurrentOrchestrations;
 * - nothing accepted is lost: messages are stored before they are acted on (see store.ts);
 * - activities run at least once; an activity whose result is stored never runs again;
 * - after a crash, scheduled activities without a stored result run again, timers are re-armed at
 *   their fire time, and stored messages are applied.
 */
import { randomBytes } from "node:crypto";
import { AlarmClock } from "../alarm-clock";
import { KeyedMutex, Limiter } from "../concurrency";
import type { HostLogger } from "../logger";
import {
  dispose,
  Disposition,
  EpisodePlan,
  episodeEvents,
  orchestratorPayload,
  planControl,
  planReplay,
  planTooLarge,
} from "./episode";
import type { DurableFunctions } from "./functions";
import { eventTypeName, HistoryEvent, HistoryView, TaskScheduledEvent, TimerCreatedEvent } from "./history";
import {
  ConflictError,
  DurableStore,
  InboxMessage,
  InstanceQuery,
  InstanceRecord,
  isTerminal,
  StoredMessage,
  TooLargeError,
} from "./store";

/** Places where a test can have the host killed, to prove that a crash there loses nothing. */
export type FaultPoint =
  | "episode-before-commit"
  | "episode-after-commit"
  | "activity-before-persist"
  | "activity-after-persist"
  | "timer-before-persist";

export interface EngineOptions {
  store: DurableStore;
  functions: DurableFunctions;
  logger: HostLogger;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
  /** Called when execution reaches a fault point (tests kill the process there). */
  onFaultPoint?: (point: FaultPoint) => void;
}

interface LoadedInstance {
  record: InstanceRecord;
  etag: string;
  view: HistoryView;
  /** Stored messages not yet consumed, in arrival order. */
  inbox: StoredMessage[];
}

/** A disposition that does something (see episode.ts). */
type Action = Exclude<Disposition, { kind: "wait" }>;

export type SendResult = "accepted" | "notFound" | "finished";
export type PurgeResult = "purged" | "notFound" | "notFinished";

function newExecutionId(): string {
  return randomBytes(8).toString("hex");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function byKey(a: StoredMessage, b: StoredMessage): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export class DurableEngine {
  private readonly cache = new Map<string, LoadedInstance>();
  /** Messages stored by this process and not yet merged into a loaded inbox. */
  private readonly incoming = new Map<string, StoredMessage[]>();
  private readonly draining = new Set<string>();
  private readonly redrain = new Set<string>();
  private readonly drainFailures = new Map<string, number>();
  private readonly locks = new KeyedMutex();
  private readonly orchestrationSlots: Limiter;
  private readonly activitySlots: Limiter;
  private readonly runningActivities = new Set<string>();
  private readonly alarms = new AlarmClock();
  private readonly inflight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly options: EngineOptions) {
    this.orchestrationSlots = new Limiter(options.maxConcurrentOrchestrations);
    this.activitySlots = new Limiter(options.maxConcurrentActivities);
  }

  /** Resumes every instance the store says may have work. */
  async start(): Promise<number> {
    const ids = await this.options.store.instancesWithWork();
    for (const id of ids) this.kick(id);
    return ids.length;
  }

  /**
   * Stops taking work; running episodes and activities get `graceMs` to finish. Activities still
   * running after that have no stored result and run again on the next start.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.alarms.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inflight]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  }

  isOrchestrator(name: string): boolean {
    return this.options.functions.isOrchestrator(name);
  }

  /** Creates the instance (or restarts a finished one with the same id); "exists" while one is running. */
  async startNew(name: string, instanceId: string, inputJson: string | null): Promise<"started" | "exists"> {
    return this.locks.run(instanceId, async () => {
      const now = new Date();
      const record: InstanceRecord = {
        instanceId,
        name,
        status: "Pending",
        executionId: newExecutionId(),
        inputJson,
        outputJson: null,
        customStatusJson: null,
        createdTime: now,
        lastUpdatedTime: now,
        episodes: 0,
        actionCount: 0,
        canceledTimerIds: [],
      };
      const create = async (replaceEtag?: string) => {
        try {
          await this.options.store.createInstance(record, replaceEtag);
          return true;
        } catch (error) {
          if (error instanceof ConflictError) return false;
          throw error;
        }
      };
      // Most ids are new: try to create first, and look at the existing instance only on a conflict.
      if (!(await create())) {
        const existing = await this.options.store.getInstance(instanceId);
        if (existing && !isTerminal(existing.record.status)) return "exists";
        if (!(await create(existing?.etag))) return "exists";
      }
      this.forget(instanceId);
      this.kick(instanceId);
      return "started";
    });
  }

  /** Stores an event, terminate, suspend or resume request for a live instance. */
  async send(instanceId: string, message: InboxMessage): Promise<SendResult> {
    const existing = await this.options.store.getInstance(instanceId);
    if (!existing) return "notFound";
    if (isTerminal(existing.record.status)) return "finished";
    await this.accept(instanceId, message);
    return "accepted";
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    return (await this.options.store.getInstance(instanceId))?.record;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[] | undefined> {
    return (await this.options.store.load(instanceId)).instance?.history;
  }

  listInstances(query: InstanceQuery, pageSize: number, continuationToken?: string) {
    return this.options.store.listInstances(query, pageSize, continuationToken);
  }

  /** Deletes a finished instance and everything stored about it. */
  async purge(instanceId: string): Promise<PurgeResult> {
    return this.locks.run(instanceId, async () => {
      const existing = await this.options.store.getInstance(instanceId);
      if (!existing) return "notFound";
      if (!isTerminal(existing.record.status)) return "notFinished";
      await this.options.store.purge(instanceId);
      this.forget(instanceId);
      return "purged";
    });
  }

  /** Purges every finished instance matching the query; returns how many. */
  async purgeWhere(query: InstanceQuery): Promise<number> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.store.listInstances(query, 1000, token);
      ids.push(...page.records.filter((r) => isTerminal(r.status)).map((r) => r.instanceId));
      token = page.continuationToken;
    } while (token);
    let purged = 0;
    for (const id of ids) if ((await this.purge(id)) === "purged") purged++;
    return purged;
  }

  // ---- accepting messages -------------------------------------------------------------------

  /** Stores a message for an instance, then has the instance apply it. */
  private async accept(instanceId: string, message: InboxMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.options.store.enqueue(instanceId, message);
        const list = this.incoming.get(instanceId) ?? [];
        list.push(stored);
        this.incoming.set(instanceId, list);
        this.kick(instanceId);
        return;
      } catch (error) {
        if (error instanceof TooLargeError || this.stopped || attempt >= 5) throw error;
        await sleep(100 * attempt);
      }
    }
  }

  // ---- draining instances -------------------------------------------------------------------

  /** Makes sure the instance's deliverable messages get applied (now, or after its current drain). */
  private kick(instanceId: string): void {
    if (this.stopped) return;
    if (this.draining.has(instanceId)) {
      this.redrain.add(instanceId);
      return;
    }
    this.draining.add(instanceId);
    this.track(
      this.drain(instanceId).finally(() => {
        this.draining.delete(instanceId);
        if (this.redrain.delete(instanceId)) this.kick(instanceId);
      }),
    );
  }

  private async drain(instanceId: string): Promise<void> {
    try {
      await this.orchestrationSlots.run(() => this.locks.run(instanceId, () => this.drainLocked(instanceId)));
      this.drainFailures.delete(instanceId);
    } catch (error) {
      // Reload from the table and try again: the stored state is intact whatever failed.
      this.cache.delete(instanceId);
      if (this.stopped) return;
      const failures = (this.drainFailures.get(instanceId) ?? 0) + 1;
      this.drainFailures.set(instanceId, failures);
      const delay = Math.min(50 * 2 ** failures, 5000);
      // Within one host, commits never conflict: a conflict means another writer on this task hub.
      const hint = error instanceof ConflictError ? " (is another dev host using this task hub?)" : "";
      this.options.logger.host(
        "warning",
        `Instance ${instanceId}: ${(error as Error).message}${hint}; retrying in ${delay} ms`,
      );
      this.alarms.arm(`retry|${instanceId}`, new Date(Date.now() + delay), () => this.kick(instanceId));
    }
  }

  private async drainLocked(instanceId: string): Promise<void> {
    while (!this.stopped) {
      const state = await this.loaded(instanceId);
      if (!state) return;
      this.mergeIncoming(instanceId, state);
      const next = this.nextMessage(state);
      if (!next) {
        if (isTerminal(state.record.status)) this.cache.delete(instanceId);
        return;
      }
      await this.apply(state, next.stored, next.disposition);
    }
  }

  private async loaded(instanceId: string): Promise<LoadedInstance | undefined> {
    const cached = this.cache.get(instanceId);
    if (cached) return cached;
    // Messages stored before this load starts are in what it reads; later ones stay in `incoming`.
    const seenBefore = this.incoming.get(instanceId)?.length ?? 0;
    const { instance, orphanKeys } = await this.options.store.load(instanceId);
    this.incoming.get(instanceId)?.splice(0, seenBefore);
    if (!instance) {
      // Messages for an instance that no longer exists (purged meanwhile).
      if (orphanKeys.length > 0) await this.options.store.deleteRows(instanceId, orphanKeys);
      this.incoming.delete(instanceId);
      return undefined;
    }
    const state: LoadedInstance = {
      record: instance.record,
      etag: instance.etag,
      view: new HistoryView(instance.history),
      inbox: instance.inbox,
    };
    this.cache.set(instanceId, state);
    if (instance.staleRowKeys.length > 0) {
      this.background(
        this.options.store.deleteRows(instanceId, instance.staleRowKeys),
        "cleaning old history",
      );
    }
    this.resumeWork(state);
    return state;
  }

  private mergeIncoming(instanceId: string, state: LoadedInstance): void {
    const list = this.incoming.get(instanceId);
    if (!list) return;
    this.incoming.delete(instanceId);
    const known = new Set(state.inbox.map((m) => m.key));
    for (const stored of list) if (!known.has(stored.key)) state.inbox.push(stored);
    state.inbox.sort(byKey);
  }

  private nextMessage(state: LoadedInstance): { stored: StoredMessage; disposition: Action } | undefined {
    for (const stored of state.inbox) {
      const disposition = dispose(state.record, state.view, stored);
      if (disposition.kind !== "wait") return { stored, disposition };
    }
    return undefined;
  }

  // ---- episodes -----------------------------------------------------------------------------

  private async apply(state: LoadedInstance, stored: StoredMessage, disposition: Action): Promise<void> {
    const { instanceId, name } = state.record;
    if (disposition.kind === "drop") {
      await this.options.store.deleteRows(instanceId, [stored.key]);
      state.inbox = state.inbox.filter((m) => m.key !== stored.key);
      this.options.logger.host(
        "debug",
        `${name} (${instanceId}): dropped ${stored.message.kind}: ${disposition.why}`,
      );
      return;
    }
    const now = new Date();
    let plan: EpisodePlan;
    if (disposition.kind === "replay") {
      const newEvents = episodeEvents(state.view, disposition.event, now);
      const payload = orchestratorPayload(state.record, state.view, newEvents);
      const outcome = await this.options.functions.runOrchestrator(name, payload);
      plan = planReplay({ record: state.record, view: state.view, newEvents, now, newExecutionId }, outcome);
      this.options.logger.host(
        "debug",
        `${name} (${instanceId}): ${eventTypeName[disposition.event.EventType]} → ${plan.record.status}` +
          `, ${plan.activities.length} activities, ${plan.timers.length} timers`,
      );
    } else {
      plan = planControl(state.record, state.view, disposition, now);
    }
    await this.commit(state, stored, plan);
  }

  private async commit(state: LoadedInstance, stored: StoredMessage, planned: EpisodePlan): Promise<void> {
    const previous = state.record;
    let plan = planned;
    this.fault("episode-before-commit");
    const write = () =>
      this.options.store.commit({
        instanceId: previous.instanceId,
        etag: state.etag,
        record: plan.record,
        history:
          plan.events.length > 0
            ? { executionId: previous.executionId, episode: previous.episodes, events: plan.events }
            : undefined,
        consumed: [stored.key],
        send: plan.send,
      });
    let written: Awaited<ReturnType<typeof write>>;
    try {
      written = await write();
    } catch (error) {
      if (!(error instanceof TooLargeError)) throw error;
      // What the episode produced does not fit in storage: the orchestration fails, saying so.
      plan = planTooLarge(previous, planned.events.slice(0, 2), error.message, new Date());
      written = await write();
    }
    const { etag, sent } = written;
    this.fault("episode-after-commit");

    state.record = plan.record;
    state.etag = etag;
    state.inbox = state.inbox
      .filter((m) => m.key !== stored.key)
      .concat(sent)
      .sort(byKey);
    if (plan.continuedAsNew) {
      state.view = new HistoryView();
      this.alarms.cancelWhere((key) => key.startsWith(`${previous.instanceId}|`));
      this.background(
        this.options.store.deleteHistory(previous.instanceId, previous.executionId),
        "cleaning history after continueAsNew",
      );
    } else state.view.append(plan.events);

    if (isTerminal(plan.record.status)) {
      this.alarms.cancelWhere((key) => key.startsWith(`${previous.instanceId}|`));
      if (plan.record.status === "Failed") {
        this.options.logger.host(
          "information",
          `${previous.name} (${previous.instanceId}) failed: ${plan.record.outputJson}`,
        );
      }
      return;
    }
    for (const id of plan.canceledTimers) this.alarms.cancel(timerKey(state.record, id));
    for (const timer of plan.timers) this.armTimer(state.record, timer);
    for (const task of plan.activities) this.dispatchActivity(state.record, task);
  }

  /** After a load: start what the history says is pending and has no stored outcome yet. */
  private resumeWork(state: LoadedInstance): void {
    const { record, view, inbox } = state;
    if (isTerminal(record.status)) return;
    const finished = new Set<number>();
    const fired = new Set<number>();
    for (const { message } of inbox) {
      if (!("executionId" in message) || message.executionId !== record.executionId) continue;
      if (message.kind === "TaskCompleted" || message.kind === "TaskFailed") finished.add(message.taskId);
      if (message.kind === "TimerFired") fired.add(message.timerId);
    }
    for (const task of view.pendingTasks())
      if (!finished.has(task.EventId)) this.dispatchActivity(record, task);
    const canceled = new Set(record.canceledTimerIds);
    for (const timer of view.pendingTimers()) {
      if (!fired.has(timer.EventId) && !canceled.has(timer.EventId)) this.armTimer(record, timer);
    }
  }

  // ---- activities and timers ----------------------------------------------------------------

  private dispatchActivity(record: InstanceRecord, task: TaskScheduledEvent): void {
    const { instanceId, executionId } = record;
    const key = `${instanceId}|${executionId}|${task.EventId}`;
    if (this.stopped || this.runningActivities.has(key)) return;
    this.runningActivities.add(key);
    const run = async () => {
      try {
        const outcome = await this.activitySlots.run(() =>
          this.options.functions.runActivity(task.Name, task.Input, instanceId),
        );
        this.fault("activity-before-persist");
        const message: InboxMessage = outcome.ok
          ? { kind: "TaskCompleted", executionId, taskId: task.EventId, resultJson: outcome.resultJson }
          : { kind: "TaskFailed", executionId, taskId: task.EventId, ...outcome };
        try {
          await this.accept(instanceId, message);
        } catch (error) {
          if (!(error instanceof TooLargeError)) throw error;
          await this.accept(instanceId, {
            kind: "TaskFailed",
            executionId,
            taskId: task.EventId,
            reason: `Activity function '${task.Name}' failed: ${error.message}`,
            details: "",
          });
        }
        this.fault("activity-after-persist");
      } catch (error) {
        if (this.stopped) return;
        // The result could not be stored: reload the instance later, which runs the activity again.
        this.options.logger.host(
          "warning",
          `Activity ${task.Name} of ${instanceId}: ${(error as Error).message}`,
        );
        this.cache.delete(instanceId);
        this.alarms.arm(`retry|${instanceId}`, new Date(Date.now() + 1000), () => this.kick(instanceId));
      } finally {
        this.runningActivities.delete(key);
      }
    };
    this.track(run());
  }

  private armTimer(record: InstanceRecord, timer: TimerCreatedEvent): void {
    const { instanceId, executionId } = record;
    this.alarms.arm(timerKey(record, timer.EventId), new Date(timer.FireAt), () => {
      const fire = async () => {
        try {
          this.fault("timer-before-persist");
          await this.accept(instanceId, {
            kind: "TimerFired",
            executionId,
            timerId: timer.EventId,
            fireAt: timer.FireAt,
          });
        } catch (error) {
          if (this.stopped) return;
          this.options.logger.host("warning", `Timer of ${instanceId}: ${(error as Error).message}`);
          this.cache.delete(instanceId);
          this.alarms.arm(`retry|${instanceId}`, new Date(Date.now() + 1000), () => this.kick(instanceId));
        }
      };
      this.track(fire());
    });
  }

  // ---- plumbing -----------------------------------------------------------------------------

  /** Drops what this process holds about an instance (cache, alarms) after it was replaced or purged. */
  private forget(instanceId: string): void {
    this.cache.delete(instanceId);
    this.alarms.cancelWhere((key) => key.startsWith(`${instanceId}|`));
  }

  private fault(point: FaultPoint): void {
    this.options.onFaultPoint?.(point);
  }

  private background(work: Promise<unknown>, what: string): void {
    this.track(
      work.catch((error: unknown) =>
        this.options.logger.host("warning", `${what}: ${(error as Error).message}`),
      ),
    );
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => {
      this.options.logger.host("error", `Durable engine: ${(error as Error)?.stack ?? error}`);
    });
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }
}

function timerKey(record: InstanceRecord, timerId: number): string {
  return `${record.instanceId}|${record.executionId}|${timerId}`;
}
