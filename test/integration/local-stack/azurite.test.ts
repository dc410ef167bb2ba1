/**
 * The local stack's Azurite (dev/azurite.ts): a write it acknowledged survives a SIGKILL of
 * Azurite, and Azurite does not outlive a parent killed with SIGKILL. Needs `npm run build`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startAzurite } from "../../../dev/azurite";
import { createStorageAdapters } from "../../../src/azure/storage";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the local stack's Azurite", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "azurite-durable-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("keeps every acknowledged write when it is killed with SIGKILL right after", async () => {
    const location = path.join(dir, "data");
    const first = await startAzurite({ location });
    const storage = createStorageAdapters(first.connectionString);
    const records = storage.records<{ n: number }>("durability");
    for (let n = 0; n < 20; n++) await records.create("p", `row-${n}`, { n });
    await storage.blobs.appendLog("durability", "log.txt", "one line\n");
    process.kill(first.pid, "SIGKILL");
    await until(() => !isAlive(first.pid), "Azurite's exit");

    const second = await startAzurite({ location });
    try {
      const again = createStorageAdapters(second.connectionString);
      const rows = await again.records<{ n: number }>("durability").list("p");
      expect(rows.map((row) => row.value.n).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, n) => n),
      );
      expect((await again.blobs.get("durability", "log.txt"))?.toString("utf8")).toBe("one line\n");
    } finally {
      await second.stop();
    }
  });

  it("exits when the process that started it is killed with SIGKILL", async () => {
    const azuriteModule = path.resolve(__dirname, "../../../dist/dev/azurite.js");
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `require(${JSON.stringify(azuriteModule)}).startAzurite().then((a) => console.log("pid " + a.pid));`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    parent.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await until(() => /pid \d+/.test(output), "Azurite's start");
    const pid = Number(/pid (\d+)/.exec(output)?.[1]);
    expect(isAlive(pid)).toBe(true);
    parent.kill("SIGKILL");
    await until(() => !isAlive(pid), "Azurite's exit after its parent died");
  });
});
