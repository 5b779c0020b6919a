// The live camera's numbers as the screen sees them: frames drawn a second
// in the preview, and the time from a frame's capture to its verdict on
// screen. Pure, so tests need no UI; the check-print and gate screens feed
// them, the status line shows them, and the benchmark reads them from
// `window.__passStationCamera`.

/** Frames drawn in the last second, from the times they were drawn (ms). */
export class FrameMeter {
  private times: number[] = [];

  /** Notes a frame drawn at `at` (ms); gives the frames a second now. */
  drawn(at: number): number {
    this.times.push(at);
    return this.rate(at);
  }

  /** Frames drawn in the second before `now`. */
  rate(now: number): number {
    while (this.times.length > 0 && (this.times[0] ?? now) <= now - 1000) this.times.shift();
    return this.times.length;
  }
}

/** The `p`-th percentile (0–100) of `values` (nearest rank), or null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

export interface CameraStats {
  /** Preview frames drawn in the last second. */
  fps: number;
  /** All preview frames drawn since the app started. */
  drawn: number;
  /** Frame captured to verdict shown, one per camera verdict (ms). */
  verdictMs: number[];
}

export const cameraStats: CameraStats = { fps: 0, drawn: 0, verdictMs: [] };

// The benchmark and the desktop test read the numbers from the page.
(globalThis as { __passStationCamera?: CameraStats }).__passStationCamera = cameraStats;

/**
 * Notes a verdict on a frame captured at `capturedMs` (ms since the epoch)
 * once it is on screen: after the next paint.
 */
export function verdictShown(capturedMs: number): void {
  requestAnimationFrame(() => {
    cameraStats.verdictMs.push(Date.now() - capturedMs);
  });
}
