// Small rules of the issuing screens.
import { describe, expect, it } from "vitest";
import type { Waiting } from "./bindings";
import { hasReason, oldestFirst } from "./workflow";

const waiting = (pass_id: string, days_waiting: number, released_at: string): Waiting => ({
  pass_id,
  holder: "王小明",
  company_name: "港務物流",
  application_id: "A-2026-000001",
  released_at,
  days_waiting,
});

describe("pick-ups", () => {
  it("come longest waiting first, then by release time and pass number", () => {
    const sorted = oldestFirst([
      waiting("KEL-2026-000003", 1, "2026-11-21T02:00:00Z"),
      waiting("KEL-2026-000002", 9, "2026-11-13T02:00:00Z"),
      waiting("KEL-2026-000004", 1, "2026-11-21T01:00:00Z"),
      waiting("KEL-2026-000001", 1, "2026-11-21T01:00:00Z"),
    ]);
    expect(sorted.map((w) => w.pass_id)).toEqual(["KEL-2026-000002", "KEL-2026-000001", "KEL-2026-000004", "KEL-2026-000003"]);
  });
});

describe("reasons", () => {
  it("need something in them", () => {
    expect(hasReason("印刷錯誤")).toBe(true);
    expect(hasReason("   ")).toBe(false);
    expect(hasReason("")).toBe(false);
  });
});
