/**
 * Timer triggers: each timer function runs at the occurrences of its schedule (NCRONTAB or
 * TimeSpan, %SETTING% references already resolved), once at startup when runOnStartup is set, and
 * on demand through the admin endpoint. Runs of one function never overlap: the next occurrence
 * is computed when a run ends, so occurrences missed meanwhile are skipped, as in the Functions host.
 */
import { AlarmClock } from "./alarm-clock";
import { KeyedMutex } from "./concurrency";
import type { FunctionsWorker, RegisteredFunction } from "./functions-worker";
import type { HostLogger } from "./logger";
import { parseSchedule, Schedule } from "./ncrontab";

interface TimerFunction {
  fn: RegisteredFunction;
  expression: string;
  schedule: Schedule;
  last?: Date;
  next?: Date;
}

export interface TimerSummary {
  functionName: string;
  schedule: string;
  next?: string;
}

export class TimerTriggers {
  private readonly timers = new Map<string, TimerFunction>();
  private readonly alarms = new AlarmClock();
  private readonly oneAtATime = new KeyedMutex();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly worker: FunctionsWorker,
    private readonly logger: HostLogger,
  ) {
    for (const fn of worker.ofTrigger("timerTrigger")) {
      const expression = String(fn.trigger.schedule ?? "");
      try {
        const schedule = parseSchedule(expression);
        schedule.next(new Date());
        this.timers.set(fn.name.toLowerCase(), { fn, expression, schedule });
      } catch (error) {
        logger.host("error", `Function ${fn.name} is disabled: ${(error as Error).message}`);
      }
    }
  }

  start(): void {
    for (const timer of this.timers.values()) {
      if (timer.fn.trigger.runOnStartup === true) void this.run(timer, new Date());
      else this.scheduleNext(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.alarms.clear();
    await Promise.allSettled([...this.running]);
  }

  has(name: string): boolean {
    return this.timers.has(name.toLowerCase());
  }

  /** Runs a timer function now (POST /admin/functions/{name}); resolves when the run has ended. */
  async runNow(name: string): Promise<void> {
    const timer = this.timers.get(name.toLowerCase());
    if (!timer) throw new Error(`No timer function named '${name}'`);
    await this.run(timer, new Date());
  }

  summary(): TimerSummary[] {
    return [...this.timers.values()].map((t) => ({
      functionName: t.fn.name,
      schedule: t.expression,
      next: t.next?.toISOString(),
    }));
  }

  private scheduleNext(timer: TimerFunction): void {
    if (this.stopped) return;
    const next = timer.schedule.next(new Date());
    timer.next = next;
    this.alarms.arm(timer.fn.name, next, () => void this.run(timer, next));
  }

  private run(timer: TimerFunction, scheduledFor: Date): Promise<void> {
    const run = this.oneAtATime.run(timer.fn.name, async () => {
      this.alarms.cancel(timer.fn.name);
      const started = new Date();
      const payload = {
        Schedule: { AdjustForDST: true },
        ScheduleStatus: {
          Last: (timer.last ?? started).toISOString(),
          Next: timer.schedule.next(started).toISOString(),
          LastUpdated: started.toISOString(),
        },
        // Late by more than a second (the host was busy or a run overran), as the host reports it.
        IsPastDue: started.getTime() - scheduledFor.getTime() > 1000,
      };
      timer.last = started;
      try {
        await this.worker.invoke(timer.fn, { json: JSON.stringify(payload) });
      } catch (error) {
        this.logger.host(
          "error",
          `Executed 'Functions.${timer.fn.name}' (Failed): ${(error as Error)?.stack ?? error}`,
        );
      }
      this.scheduleNext(timer);
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }
}
