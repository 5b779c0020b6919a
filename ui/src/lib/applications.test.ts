// The queue's and the hand-over's rules for an application worked as a unit.
import { describe, expect, it } from "vitest";
import type { PrintOutcome, Waiting } from "./bindings";
import { applicationCards, batchProgress, chooseCard, stillWaiting, withPrintable } from "./applications";

const card = (pass_id: string, application_id: string): Waiting => ({
  pass_id,
  holder: "王小明",
  company_name: "港務物流",
  application_id,
  released_at: "2026-11-21T02:00:00Z",
  days_waiting: 0,
});
const waiting = [card("KEL-1", "A-1"), card("KEL-2", "A-2"), card("KEL-3", "A-1"), card("KEL-4", "A-1")];

const outcome = (pass_id: string, stage: PrintOutcome["stage"]): PrintOutcome => ({
  pass_id,
  stage,
  print: null,
  files: [],
  job: null,
  error: null,
});

describe("print batch progress", () => {
  it("counts the cards selected for the batch, not the queue's", () => {
    const batch = ["KEL-1", "KEL-3", "KEL-4"];
    expect(batchProgress(batch, {})).toEqual({ done: 0, total: 3 });
    const progress = { "KEL-1": outcome("KEL-1", "printed"), "KEL-3": outcome("KEL-3", "printing") };
    expect(batchProgress(batch, progress)).toEqual({ done: 1, total: 3 });
    progress["KEL-3"] = outcome("KEL-3", "failed");
    expect(batchProgress(batch, { ...progress, "KEL-9": outcome("KEL-9", "printed") })).toEqual({ done: 2, total: 3 });
  });

  it("adds an application's printable items to the selection once each", () => {
    expect([...withPrintable(new Set(["KEL-1"]), ["KEL-1", "KEL-3"])]).toEqual(["KEL-1", "KEL-3"]);
  });
});

describe("hand-over choice", () => {
  it("takes the whole application's waiting cards", () => {
    expect(applicationCards(waiting, "A-1")).toEqual(["KEL-1", "KEL-3", "KEL-4"]);
    expect(applicationCards(waiting, "A-9")).toEqual([]);
  });

  it("adds a card of the same application and starts again with another", () => {
    expect(chooseCard([], waiting, "KEL-1")).toEqual(["KEL-1"]);
    expect(chooseCard(["KEL-1"], waiting, "KEL-3")).toEqual(["KEL-1", "KEL-3"]);
    expect(chooseCard(["KEL-1", "KEL-3"], waiting, "KEL-3")).toEqual(["KEL-1", "KEL-3"]);
    expect(chooseCard(["KEL-1", "KEL-3"], waiting, "KEL-2")).toEqual(["KEL-2"]);
    expect(chooseCard(["KEL-1"], waiting, "KEL-404")).toEqual(["KEL-1"]);
  });

  it("keeps only cards still waiting after a reload", () => {
    expect(stillWaiting(["KEL-1", "KEL-5", "KEL-3"], waiting)).toEqual(["KEL-1", "KEL-3"]);
  });
});
