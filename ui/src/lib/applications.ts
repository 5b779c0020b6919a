// Small rules of the queue and hand-over screens when an application (a
// company's request, such as a crew of temporary passes) is worked as a unit.
// Pure, so tests need no UI; which cards may go is the core's to decide.

import type { PrintOutcome, Waiting } from "./bindings";

/** How far a print batch is: the cards of the batch done (printed or not), out of the cards selected for it. */
export function batchProgress(
  batch: readonly string[],
  progress: Readonly<Record<string, PrintOutcome>>,
): { done: number; total: number } {
  const done = batch.filter((id) => progress[id] && progress[id].stage !== "printing").length;
  return { done, total: batch.length };
}

/** The selection with an application's printable items added (the queue's "select to print"). */
export function withPrintable(selected: ReadonlySet<string>, printable: readonly string[]): Set<string> {
  return new Set([...selected, ...printable]);
}

/** The pass numbers of an application's cards waiting for pick-up, in the list's order. */
export function applicationCards(waiting: readonly Waiting[], applicationId: string): string[] {
  return waiting.filter((w) => w.application_id === applicationId).map((w) => w.pass_id);
}

/**
 * The cards to hand over after the clerk picks one: added when it is of the
 * same application as those chosen, else the start of a new choice (one
 * representative takes one application's cards); a card already chosen stays.
 */
export function chooseCard(chosen: readonly string[], waiting: readonly Waiting[], passId: string): string[] {
  const card = waiting.find((w) => w.pass_id === passId);
  if (!card) return [...chosen];
  if (chosen.includes(passId)) return [...chosen];
  const first = waiting.find((w) => w.pass_id === chosen[0]);
  return first && first.application_id === card.application_id ? [...chosen, passId] : [passId];
}

/** The chosen cards still waiting (after the list is reloaded), in their order. */
export function stillWaiting(chosen: readonly string[], waiting: readonly Waiting[]): string[] {
  return chosen.filter((id) => waiting.some((w) => w.pass_id === id));
}
