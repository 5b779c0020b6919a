// Translation: two catalogues (zh-TW by default, en by the switch) and a
// lookup that fills `{name}` placeholders. Pure functions, so tests need no UI;
// the reactive current language lives in locale.svelte.ts.

import { en } from "./locales/en";
import { zhTW } from "./locales/zh-TW";

export type Locale = "zh-TW" | "en";
export type Key = keyof typeof zhTW;
export type Params = Record<string, string | number>;

export const catalogues: Record<Locale, Record<Key, string>> = { "zh-TW": zhTW, en };

/**
 * The text of `key` in `locale`, with `{name}` replaced by `params.name`. A key
 * built from a value the core added later (a new role, state or reason) that
 * no catalogue names yet shows as the key itself rather than breaking the screen.
 */
export function translate(locale: Locale, key: Key, params: Params = {}): string {
  return (catalogues[locale][key] ?? key).replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The placeholders a text uses, sorted: both languages must use the same. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

/** Whether `key` names a catalogue entry (for keys built from the core's values, like states). */
export function isKey(key: string): key is Key {
  return key in zhTW;
}
