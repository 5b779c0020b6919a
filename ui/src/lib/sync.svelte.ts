// The sync as the UI sees it, fed by the app's events so that a sync started
// anywhere (the start-up sync, Ctrl+S, the sync screen) shows the same progress.

import { api, asCommandError, type CommandError } from "./api";
import { refreshStatus } from "./app.svelte";
import type { SyncStage, SyncView } from "./bindings";
import { on } from "./events";

export const sync = $state({
  running: false,
  stage: null as SyncStage | null,
  report: null as SyncView | null,
  error: null as CommandError | null,
  /** Bumped after each finished sync, so lists reload. */
  generation: 0,
});

/** Follows the app's sync events for as long as the window lives. */
export function followSync(): () => void {
  const stopProgress = on("sync-progress", (stage) => {
    sync.running = true;
    sync.stage = stage;
  });
  const stopFinished = on("sync-finished", (finished) => {
    sync.running = false;
    sync.stage = null;
    sync.report = finished.report;
    sync.error = finished.error;
    sync.generation += 1;
    void refreshStatus();
  });
  return () => {
    stopProgress();
    stopFinished();
  };
}

/** Starts a sync now; its outcome arrives through the events above. */
export async function runSync(): Promise<void> {
  if (sync.running) return;
  sync.running = true;
  sync.error = null;
  try {
    await api.sync();
  } catch (error) {
    sync.error = asCommandError(error);
    sync.running = false;
  }
}
