// What the hand-over form sends about the person at the counter: the ID
// document they show, and the pick-up codes they bring. Pure, so tests need
// no UI; whether the person may take a card is the core's to decide.

import type { CardEntitlement, IdDocument } from "./bindings";

export type DocumentKind = IdDocument["kind"];
export const DOCUMENT_KINDS: DocumentKind[] = ["national_id", "resident_certificate", "passport"];

/** The document as typed; a passport names its issuing country. */
export function idDocument(kind: DocumentKind, number: string, country: string): IdDocument {
  const n = number.trim();
  return kind === "passport" ? { kind, country: country.trim(), number: n } : { kind, number: n };
}

/**
 * The pick-up codes in the text the clerk scanned, typed or pasted: one per
 * line, each from its `PK1:` on (a whole SMS pasted gives its code), with the
 * spaces of a code typed in groups taken out.
 */
export function pickupCodes(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => {
      const at = line.toUpperCase().indexOf("PK1:");
      return (at >= 0 ? line.slice(at) : line).replace(/\s+/g, "");
    })
    .filter((code) => code.length > 0);
}

/** The cards the recipient has no right to take: a supervisor must approve them. */
export function needingApproval(cards: readonly CardEntitlement[]): string[] {
  return cards.filter((card) => card.entitlement === null).map((card) => card.pass_id);
}
