import { contentRange, resolveRange } from "../../../src/api/ranges";

describe("resolveRange", () => {
  it("serves the whole without a Range header", () => {
    expect(resolveRange(null, 100)).toEqual({ kind: "whole" });
    expect(resolveRange(undefined, 0)).toEqual({ kind: "whole" });
  });

  it("serves one range, its end clipped to the size", () => {
    expect(resolveRange("bytes=0-9", 100)).toEqual({ kind: "part", start: 0, end: 10 });
    expect(resolveRange("bytes=90-200", 100)).toEqual({ kind: "part", start: 90, end: 100 });
    expect(resolveRange("bytes=99-99", 100)).toEqual({ kind: "part", start: 99, end: 100 });
    expect(resolveRange("bytes=40-", 100)).toEqual({ kind: "part", start: 40, end: 100 });
    expect(resolveRange(" Bytes = 1 - 2 ", 100)).toEqual({ kind: "part", start: 1, end: 3 });
  });

  it("serves bytes=-N as the last N bytes, all of them when N is larger", () => {
    expect(resolveRange("bytes=-10", 100)).toEqual({ kind: "part", start: 90, end: 100 });
    expect(resolveRange("bytes=-1000", 100)).toEqual({ kind: "part", start: 0, end: 100 });
  });

  it("is unsatisfiable when the range starts at or past the end, or asks for no bytes", () => {
    expect(resolveRange("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRange("bytes=150-160", 100)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRange("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
    expect(resolveRange("bytes=-5", 0)).toEqual({ kind: "unsatisfiable" });
  });

  it("ignores what it does not serve: other units, several ranges, bad syntax", () => {
    for (const header of [
      "items=0-5",
      "bytes=0-1,4-5",
      "bytes=5-2",
      "bytes=-",
      "bytes=a-b",
      "bytes=0-99999999999999999999",
      "",
    ]) {
      expect(resolveRange(header, 100)).toEqual({ kind: "whole" });
    }
  });
});

describe("contentRange", () => {
  it("names the last byte, inclusive, and the size", () => {
    expect(contentRange(0, 10, 100)).toBe("bytes 0-9/100");
    expect(contentRange(90, 100, 100)).toBe("bytes 90-99/100");
  });
});
