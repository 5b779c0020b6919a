// The app's shared state: which screen is open, which card is in hand, and
// the station status the status bar shows. Screens are listed once here with
// their shortcuts; the workflow screens to come (sign-in, supervisor,
// hand-over, gate) join this list when their core commands exist.

import { api, asCommandError, type CommandError, type StationStatus } from "./api";
import type { Key } from "./i18n";

export type Screen = "queue" | "card" | "check" | "encode" | "sync" | "settings";

/** The menu, in order: Alt+1 opens the first. */
export const SCREENS: { id: Screen; label: Key }[] = [
  { id: "queue", label: "nav.queue" },
  { id: "card", label: "nav.card" },
  { id: "check", label: "nav.check" },
  { id: "encode", label: "nav.encode" },
  { id: "sync", label: "nav.sync" },
  { id: "settings", label: "nav.settings" },
];

export const app = $state({
  screen: "queue" as Screen,
  /** The card the clerk is working on, shared by the card, check and encode screens. */
  passId: null as string | null,
  status: null as StationStatus | null,
});

export function open(screen: Screen, passId?: string): void {
  if (passId !== undefined) app.passId = passId;
  app.screen = screen;
}

/** Fetches the status again (after any event that may change it). */
export async function refreshStatus(): Promise<void> {
  try {
    app.status = await api.status();
  } catch {
    // The status bar keeps what it showed; the screen that failed says why.
  }
}

/** Runs a step on card `passId` (check, encode): done, it becomes the card in hand and the status is fetched again. */
export async function cardStep<T>(passId: string, step: () => Promise<T>): Promise<{ result: T | null; error: CommandError | null }> {
  try {
    const result = await step();
    app.passId = passId;
    void refreshStatus();
    return { result, error: null };
  } catch (error) {
    return { result: null, error: asCommandError(error) };
  }
}
