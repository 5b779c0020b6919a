// How a failure is said in the clerk's language: a lead sentence for its class,
// and its own message from its code and parameters through the catalogues
// (`error.code.<code>`). Parameters that are the core's codes (card states,
// roles, duties) are named in the same language. Only a code this UI does not
// know yet (a newer core) falls back to the core's English message.

import { ERROR_CLASSES, type CommandError } from "./api";
import type { JsonValue } from "./bindings";
import { bothForms } from "./dates";
import { isKey, translate, type Key, type Locale, type Params } from "./i18n";

/** Parameters the catalogues name in words: the key prefix of each value, and how a list of them is joined. */
const NAMED: Record<string, { prefix: string; join: Key }> = {
  state: { prefix: "state", join: "app.listSeparator" },
  needs: { prefix: "state", join: "error.params.or" },
  roles: { prefix: "role", join: "app.listSeparator" },
  duty: { prefix: "duty", join: "app.listSeparator" },
};

/** The lead sentence's key: the failure's class, or "failure" for a class this UI does not know. */
export function leadKey(error: CommandError): Key {
  return ERROR_CLASSES.includes(error.class) ? `error.class.${error.class}` : "error.class.failure";
}

/** The catalogue key of the failure's own message, or null for a code this UI does not know. */
export function messageKey(error: CommandError): Key | null {
  const key = `error.code.${error.code}`;
  return isKey(key) ? key : null;
}

/** Parameters that are moments (RFC 3339), shown as the office reads a date and time. */
const MOMENTS = new Set(["until"]);

/** The parameters as the message shows them in `locale`: codes named, lists joined, moments in office time (the core sends them as a JSON object). */
export function shownParams(locale: Locale, params: JsonValue): Params {
  const shown: Params = {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) return shown;
  for (const [name, value] of Object.entries(params)) {
    const named = NAMED[name];
    const values = Array.isArray(value) ? value : [value ?? ""];
    const words = values.map((v) => {
      if (MOMENTS.has(name) && typeof v === "string") return bothForms(v, locale);
      const key = named ? `${named.prefix}.${v}` : "";
      return isKey(key) ? translate(locale, key) : String(v);
    });
    shown[name] = words.join(translate(locale, named?.join ?? "app.listSeparator"));
  }
  return shown;
}

/** The failure said in `locale`: the lead sentence, and what happened and what to do. */
export function errorText(locale: Locale, error: CommandError): { lead: string; detail: string } {
  const lead = translate(locale, leadKey(error));
  const key = messageKey(error);
  const detail = key
    ? translate(locale, key, shownParams(locale, error.params))
    : translate(locale, "error.detail", { message: error.message });
  return { lead, detail };
}
