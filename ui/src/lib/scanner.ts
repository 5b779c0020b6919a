// Barcode and QR scanners that type as a keyboard: they send a burst of keys
// far faster than a person types, ending with Enter. ScanBuffer recognises
// such a burst anywhere in the window (focus need not be in the search box),
// and classify() says whether typed text is a credential or a pass number.

/** Keys closer together than this (ms) belong to one scan; people type slower. */
export const SCAN_GAP_MS = 40;
/** A burst shorter than this is a person typing fast, not a scan. */
export const SCAN_MIN_LENGTH = 8;

export type Scanned = { kind: "credential"; text: string } | { kind: "pass"; passId: string } | { kind: "text"; text: string };

/** A credential's QR text: `PP2:`, or `PP1:` on cards printed before it. */
const CREDENTIAL = /^PP[12]:/i;

/** A pass number as central issues them: office code, year, serial (`KEL-2026-000001`). */
const PASS_NUMBER = /^[A-Z]{3}-\d{4}-\d{6}$/;

export function classify(typed: string): Scanned {
  const text = typed.trim();
  if (CREDENTIAL.test(text)) return { kind: "credential", text };
  if (PASS_NUMBER.test(text.toUpperCase())) return { kind: "pass", passId: text.toUpperCase() };
  return { kind: "text", text };
}

/**
 * Outside a text field nobody types a credential by hand, so there keys may
 * come slower than a burst (a busy window delays them) and still be a scan:
 * a `PP2:` text ended by Enter, with no pause longer than this (ms).
 */
export const LOOSE_GAP_MS = 5000;

/** Collects keys; returns the scanned text when a scan ends with Enter. */
export class ScanBuffer {
  private text = "";
  private last = -Infinity;
  private loose = "";
  private looseLast = -Infinity;

  /**
   * Feeds one key press at `at` ms; returns the scan when `key` is Enter
   * ending a fast burst, or (with `inField` false: the key went to no text
   * field) ending a credential's text.
   */
  feed(key: string, at: number, inField = true): string | null {
    if (at - this.last > SCAN_GAP_MS) this.text = "";
    this.last = at;
    if (inField || at - this.looseLast > LOOSE_GAP_MS) this.loose = "";
    this.looseLast = at;
    if (key === "Enter") {
      const burst = this.text;
      const loose = this.loose;
      this.text = this.loose = "";
      // A credential typed outside any field is taken whole, even when only
      // its tail came in one fast burst (a busy window delivers keys in clumps).
      if (classify(loose).kind === "credential") return loose;
      return burst.length >= SCAN_MIN_LENGTH ? burst : null;
    }
    if (key.length === 1) {
      this.text += key;
      if (!inField) this.loose += key;
    }
    return null;
  }

  /** Whether a credential's text is coming in outside any field: its keys (a space) must not scroll the page. */
  scanning(): boolean {
    return CREDENTIAL.test(this.loose);
  }
}

/** Whether a key press went to a field that takes text (so typing there is the field's). */
export function inTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * Where a scanned credential goes: to the screen that takes scans itself (the
 * supervisor's seal check reads the card's QR), or, when none does, the app
 * opens the card it names.
 */
export class ScanRoute {
  private taker: ((credential: string) => void) | null = null;

  /** Sends scanned credentials to `taker` until the returned function is called. */
  take(taker: (credential: string) => void): () => void {
    this.taker = taker;
    return () => {
      if (this.taker === taker) this.taker = null;
    };
  }

  /** Hands a scanned credential to the screen taking scans; false when none does. */
  deliver(credential: string): boolean {
    if (!this.taker) return false;
    this.taker(credential);
    return true;
  }
}

export const scanRoute = new ScanRoute();

/** A field's text when a scanner typed a credential into it (`PP2:…`), else null. */
export function typedCredential(value: string): string | null {
  const scanned = classify(value);
  return scanned.kind === "credential" ? scanned.text : null;
}
