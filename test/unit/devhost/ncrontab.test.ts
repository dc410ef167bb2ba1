import { parseSchedule, ScheduleError } from "../../../dev/host/ncrontab";

const at = (iso: string) => new Date(iso);
const next = (expression: string, after: string) => parseSchedule(expression).next(at(after)).toISOString();

describe("NCRONTAB schedules", () => {
  it("reads six fields with seconds", () => {
    expect(next("0 */30 * * * *", "2030-05-01T10:14:59Z")).toBe("2030-05-01T10:30:00.000Z");
    expect(next("0 */30 * * * *", "2030-05-01T10:30:00Z")).toBe("2030-05-01T11:00:00.000Z");
    expect(next("* * * * * *", "2030-05-01T10:00:00.400Z")).toBe("2030-05-01T10:00:01.000Z");
    expect(next("*/15 * * * * *", "2030-05-01T10:00:44Z")).toBe("2030-05-01T10:00:45.000Z");
  });

  it("reads five fields as minute resolution", () => {
    expect(next("5 4 * * *", "2030-05-01T10:00:00Z")).toBe("2030-05-02T04:05:00.000Z");
  });

  it("supports ranges, lists, steps and names", () => {
    expect(next("0 0 9-17/4 * * *", "2030-05-01T10:00:00Z")).toBe("2030-05-01T13:00:00.000Z");
    expect(next("0 0 12 * * MON,FRI", "2030-05-01T13:00:00Z")).toBe("2030-05-03T12:00:00.000Z"); // a Friday
    expect(next("0 0 0 1 JAN *", "2030-05-01T00:00:00Z")).toBe("2031-01-01T00:00:00.000Z");
    expect(next("0 30 9 * * 1-5", "2030-05-04T00:00:00Z")).toBe("2030-05-06T09:30:00.000Z"); // Saturday → Monday
    expect(next("0 0 0 * * 7", "2030-05-01T00:00:00Z")).toBe("2030-05-05T00:00:00.000Z"); // 7 is Sunday
  });

  it("requires both the day of month and the day of week to match, as NCrontab does", () => {
    // The 13th that is a Friday.
    expect(next("0 0 0 13 * FRI", "2030-01-01T00:00:00Z")).toBe("2030-09-13T00:00:00.000Z");
  });

  it("handles month ends and leap days", () => {
    expect(next("0 0 0 31 * *", "2030-04-01T00:00:00Z")).toBe("2030-05-31T00:00:00.000Z");
    expect(next("0 0 0 29 2 *", "2030-01-01T00:00:00Z")).toBe("2032-02-29T00:00:00.000Z");
  });

  it("reads TimeSpan intervals", () => {
    expect(next("00:05:00", "2030-05-01T10:00:00Z")).toBe("2030-05-01T10:05:00.000Z");
    expect(next("1.00:00:00", "2030-05-01T10:00:00Z")).toBe("2030-05-02T10:00:00.000Z");
  });

  it("rejects malformed schedules", () => {
    expect(() => parseSchedule("* * *")).toThrow(ScheduleError);
    expect(() => parseSchedule("60 * * * * *")).toThrow("outside 0-59");
    expect(() => parseSchedule("0 0 0 * FOO *")).toThrow("not a valid month");
    expect(() => parseSchedule("0 0 5-1 * * *")).toThrow("backwards");
    expect(() => parseSchedule("0 */0 * * * *")).toThrow("bad step");
    expect(() => parseSchedule("00:00:00")).toThrow("positive");
    expect(() => parseSchedule("0 0 0 30 2 *").next(at("2030-01-01T00:00:00Z"))).toThrow("never occurs");
  });
});
