// The app's pushed events (src-tauri/src/bin/pass-station/events.rs emits
// them): typed names and payloads, and one subscribe helper.

import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { CheckSourceKind, CommandError, DeviceState, SyncReport } from "./api";

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

/** A warning the gate shows with every verdict while it holds (a stale hotlist, none at all). */
export interface GateWarning {
  zh: string;
  en: string;
}

/** One card checked at the gate: the verdict and what the cache knows of the pass. */
export interface GateVerdict {
  kind: "verdict";
  valid: boolean;
  /** "valid" or the reason's code. */
  outcome: string;
  message_zh: string;
  message_en: string;
  source: CheckSourceKind;
  /** RFC 3339. */
  at: string;
  card_uid: string | null;
  pass_id: string | null;
  /** The holder's name, or the vehicle's plate. */
  holder: string | null;
  holder_latin: string | null;
  id_masked: string | null;
  company: string | null;
  /** Base64 JPEG. */
  photo: string | null;
  valid_to: string | null;
  warnings: GateWarning[];
  elapsed_ms: number;
}

export type GateEventPayload =
  | GateVerdict
  | { kind: "no_trust_list" }
  | { kind: "trust_refreshed" }
  | { kind: "offline"; since: string; last_refreshed: string | null; detail: string }
  | { kind: "card_unreadable"; reader: string; detail: string }
  | { kind: "camera_stopped"; detail: string }
  | { kind: "readers_stopped"; detail: string }
  /** The station's cache could not log a check: the gate has stopped. */
  | { kind: "failed"; detail: string };

export interface AppEvents {
  "sync-progress": SyncStage;
  "sync-finished": { report: SyncReport | null; error: CommandError | null };
  connectivity: DeviceState;
  card: DeviceState;
  "print-progress": PrintProgress;
  "encode-step": EncodeStep;
  "gate-event": GateEventPayload;
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
