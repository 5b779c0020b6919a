// The visible window of a virtualised list: only the rows on screen (and a
// few either side) are in the page, so 100,000 rows scroll like 20.

export interface Window {
  first: number;
  last: number;
  /** Space above the first rendered row, in px. */
  before: number;
  /** Space below the last rendered row, in px. */
  after: number;
}

/** Rows [first, last) to render for a viewport at `scrollTop` of `height` px. */
export function visibleWindow(count: number, rowHeight: number, scrollTop: number, height: number, overscan = 6): Window {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return { first, last: Math.max(first, last), before: first * rowHeight, after: Math.max(0, (count - last) * rowHeight) };
}

/** The scrollTop that brings row `index` into view, or null if it is visible already. */
export function scrollToShow(index: number, rowHeight: number, scrollTop: number, height: number): number | null {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + height) return top + rowHeight - height;
  return null;
}
