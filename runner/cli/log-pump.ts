/**
 * The log pump: collects log lines and sends them to the operation's log in batches. A batch goes
 * out when 64 KiB are queued (or `batchBytes`, if smaller) or when its oldest line has waited
 * `intervalMs`, whichever comes first, and takes everything queued up to `batchBytes`: a script that
 * prints fast fills each batch while the one before is on its way, so a burst costs few requests and
 * little more time than the last one. One batch is in flight at a time, so lines arrive in order; a
 * failed batch is retried (exponential backoff, for up to `retryMs`) before any later line is sent.
 * close() flushes. `secrets` are scrubbed from each whole line before a long line is cut into pieces,
 * so no cut can hide one from the scrubbing.
 */
import { scrubSecrets } from "../../src/core/secrets";

export interface LogPumpOptions {
  /** Sends one batch (whole lines, each ending in "\n"). */
  send(text: string): Promise<void>;
  batchBytes: number;
  intervalMs: number;
  retryMs: number;
  /** False for errors that no retry can fix (the token is no longer valid, say). */
  isRetryable(error: unknown): boolean;
  /** Told when lines are given up on. */
  onDrop(lines: number, error: unknown): void;
  /** Values that must never reach the log (the runner's token, secure parameter values). */
  secrets?: string[];
}

export interface LogPumpStats {
  sentLines: number;
  droppedLines: number;
  batches: number;
}

interface QueuedLine {
  text: string;
  bytes: number;
  at: number;
}

/** Queued bytes that send a batch before the interval is up. */
const SEND_AT_BYTES = 64 * 1024;
const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 5000;

export class LogPump {
  private readonly queue: QueuedLine[] = [];
  private queuedBytes = 0;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private closing = false;
  /** Set after an error no retry can fix: later lines are dropped without trying. */
  private broken = false;
  private readonly stats: LogPumpStats = { sentLines: 0, droppedLines: 0, batches: 0 };
  private readonly secrets: string[];
  private readonly sendAtBytes: number;

  constructor(private readonly options: LogPumpOptions) {
    this.secrets = (options.secrets ?? []).filter((secret) => secret !== "");
    this.sendAtBytes = Math.min(SEND_AT_BYTES, options.batchBytes);
  }

  /** Queues one line (without its "\n"); a line longer than a batch is split. */
  push(line: string): void {
    const at = Date.now();
    const clean = this.secrets.some((secret) => line.includes(secret))
      ? scrubSecrets(line, this.secrets)
      : line;
    const whole = `${clean}\n`;
    const wholeBytes = Buffer.byteLength(whole);
    const pieces =
      wholeBytes <= this.options.batchBytes ? [whole] : splitUtf8(whole, this.options.batchBytes);
    for (const text of pieces) {
      const bytes = pieces.length === 1 ? wholeBytes : Buffer.byteLength(text);
      this.queue.push({ text, bytes, at });
      this.queuedBytes += bytes;
    }
    if (!this.running) this.running = this.run();
    else if (this.queuedBytes >= this.sendAtBytes) this.wake?.();
  }

  /** Sends what is queued (retrying as configured) and resolves with what happened. */
  async close(): Promise<LogPumpStats> {
    this.closing = true;
    this.wake?.();
    await this.running;
    return { ...this.stats };
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      await this.due();
      await this.deliver(this.take());
    }
    this.running = undefined;
  }

  /** Resolves when the head of the queue should be sent. */
  private due(): Promise<void> {
    const wait = this.queue[0].at + this.options.intervalMs - Date.now();
    if (this.closing || this.queuedBytes >= this.sendAtBytes || wait <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.wake = done;
    });
  }

  /** Lines from the head, up to batchBytes (at least one). */
  private take(): QueuedLine[] {
    let bytes = 0;
    let count = 0;
    while (
      count < this.queue.length &&
      (count === 0 || bytes + this.queue[count].bytes <= this.options.batchBytes)
    ) {
      bytes += this.queue[count].bytes;
      count++;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, count);
  }

  private async deliver(batch: QueuedLine[]): Promise<void> {
    const lines = batch.filter((line) => line.text.endsWith("\n")).length;
    if (this.broken) {
      this.stats.droppedLines += lines;
      return;
    }
    const text = batch.map((line) => line.text).join("");
    const started = Date.now();
    for (let delay = FIRST_RETRY_DELAY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      try {
        await this.options.send(text);
        this.stats.sentLines += lines;
        this.stats.batches++;
        return;
      } catch (error) {
        const left = started + this.options.retryMs - Date.now();
        const retryable = this.options.isRetryable(error);
        if (!retryable || left <= 0) {
          this.broken = !retryable;
          this.stats.droppedLines += lines;
          this.options.onDrop(lines, error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
      }
    }
  }
}

/** Splits text into pieces of at most maxBytes UTF-8 bytes without cutting a character. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return [text];
  const pieces: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // Back off continuation bytes (10xxxxxx) so the cut falls between characters.
    while (end < bytes.length && end > start + 1 && (bytes[end] & 0xc0) === 0x80) end--;
    pieces.push(bytes.subarray(start, end).toString("utf8"));
    start = end;
  }
  return pieces;
}
