/**
 * The ade CLI's requests through a control plane that is down for a while: retried with backoff
 * until the operation's deadline (ADE_OPERATION_DEADLINE), then failed as RequestFailed.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RunnerApi } from "../../../runner/cli/api";
import { CliError } from "../../../runner/cli/errors";

const OPERATION = "6f1c9a52-5a0e-4c3e-9d37-0c6f9f3f2b11";

/** Answers 503 to the first `failures` requests, then 204. */
async function flakyServer(
  failures: number,
): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    requests++;
    if (requests <= failures) {
      response.writeHead(503, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "ServiceUnavailable", message: "restarting" } }));
    } else {
      response.writeHead(204).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/runner/projects/demo`, requests: () => requests };
}

function api(endpoint: string, deadline?: number): RunnerApi {
  return new RunnerApi({
    endpoint,
    token: "t".repeat(32),
    operationId: OPERATION,
    devCenterId: "dc",
    ...(deadline !== undefined && { deadline }),
  });
}

describe("ade requests through an outage", () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  it("keep retrying while the operation may still run, and succeed once the control plane is back", async () => {
    const flaky = await flakyServer(5);
    servers.push(flaky.server);
    await api(flaky.url, Date.now() + 120_000).setResult({ code: "X", message: "y" });
    expect(flaky.requests()).toBe(6);
  }, 90_000);

  it("give up at the deadline with RequestFailed", async () => {
    const down = await flakyServer(Number.MAX_SAFE_INTEGER);
    servers.push(down.server);
    const started = Date.now();
    const failure = await api(down.url, Date.now() + 2000)
      .setResult({ code: "X", message: "y" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).codeName).toBe("RequestFailed");
    expect(down.requests()).toBeGreaterThan(1);
    // Retries stop at the deadline (with room for a busy machine), not after a fixed count.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
