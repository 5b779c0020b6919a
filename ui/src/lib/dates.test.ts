// The ROC calendar helper: the office's dates must be right to the day.
import { describe, expect, it } from "vitest";
import { bothForms, gregorian, officeDay, officeTime, officeToday, parseDayInput, roc, rocYear } from "./dates";

describe("ROC dates", () => {
  it("counts ROC years from 1912", () => {
    expect(rocYear(2026)).toBe(115);
    expect(rocYear(1912)).toBe(1);
    expect(rocYear(1911)).toBeNull();
  });

  it("writes the Chinese and English forms", () => {
    const day = { year: 2026, month: 11, day: 22 };
    expect(roc(day, "zh-TW")).toBe("民國115年11月22日");
    expect(roc(day, "en")).toBe("ROC 115/11/22");
    expect(gregorian(day)).toBe("2026-11-22");
  });

  it("shows both forms of a pass's validity date", () => {
    expect(bothForms("2026-11-22", "zh-TW")).toBe("民國115年11月22日（2026-11-22）");
    expect(bothForms("2026-11-22", "en")).toBe("2026-11-22 (ROC 115/11/22)");
  });

  it("takes moments in office time, UTC+8", () => {
    // 16:30 UTC on 21 November is 00:30 on 22 November in Taiwan.
    expect(officeDay("2026-11-21T16:30:00Z")).toEqual({ year: 2026, month: 11, day: 22 });
    expect(officeTime("2026-11-21T16:30:00Z")).toBe("00:30");
    expect(bothForms("2026-11-21T16:30:00Z", "zh-TW")).toBe("民國115年11月22日（2026-11-22） 00:30");
  });

  it("leaves unreadable text as it is", () => {
    expect(bothForms("soon", "en")).toBe("soon");
    expect(officeDay("soon")).toBeNull();
    expect(officeTime("2026-11-22")).toBeNull();
  });

  it("keeps dates before the ROC Gregorian", () => {
    expect(roc({ year: 1900, month: 1, day: 2 }, "zh-TW")).toBe("1900-01-02");
  });
});

describe("days typed by people", () => {
  it("read the Gregorian and the ROC forms", () => {
    expect(parseDayInput("2026-11-22")).toBe("2026-11-22");
    expect(parseDayInput(" 2026/1/5 ")).toBe("2026-01-05");
    expect(parseDayInput("115/11/22")).toBe("2026-11-22");
    expect(parseDayInput("115-1-5")).toBe("2026-01-05");
    expect(parseDayInput("民國115年11月22日")).toBe("2026-11-22");
    expect(parseDayInput("115年2月3日")).toBe("2026-02-03");
  });

  it("refuse days that do not exist and other text", () => {
    expect(parseDayInput("2026-02-29")).toBeNull();
    expect(parseDayInput("2028-02-29")).toBe("2028-02-29");
    expect(parseDayInput("2026-13-01")).toBeNull();
    expect(parseDayInput("2026-11-31")).toBeNull();
    expect(parseDayInput("tomorrow")).toBeNull();
    expect(parseDayInput("")).toBeNull();
  });

  it("say today in office time", () => {
    // 23:30 UTC on 21 November is already 22 November in Taiwan.
    expect(officeToday(new Date("2026-11-21T23:30:00Z"))).toBe("2026-11-22");
    expect(officeToday(new Date("2026-11-22T15:59:00Z"))).toBe("2026-11-22");
  });
});
