// The gate screen's view, built from the gate's events.
import { describe, expect, it } from "vitest";
import type { GateEventView, VerdictView } from "./bindings";
import { applyGateEvent, EMPTY_GATE, gatePort, outcomeKey, readFailed, verdictMessage, warningTexts } from "./gate";

const NOW = "2026-11-22T01:00:00Z";

const verdict = (valid: boolean, extra: Partial<VerdictView> = {}): Extract<GateEventView, { kind: "verdict" }> => ({
  kind: "verdict",
  valid,
  outcome: valid ? "valid" : "expired",
  message_zh: valid ? "有效，准予通行。" : "已過期。",
  message_en: valid ? "Valid: admit the holder." : "Expired.",
  source: "chip",
  at: NOW,
  card_uid: "04A1B2C3D4E5F6",
  pass_id: "KEL-2026-000001",
  version: 1,
  holder: "王小明",
  holder_latin: "WANG XIAO-MING",
  id_masked: "A12****789",
  company: "港務物流股份有限公司",
  photo: null,
  photo_from_chip: false,
  valid_from: "2026-11-21",
  valid_to: "2027-11-21",
  warnings: [],
  elapsed_ms: 180,
  ...extra,
});

describe("the gate's view", () => {
  it("shows each verdict and counts them", () => {
    const one = applyGateEvent(EMPTY_GATE, verdict(true), NOW);
    const two = applyGateEvent(one, verdict(false), NOW);
    expect(one.verdict?.valid).toBe(true);
    expect(two.verdict?.valid).toBe(false);
    expect(two.verdicts).toBe(2);
  });

  it("keeps the no-trust-list and offline banners until a refresh works", () => {
    let view = applyGateEvent(EMPTY_GATE, { kind: "no_trust_list" }, NOW);
    view = applyGateEvent(view, { kind: "offline", since: NOW, last_refreshed: null, detail: "timed out" }, NOW);
    view = applyGateEvent(view, verdict(false, { outcome: "no_trust_list" }), NOW);
    expect(view.noTrustList).toBe(true);
    expect(view.offline?.detail).toBe("timed out");
    const trust = { trust_list_sequence: 4, signers: 2, hotlist_sequence: 9, hotlist_entries: 3 };
    view = applyGateEvent(view, { kind: "trust_refreshed", trust, checks_sent: 12 }, "2026-11-22T01:05:00Z");
    expect(view.noTrustList).toBe(false);
    expect(view.offline).toBeNull();
    expect(view.refreshedAt).toBe("2026-11-22T01:05:00Z");
  });

  it("clears the last verdict when the next card cannot be read", () => {
    const judged = applyGateEvent(EMPTY_GATE, verdict(true), NOW);
    const unreadable = applyGateEvent(judged, { kind: "card_unreadable", reader: "ACS ACR122U", detail: "no answer" }, NOW);
    expect(unreadable.verdict).toBeNull();
    expect(readFailed(judged).verdict).toBeNull();
    expect(readFailed(judged).verdicts).toBe(1);
  });

  it("shows an unreadable card until the next verdict", () => {
    let view = applyGateEvent(EMPTY_GATE, { kind: "card_unreadable", reader: "ACS ACR122U", detail: "no answer" }, NOW);
    expect(view.unreadable?.reader).toBe("ACS ACR122U");
    view = applyGateEvent(view, verdict(true), NOW);
    expect(view.unreadable).toBeNull();
  });

  it("keeps stopped camera and readers banners across verdicts", () => {
    let view = applyGateEvent(EMPTY_GATE, { kind: "camera_stopped", detail: "device gone" }, NOW);
    view = applyGateEvent(view, { kind: "readers_stopped", detail: "pcscd exited" }, NOW);
    view = applyGateEvent(view, verdict(true), NOW);
    expect(view.cameraStopped).toBe("device gone");
    expect(view.readersStopped).toBe("pcscd exited");
  });

  it("says when the gate stopped by itself", () => {
    const shown = applyGateEvent(EMPTY_GATE, verdict(true), NOW);
    const view = applyGateEvent(shown, { kind: "failed", detail: "disk full" }, NOW);
    expect(view.failed).toBe("disk full");
    expect(view.verdict).toBeNull();
  });

  it("does not change the view it is given", () => {
    applyGateEvent(EMPTY_GATE, verdict(true), NOW);
    expect(EMPTY_GATE.verdict).toBeNull();
  });
});

describe("a verdict's text", () => {
  it("speaks the language on screen, warnings included", () => {
    const stale = verdict(true, { warnings: [{ zh: "黑名單已逾時", en: "The hotlist is stale" }] });
    expect(verdictMessage(stale, "zh-TW")).toBe("有效，准予通行。");
    expect(verdictMessage(stale, "en")).toBe("Valid: admit the holder.");
    expect(warningTexts(stale, "zh-TW")).toEqual(["黑名單已逾時"]);
    expect(warningTexts(stale, "en")).toEqual(["The hotlist is stale"]);
  });

  it("names known outcome codes and leaves others as they are", () => {
    expect(outcomeKey("valid")).toBe("gate.outcome.valid");
    expect(outcomeKey("not_valid_at_this_port")).toBe("gate.outcome.not_valid_at_this_port");
    expect(outcomeKey("something_new")).toBeNull();
  });
});

describe("the gate's port", () => {
  it("is the code typed, in capitals, or none", () => {
    expect(gatePort(" kel ")).toBe("KEL");
    expect(gatePort("   ")).toBeNull();
  });
});
