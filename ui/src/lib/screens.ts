// The menu and who sees what: each screen with the duties that open it (any
// one of them), in menu order. Alt+1… follow the entries a user can see, so
// the shortcuts always match the menu on screen. Pure, so tests need no UI.

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

/** The menu a user with `duties` sees, in order: its first entry is Alt+1. */
export function visibleScreens(duties: readonly Duty[]): ScreenEntry[] {
  return SCREENS.filter((s) => s.needs.some((duty) => duties.includes(duty)));
}

/** The screen Alt+`digit` opens for `duties`, or null when the menu has no such entry. */
export function shortcutTarget(duties: readonly Duty[], digit: string): Screen | null {
  if (!/^[1-9]$/.test(digit)) return null;
  return visibleScreens(duties)[Number(digit) - 1]?.id ?? null;
}

/** Where a user starts after signing in: the gate for someone who only checks cards, else the queue. */
export function homeScreen(duties: readonly Duty[]): Screen {
  if (duties.includes("check") && !duties.includes("issue") && !duties.includes("approve")) return "gate";
  return visibleScreens(duties)[0]?.id ?? "queue";
}
