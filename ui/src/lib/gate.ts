// What the gate screen shows, built from the gate's events: the last verdict
// and the standing banners (no trust list, offline, camera or readers
// stopped, a card that could not be read). Pure, so tests need no UI.

import type { GateEventView, VerdictView } from "./bindings";
import { isKey, type Key, type Locale } from "./i18n";

/** What a gate event of `kind` carries besides its tag. */
type GateEventOf<K extends GateEventView["kind"]> = Omit<Extract<GateEventView, { kind: K }>, "kind">;

export interface GateView {
  verdict: VerdictView | null;
  /** The station has never had a trust list: every card is refused until a refresh works. */
  noTrustList: boolean;
  offline: GateEventOf<"offline"> | null;
  cameraStopped: string | null;
  readersStopped: string | null;
  /** The gate stopped by itself (a check could not be logged): why. */
  failed: string | null;
  /** The last card the readers could not read, until the next verdict. */
  unreadable: GateEventOf<"card_unreadable"> | null;
  /** When the trust data was last refreshed while the screen was open (RFC 3339). */
  refreshedAt: string | null;
  /** Verdicts since the gate started: tells one verdict from the next when they look alike. */
  verdicts: number;
}

export const EMPTY_GATE: GateView = {
  verdict: null,
  noTrustList: false,
  offline: null,
  cameraStopped: null,
  readersStopped: null,
  failed: null,
  unreadable: null,
  refreshedAt: null,
  verdicts: 0,
};

/** The view after `event`, which arrived at `now` (RFC 3339). */
export function applyGateEvent(view: GateView, event: GateEventView, now: string): GateView {
  switch (event.kind) {
    case "verdict":
      return { ...view, verdict: event, unreadable: null, verdicts: view.verdicts + 1 };
    case "no_trust_list":
      return { ...view, noTrustList: true };
    case "trust_refreshed":
      return { ...view, noTrustList: false, offline: null, refreshedAt: now };
    case "offline":
      return { ...view, offline: { since: event.since, last_refreshed: event.last_refreshed, detail: event.detail } };
    case "card_unreadable":
      // The card now in front of the officer is not the last one judged: no old verdict stays up.
      return { ...view, verdict: null, unreadable: { reader: event.reader, detail: event.detail } };
    case "camera_stopped":
      return { ...view, cameraStopped: event.detail };
    case "readers_stopped":
      return { ...view, readersStopped: event.detail };
    case "failed":
      // No verdict from a stopped gate may stay on screen as if current.
      return { ...view, failed: event.detail, verdict: null };
    default:
      return view;
  }
}

/** The verdict's reason (or "admit") in the language on screen. */
export function verdictMessage(verdict: VerdictView, locale: Locale): string {
  return locale === "zh-TW" ? verdict.message_zh : verdict.message_en;
}

/** The verdict's warnings in the language on screen. */
export function warningTexts(verdict: VerdictView, locale: Locale): string[] {
  return verdict.warnings.map((w) => (locale === "zh-TW" ? w.zh : w.en));
}

/** The catalogue key of a check's outcome code (`valid`, `expired`…), or null for a code the UI does not know. */
export function outcomeKey(outcome: string): Key | null {
  const key = `gate.outcome.${outcome}`;
  return isKey(key) ? key : null;
}

/** The view after a card presented by hand (scanner text, a photo) could not be read: no old verdict stays up. */
export function readFailed(view: GateView): GateView {
  return { ...view, verdict: null };
}

/** The port a gate starts with: the one typed, else none (the core then skips the port check). */
export function gatePort(text: string): string | null {
  const port = text.trim().toUpperCase();
  return port === "" ? null : port;
}
