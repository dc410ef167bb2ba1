import { CATALOG_SYNC_EVENT_TYPE, catalogSubject, parseSyncEvent } from "../../../src/catalog/events";

describe("parseSyncEvent", () => {
  it("reads the Event Grid schema", () => {
    const event = {
      id: "1",
      eventType: CATALOG_SYNC_EVENT_TYPE,
      subject: "/catalogs/samples",
      eventTime: "2026-01-01T00:00:00Z",
      dataVersion: "1.0",
      data: { catalog: "samples" },
    };
    expect(parseSyncEvent(event)).toEqual({ ok: true, id: "1", ref: { catalog: "samples" } });
  });

  it("reads CloudEvents, with data as an object or a JSON string", () => {
    const base = { specversion: "1.0", id: "2", source: "/devcenter", type: CATALOG_SYNC_EVENT_TYPE };
    expect(parseSyncEvent({ ...base, data: { project: "demo", catalog: "team" } })).toEqual({
      ok: true,
      id: "2",
      ref: { project: "demo", catalog: "team" },
    });
    expect(parseSyncEvent({ ...base, data: '{"catalog":"x"}' })).toMatchObject({
      ok: true,
      ref: { catalog: "x" },
    });
  });

  it("explains what is wrong with other events", () => {
    expect(parseSyncEvent({ eventType: "Other", data: {} })).toEqual({
      ok: false,
      message: `unexpected event type "Other"; expected ${CATALOG_SYNC_EVENT_TYPE}`,
    });
    expect(parseSyncEvent({ type: CATALOG_SYNC_EVENT_TYPE, data: { project: "p" } })).toMatchObject({
      ok: false,
    });
    expect(
      parseSyncEvent({ type: CATALOG_SYNC_EVENT_TYPE, data: { catalog: "c", project: 3 } }),
    ).toMatchObject({
      ok: false,
    });
    expect(parseSyncEvent({ type: CATALOG_SYNC_EVENT_TYPE, data: "{" })).toEqual({
      ok: false,
      message: "the event data is not JSON",
    });
    expect(parseSyncEvent(null)).toMatchObject({ ok: false });
  });

  it("names the subject after the catalog's route", () => {
    expect(catalogSubject({ catalog: "c" })).toBe("/catalogs/c");
    expect(catalogSubject({ project: "p", catalog: "c" })).toBe("/projects/p/catalogs/c");
  });
});
