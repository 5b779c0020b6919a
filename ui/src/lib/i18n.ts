// Translation: two catalogues (zh-TW by default, en by the switch) and a
// lookup that fills `{name}` placeholders. Pure functions, so tests need no UI;
// the reactive current language lives in locale.svelte.ts.

import { en } from "./locales/en";
import { zhTW } from "./locales/zh-TW";

export type Locale = "zh-TW" | "en";
export type Key = keyof typeof zhTW;
export type Params = Record<string, string | number>;

export const catalogues: Record<Locale, Record<Key, string>> = { "zh-TW": zhTW, en };

/** `{name}`, or `{name|one form|other form}` where `#` in a form is the number. */
const PLACEHOLDER = /\{(\w+)(?:\|([^|}]*)\|([^|}]*))?\}/g;

/**
 * The text of `key` in `locale`, with `{name}` replaced by `params.name`, and
 * `{n|# card|# cards}` by the form the language's plural rules pick for `n`
 * (Chinese has one form, so its catalogue writes plain `{n}`). A key
 * built from a value the core added later (a new role, state or reason) that
 * no catalogue names yet shows as the key itself rather than breaking the screen.
 */
export function translate(locale: Locale, key: Key, params: Params = {}): string {
  return (catalogues[locale][key] ?? key).replace(PLACEHOLDER, (whole, name: string, one?: string, other?: string) => {
    if (!(name in params)) return whole;
    const value = params[name];
    if (one === undefined || other === undefined) return String(value);
    const form = new Intl.PluralRules(locale).select(Number(value)) === "one" ? one : other;
    return form.replaceAll("#", String(value));
  });
}

/** The placeholders a text uses, each once, sorted: both languages must use the same. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))].sort();
}

/** Whether `key` names a catalogue entry (for keys built from the core's values, like states). */
export function isKey(key: string): key is Key {
  return key in zhTW;
}
