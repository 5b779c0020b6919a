// The station's commands as typed functions: the only way the UI reaches the
// core. Shapes mirror the Rust structs in src-tauri/src/bin/pass-station/commands.rs.

import { invoke } from "@tauri-apps/api/core";

/** A failure as the app reports it: its class (for a translated lead sentence) and the core's message. */
export interface CommandError {
  class: "setup" | "offline" | "central" | "not_found" | "busy" | "card" | "printer" | "camera" | "failure";
  code: number;
  message: string;
}

/** Whether a thrown value is one of the app's errors (anything else is wrapped as one). */
export function asCommandError(error: unknown): CommandError {
  if (typeof error === "object" && error !== null && "class" in error && "message" in error) {
    return error as CommandError;
  }
  return { class: "failure", code: 1, message: String(error) };
}

export type CardState =
  | "approved"
  | "printed"
  | "print_verified"
  | "encoded"
  | "released"
  | "handed_over"
  | "spoiled"
  | "voided"
  | "withdrawn"
  | "uncollected";

export const OPEN_STATES: CardState[] = ["approved", "printed", "print_verified", "encoded", "released"];

export type PassKind = "person" | "vehicle" | "temporary_person" | "temporary_vehicle";

export interface DeviceState {
  online: boolean | null;
  online_since: string | null;
  readers: Record<string, boolean>;
  reader_problem: string | null;
}

export interface StationStatus {
  station_id: string;
  station_name: string;
  office: string;
  office_zh: string;
  office_en: string;
  central_url: string;
  enrolled_at: string;
  last_sync: string | null;
  outbox: number;
  counts: [CardState, number][];
  printer_kind: "pdf" | "cups";
  printer: string;
  reader_kind: "virtual" | "pcsc";
  devices: DeviceState;
  demo: boolean;
  camera_dir: string | null;
  home: string;
}

export interface QueueRow {
  pass_id: string;
  version: number;
  kind: PassKind;
  holder: string;
  company_name: string;
  ports: string[];
  valid_from: string;
  valid_to: string;
  state: CardState;
}

export type Holder =
  | { type: "person"; name: string; name_latin: string | null; national_id_masked: string }
  | { type: "vehicle"; plate: string; vehicle_type: string };

export interface ItemRecord {
  pass_id: string;
  version: number;
  holder: Holder;
  temporary: boolean;
  company_name: string;
  company_tax_id: string;
  ports: string[];
  valid_from: string;
  valid_to: string;
  pickup_office: string;
  photo_sha256: string | null;
  kind: PassKind;
  state: CardState;
  photo_cached: boolean;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  pass_id: string | null;
}

export interface CardDetail {
  record: ItemRecord;
  history: AuditEntry[];
}

export interface SyncReport {
  pages: number;
  items: { added: number; updated: number; withdrawn: number; unchanged: number; rejected: number };
  photos_fetched: number;
  events: { accepted: number; duplicates: number; rejected: number };
}

export interface PrintOutcome {
  pass_id: string;
  files: string[];
  job: number | null;
  error: CommandError | null;
}

export interface PrintCheck {
  pass_id: string;
  matches: boolean;
  problem: string | null;
}

export interface EncodeResult {
  pass_id: string;
  version: number;
  card_uid: string;
  was_blank: boolean;
  apdu_exchanges: number;
  valid: boolean;
  reason_zh: string | null;
  reason_en: string | null;
}

/** Calls a command, turning any failure into a CommandError. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw asCommandError(error);
  }
}

export const api = {
  status: () => call<StationStatus>("station_status"),
  sync: () => call<SyncReport>("sync_now"),
  queue: (text: string, states: CardState[], limit: number) =>
    call<QueueRow[]>("queue", { text: text.trim() === "" ? null : text, states, limit }),
  card: (passId: string) => call<CardDetail>("card_detail", { passId }),
  preview: (passId: string, back: boolean) => call<ArrayBuffer>("card_preview", { passId, back }),
  photo: (passId: string) => call<ArrayBuffer>("card_photo", { passId }),
  print: (passIds: string[]) => call<PrintOutcome[]>("print_cards", { passIds }),
  checkPrint: async (passId: string, image: ArrayBuffer): Promise<PrintCheck> => {
    try {
      return await invoke<PrintCheck>("check_print_image", new Uint8Array(image), { headers: { "pass-id": passId } });
    } catch (error) {
      throw asCommandError(error);
    }
  },
  encode: (passId: string) => call<EncodeResult>("encode_card", { passId }),
  resolveScan: (text: string) => call<string>("resolve_scan", { text }),
  queueReady: () => call<void>("queue_ready"),
};
