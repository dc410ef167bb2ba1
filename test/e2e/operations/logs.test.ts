/**
 * GET …/operations/{id}/logs end to end: the compiled app in the dev host (HTTP streaming, as the app
 * asks for), Azurite, the ARM emulator and the real runner. Needs `npm run build`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createBlobStore } from "../../../src/azure/blobs";
import type { BlobStore } from "../../../src/storage/ports";
import { CONTAINERS, operationLogBlob } from "../../../src/storage/records";
import { API_VERSION, Stack } from "../../support/stack";

const ENVIRONMENTS = "/projects/demo/users/me/environments";

/** Prints a line, then waits until the test says it read that line through the API. */
function watchedDefinition(seenFile: string): Record<string, string> {
  return {
    "environment.yaml": "name: watched\nrunner: Bicep\ntemplatePath: main.bicep\n",
    "main.bicep": "// nothing\n",
    "deploy.sh":
      '#!/bin/bash\necho "still running: waiting to be read"\n' +
      `while [ ! -f ${JSON.stringify(seenFile)} ]; do sleep 0.05; done\necho "read, done"\n`,
  };
}

function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

describe("operation logs (dev host + ARM emulator + real runner)", () => {
  let stack: Stack;
  let alice: string;
  let blobs: BlobStore;
  let seenDir: string;
  let operationId: string;
  let logPath: string;

  beforeAll(async () => {
    seenDir = await mkdtemp(path.join(os.tmpdir(), "logs-e2e-"));
    stack = await Stack.start({ definitions: { watched: watchedDefinition(path.join(seenDir, "seen")) } });
    alice = await stack.token("alice");
    await stack.catalogSynced(alice);
    blobs = createBlobStore({
      kind: "connectionString",
      connectionString: stack.services.azurite.connectionString,
    });
    const { status } = await stack.deployAndWait(alice, "logged", "counter");
    expect(status.status).toBe("Succeeded");
    operationId = status.name as string;
    logPath = `${ENVIRONMENTS}/logged/operations/${operationId}/logs`;
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await rm(seenDir, { recursive: true, force: true });
  });

  const get = (range?: string) =>
    fetch(new URL(`${logPath}?api-version=${API_VERSION}`, stack.url), {
      headers: { authorization: `Bearer ${alice}`, ...(range !== undefined && { range }) },
    });

  it("shows a line while the operation still runs", async () => {
    const created = await stack.request("PUT", `${ENVIRONMENTS}/watched-one`, alice, {
      environmentType: "Dev",
      catalogName: "samples",
      environmentDefinitionName: "watched",
    });
    expect(created.status).toBe(201);
    const location = created.headers.get("operation-location") as string;
    const id = new URL(location).pathname.split("/").pop() as string;
    const logs = await stack.until(
      "GET",
      `${ENVIRONMENTS}/watched-one/operations/${id}/logs`,
      alice,
      (reply) => reply.text.includes("still running: waiting to be read"),
    );
    expect(logs.status).toBe(200);
    // The script cannot end before the test has read its line: the operation is still running.
    expect((await stack.request("GET", new URL(location).pathname, alice)).body.status).toBe("Running");
    await writeFile(path.join(seenDir, "seen"), "seen");
    expect((await stack.finished(location, alice)).status).toBe("Succeeded");
  });

  it("answers the whole log as text/plain with its length, and says ranges are served", async () => {
    const whole = await get();
    const text = await whole.text();
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(Number(whole.headers.get("content-length"))).toBe(Buffer.byteLength(text));
    expect(text).toContain("counter 0 -> 1");
  });

  it("serves a Range as 206 with Content-Range, bytes=-N as the tail, and 416 past the end", async () => {
    const log = Buffer.from(await (await get()).arrayBuffer());
    const size = log.length;

    const middle = await get("bytes=10-29");
    expect(middle.status).toBe(206);
    expect(middle.headers.get("content-range")).toBe(`bytes 10-29/${size}`);
    expect(Buffer.from(await middle.arrayBuffer())).toEqual(log.subarray(10, 30));

    const tail = await get("bytes=-50");
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes ${size - 50}-${size - 1}/${size}`);
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(log.subarray(size - 50));

    const rest = await get(`bytes=${size - 5}-`);
    expect(rest.status).toBe(206);
    expect(Buffer.from(await rest.arrayBuffer())).toEqual(log.subarray(size - 5));

    const past = await get(`bytes=${size}-`);
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${size}`);
    expect(past.headers.get("x-ms-error-code")).toBe("RangeNotSatisfiable");
    expect(((await past.json()) as { error: { code: string } }).error.code).toBe("RangeNotSatisfiable");

    // Several ranges are not served: the whole log, as the RFC allows.
    const several = await get("bytes=0-1,5-6");
    expect(several.status).toBe(200);
    expect(Buffer.from(await several.arrayBuffer())).toEqual(log);
  });

  it("streams a large log: three parallel GETs leave the host's memory flat", async () => {
    const line = `${new Date().toISOString()} [log] ${"a large log line ".repeat(5)}\n`;
    const block = line.repeat(Math.floor((4 * 1024 * 1024) / Buffer.byteLength(line)));
    for (let i = 0; i < 12; i++) {
      await blobs.appendLog(CONTAINERS.logs, operationLogBlob("demo", operationId), block);
    }
    const size = (await blobs.logSize(CONTAINERS.logs, operationLogBlob("demo", operationId))) as number;
    expect(size).toBeGreaterThan(48 * 1024 * 1024);

    const before = rssMegabytes(stack.host.pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMegabytes(stack.host.pid))), 10);
    const read = async () => {
      const response = await get();
      let bytes = 0;
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) bytes += chunk.length;
      return { status: response.status, bytes };
    };
    const results = await Promise.all([read(), read(), read()]).finally(() => clearInterval(sampler));
    expect(results).toEqual([0, 1, 2].map(() => ({ status: 200, bytes: size })));
    // Gathering the log in memory would take several copies of 48 MB per GET.
    expect(peak - before).toBeLessThan(128);

    const tail = await get("bytes=-100");
    expect(tail.status).toBe(206);
    expect(await tail.text()).toBe(block.slice(-100));
  }, 120_000);
});
