// Small rules of the issuing screens, pure so tests need no UI.

import type { Waiting } from "./bindings";

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
