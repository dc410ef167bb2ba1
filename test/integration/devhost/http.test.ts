/**
 * HTTP triggers in the dev host: route templates, methods, 404/405, the route prefix, and what
 * reaches the function (params, query, headers, body bytes) and comes back (status, headers,
 * cookies, bytes). The host starts its own Azurite here ("UseDevelopmentStorage=true").
 */
import type { DevHostProcess } from "../../../dev/host/spawn";
import { call, HTTP_APP, Scratch, startFixtureHost, waitFor, withHostOutput } from "./helpers";

interface Seen {
  function: string;
  method: string;
  url: string;
  params: Record<string, string>;
  query: Record<string, string>;
}

describe("dev host: HTTP triggers", () => {
  let host: DevHostProcess;
  const scratch = new Scratch();

  beforeAll(async () => {
    host = await startFixtureHost({
      appRoot: HTTP_APP,
      storage: "UseDevelopmentStorage=true",
      taskHub: "httptests",
      scratch,
      env: { STARTUP_TIMER_SCHEDULE: "0 0 0 1 1 *" },
    });
  });

  afterAll(async () => {
    await host?.stop();
    scratch.cleanup();
  });

  const seen = async (path: string, method = "GET") => {
    const reply = await call(`${host.url}${path}`, { method });
    expect(reply.status).toBe(200);
    return reply.json<Seen>();
  };

  it("routes by template, parameter constraints and method", () =>
    withHostOutput(host, async () => {
      expect(await seen("/api/items/42")).toMatchObject({
        function: "getItem",
        method: "GET",
        params: { id: "42" },
      });
      expect(await seen("/api/items/42", "PUT")).toMatchObject({ function: "getItem", method: "PUT" });
      expect(await seen("/api/items/42", "DELETE")).toMatchObject({
        function: "deleteItem",
        params: { id: "42" },
      });
      expect(await seen("/api/items")).toMatchObject({ function: "listItems", params: {} });
      expect(await seen("/api/items/")).toMatchObject({ function: "listItems" });
      expect(await seen("/api/ITEMS/7")).toMatchObject({ function: "getItem", params: { id: "7" } });
      expect(await seen("/api/plainName")).toMatchObject({ function: "plainName" });
    }));

  it("answers 405 with Allow when the route matches but the method does not, 404 when nothing matches", () =>
    withHostOutput(host, async () => {
      const wrongMethod = await call(`${host.url}/api/items/42`, { method: "POST", body: "x" });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get("allow")).toBe("DELETE, GET, PUT");
      expect((await call(`${host.url}/api/items/abc`)).status).toBe(404);
      expect((await call(`${host.url}/api/nowhere`)).status).toBe(404);
      expect((await call(`${host.url}/items/42`)).status).toBe(404);
      expect((await call(`${host.url}/api/status/700`)).status).toBe(404);
    }));

  it("supports optional, default, catch-all and multi-part parameters, literals first", () =>
    withHostOutput(host, async () => {
      expect(await seen("/api/files/readme")).toMatchObject({ function: "readme" });
      expect(await seen("/api/files/docs/guide/intro.md")).toMatchObject({
        function: "readFile",
        params: { path: "docs/guide/intro.md" },
      });
      expect(await seen("/api/files/with%20space")).toMatchObject({ params: { path: "with space" } });
      expect(await seen("/api/files")).toMatchObject({ function: "readFile", params: {} });
      expect(await seen("/api/optional")).toMatchObject({ function: "optional", params: {} });
      expect(await seen("/api/optional/bob")).toMatchObject({ params: { name: "bob" } });
      expect(await seen("/api/greet")).toMatchObject({ function: "withDefault", params: { name: "world" } });
      expect(await seen("/api/greet/ann")).toMatchObject({ params: { name: "ann" } });
      expect(await seen("/api/download/report.pdf")).toMatchObject({
        function: "twoParts",
        params: { file: "report", ext: "pdf" },
      });
      expect((await call(`${host.url}/api/download/report.123`)).status).toBe(404);
    }));

  it("passes the absolute URL and the query, keeping repeated keys", () =>
    withHostOutput(host, async () => {
      const got = await seen("/api/items/1?a=1&b=two");
      expect(got.url).toBe(`${host.url}/api/items/1?a=1&b=two`);
      expect(got.query).toEqual({ a: "1", b: "two" });
      expect((await call(`${host.url}/api/tags?tag=x&tag=y`)).json()).toEqual(["x", "y"]);
    }));

  it("passes body bytes and headers through, and returns status, headers, cookies and bytes", () =>
    withHostOutput(host, async () => {
      const bytes = new Uint8Array([0, 1, 2, 250, 255, 10, 13]);
      const response = await fetch(`${host.url}/api/echo`, {
        method: "POST",
        body: bytes,
        headers: { "content-type": "application/x-test" },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get("content-type")).toBe("application/x-test");
      expect(response.headers.get("x-echo-length")).toBe(String(bytes.length));
      expect(response.headers.get("set-cookie")).toBe("session=abc; Path=/; HttpOnly; SameSite=Lax");
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
    }));

  it("maps handler results and failures to status codes", () =>
    withHostOutput(host, async () => {
      const teapot = await call(`${host.url}/api/status/418`);
      expect(teapot.status).toBe(418);
      expect(teapot.text).toBe("status 418");
      expect((await call(`${host.url}/api/nothing`)).status).toBe(204);
      expect((await call(`${host.url}/api/throws`)).status).toBe(500);
    }));

  it("prints context.log lines with the function name", () =>
    withHostOutput(host, async () => {
      expect((await call(`${host.url}/api/logs`)).text).toBe("logged");
      await waitFor("the log line", () => host.output().includes("[logs] a line from the logs function"));
    }));

  it("runs the app's appStart, preInvocation and postInvocation hooks", () =>
    withHostOutput(host, async () => {
      expect(
        scratch
          .entries()
          .filter((e) => e.fn === "appStart")
          .map((e) => e.key),
      ).toEqual(["started"]);
      expect((await call(`${host.url}/api/hooked`)).text).toBe("handler + postInvocation");
      expect(scratch.count("hooked", "start", "preInvocation")).toBe(1);
    }));

  it("serves the admin status and function list", () =>
    withHostOutput(host, async () => {
      expect((await call(`${host.url}/admin/host/status`)).json()).toMatchObject({
        state: "Running",
        taskHub: "httptests",
      });
      const functions = (await call(`${host.url}/admin/functions`)).json<
        { name: string; trigger: string }[]
      >();
      expect(functions).toEqual(
        expect.arrayContaining([
          { name: "getItem", trigger: "httpTrigger" },
          { name: "onEvent", trigger: "eventGridTrigger" },
        ]),
      );
    }));
});
