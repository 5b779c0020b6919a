import { describe, expect, it } from "vitest";
import type { EncodeStep, ExchangeKind } from "./bindings";
import { phaseOf, phases } from "./encoding";

const steps = (...kinds: ExchangeKind[]): EncodeStep[] => kinds.map((step, at) => ({ n: at + 1, step, ok: true }));

describe("the phases of a chip write", () => {
  it("all wait before the first exchange", () => {
    expect(Object.values(phases([], "running"))).toEqual(["waiting", "waiting", "waiting", "waiting", "waiting"]);
  });

  it("mark earlier phases done and the current one running", () => {
    expect(phases(steps("uid", "version", "select", "authenticate", "create_application"), "running")).toEqual({
      identify: "done",
      unlock: "done",
      prepare: "running",
      write: "waiting",
      verify: "waiting",
    });
  });

  it("end all done once the card is read back valid, even before the last events arrive", () => {
    expect(Object.values(phases(steps("uid", "select", "authenticate"), "written"))).toEqual(["done", "done", "done", "done", "done"]);
  });

  it("mark the latest phase failed when the write stopped without a failed exchange", () => {
    expect(phases(steps("uid", "select", "authenticate", "write", "commit", "read"), "stopped")).toMatchObject({ write: "done", verify: "failed" });
  });

  it("name the phase whose exchange failed", () => {
    const failing = [...steps("uid", "select", "authenticate", "write"), { n: 5, step: "commit", ok: false } as EncodeStep];
    expect(phases(failing, "stopped")).toMatchObject({ unlock: "done", prepare: "done", write: "failed", verify: "waiting" });
  });

  it("sort every exchange into a phase", () => {
    expect(phaseOf("change_key")).toBe("prepare");
    expect(phaseOf("other")).toBe("identify");
    expect(phaseOf("read")).toBe("verify");
  });
});
