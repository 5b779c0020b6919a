// Which translated lead sentence a failure gets: the auth refusal's own kind
// when there is one, else the error's class.

import { AUTH_KINDS, ERROR_CLASSES, type CommandError } from "./api";
import type { Key } from "./i18n";

export function leadKey(error: CommandError): Key {
  if (error.class === "auth" && error.auth && AUTH_KINDS.includes(error.auth)) return `error.auth.${error.auth}`;
  return ERROR_CLASSES.includes(error.class) ? `error.${error.class}` : "error.failure";
}
