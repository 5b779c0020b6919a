// The supervisor's day: counts typed, spoils that stand out, the chart's series.
import { describe, expect, it } from "vitest";
import type { ClerkDay, DayFigures } from "./bindings";
import { chartSeries, hopperDifference, parseCount, percent, spoilsAboveAverage, totals } from "./officeDay";

describe("a count typed at the counter", () => {
  it("is a whole number from 0, spaces forgiven", () => {
    expect(parseCount(" 37 ")).toBe(37);
    expect(parseCount("0")).toBe(0);
  });
  it("is refused when it is not one", () => {
    for (const text of ["", "-1", "3.5", "十", "12a", "99999999"]) expect(parseCount(text)).toBeNull();
  });
});

describe("the hopper's count", () => {
  it("balances at 0, and says which way it is off", () => {
    expect(hopperDifference(40, 40)).toBe(0);
    expect(hopperDifference(40, 37)).toBe(-3);
    expect(hopperDifference(40, 41)).toBe(1);
  });
});

describe("a clerk's spoils", () => {
  const clerk = (spoil_rate: number | null): ClerkDay => ({ clerk: "c", printed: 10, spoiled: 1, handed_over: 0, spoil_rate });
  it("stand out only above the office's average", () => {
    expect(spoilsAboveAverage(clerk(12.5), 4.0)).toBe(true);
    expect(spoilsAboveAverage(clerk(4.0), 4.0)).toBe(false);
    expect(spoilsAboveAverage(clerk(null), 4.0)).toBe(false);
    expect(spoilsAboveAverage(clerk(3), null)).toBe(false);
  });
  it("read as a percent with one decimal, or a dash", () => {
    expect(percent(12.5)).toBe("12.5%");
    expect(percent(0)).toBe("0.0%");
    expect(percent(null)).toBe("–");
  });
});

describe("the last days", () => {
  const days: DayFigures[] = [
    { day: "2026-11-30", printed: 12, spoiled: 1 },
    { day: "2026-12-01", printed: 0, spoiled: 0 },
    { day: "2026-12-02", printed: 7, spoiled: 2 },
  ];
  it("chart oldest first, labelled by month and day", () => {
    expect(chartSeries(days)).toEqual({ labels: ["11-30", "12-01", "12-02"], printed: [12, 0, 7], spoiled: [1, 0, 2] });
  });
  it("add up", () => {
    expect(totals(days)).toEqual({ printed: 19, spoiled: 3 });
    expect(totals([])).toEqual({ printed: 0, spoiled: 0 });
  });
});
