// Each failure is said from its code and parameters in the clerk's language;
// only a code the UI does not know shows the core's English message.
import { describe, expect, it } from "vitest";
import { ERROR_CLASSES, type CommandError } from "./api";
import type { ErrorCode } from "./bindings";
import { errorText, leadKey, messageKey, shownParams } from "./errors";
import { catalogues, isKey } from "./i18n";

const failure = (code: ErrorCode, params: CommandError["params"], cls: CommandError["class"] = "card"): CommandError => ({
  class: cls,
  exit_code: 9,
  code,
  params,
  message: "the core's English message",
});

const wrongState = failure("wrong_state", {
  pass_id: "KEL-2026-000001",
  state: "released",
  step: "printing",
  needs: ["printed", "print_verified"],
});

describe("lead sentences", () => {
  it("exist for every class", () => {
    for (const cls of ERROR_CLASSES) expect(isKey(`error.class.${cls}`), cls).toBe(true);
  });

  it("follow the class, and fall back for a class the UI does not know", () => {
    expect(leadKey(failure("auth.locked", {}, "auth"))).toBe("error.class.auth");
    expect(leadKey(failure("unexpected", {}, "brand_new" as never))).toBe("error.class.failure");
  });
});

describe("a failure's message", () => {
  it("is the catalogue's, with the parameters filled in and card states named", () => {
    expect(errorText("zh-TW", wrongState)).toEqual({
      lead: "卡片問題",
      detail: "KEL-2026-000001 目前的狀態是「已放行」，這一步需要卡片狀態為「已印製或印刷已檢查」。",
    });
    expect(errorText("en", wrongState).detail).toBe(
      "KEL-2026-000001 stands at “released”, and this step needs a card at “printed or print checked”.",
    );
  });

  it("names roles and duties in the clerk's language", () => {
    const forbidden = failure("auth.forbidden", { username: "gate1", roles: ["gate_officer", "clerk"], duty: "issue" }, "auth");
    expect(errorText("zh-TW", forbidden).detail).toBe("gate1（門哨查驗人員、承辦人員）沒有製發卡片（承辦人員或主管）的權限。");
    expect(errorText("en", forbidden).detail).toBe("gate1 (gate officer, clerk) may not issue cards (a clerk or a supervisor).");
  });

  it("fills numbers and shows an absent value as nothing", () => {
    expect(shownParams("en", { tries: 5, until: null })).toEqual({ tries: "5", until: "" });
    expect(shownParams("en", null)).toEqual({});
    expect(errorText("en", failure("auth.bad_credentials", { tries: 5, minutes: 15 }, "auth")).detail).toBe(
      "Wrong user name or password. After 5 wrong tries in a row the account locks for 15 minutes.",
    );
  });

  it("says how many tries are left, and until when an account is locked, in office time", () => {
    expect(errorText("en", failure("auth.tries_left", { n: 2, minutes: 15 }, "auth")).detail).toBe(
      "Wrong user name or password. Tries left before the account locks for 15 minutes: 2.",
    );
    const locked = failure("auth.locked_until", { username: "clerk1", until: "2026-12-01T05:20:00Z" }, "auth");
    expect(errorText("en", locked).detail).toBe(
      "clerk1 is locked after repeated wrong passwords until 2026-12-01 (ROC 115/12/01) 13:20. Wait until then, or ask an administrator to unlock it.",
    );
    expect(errorText("zh-TW", locked).detail).toContain("民國115年12月1日（2026-12-01） 13:20");
  });

  it("is the core's English message, under the class's lead, only for a code the UI does not know", () => {
    const unknown = failure("card.brand_new" as never, { pass_id: "KEL-2026-000001" });
    expect(messageKey(unknown)).toBeNull();
    expect(errorText("zh-TW", unknown)).toEqual({ lead: "卡片問題", detail: "詳細說明（英文）：the core's English message" });
    expect(messageKey(wrongState)).toBe("error.code.wrong_state");
    expect(errorText("zh-TW", wrongState).detail).not.toContain("English");
  });

  it("exists in both languages for every code either catalogue has", () => {
    const codes = Object.keys(catalogues["zh-TW"]).filter((key) => key.startsWith("error.code."));
    expect(codes.length).toBeGreaterThan(40);
    for (const key of codes) expect(Object.keys(catalogues.en), key).toContain(key);
  });
});
