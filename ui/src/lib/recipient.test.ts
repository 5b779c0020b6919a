// The hand-over form's document and pick-up codes.
import { describe, expect, it } from "vitest";
import type { CardEntitlement } from "./bindings";
import { idDocument, needingApproval, pickupCodes } from "./recipient";

describe("the document shown", () => {
  it("is trimmed, and only a passport names a country", () => {
    expect(idDocument("national_id", " A123456789 ", "TWN")).toEqual({ kind: "national_id", number: "A123456789" });
    expect(idDocument("passport", "P1234567A", " PHL ")).toEqual({ kind: "passport", country: "PHL", number: "P1234567A" });
  });
});

describe("pick-up codes", () => {
  it("come one per line, from PK1: on, with typed spaces taken out", () => {
    const sms = "長榮海運：王小明 的港區通行證已可領取。領證碼：PK1:ABCD2345";
    expect(pickupCodes(`${sms}\n\n pk1:EFGH 6723 \nPK1:XY`)).toEqual(["PK1:ABCD2345", "pk1:EFGH6723", "PK1:XY"]);
    expect(pickupCodes("  \n")).toEqual([]);
  });
});

describe("approval", () => {
  it("is needed for the cards with no entitlement only", () => {
    const cards: CardEntitlement[] = [
      { pass_id: "KEL-1", holder: "王小明", entitlement: { by: "holder" } },
      { pass_id: "KEL-2", holder: "KLA-1234", entitlement: null },
      { pass_id: "KEL-3", holder: "林小美", entitlement: { by: "pickup_code", delegate: "林大同", code_id: "ab" } },
    ];
    expect(needingApproval(cards)).toEqual(["KEL-2"]);
  });
});
