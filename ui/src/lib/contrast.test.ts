// Every text and background pair the stylesheet uses meets WCAG AA (4.5:1),
// read from app.css itself so a changed colour cannot slip by.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { contrast } from "./contrast";

const css = readFileSync(new URL("../app.css", import.meta.url), "utf8");
const colour = (name: string): string => {
  const found = new RegExp(`--${name}:\\s*(#[0-9a-f]{6})`, "i").exec(css);
  if (!found) throw new Error(`app.css defines no --${name}`);
  return found[1];
};

describe("colour contrast", () => {
  const white = "#ffffff";
  const pairs: [string, string, string][] = [
    ["body text", colour("ink"), colour("paper")],
    ["muted text", colour("muted"), colour("paper")],
    ["muted text on panels", colour("muted"), colour("panel")],
    ["text on panels", colour("ink"), colour("panel")],
    ["primary buttons, current menu item", white, colour("accent")],
    ["valid verdicts", white, colour("ok")],
    ["refusals and errors", white, colour("bad")],
    ["red text", colour("bad"), colour("paper")],
    ["status bar", white, colour("ink")],
    ["active queue row", colour("ink"), "#dcebf3"],
    ["error notes", colour("ink"), "#fbeaea"],
    ["demo badge, gate warnings and warning banners", colour("ink"), "#f2b134"],
    ["danger buttons, red banners", white, colour("bad")],
  ];
  for (const [what, fg, bg] of pairs) {
    it(`${what}: ${fg} on ${bg}`, () => {
      expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
    });
  }

  it("computes the known extremes", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#777777", "#777777")).toBe(1);
  });
});
