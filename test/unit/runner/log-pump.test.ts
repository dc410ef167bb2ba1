import { CliError } from "../../../runner/cli/errors";
import { LogPump, splitUtf8, type LogPumpOptions } from "../../../runner/cli/log-pump";

interface Harness {
  pump: LogPump;
  batches: string[];
  drops: { lines: number; error: unknown }[];
}

/** A pump whose sender records what arrives; `failures` decides, per attempt, whether to throw. */
function harness(
  options: Partial<LogPumpOptions> & { failures?: (attempt: number) => Error | undefined } = {},
): Harness {
  const batches: string[] = [];
  const drops: { lines: number; error: unknown }[] = [];
  let attempt = 0;
  const pump = new LogPump({
    batchBytes: 1024,
    intervalMs: 50,
    retryMs: 2000,
    isRetryable: (error) => error instanceof CliError && error.retryable,
    onDrop: (lines, error) => drops.push({ lines, error }),
    send: async (text) => {
      const failure = options.failures?.(attempt++);
      if (failure) throw failure;
      batches.push(text);
    },
    ...options,
  });
  return { pump, batches, drops };
}

const lines = (batches: string[]) => batches.join("").split("\n").filter(Boolean);

describe("log pump", () => {
  it("sends a batch as soon as it holds batchBytes, without waiting for the interval", async () => {
    const { pump, batches } = harness({ batchBytes: 20, intervalMs: 60_000 });
    const started = Date.now();
    pump.push("0123456789"); // 11 bytes with "\n"
    pump.push("abcdefghij"); // 22 bytes: full
    while (batches.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(batches[0]).toBe("0123456789\n");
    await pump.close();
    expect(batches).toEqual(["0123456789\n", "abcdefghij\n"]);
  });

  it("sends once 64 KiB are queued, without waiting for the interval or for a full batch", async () => {
    const { pump, batches } = harness({ batchBytes: 4 * 1024 * 1024, intervalMs: 600_000 });
    const line = "x".repeat(99);
    for (let i = 0; i < 700; i++) pump.push(line); // 70,000 bytes with the "\n"s
    const deadline = Date.now() + 30_000;
    while (batches.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(batches).toHaveLength(1);
    expect(batches[0]).toBe(`${line}\n`.repeat(700));
    await pump.close();
  });

  it("sends a fast burst in few batches, each taking what queued while the one before was on its way", async () => {
    const batches: string[] = [];
    const pump = new LogPump({
      batchBytes: 1024 * 1024,
      intervalMs: 600_000,
      retryMs: 1000,
      isRetryable: () => false,
      onDrop: () => undefined,
      send: async (text) => {
        batches.push(text);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    const sent = Array.from({ length: 100_000 }, (_, i) => `line ${String(i).padStart(6, "0")} of a burst`);
    for (const [i, line] of sent.entries()) {
      pump.push(line);
      // The script keeps printing while batches are on their way.
      if (i % 10_000 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const stats = await pump.close();
    expect(lines(batches)).toEqual(sent);
    expect(stats).toMatchObject({ sentLines: 100_000, droppedLines: 0 });
    // 2.4 MB: a few full batches and the small ones sent while the burst began.
    expect(batches.length).toBeLessThanOrEqual(20);
    expect(batches.every((batch) => Buffer.byteLength(batch) <= 1024 * 1024)).toBe(true);
  });

  it("scrubs secrets from a whole line before cutting it, so no cut between batches hides one", async () => {
    const token = "Tok3n_abcdefghijklmnopqrstuvwxyz0123456789";
    const { pump, batches } = harness({ batchBytes: 64, intervalMs: 1, secrets: [token] });
    // Every offset of the token against the 64-byte cuts.
    for (let pad = 0; pad < 64; pad++) pump.push(`${"p".repeat(pad)}${token} and ${token}`);
    await pump.close();
    const joined = batches.join("");
    expect(batches.every((batch) => Buffer.byteLength(batch) <= 64)).toBe(true);
    expect(joined).not.toContain(token.slice(0, 8));
    expect(joined).not.toContain(token.slice(-8));
    expect(joined.split("\n").filter(Boolean)).toEqual(
      Array.from({ length: 64 }, (_, pad) => `${"p".repeat(pad)}*** and ***`),
    );
  });

  it("sends a partial batch once its first line has waited intervalMs", async () => {
    const { pump, batches } = harness({ intervalMs: 80 });
    const started = Date.now();
    pump.push("one");
    pump.push("two");
    while (batches.length === 0) await new Promise((r) => setTimeout(r, 5));
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(75);
    expect(waited).toBeLessThan(1000);
    expect(batches).toEqual(["one\ntwo\n"]);
    await pump.close();
  });

  it("keeps order and loses nothing when sends fail and are retried", async () => {
    const failEvery = (attempt: number) =>
      attempt % 3 === 0 ? new CliError("RequestFailed", "503 Service Unavailable", true) : undefined;
    const { pump, batches, drops } = harness({ batchBytes: 64, intervalMs: 1, failures: failEvery });
    const sent = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    for (const line of sent) pump.push(line);
    const stats = await pump.close();
    expect(lines(batches)).toEqual(sent);
    expect(drops).toEqual([]);
    expect(stats).toMatchObject({ sentLines: 200, droppedLines: 0 });
    expect(stats.batches).toBe(batches.length);
    expect(batches.every((batch) => Buffer.byteLength(batch) <= 64)).toBe(true);
  });

  it("retries a failed batch before any later line is sent", async () => {
    let calls = 0;
    const order: string[] = [];
    const pump = new LogPump({
      batchBytes: 6,
      intervalMs: 1,
      retryMs: 5000,
      isRetryable: () => true,
      onDrop: () => undefined,
      send: async (text) => {
        calls++;
        order.push(`${calls}:${text.trim()}`);
        if (calls <= 2) throw new Error("connection reset");
      },
    });
    pump.push("aaaa");
    pump.push("bbbb");
    await pump.close();
    expect(order).toEqual(["1:aaaa", "2:aaaa", "3:aaaa", "4:bbbb"]);
  });

  it("gives up on a batch after retryMs and reports the dropped lines", async () => {
    const down = () => new CliError("RequestFailed", "connection refused", true);
    const { pump, drops } = harness({ retryMs: 150, failures: down });
    pump.push("lost 1");
    pump.push("lost 2");
    const started = Date.now();
    const stats = await pump.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(stats).toMatchObject({ sentLines: 0, droppedLines: 2 });
    expect(drops).toHaveLength(1);
    expect(drops[0].lines).toBe(2);
  });

  it("stops trying after an error no retry can fix (the token is no longer valid)", async () => {
    let attempts = 0;
    const pump = new LogPump({
      batchBytes: 8,
      intervalMs: 1,
      retryMs: 60_000,
      isRetryable: (error) => error instanceof CliError && error.retryable,
      onDrop: () => undefined,
      send: async () => {
        attempts++;
        throw new CliError("SecurityError", "The token is not valid", false);
      },
    });
    for (let i = 0; i < 5; i++) pump.push(`line ${i}`);
    const stats = await pump.close();
    expect(attempts).toBe(1);
    expect(stats).toMatchObject({ sentLines: 0, droppedLines: 5 });
  });

  it("flushes on close without waiting for the interval", async () => {
    const { pump, batches } = harness({ intervalMs: 60_000 });
    pump.push("last words");
    const started = Date.now();
    await pump.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(batches).toEqual(["last words\n"]);
  });

  it("splits a line longer than a batch into batch-sized pieces", async () => {
    const { pump, batches } = harness({ batchBytes: 16, intervalMs: 1 });
    const long = "x".repeat(40);
    pump.push(long);
    const stats = await pump.close();
    expect(batches.join("")).toBe(`${long}\n`);
    expect(batches.every((batch) => Buffer.byteLength(batch) <= 16)).toBe(true);
    expect(stats.sentLines).toBe(1);
  });
});

describe("splitUtf8", () => {
  it("never cuts a multi-byte character", () => {
    const text = "ééé€€€😀😀";
    for (let max = 4; max <= 12; max++) {
      const pieces = splitUtf8(text, max);
      expect(pieces.join("")).toBe(text);
      for (const piece of pieces) {
        expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(max);
        expect(piece).not.toContain("\uFFFD");
      }
    }
  });
});
