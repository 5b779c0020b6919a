// Small rules of the issuing screens, pure so tests need no UI.

import type { CardState, Waiting } from "./api";

/** The states in which the office holds a physical card a clerk may spoil (a misprint, a dead chip, damage). */
export const SPOILABLE: CardState[] = ["printed", "print_verified", "encoded", "released"];

/** Whether a card in `state` may be spoiled at the counter. */
export function canSpoil(state: CardState): boolean {
  return SPOILABLE.includes(state);
}

/** Cards waiting for their holders, longest waiting first (ties by release time, then pass number). */
export function oldestFirst(waiting: readonly Waiting[]): Waiting[] {
  return [...waiting].sort(
    (a, b) =>
      b.days_waiting - a.days_waiting ||
      a.released_at.localeCompare(b.released_at) ||
      a.pass_id.localeCompare(b.pass_id),
  );
}

/** Whether a reason (void, spoil, reprint) says something: the core refuses empty ones. */
export function hasReason(reason: string): boolean {
  return reason.trim() !== "";
}
