// The supervisor's view of an office day: what the counts typed at the
// counter mean, which clerk's spoils stand out, and the chart's series. The
// figures themselves come from the core (`office_day_report`, `recent_days`);
// this only reads them. Pure, so tests need no UI.

import type { ClerkDay, DayFigures } from "./bindings";

/** A count of cards typed by a person: a whole number from 0, or null when it is not one. */
export function parseCount(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,7}$/.test(trimmed)) return null;
  return Number(trimmed);
}

/** Counted less expected: what the closing would flag (0 balances). */
export function hopperDifference(expected: number, counted: number): number {
  return counted - expected;
}

/** Whether a clerk's spoil rate is above the office's 30-day average: the supervisor looks at it. */
export function spoilsAboveAverage(clerk: ClerkDay, officeRate: number | null): boolean {
  return clerk.spoil_rate !== null && officeRate !== null && clerk.spoil_rate > officeRate;
}

/** A rate in percent as people read it: one decimal, or a dash when there is none. */
export function percent(rate: number | null): string {
  return rate === null ? "–" : `${rate.toFixed(1)}%`;
}

/** The chart's labels (month-day) and its two series, oldest day first. */
export function chartSeries(days: readonly DayFigures[]): { labels: string[]; printed: number[]; spoiled: number[] } {
  return {
    labels: days.map((d) => d.day.slice(5)),
    printed: days.map((d) => d.printed),
    spoiled: days.map((d) => d.spoiled),
  };
}

/** The days' totals, for the table's last row. */
export function totals(days: readonly DayFigures[]): { printed: number; spoiled: number } {
  return days.reduce((sum, d) => ({ printed: sum.printed + d.printed, spoiled: sum.spoiled + d.spoiled }), {
    printed: 0,
    spoiled: 0,
  });
}
