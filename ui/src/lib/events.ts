// The app's pushed events (src-tauri/src/bin/pass-station/events.rs emits
// them): their names, with payloads declared in bindings.ts, and one
// subscribe helper.

import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { CameraRead, CameraState, DeviceState, EncodeStep, GateMessage, PrintOutcome, SyncFinished, SyncStage } from "./bindings";

export interface AppEvents {
  "sync-progress": SyncStage;
  "sync-finished": SyncFinished;
  connectivity: DeviceState;
  card: DeviceState;
  /** Each card of a print batch, as it starts and as it ends. */
  "print-progress": PrintOutcome;
  "encode-step": EncodeStep;
  "gate-event": GateMessage;
  /** The live camera started, stopped or failed. */
  camera: CameraState;
  /** A card newly held up to the desk's camera. */
  "camera-read": CameraRead;
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
