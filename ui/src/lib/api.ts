// The station's commands as typed functions: the only way the UI reaches the
// core. Shapes mirror the Rust structs in src-tauri/src/bin/pass-station/commands/.

import { invoke, type InvokeArgs, type InvokeOptions } from "@tauri-apps/api/core";

/**
 * A class of outcome, in the order of passctl's exit codes (1 to 13): the core's
 * `ErrorClass` (src-tauri/src/error.rs), whose tests check this list.
 */
export type ErrorClass =
  | "failure"
  | "usage"
  | "setup"
  | "offline"
  | "central"
  | "not_found"
  | "busy"
  | "invalid"
  | "card"
  | "tampered"
  | "printer"
  | "camera"
  | "auth";

export const ERROR_CLASSES: ErrorClass[] = [
  "failure",
  "usage",
  "setup",
  "offline",
  "central",
  "not_found",
  "busy",
  "invalid",
  "card",
  "tampered",
  "printer",
  "camera",
  "auth",
];

/** The values a failure's message shows: card states, roles and duties by their codes. */
export type ErrorParams = Record<string, string | number | string[] | null>;

/**
 * A failure as the app reports it (the core's `ErrorView`): its class, the exit code
 * passctl would give, its stable code and parameters (for a translated message), and
 * the core's English message.
 */
export interface CommandError {
  class: ErrorClass;
  exit_code: number;
  /** Such as `wrong_state` or `auth.signed_out`; each has a message in the catalogues (`error.code.<code>`). */
  code: string;
  params: ErrorParams;
  message: string;
}

/** Whether a thrown value is one of the app's errors (anything else is wrapped as one). */
export function asCommandError(error: unknown): CommandError {
  if (typeof error === "object" && error !== null && "class" in error && "code" in error && "message" in error) {
    return error as CommandError;
  }
  return { class: "failure", exit_code: 1, code: "unexpected", params: {}, message: String(error) };
}

/** Whether a failure means the session is over (nobody signed in, or signed out as idle): back to sign-in. */
export function endsSession(error: CommandError): boolean {
  return error.code === "auth.not_signed_in" || error.code === "auth.signed_out";
}

let sessionEnded: ((error: CommandError) => void) | null = null;

/** Names the one place that hears when any command finds the session over (the app state does). */
export function onSessionEnd(handler: ((error: CommandError) => void) | null): void {
  sessionEnded = handler;
}

/** A thrown value as a CommandError, after telling the session-end handler if it ends the session. */
export function failure(error: unknown): CommandError {
  const found = asCommandError(error);
  if (endsSession(found)) sessionEnded?.(found);
  return found;
}

