// The status bar's short forms: a moment as its time alone when it is today
// (office time), and an age in the largest whole unit. The bar shows these;
// its tooltips carry the full dates. Pure, so tests need no UI.

import { officeDay, officeTime, officeToday, gregorian } from "./dates";

/** `14:05` for a moment today, `11-22 14:05` for another day (office time); the text itself if unreadable. */
export function shortMoment(text: string, now: Date = new Date()): string {
  const day = officeDay(text);
  const time = officeTime(text);
  if (!day || !time) return text;
  const date = gregorian(day);
  return date === officeToday(now) ? time : `${date.slice(5)} ${time}`;
}

/** How old a moment is, in the largest whole unit: minutes under an hour, hours under two days, else days. */
export function age(text: string, now: Date = new Date()): { n: number; unit: "minutes" | "hours" | "days" } | null {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const minutes = Math.max(0, Math.floor((now.getTime() - ms) / 60_000));
  if (minutes < 60) return { n: minutes, unit: "minutes" };
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return { n: hours, unit: "hours" };
  return { n: Math.floor(hours / 24), unit: "days" };
}

/** Whether a hotlist issued at `text` is older than `maxHours`, as verdicts warn. */
export function isStale(text: string, maxHours: number, now: Date = new Date()): boolean {
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && now.getTime() - ms > maxHours * 3_600_000;
}
