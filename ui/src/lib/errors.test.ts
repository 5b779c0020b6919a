// Each failure gets a translated lead sentence: its auth kind, else its class.
import { describe, expect, it } from "vitest";
import { AUTH_KINDS, ERROR_CLASSES } from "./api";
import { leadKey } from "./errors";
import { isKey } from "./i18n";

describe("lead sentences", () => {
  it("exist for every class and every auth kind", () => {
    for (const cls of ERROR_CLASSES) expect(isKey(`error.${cls}`), cls).toBe(true);
    for (const kind of AUTH_KINDS) expect(isKey(`error.auth.${kind}`), kind).toBe(true);
  });

  it("name the auth refusal when there is one", () => {
    expect(leadKey({ class: "auth", code: 13, auth: "locked", message: "" })).toBe("error.auth.locked");
    expect(leadKey({ class: "auth", code: 13, message: "" })).toBe("error.auth");
    expect(leadKey({ class: "usage", code: 2, message: "" })).toBe("error.usage");
  });

  it("fall back for a class the UI does not know", () => {
    expect(leadKey({ class: "brand_new" as never, code: 99, message: "" })).toBe("error.failure");
  });
});
