// The language the UI speaks now, reactive: zh-TW unless the clerk switched
// (remembered in local storage). `t` reads it, so text re-renders on a switch.

import { translate, type Key, type Locale, type Params } from "./i18n";

const STORAGE_KEY = "pass-station.locale";

function initial(): Locale {
  return globalThis.localStorage?.getItem(STORAGE_KEY) === "en" ? "en" : "zh-TW";
}

export const language = $state({ locale: initial() });

export function t(key: Key, params?: Params): string {
  return translate(language.locale, key, params);
}

export function toggleLanguage(): void {
  language.locale = language.locale === "zh-TW" ? "en" : "zh-TW";
  globalThis.localStorage?.setItem(STORAGE_KEY, language.locale);
  document.documentElement.lang = language.locale;
}
