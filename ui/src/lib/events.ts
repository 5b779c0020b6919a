// The app's pushed events (src-tauri/src/bin/pass-station/events.rs emits
// them): typed names and payloads, and one subscribe helper.

import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { CommandError, DeviceState, SyncReport } from "./api";

export type SyncStage =
  | { stage: "items"; items: number; more: boolean }
  | { stage: "photos"; done: number; total: number }
  | { stage: "events"; sent: number };

export interface PrintProgress {
  pass_id: string;
  stage: "printing" | "printed" | "failed";
  error: CommandError | null;
}

export interface EncodeStep {
  n: number;
  step: string;
  ok: boolean;
}

export interface AppEvents {
  "sync-progress": SyncStage;
  "sync-finished": { report: SyncReport | null; error: CommandError | null };
  connectivity: DeviceState;
  card: DeviceState;
  "print-progress": PrintProgress;
  "encode-step": EncodeStep;
}

/** Listens to `name` until the returned function is called (as a component's cleanup). */
export function on<N extends keyof AppEvents>(name: N, handler: (payload: AppEvents[N]) => void): () => void {
  let unlisten: UnlistenFn | null = null;
  let stopped = false;
  listen<AppEvents[N]>(name, (event) => handler(event.payload)).then((stop) => {
    if (stopped) stop();
    else unlisten = stop;
  });
  return () => {
    stopped = true;
    unlisten?.();
  };
}
