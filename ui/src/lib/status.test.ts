// The status bar's short forms.
import { describe, expect, it } from "vitest";
import { age, isStale, shortMoment } from "./status";

const NOW = new Date("2026-12-01T06:00:00Z"); // 14:00 office time

describe("short moments", () => {
  it("shows the time alone for today, in office time", () => {
    expect(shortMoment("2026-12-01T05:05:00Z", NOW)).toBe("13:05");
  });

  it("adds the month and day for another day", () => {
    expect(shortMoment("2026-11-30T05:05:00Z", NOW)).toBe("11-30 13:05");
    // 23:30 UTC on 30 November is already 1 December in Taiwan.
    expect(shortMoment("2026-11-30T23:30:00Z", NOW)).toBe("07:30");
  });
});

describe("ages", () => {
  it("counts in the largest whole unit", () => {
    expect(age("2026-12-01T05:15:00Z", NOW)).toEqual({ n: 45, unit: "minutes" });
    expect(age("2026-11-30T06:00:00Z", NOW)).toEqual({ n: 24, unit: "hours" });
    expect(age("2026-11-27T06:00:00Z", NOW)).toEqual({ n: 4, unit: "days" });
    expect(age("not a date", NOW)).toBeNull();
  });

  it("calls a hotlist stale past its maximum age", () => {
    expect(isStale("2026-11-30T05:00:00Z", 24, NOW)).toBe(true);
    expect(isStale("2026-11-30T07:00:00Z", 24, NOW)).toBe(false);
  });
});
