/**
 * The Event Grid webhook of the dev host: the subscription handshakes of both schemas, batches of
 * Event Grid events and CloudEvents, posts without aeg-event-type (as EventGridPublisherClient
 * sends them), and the error answers.
 */
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import type { DevHostProcess } from "../../../dev/host/spawn";
import { call, FIXTURE_MASTER_KEY, HTTP_APP, Scratch, startFixtureHost, withHostOutput } from "./helpers";

describe("dev host: Event Grid triggers", () => {
  let host: DevHostProcess;
  const scratch = new Scratch();
  let webhook: (fn: string) => string;

  beforeAll(async () => {
    host = await startFixtureHost({
      appRoot: HTTP_APP,
      storage: "UseDevelopmentStorage=true",
      taskHub: "eventgridtests",
      scratch,
      env: { STARTUP_TIMER_SCHEDULE: "0 0 0 1 1 *" },
    });
    webhook = (fn) => `${host.url}/runtime/webhooks/EventGrid?functionName=${fn}&code=${FIXTURE_MASTER_KEY}`;
  });

  afterAll(async () => {
    await host?.stop();
    scratch.cleanup();
  });

  const received = () =>
    scratch
      .entries()
      .filter((e) => e.fn === "onEvent")
      .map((e) => e.key);

  function gridEvent(id: string, data: unknown = { n: id }) {
    return {
      id,
      subject: "s",
      eventType: "Test.Happened",
      eventTime: new Date().toISOString(),
      data,
      dataVersion: "1",
    };
  }

  function cloudEvent(id: string, data: unknown = { n: id }) {
    return {
      specversion: "1.0",
      id,
      source: "/tests",
      type: "Test.Cloud",
      time: new Date().toISOString(),
      data,
    };
  }

  it("answers the Event Grid subscription validation handshake", () =>
    withHostOutput(host, async () => {
      const reply = await call(webhook("onEvent"), {
        headers: { "aeg-event-type": "SubscriptionValidation", "content-type": "application/json" },
        body: [
          {
            ...gridEvent("v1", { validationCode: "code-123" }),
            eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
          },
        ],
      });
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual({ validationResponse: "code-123" });
      expect(received()).toEqual([]);
    }));

  it("answers the CloudEvents abuse-protection handshake", () =>
    withHostOutput(host, async () => {
      const reply = await call(webhook("onEvent"), {
        method: "OPTIONS",
        headers: { "WebHook-Request-Origin": "eventgrid.azure.net" },
      });
      expect(reply.status).toBe(200);
      expect(reply.headers.get("webhook-allowed-origin")).toBe("eventgrid.azure.net");
    }));

  it("invokes the function once per event of a batch, in order, for both schemas", () =>
    withHostOutput(host, async () => {
      const grid = await call(webhook("onEvent"), {
        headers: { "aeg-event-type": "Notification" },
        body: [gridEvent("g1"), gridEvent("g2"), gridEvent("g3")],
      });
      expect(grid.status).toBe(202);
      const cloud = await call(webhook("onEvent"), {
        headers: { "aeg-event-type": "Notification", "content-type": "application/cloudevents-batch+json" },
        body: [cloudEvent("c1"), cloudEvent("c2")],
      });
      expect(cloud.status).toBe(202);
      const single = await call(webhook("onEvent"), {
        headers: { "content-type": "application/cloudevents+json" },
        body: cloudEvent("c3", "text"),
      });
      expect(single.status).toBe(202);
      expect(received()).toEqual([
        'eventgrid:Test.Happened:g1:{"n":"g1"}',
        'eventgrid:Test.Happened:g2:{"n":"g2"}',
        'eventgrid:Test.Happened:g3:{"n":"g3"}',
        'cloud:Test.Cloud:c1:{"n":"c1"}',
        'cloud:Test.Cloud:c2:{"n":"c2"}',
        'cloud:Test.Cloud:c3:"text"',
      ]);
    }));

  it("answers 401 without the host's key, or with a wrong one, and runs nothing", () =>
    withHostOutput(host, async () => {
      const before = scratch.count("onEvent", "end");
      const bare = `${host.url}/runtime/webhooks/EventGrid?functionName=onEvent`;
      const refused = await call(bare, { key: false, body: [gridEvent("unkeyed")] });
      expect(refused.status).toBe(401);
      expect(refused.json()).toMatchObject({ error: { code: "Unauthorized" } });
      expect((await call(`${bare}&code=wrong`, { key: false, body: [gridEvent("wrong")] })).status).toBe(401);
      expect(
        (await call(bare, { key: false, headers: { "x-functions-key": "wrong" }, body: [gridEvent("w")] }))
          .status,
      ).toBe(401);
      expect((await call(bare, { body: [gridEvent("keyed-by-header")] })).status).toBe(202);
      expect(scratch.count("onEvent", "end")).toBe(before + 1);
      expect(scratch.entries().map((e) => e.key)).not.toContainEqual(expect.stringContaining("unkeyed"));
    }));

  it("accepts what EventGridPublisherClient sends, in both schemas", () =>
    withHostOutput(host, async () => {
      const credential = new AzureKeyCredential("local-key");
      const options = { allowInsecureConnection: true };
      const gridClient = new EventGridPublisherClient(webhook("onEvent"), "EventGrid", credential, options);
      const cloudClient = new EventGridPublisherClient(webhook("onEvent"), "CloudEvent", credential, options);
      // The host answers 202 Accepted, as the Functions host does; the publisher, which expects the
      // 200 of an Event Grid topic, reports that as a RestError with statusCode 202.
      const accepted = (error: { statusCode?: number }) => expect(error.statusCode).toBe(202);
      await gridClient
        .send([
          {
            eventType: "Catalog.SyncRequested",
            subject: "catalogs/main",
            dataVersion: "1",
            data: { catalog: "main" },
          },
        ])
        .catch(accepted);
      await cloudClient
        .send([{ type: "Catalog.SyncRequested", source: "/tests", data: { catalog: "second" } }])
        .catch(accepted);
      const published = received().filter((k) => k.includes("Catalog.SyncRequested"));
      expect(published).toHaveLength(2);
      expect(published[0]).toMatch(/^eventgrid:Catalog\.SyncRequested:.+:\{"catalog":"main"\}$/);
      expect(published[1]).toMatch(/^cloud:Catalog\.SyncRequested:.+:\{"catalog":"second"\}$/);
    }));

  it("answers 404 for an unknown or non-Event Grid function, 400 for bad input, 500 when the function fails", () =>
    withHostOutput(host, async () => {
      expect((await call(webhook("nope"), { body: [gridEvent("x")] })).status).toBe(404);
      expect((await call(webhook("getItem"), { body: [gridEvent("x")] })).status).toBe(404);
      expect((await call(webhook("onEvent"), { body: "{not json" })).status).toBe(400);
      const before = received().length;
      expect((await call(webhook("onEvent"), { body: [gridEvent("ok"), { id: "incomplete" }] })).status).toBe(
        400,
      );
      expect(received()).toHaveLength(before);
      const failing = await call(webhook("failingEvent"), {
        body: [{ ...gridEvent("f1"), subject: "fail" }],
      });
      expect(failing.status).toBe(500);
      expect((await call(webhook("failingEvent"), { body: [gridEvent("f2")] })).status).toBe(202);
      expect(
        scratch
          .entries()
          .filter((e) => e.fn === "failingEvent")
          .map((e) => e.key),
      ).toEqual(["f2"]);
    }));
});
