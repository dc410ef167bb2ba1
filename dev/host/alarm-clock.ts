/** Keyed one-shot alarms at absolute times; any distance into the future (setTimeout caps at ~24.8 days). */

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class AlarmClock {
  private readonly alarms = new Map<string, NodeJS.Timeout>();

  /** Calls fire at (or just after) `at`, never synchronously; re-arming a key replaces its alarm. */
  arm(key: string, at: Date, fire: () => void): void {
    this.cancel(key);
    const schedule = () => {
      const remaining = Math.max(0, at.getTime() - Date.now());
      this.alarms.set(
        key,
        setTimeout(
          () => {
            if (at.getTime() > Date.now()) return schedule();
            this.alarms.delete(key);
            fire();
          },
          Math.min(remaining, MAX_TIMEOUT_MS),
        ),
      );
    };
    schedule();
  }

  cancel(key: string): void {
    const timer = this.alarms.get(key);
    if (timer) clearTimeout(timer);
    this.alarms.delete(key);
  }

  cancelWhere(predicate: (key: string) => boolean): void {
    for (const key of [...this.alarms.keys()]) if (predicate(key)) this.cancel(key);
  }

  clear(): void {
    this.cancelWhere(() => true);
  }
}
