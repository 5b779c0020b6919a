// Writing a chip takes some fifty exchanges with the card; the clerk needs to
// see where the write stands, not each exchange. This folds the exchanges the
// app reports (`encode-step` events) into the five phases of a write.

import type { EncodeStep, ExchangeKind } from "./bindings";

export type Phase = "identify" | "unlock" | "prepare" | "write" | "verify";
export type PhaseState = "waiting" | "running" | "done" | "failed";

export const PHASES: readonly Phase[] = ["identify", "unlock", "prepare", "write", "verify"];

/** Which phase an exchange belongs to. */
export function phaseOf(kind: ExchangeKind): Phase {
  switch (kind) {
    case "authenticate":
      return "unlock";
    case "create_application":
    case "create_file":
    case "change_key":
    case "format":
      return "prepare";
    case "write":
    case "commit":
      return "write";
    case "read":
      return "verify";
    default:
      return "identify";
  }
}

/** How far the write has come: still going, written and read back valid, or stopped short. */
export type Outcome = "running" | "written" | "stopped";

/**
 * Where each phase stands after `steps`. A phase is done once a later one has
 * begun (a rewrite goes back to unlock with the new key: the latest phase
 * counts); the latest runs while the write goes on. A write that stopped
 * short failed in the phase of its failed exchange, else in the latest. The
 * answer can arrive before the last exchanges' events, so a card read back
 * valid shows every phase done whatever events came.
 */
export function phases(steps: readonly EncodeStep[], outcome: Outcome): Record<Phase, PhaseState> {
  const states = Object.fromEntries(
    PHASES.map((phase) => [phase, outcome === "written" ? "done" : "waiting"]),
  ) as Record<Phase, PhaseState>;
  const last = steps.at(-1);
  if (outcome === "written" || !last) return states;
  const reached = PHASES.indexOf(phaseOf(last.step));
  PHASES.forEach((phase, at) => {
    if (at < reached) states[phase] = "done";
  });
  const failed = steps.find((step) => !step.ok);
  if (failed) states[phaseOf(failed.step)] = "failed";
  else states[PHASES[reached]] = outcome === "running" ? "running" : "failed";
  return states;
}
