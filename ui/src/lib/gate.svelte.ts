// Whether the gate runs, shared by the gate screen (which starts it and stops
// it when left) and signing out (which stops it first).

import { api, asCommandError, type CommandError } from "./api";
import type { GateInfo } from "./bindings";

export const gateRun = $state({
  /** What the running gate reported when it started; null while stopped. */
  info: null as GateInfo | null,
  busy: false,
});

let starting: Promise<CommandError | null> | null = null;

/** Starts the gate for `port` (null: the station's office); gives the failure, if any. */
export function startGate(port: string | null): Promise<CommandError | null> {
  if (starting) return starting;
  gateRun.busy = true;
  starting = api
    .gateStart(port)
    .then(
      (info) => {
        gateRun.info = info;
        return null;
      },
      (error) => asCommandError(error),
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

/** The gate stopped by itself (it could not log a check): nothing to stop any more. */
export function gateStopped(): void {
  gateRun.info = null;
}

/** Stops the gate if it runs; gives the failure, if any. */
export async function stopGate(): Promise<CommandError | null> {
  if (!gateRun.info) return null;
  gateRun.info = null;
  try {
    await api.gateStop();
    return null;
  } catch (error) {
    return asCommandError(error);
  }
}
