// The menu and who sees what: each screen with the duties that open it (any
// one of them), in menu order. Each screen has its own Alt+digit, the same
// whatever the role (a clerk and a supervisor both find the gate at Alt+7),
// shown next to it in the menu; a screen the user cannot see leaves its
// digit unused. Pure, so tests need no UI.

import type { Duty } from "./bindings";
import type { Key } from "./i18n";

export type Screen = "queue" | "card" | "check" | "encode" | "supervisor" | "handover" | "gate" | "sync" | "settings";

export interface ScreenEntry {
  id: Screen;
  label: Key;
  /** The screen shows when the user has any one of these duties. */
  needs: Duty[];
}

/** Every screen, in the order a card moves through the office. */
export const SCREENS: ScreenEntry[] = [
  { id: "queue", label: "nav.queue", needs: ["read"] },
  { id: "card", label: "nav.card", needs: ["read"] },
  { id: "check", label: "nav.check", needs: ["issue"] },
  { id: "encode", label: "nav.encode", needs: ["issue"] },
  { id: "supervisor", label: "nav.supervisor", needs: ["approve", "delegate"] },
  { id: "handover", label: "nav.handover", needs: ["issue"] },
  { id: "gate", label: "nav.gate", needs: ["check"] },
  { id: "sync", label: "nav.sync", needs: ["read"] },
  { id: "settings", label: "nav.settings", needs: ["read"] },
];

/** Whether a user with `duties` may open `screen`. */
export function allows(duties: readonly Duty[], screen: Screen): boolean {
  const entry = SCREENS.find((s) => s.id === screen);
  return entry !== undefined && entry.needs.some((duty) => duties.includes(duty));
}

/** The menu a user with `duties` sees, in order. */
export function visibleScreens(duties: readonly Duty[]): ScreenEntry[] {
  return SCREENS.filter((s) => s.needs.some((duty) => duties.includes(duty)));
}

/** The digit of `screen`'s Alt shortcut: its place among all screens, whoever is signed in. */
export function shortcutDigit(screen: Screen): number {
  return SCREENS.findIndex((s) => s.id === screen) + 1;
}

/** The screen Alt+`digit` opens for `duties`, or null when that screen is not theirs. */
export function shortcutTarget(duties: readonly Duty[], digit: string): Screen | null {
  if (!/^[1-9]$/.test(digit)) return null;
  const entry = SCREENS[Number(digit) - 1];
  return entry && allows(duties, entry.id) ? entry.id : null;
}

/** Where a user starts after signing in: the gate for someone who only checks cards, else the queue. */
export function homeScreen(duties: readonly Duty[]): Screen {
  if (duties.includes("check") && !duties.includes("issue") && !duties.includes("approve")) return "gate";
  return visibleScreens(duties)[0]?.id ?? "queue";
}
