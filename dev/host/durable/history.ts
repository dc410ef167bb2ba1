/**
 * Orchestration history in the shape the durable-functions SDK replays (Durable Task event types,
 * PascalCase fields), plus an index over one execution's history that answers what the engine
 * needs: which tasks and timers are still pending, the next task id, and retry bookkeeping.
 *
 * The history is the source of truth for pending work. A few host-only fields ride on events the
 * SDK never reads (TaskScheduled, TimerCreated): ActionIndex links an event to the orchestrator
 * action that caused it, RetryOptions/RetryOf describe callActivityWithRetry chains.
 */

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  EventRaised: 15,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export interface RetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  Properties?: Record<string, unknown>;
}

interface Base {
  EventId: number;
  IsPlayed: boolean;
  /** ISO 8601 time. */
  Timestamp: string;
}

export interface OrchestratorStartedEvent extends Base {
  EventType: typeof EventType.OrchestratorStarted;
}
export interface ExecutionStartedEvent extends Base {
  EventType: typeof EventType.ExecutionStarted;
  Name: string;
  /** JSON text of the orchestration input, null when none. */
  Input: string | null;
  Version: string;
}
export interface TaskScheduledEvent extends Base {
  EventType: typeof EventType.TaskScheduled;
  Name: string;
  /** JSON text of the activity input, null when none. */
  Input: string | null;
  ActionIndex?: number;
  RetryOptions?: RetryOptions;
  /** Set on re-attempts: the EventId of the chain's first TaskScheduled. */
  RetryOf?: number;
}
export interface TaskCompletedEvent extends Base {
  EventType: typeof EventType.TaskCompleted;
  TaskScheduledId: number;
  /** JSON text of the activity result ("null" when it returned nothing). */
  Result: string;
}
export interface TaskFailedEvent extends Base {
  EventType: typeof EventType.TaskFailed;
  TaskScheduledId: number;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
}
export interface TimerCreatedEvent extends Base {
  EventType: typeof EventType.TimerCreated;
  FireAt: string;
  ActionIndex?: number;
  /** Set on the delay timer between attempts of a retried activity: the chain's first task id. */
  RetryOf?: number;
}
export interface TimerFiredEvent extends Base {
  EventType: typeof EventType.TimerFired;
  TimerId: number;
  FireAt: string;
}
export interface EventRaisedEvent extends Base {
  EventType: typeof EventType.EventRaised;
  Name: string;
  /** JSON text of the event data; empty when none. */
  Input: string;
}
export interface ExecutionCompletedEvent extends Base {
  EventType: typeof EventType.ExecutionCompleted;
  OrchestrationStatus: "Completed" | "Failed";
  Result: string | null;
}
export interface ExecutionTerminatedEvent extends Base {
  EventType: typeof EventType.ExecutionTerminated;
  Input: string;
}
export interface ExecutionSuspendedEvent extends Base {
  EventType: typeof EventType.ExecutionSuspended;
  Reason: string;
}
export interface ExecutionResumedEvent extends Base {
  EventType: typeof EventType.ExecutionResumed;
  Reason: string;
}

export type HistoryEvent =
  | OrchestratorStartedEvent
  | ExecutionStartedEvent
  | TaskScheduledEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | TimerCreatedEvent
  | TimerFiredEvent
  | EventRaisedEvent
  | ExecutionCompletedEvent
  | ExecutionTerminatedEvent
  | ExecutionSuspendedEvent
  | ExecutionResumedEvent;

/** Fields every event shares, for the event constructors below. */
export function base(time: Date, eventId = -1): Base {
  return { EventId: eventId, IsPlayed: false, Timestamp: time.toISOString() };
}

export const eventTypeName: Record<number, string> = Object.fromEntries(
  Object.entries(EventType).map(([name, value]) => [value, name]),
);

/** An index over one execution's history; append keeps it current. */
export class HistoryView {
  readonly events: HistoryEvent[] = [];
  private readonly scheduled = new Map<number, TaskScheduledEvent>();
  private readonly timers = new Map<number, TimerCreatedEvent>();
  private readonly finishedTasks = new Set<number>();
  private readonly firedTimers = new Set<number>();
  private readonly actionIds = new Map<number, number>();
  private readonly chainFailures = new Map<number, number>();
  private lastStarted = 0;

  constructor(events: HistoryEvent[] = []) {
    this.append(events);
  }

  append(events: HistoryEvent[]): void {
    for (const event of events) {
      this.events.push(event);
      switch (event.EventType) {
        case EventType.OrchestratorStarted:
          this.lastStarted = Math.max(this.lastStarted, Date.parse(event.Timestamp));
          break;
        case EventType.TaskScheduled:
          this.scheduled.set(event.EventId, event);
          if (event.ActionIndex !== undefined) this.actionIds.set(event.ActionIndex, event.EventId);
          break;
        case EventType.TimerCreated:
          this.timers.set(event.EventId, event);
          if (event.ActionIndex !== undefined) this.actionIds.set(event.ActionIndex, event.EventId);
          break;
        case EventType.TaskCompleted:
          this.finishedTasks.add(event.TaskScheduledId);
          break;
        case EventType.TaskFailed: {
          this.finishedTasks.add(event.TaskScheduledId);
          const root = this.retryRoot(event.TaskScheduledId);
          if (root !== undefined) this.chainFailures.set(root, (this.chainFailures.get(root) ?? 0) + 1);
          break;
        }
        case EventType.TimerFired:
          this.firedTimers.add(event.TimerId);
          break;
      }
    }
  }

  get started(): boolean {
    return this.events.some((e) => e.EventType === EventType.ExecutionStarted);
  }

  /** Time of the latest OrchestratorStarted (ms since epoch), 0 before the first episode. */
  get lastEpisodeTime(): number {
    return this.lastStarted;
  }

  /** The id the SDK gives the next task it tracks: every id it took is a TaskScheduled or TimerCreated. */
  nextTaskId(): number {
    return this.scheduled.size + this.timers.size;
  }

  taskScheduled(id: number): TaskScheduledEvent | undefined {
    return this.scheduled.get(id);
  }

  timerCreated(id: number): TimerCreatedEvent | undefined {
    return this.timers.get(id);
  }

  isTaskFinished(id: number): boolean {
    return this.finishedTasks.has(id);
  }

  isTimerFired(id: number): boolean {
    return this.firedTimers.has(id);
  }

  /** The task or timer id given to the orchestrator action at this index, if it took one. */
  idOfAction(actionIndex: number): number | undefined {
    return this.actionIds.get(actionIndex);
  }

  /** The first TaskScheduled id of the retry chain a task belongs to, undefined for plain activities. */
  retryRoot(taskId: number): number | undefined {
    const scheduled = this.scheduled.get(taskId);
    if (!scheduled) return undefined;
    if (scheduled.RetryOf !== undefined) return scheduled.RetryOf;
    return scheduled.RetryOptions ? taskId : undefined;
  }

  failuresInChain(root: number): number {
    return this.chainFailures.get(root) ?? 0;
  }

  pendingTasks(): TaskScheduledEvent[] {
    return [...this.scheduled.values()].filter((e) => !this.finishedTasks.has(e.EventId));
  }

  pendingTimers(): TimerCreatedEvent[] {
    return [...this.timers.values()].filter((e) => !this.firedTimers.has(e.EventId));
  }
}
