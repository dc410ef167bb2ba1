import { describe as describeFigure, meets, percentile, spread } from "../../../bench/measure";

describe("bench figures", () => {
  it("gives min, median and max of odd and even counts", () => {
    expect(spread([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, max: 4 });
    expect(() => spread([])).toThrow("no values");
  });

  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  it("holds a figure to its ratio against the reference's median", () => {
    const figure = {
      label: "deploy",
      unit: "s",
      values: [2.3, 2.2, 2.5],
      reference: { label: "bare", values: [2, 2, 2] },
      target: { maxRatio: 1.15 },
    };
    expect(meets(figure)).toBe(true);
    expect(meets({ ...figure, values: [2.4, 2.4, 2.4] })).toBe(false);
    expect(describeFigure(figure)).toBe(
      "deploy: 2.20/2.30/2.50 s (min/median/max of 3); vs bare 2.00/2.00/2.00 s: ratio 1.15; target ratio ≤ 1.15: met",
    );
  });

  it("holds a figure to absolute bounds and says when it has no target", () => {
    expect(meets({ label: "p99", unit: "ms", values: [10, 30, 12], target: { max: 20 } })).toBe(true);
    expect(meets({ label: "rps", unit: "req/s", values: [150, 190, 210], target: { min: 200 } })).toBe(false);
    expect(meets({ label: "x", unit: "s", values: [1] })).toBeUndefined();
    expect(meets({ label: "x", unit: "s", values: [1], target: { maxRatio: 2 } })).toBe(false);
  });
});
