// The station's commands as typed functions: the only way the UI reaches the
// core. What they answer with is declared in bindings.ts, generated from the
// Rust types; only the commands' names and arguments are written here.

import { invoke, type Channel, type InvokeArgs, type InvokeOptions } from "@tauri-apps/api/core";
import type {
  ApplicationRow,
  BackupSettingsView,
  CameraInfo,
  CardCheck,
  CardState,
  CardView,
  ChipKeysSettings,
  Colleague,
  DayExport,
  DayFigures,
  DayView,
  Delegation,
  DemoUser,
  DeskClaim,
  DeviceChoices,
  DevicesView,
  EncodeResult,
  ErrorClass,
  ErrorView,
  GateInfo,
  CardEntitlement,
  HandOver,
  HandedOver,
  KeySet,
  PhotoTaken,
  PrintCheck,
  PrintOutcome,
  QueuePage,
  RecipientCheck,
  Released,
  Reprinted,
  Retired,
  SetupStatus,
  SignedIn,
  StationStatus,
  StockReceipt,
  SyncView,
  TestPrintView,
  TestReadView,
  Waiting,
} from "./bindings";

/** A failure as a command answers with it: the core's ErrorView, which the app's commands call CommandError too. */
export type CommandError = ErrorView;

/**
 * Every class of outcome, in the order of passctl's exit codes (1 to 13): the
 * core's `ErrorClass`, whose test (`the_ui_knows_every_class`) checks this list.
 */
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

/**
 * `list` as it is, if it names every member of the generated union `T`: once
 * bindings.ts gains a member, the compiler refuses the list and names what it lacks.
 */
function everyMemberOf<T extends string>() {
  return <const L extends readonly T[]>(
    list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { lacks: Exclude<T, L[number]> }),
  ): readonly T[] => list;
}

