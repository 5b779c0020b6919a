// The running gate, shared by the gate screen and the rest of the app: it
// runs from Start until Stop or sign-out, whichever screen is open, so its
// events are followed here (not by the screen) and the screen shows the
// latest view when it comes back. Signing out stops it first.

import { api, asCommandError, type CommandError } from "./api";
import type { GateInfo } from "./bindings";
import { verdictShown } from "./camera";
import { on } from "./events";
import { applyGateEvent, EMPTY_GATE, type GateView } from "./gate";

export const gateRun = $state({
  /** What the running gate reported when it started; null while stopped. */
  info: null as GateInfo | null,
  busy: false,
  /** What the gate screen shows: the last verdict and the standing banners. */
  view: EMPTY_GATE as GateView,
  /** Verdicts since the screen last loaded the day's checks. */
  checksChanged: 0,
});

let starting: Promise<CommandError | null> | null = null;
let unfollow: (() => void) | null = null;
/** A scanner's text or a photo was handed to the gate: its verdict is not the camera's. */
let byHand = 0;

/** Follows the gate's events into `gateRun.view` until the gate stops. */
function follow(): void {
  unfollow?.();
  unfollow = on("gate-event", ({ event, captured_ms }) => {
    gateRun.view = applyGateEvent(gateRun.view, event, new Date().toISOString());
    if (event.kind === "verdict") {
      gateRun.checksChanged += 1;
      if (byHand > 0) byHand -= 1;
      else if (event.source === "qr" && captured_ms !== null) verdictShown(captured_ms);
    } else if (event.kind === "failed") {
      gateStopped();
    }
  });
}

/** Starts the gate for `port` (null: the station's office); gives the failure, if any. */
export function startGate(port: string | null): Promise<CommandError | null> {
  if (starting) return starting;
  gateRun.busy = true;
  gateRun.view = EMPTY_GATE;
  follow();
  starting = api
    .gateStart(port)
    .then(
      (info) => {
        gateRun.info = info;
        return null;
      },
      (error) => {
        unfollow?.();
        unfollow = null;
        return asCommandError(error);
      },
    )
    .finally(() => {
      gateRun.busy = false;
      starting = null;
    });
  return starting;
}

/** Waits for a start under way, if any: a photo picked just after Start goes to the started gate. */
export async function whenStarted(): Promise<void> {
  await starting;
}

/** Notes that the next verdict answers a scanner's text or a photo, not the camera. */
export function presentedByHand(): void {
  byHand += 1;
}

/** The gate stopped by itself (it could not log a check): nothing to stop any more. */
export function gateStopped(): void {
  gateRun.info = null;
}

/** Stops the gate if it runs; gives the failure, if any. */
export async function stopGate(): Promise<CommandError | null> {
  if (!gateRun.info) return null;
  gateRun.info = null;
  // A stopped gate shows no verdict as if current.
  gateRun.view = { ...gateRun.view, verdict: null };
  unfollow?.();
  unfollow = null;
  try {
    await api.gateStop();
    return null;
  } catch (error) {
    return asCommandError(error);
  }
}
