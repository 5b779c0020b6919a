// The virtual list renders a handful of rows, whatever the list's length.
import { describe, expect, it } from "vitest";
import { scrollToShow, visibleWindow } from "./virtual";

describe("visibleWindow", () => {
  it("renders only the rows on screen and the overscan", () => {
    const w = visibleWindow(100_000, 40, 400_000, 800, 5);
    expect(w.first).toBe(9995);
    expect(w.last).toBe(10025);
    expect(w.before).toBe(9995 * 40);
    expect(w.after).toBe((100_000 - 10025) * 40);
  });

  it("stays inside a short list", () => {
    expect(visibleWindow(3, 40, 0, 800)).toEqual({ first: 0, last: 3, before: 0, after: 0 });
    expect(visibleWindow(0, 40, 0, 800)).toEqual({ first: 0, last: 0, before: 0, after: 0 });
  });
});

describe("scrollToShow", () => {
  it("scrolls up or down only when needed", () => {
    expect(scrollToShow(0, 40, 200, 400)).toBe(0);
    expect(scrollToShow(20, 40, 0, 400)).toBe(440);
    expect(scrollToShow(5, 40, 0, 400)).toBeNull();
  });
});