/** Every card state, in the core's order. */
export const CARD_STATES = everyMemberOf<CardState>()([
  "approved",
  "printed",
  "print_verified",
  "encoded",
  "released",
  "handed_over",
  "spoiled",
  "voided",
  "withdrawn",
  "uncollected",
]);

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
  sync: () => call<SyncView>("sync_now"),
  /** A page of the queue: `limit` rows from the `offset`-th matching item on, and how many match in all. */
  queue: (text: string, states: CardState[], limit: number, offset = 0) =>
    call<QueuePage>("queue", { text: text.trim() === "" ? null : text, states, limit, offset }),
  /** The queue by application; `text` is any part of the company's name or the application number. */
  applications: (text: string, limit: number) =>
    call<ApplicationRow[]>("applications", { text: text.trim() === "" ? null : text, limit }),
  card: (passId: string) => call<CardView>("card_detail", { passId }),
  preview: (passId: string, back: boolean) => call<ArrayBuffer>("card_preview", { passId, back }),
  photo: (passId: string) => call<ArrayBuffer>("card_photo", { passId }),
  takePhoto: (passId: string, picture: ArrayBuffer, crop: string, save: "check" | "anyway") =>
    call<PhotoTaken>("take_photo", new Uint8Array(picture), { headers: { "pass-id": passId, crop, save } }),
  print: (passIds: string[]) => call<PrintOutcome[]>("print_cards", { passIds }),
  checkPrint: (passId: string, image: ArrayBuffer) =>
    call<PrintCheck>("check_print_image", new Uint8Array(image), { headers: { "pass-id": passId } }),
  /** The QR text the camera or a scanner read; the pass is the credential's when none is typed. */
  checkPrintRead: (passId: string | null, text: string) => call<PrintCheck>("check_print_read", { passId, text }),
  /** Starts the desk's camera: JPEG frames to `preview`, cards held up as camera-read events. */
  cameraWatch: (preview: Channel<ArrayBuffer>) => call<CameraInfo>("camera_watch", { preview }),
  /** The screen showing a camera was left: the desk's camera stops, the gate's sends no preview. */
  cameraUnwatch: () => call<null>("camera_unwatch"),
  encode: (passId: string) => call<EncodeResult>("encode_card", { passId }),
  resolveScan: (text: string) => call<string>("resolve_scan", { text }),
  firstScreenDrawn: () => call<void>("first_screen_drawn"),

  // The first set-up, before anyone signs in: the enrolment of an empty home
  setupStatus: () => call<SetupStatus>("setup_status"),
  enroll: (centralUrl: string, code: string, rootFingerprint: string, stationName: string) =>
    call<null>("setup_enroll", { centralUrl, code, rootFingerprint, stationName }),
  // The office's chip keys: an administrator's (generated on the first desk, imported, exported)
  chipKeys: () => call<ChipKeysSettings>("chip_keys_status"),
  generateChipKeys: () => call<KeySet>("chip_keys_generate"),
  importChipKeys: (exported: ArrayBuffer, passphrase: string) =>
    call<KeySet>("chip_keys_import", { export: Array.from(new Uint8Array(exported)), passphrase }),
  /** Seals `set` into the file `to`; the passphrase typed twice. Answers with the file written. */
  exportChipKeys: (set: KeySet, passphrase: string, again: string, to: string) =>
    call<string>("chip_keys_export", { set, passphrase, again, to }),

  // Settings' devices: listed for anyone signed in; chosen and tried by an administrator
  devices: () => call<DevicesView>("devices_list"),
  chooseDevices: (choices: DeviceChoices) => call<DeviceChoices>("devices_choose", { choices }),
  testPrint: () => call<TestPrintView>("devices_test_print"),
  testRead: () => call<TestReadView>("devices_test_read"),
  // Settings' backups (an administrator): the schedule, the passphrase set once, a backup now
  backupSettings: () => call<BackupSettingsView>("backup_settings"),
  backupSchedule: (folder: string, everyHours: number, passphrase: string | null) =>
    call<BackupSettingsView>("backup_schedule", { folder, everyHours, passphrase }),
  backupNow: () => call<BackupSettingsView>("backup_now"),

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
  takeOverClaim: async (passId: string, reason: string) =>
    call<DeskClaim>("take_over_claim", { passId, reason: reasonText(reason) }),
  delegates: () => call<Colleague[]>("delegates"),
  delegate: (to: string, firstDay: string, lastDay: string) => call<Delegation>("delegate", { to, firstDay, lastDay }),

  // The office's day: its figures, the blank-card stock, the closing, the cards nobody took
  receiveStock: (receipt: StockReceipt) => call<null>("receive_stock", { receipt }),
  /** Day `day` (YYYY-MM-DD) as it stands, or as it was closed. */
  officeDay: (day: string) => call<DayView>("office_day_report", { day }),
  /** Closes the day with the blanks counted in the hopper: signed, kept, sent to central; once. */
  closeOfficeDay: (day: string, hopper: number) => call<DayView>("close_office_day", { day, hopper }),
  recentDays: (days: number) => call<DayFigures[]>("recent_days", { days }),
  /** Writes a closed day's PDF, CSV and signed report into the station's reports folder. */
  exportOfficeDay: (day: string) => call<DayExport>("export_office_day", { day }),
  voidUncollected: async (reason: string) => call<Retired[]>("void_uncollected", { reason: reasonText(reason) }),

  // Hand-over
  pickups: () => call<Waiting[]>("pickups"),
  /** Whether the person at the counter may take each card: as its holder, or with its pick-up code. Records nothing. */
  checkRecipient: (who: RecipientCheck) => call<CardEntitlement[]>("check_recipient", { who }),
  /** Released cards of one application to one recipient: refused whole, nothing done, if any may not go. */
  handOver: (to: HandOver) => call<HandedOver>("hand_over", { to }),

  // The gate: verdicts arrive as gate-event events
  gateStart: (port: string | null) => call<GateInfo>("gate_start", { port }),
  gateStop: () => call<null>("gate_stop"),
  gateCheckImage: (image: ArrayBuffer) => call<null>("gate_check_image", new Uint8Array(image)),
  /** A credential a handheld scanner typed (`PP2:…`). */
  gateScan: (text: string) => call<null>("gate_scan", { text }),
  /** The running gate's camera preview to `preview`; whether the gate has a camera. */
  gatePreview: (preview: Channel<ArrayBuffer>) => call<boolean>("gate_preview", { preview }),
  gateTapDemoCard: (passId: string) => call<null>("gate_tap_demo_card", { passId }),
  gateChecksToday: () => call<CardCheck[]>("gate_checks_today"),
};
