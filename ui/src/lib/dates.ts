// Dates as the card office reads them: the ROC (Minguo) calendar, whose year
// is the Gregorian year minus 1911, beside the Gregorian date. Times are shown
// in office time (Taiwan, UTC+8, no daylight saving), whatever the machine's
// own zone, so every station shows the same day for the same moment.

import type { Locale } from "./i18n";

/** The year the ROC calendar counts from: ROC year 1 is 1912. */
const ROC_OFFSET = 1911;
/** Taiwan's offset from UTC, in minutes. */
const OFFICE_OFFSET_MINUTES = 8 * 60;

/** A calendar day, without a zone. */
export interface Day {
  year: number;
  month: number;
  day: number;
}

/** The ROC year of a Gregorian year (2026 → 115). Years before 1912 have none. */
export function rocYear(gregorianYear: number): number | null {
  const year = gregorianYear - ROC_OFFSET;
  return year >= 1 ? year : null;
}

/** A day from an ISO date (`2026-11-22`) or an RFC 3339 moment, in office time; null if unreadable. */
export function officeDay(text: string): Day | null {
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (dateOnly) {
    return { year: Number(dateOnly[1]), month: Number(dateOnly[2]), day: Number(dateOnly[3]) };
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const shifted = new Date(ms + OFFICE_OFFSET_MINUTES * 60_000);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** The hour and minute of an RFC 3339 moment in office time, `09:05`; null for a date alone or unreadable text. */
export function officeTime(text: string): string | null {
  if (!text.includes("T")) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const shifted = new Date(ms + OFFICE_OFFSET_MINUTES * 60_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** `2026-11-22`. */
export function gregorian(day: Day): string {
  return `${day.year}-${pad2(day.month)}-${pad2(day.day)}`;
}

/** `民國115年11月22日` in Chinese, `ROC 115/11/22` in English; the Gregorian form before 1912. */
export function roc(day: Day, locale: Locale): string {
  const year = rocYear(day.year);
  if (year === null) return gregorian(day);
  return locale === "zh-TW"
    ? `民國${year}年${day.month}月${day.day}日`
    : `ROC ${year}/${pad2(day.month)}/${pad2(day.day)}`;
}

/** Both forms, as the office writes them: `民國115年11月22日（2026-11-22）`; the text itself if unreadable. */
export function bothForms(text: string, locale: Locale): string {
  const day = officeDay(text);
  if (!day) return text;
  const time = officeTime(text);
  const both = locale === "zh-TW" ? `${roc(day, locale)}（${gregorian(day)}）` : `${gregorian(day)} (${roc(day, locale)})`;
  return time ? `${both} ${time}` : both;
}

/** Today in office time, `2026-11-22`. */
export function officeToday(now: Date = new Date()): string {
  const day = officeDay(now.toISOString());
  return day ? gregorian(day) : now.toISOString().slice(0, 10);
}

/**
 * A day typed by a person, as `2026-11-22`: the Gregorian form (`2026-11-22`,
 * `2026/11/22`) or the ROC one (`115/11/22`, `115-11-22`, `民國115年11月22日`);
 * null if it is neither or no such day exists.
 */
export function parseDayInput(text: string): string | null {
  const trimmed = text.trim();
  const numeric = /^(\d{2,4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(trimmed);
  const chinese = /^(?:民國)?(\d{2,3})年(\d{1,2})月(\d{1,2})日$/.exec(trimmed);
  const found = numeric ?? chinese;
  if (!found) return null;
  let year = Number(found[1]);
  if (found[1].length < 4) year += ROC_OFFSET;
  const month = Number(found[2]);
  const day = Number(found[3]);
  if (year < 1912 || month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return gregorian({ year, month, day });
}