/** A reason for void, spoil or reprint, trimmed; an empty one is refused before it reaches the core. */
export function reasonText(reason: string): string {
  const text = reason.trim();
  if (text === "") {
    throw {
      class: "usage",
      exit_code: 2,
      code: "reason_missing",
      params: {},
      message: "give the reason; it goes into the audit trail",
    } satisfies CommandError;
  }
  return text;
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

/** Something the signed-in user may do with a card now, as the core offers it. */
export type CardAction =
  | "print"
  | "check_print"
  | "encode"
  | "release"
  | "refuse_release"
  | "hand_over"
  | "spoil"
  | "void"
  | "reprint";

export interface CardDetail {
  record: ItemRecord;
  history: AuditEntry[];
  actions: CardAction[];
}

export interface SyncReport {
  pages: number;
  items: {
    added: number;
    updated: number;
    withdrawn: number;
    unchanged: number;
    rejected: number;
    /** Withdrawn passes whose cards are made: take them out of the tray now. */
    voided_cards: string[];
  };
  photos_fetched: number;
  events: { accepted: number; duplicates: number; rejected: number };
  /** Records central sent that the station set aside, for the central office. */
  set_aside: { pass_id: string; reason: string; seen_at: string }[];
}

export interface PrintOutcome {
  pass_id: string;
  stage: "printing" | "printed" | "failed";
  print: number | null;
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

export type Role = "clerk" | "supervisor" | "gate_officer" | "admin";
export type Duty = "read" | "issue" | "approve" | "delegate" | "check" | "administer" | "audit";

export interface SignedIn {
  username: string;
  display_name: string;
  roles: Role[];
  duties: Duty[];
  /** Set when "approve" comes from a supervisor's delegation for today. */
  delegated_by: string | null;
  /** The core signs the user out after this many minutes without a step; the UI locks after as long without input. */
  idle_sign_out_minutes: number;
}

export interface DemoUser {
  username: string;
  display_name: string;
  role: Role;
  password: string;
}

export interface Released {
  pass_id: string;
  card_uid: string;
  released_by: string;
  delegated_by: string | null;
}

/** What void, spoil and a refused release did to the card: its print and chip, now on the hotlist. */
export interface Retired {
  pass_id: string;
  print: number | null;
  chip_uid: string | null;
}

/** One physical card: the print on its face and its chip, if one was written. */
export interface CardFaces {
  print: number;
  card_uid: string | null;
}

export interface Reprinted {
  pass_id: string;
  old_version: number;
  new_version: number;
  old_card: CardFaces | null;
}

export interface Delegation {
  delegator: string;
  delegate: string;
  first_day: string;
  last_day: string;
  created_at: string;
}

/** A released card waiting for its holder. */
export interface Waiting {
  pass_id: string;
  holder: string;
  company_name: string;
  released_at: string;
  days_waiting: number;
}

export interface Recipient {
  name: string;
  company: string;
  id_masked: string;
}

export interface GateInfo {
  port: string;
  camera: boolean;
  readers: boolean;
  /** Pass numbers of the demo's virtual cards (demo only). */
  demo_cards: string[];
}

export type CheckSourceKind = "qr" | "chip";

export interface Check {
  at: string;
  actor: string;
  source: CheckSourceKind;
  pass_id: string | null;
  version: number | null;
  card_uid: string | null;
  port: string | null;
  outcome: string;
}

/** Calls a command, turning any failure into a CommandError (and a session's end into the sign-in screen). */
async function call<T>(command: string, args?: InvokeArgs, options?: InvokeOptions): Promise<T> {
  try {
    return await invoke<T>(command, args, options);
  } catch (error) {
    throw failure(error);
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
  checkPrint: (passId: string, image: ArrayBuffer) =>
    call<PrintCheck>("check_print_image", new Uint8Array(image), { headers: { "pass-id": passId } }),
  encode: (passId: string) => call<EncodeResult>("encode_card", { passId }),
  resolveScan: (text: string) => call<string>("resolve_scan", { text }),
  firstScreenDrawn: () => call<void>("first_screen_drawn"),

  // The session
  signIn: (username: string, password: string) => call<SignedIn>("sign_in", { username, password }),
  signOut: () => call<null>("sign_out"),
  currentUser: () => call<SignedIn | null>("current_user"),
  changePassword: (username: string, oldPassword: string, newPassword: string) =>
    call<null>("change_password", { username, oldPassword, newPassword }),
  demoUsers: () => call<DemoUser[]>("demo_users"),

  // The supervisor's steps, and spoiling a misprint
  /** The seal check takes the QR printed on the same card: scanner text, or a photo. */
  release: (passId: string, printedQr: string) => call<Released>("release_card", { passId, printedQr }),
  releaseWithPhoto: (passId: string, image: ArrayBuffer) =>
    call<Released>("release_card_image", new Uint8Array(image), { headers: { "pass-id": passId } }),
  refuseRelease: async (passId: string, reason: string) =>
    call<Retired>("refuse_release", { passId, reason: reasonText(reason) }),
  voidCard: async (passId: string, reason: string) => call<Retired>("void_card", { passId, reason: reasonText(reason) }),
  spoil: async (passId: string, reason: string) => call<Retired>("spoil_card", { passId, reason: reasonText(reason) }),
  reprint: async (passId: string, reason: string) => call<Reprinted>("reprint_card", { passId, reason: reasonText(reason) }),
  delegate: (to: string, firstDay: string, lastDay: string) => call<Delegation>("delegate", { to, firstDay, lastDay }),

  // Hand-over
  pickups: () => call<Waiting[]>("pickups"),
  handOver: (passId: string, name: string, company: string, idNumber: string) =>
    call<Recipient>("hand_over", { passId, name, company, idNumber }),

  // The gate: verdicts arrive as gate-event events
  gateStart: (port: string | null) => call<GateInfo>("gate_start", { port }),
  gateStop: () => call<null>("gate_stop"),
  gateCheckImage: (image: ArrayBuffer) => call<null>("gate_check_image", new Uint8Array(image)),
  gateTapDemoCard: (passId: string) => call<null>("gate_tap_demo_card", { passId }),
  gateChecksToday: () => call<Check[]>("gate_checks_today"),
};
