// Both catalogues must say everything, with the same placeholders.
import { describe, expect, it } from "vitest";
import { CARD_STATES } from "./api";
import { catalogues, placeholders, translate } from "./i18n";

describe("catalogues", () => {
  const zh = catalogues["zh-TW"];
  const en = catalogues.en;

  it("have the same keys", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  it("use the same placeholders in each entry", () => {
    for (const key of Object.keys(zh) as (keyof typeof zh)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(zh[key]));
    }
  });

  it("leave no entry empty", () => {
    for (const [key, text] of [...Object.entries(zh), ...Object.entries(en)]) {
      expect(text.trim(), key).not.toBe("");
    }
  });

  it("name every card state the core knows", () => {
    for (const state of CARD_STATES) expect(Object.keys(zh)).toContain(`state.${state}`);
  });
});

describe("translate", () => {
  it("fills placeholders and keeps unknown ones", () => {
    expect(translate("en", "queue.selected", { n: 3 })).toBe("3 selected");
    expect(translate("zh-TW", "queue.selected", { n: 3 })).toBe("已選 3 張");
    expect(translate("en", "queue.selected")).toBe("{n} selected");
  });

  it("picks the plural form the language needs", () => {
    expect(translate("en", "handover.days", { n: 1 })).toBe("waiting 1 day");
    expect(translate("en", "handover.days", { n: 3 })).toBe("waiting 3 days");
    expect(translate("en", "gate.checks.count", { n: 1, valid: 1 })).toBe("1 check today, 1 valid");
    expect(translate("zh-TW", "handover.days", { n: 1 })).toContain("1");
    expect(placeholders("{n|# day|# days} and {valid}")).toEqual(["n", "valid"]);
  });

  it("shows a key no catalogue has as itself", () => {
    expect(translate("zh-TW", "role.harbour_master" as never)).toBe("role.harbour_master");
  });
});
