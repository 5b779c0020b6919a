// Who sees which screen, and each screen's own Alt+digit.
import { describe, expect, it } from "vitest";
import type { Duty } from "./bindings";
import { allows, homeScreen, SCREENS, shortcutDigit, shortcutTarget, visibleScreens } from "./screens";

// The duties the core gives each role (src-tauri/src/auth.rs, Duty::roles).
const CLERK: Duty[] = ["read", "issue", "check"];
const SUPERVISOR: Duty[] = ["read", "issue", "approve", "delegate", "check", "audit"];
const GATE_OFFICER: Duty[] = ["read", "check"];
const ADMIN: Duty[] = ["read", "administer", "audit"];
const ids = (duties: Duty[]) => visibleScreens(duties).map((s) => s.id);

describe("the menu by duty", () => {
  it("shows a supervisor every screen", () => {
    expect(ids(SUPERVISOR)).toEqual(SCREENS.map((s) => s.id));
  });

  it("shows a clerk the issuing screens and the gate, not the supervisor's", () => {
    expect(ids(CLERK)).toEqual(["queue", "card", "check", "encode", "handover", "gate", "sync", "settings"]);
  });

  it("shows a gate officer the records and the gate only", () => {
    expect(ids(GATE_OFFICER)).toEqual(["queue", "card", "gate", "sync", "settings"]);
  });

  it("shows an administrator the read-only screens", () => {
    expect(ids(ADMIN)).toEqual(["queue", "card", "sync", "settings"]);
  });

  it("shows a clerk with a delegation the supervisor screen", () => {
    expect(allows([...CLERK, "approve"], "supervisor")).toBe(true);
    expect(allows(CLERK, "supervisor")).toBe(false);
  });

  it("shows nothing to nobody", () => {
    expect(ids([])).toEqual([]);
    expect(allows([], "queue")).toBe(false);
  });

  it("keeps within Alt+1…9", () => {
    expect(SCREENS.length).toBeLessThanOrEqual(9);
  });
});

describe("Alt+digit", () => {
  it("opens the same screen whatever the role", () => {
    for (const duties of [CLERK, SUPERVISOR, GATE_OFFICER, ADMIN]) {
      expect(shortcutTarget(duties, "1")).toBe("queue");
      expect(shortcutTarget(duties, "8")).toBe("sync");
      expect(shortcutTarget(duties, "9")).toBe("settings");
    }
    for (const duties of [CLERK, SUPERVISOR, GATE_OFFICER]) expect(shortcutTarget(duties, "7")).toBe("gate");
    expect(shortcutTarget(SUPERVISOR, "5")).toBe("supervisor");
  });

  it("gives each screen its own digit, shown in the menu", () => {
    expect(SCREENS.map((s) => shortcutDigit(s.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(shortcutDigit("gate")).toBe(7);
  });

  it("opens nothing for a screen the user may not see, or for other keys", () => {
    expect(shortcutTarget(GATE_OFFICER, "3")).toBeNull();
    expect(shortcutTarget(CLERK, "5")).toBeNull();
    expect(shortcutTarget(ADMIN, "7")).toBeNull();
    expect(shortcutTarget(SUPERVISOR, "0")).toBeNull();
    expect(shortcutTarget(SUPERVISOR, "a")).toBeNull();
  });

  it("keeps the card screen's own hints right: queue Alt+1, check Alt+3, encode Alt+4 for whoever issues", () => {
    for (const duties of [CLERK, SUPERVISOR]) {
      expect(shortcutTarget(duties, "1")).toBe("queue");
      expect(shortcutTarget(duties, "3")).toBe("check");
      expect(shortcutTarget(duties, "4")).toBe("encode");
    }
  });
});

describe("the first screen after signing in", () => {
  it("is the gate for a gate officer and the queue for the others", () => {
    expect(homeScreen(GATE_OFFICER)).toBe("gate");
    expect(homeScreen(CLERK)).toBe("queue");
    expect(homeScreen(SUPERVISOR)).toBe("queue");
    expect(homeScreen(ADMIN)).toBe("queue");
  });
});
