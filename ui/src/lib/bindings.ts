// Generated from the Rust types by `cargo test -p pass-station --bin pass-station bindings`
// with UPDATE_BINDINGS=1; do not edit. See src-tauri/src/bin/pass-station/bindings.rs.

export type ApplicationRow = { application_id: string, company_name: string, 
/**
 * A crew of temporary passes (else long-term ones).
 */
temporary: boolean, 
/**
 * Every item of the application this office holds, in any state.
 */
items: number, 
/**
 * Waiting to be printed.
 */
approved: number, 
/**
 * Printed, checked or encoded: in the making.
 */
in_making: number, 
/**
 * Released, ready for pick-up.
 */
ready: number, handed_over: number, 
/**
 * Out of the work (withdrawn by central, spoiled, voided, uncollected):
 * they hold none of the others back.
 */
out: number, 
/**
 * The first day any of its passes is valid (YYYY-MM-DD).
 */
valid_from: string, 
/**
 * The pass numbers waiting to be printed, oldest first.
 */
printable: Array<string>, 
/**
 * The pass numbers of cards released and waiting for pick-up, oldest first.
 */
ready_ids: Array<string>, };

export type AuditEntry = { seq: number, at: string, actor: string, action: string, pass_id: string | null, detail: JsonValue, prev_hash: string, hash: string, };

export type BackupFailure = { 
/**
 * The error's stable code (`error.code.<code>` in the catalogues).
 */
code: string, params: JsonValue, 
/**
 * The English message, for logs.
 */
message: string, };

export type BackupSettingsView = { folder: string | null, every_hours: number | null, 
/**
 * Whether the passphrase was set (its key is kept; the passphrase never is).
 */
passphrase_set: boolean, last: BackupStatus | null, 
/**
 * When the next scheduled backup is due (RFC 3339), once set up.
 */
next_due: string | null, };

export type BackupStatus = { 
/**
 * When it ran (RFC 3339).
 */
at: string, ok: boolean, 
/**
 * The file written, when it was.
 */
path: string | null, 
/**
 * Why it failed, when it did.
 */
failure: BackupFailure | null, };

export type CameraChoice = { "kind": "webcam", index: number, } | { "kind": "frames", dir: string, };

export type CameraInfo = { camera: CameraChoice, };

export type CameraRead = { text: string, 
/**
 * When the frame it was read in was captured (ms since the Unix epoch),
 * for the screen's frame-to-verdict time.
 */
captured_ms: number, };

export type CameraState = { 
/**
 * The camera's name (a webcam's, or the picture folder's).
 */
name: string, 
/**
 * Delivering frames now.
 */
running: boolean, 
/**
 * Why it is not, in the core's words, when it failed.
 */
problem: string | null, 
/**
 * Frames captured in the last second.
 */
fps: number, 
/**
 * Frames sent to the screen's preview in the last second.
 */
preview_fps: number, };

export type CameraView = { choice: CameraChoice, 
/**
 * The system's name for a webcam; the folder for pictures.
 */
name: string, };

export type CardAction = "print" | "check_print" | "encode" | "release" | "refuse_release" | "hand_over" | "spoil" | "void" | "reprint" | "take_photo" | "take_over_claim";

export type CardCheck = { 
/**
 * When, RFC 3339 on the wire.
 */
at: string, 
/**
 * Who checked: the officer, or the station itself.
 */
actor: string, source: CheckSource, pass_id: string | null, version: number | null, 
/**
 * The chip's UID in upper-case hex, when the chip was read.
 */
card_uid: string | null, 
/**
 * The port the check was made at, when the station knows it.
 */
port: string | null, outcome: CheckOutcome, };

export type CardEntitlement = { pass_id: string, 
/**
 * The holder's name, or the vehicle's plate.
 */
holder: string, 
/**
 * `None`: only with a supervisor's approval.
 */
entitlement: Entitlement | null, };

export type CardFaces = { print: number, 
/**
 * The chip's UID in upper-case hex.
 */
card_uid: string | null, };

export type CardState = "approved" | "printed" | "print_verified" | "encoded" | "released" | "handed_over" | "spoiled" | "voided" | "withdrawn" | "uncollected";

export type CardView = { record: ItemRecord, history: Array<AuditEntry>, actions: Array<CardAction>, 
/**
 * Another desk's claim on the pass, while it binds: this desk does not print it.
 */
claimed_elsewhere: DeskClaim | null, };

export type CheckOutcome = "valid" | "not_our_card" | "specimen" | "malformed" | "no_trust_list" | "unknown_signer" | "bad_signature" | "signer_revoked" | "signer_out_of_validity" | "not_yet_valid" | "expired" | "pass_revoked" | "card_spoiled" | "card_voided" | "pass_withdrawn" | "card_uncollected" | "card_replaced" | "not_valid_at_this_port" | "chip_bound_to_another_card" | "photo_altered" | "not_handed_over";

export type CheckSource = "qr" | "chip";

export type ChipKeysSettings = { 
/**
 * The user's home folder, where the export form starts (a USB stick's folder is typed in its place).
 */
export_dir: string, office: string, 
/**
 * `None`: no keys yet (generate them on the office's first desk, else import).
 */
held: KeySet | null, };

export type ClerkDay = { clerk: string, printed: number, spoiled: number, handed_over: number, 
/**
 * Spoils per card printed, in percent; `None` when they printed nothing.
 */
spoil_rate: number | null, };

export type Colleague = { username: string, display_name: string, roles: Array<Role>, };

export type Crop = { x: number, y: number, width: number, height: number, };

export type DayExport = { pdf: string, csv: string, 
/**
 * The signed report (COSE_Sign1), for anyone to check with the station's key.
 */
signed: string, };

export type DayFigures = { day: string, printed: number, spoiled: number, };

export type DayReport = { office: string, station_id: string, 
/**
 * The office day, `YYYY-MM-DD` (Taiwan time).
 */
day: string, 
/**
 * Cards printed (each a blank used).
 */
printed: number, encoded: number, released: number, handed_over: number, spoiled: number, voided: number, reprinted: number, uncollected: number, 
/**
 * Spoils by the reason given, most first.
 */
spoil_reasons: Array<ReasonCount>, 
/**
 * Each clerk's work, by user name.
 */
clerks: Array<ClerkDay>, 
/**
 * Spoils per card printed over the office's last 30 days (this one
 * included), in percent; `None` when nothing was printed.
 */
office_spoil_rate: number | null, stock: StockBalance, };

export type DayView = { report: DayReport, closed_by: string | null, closed_at: string | null, 
/**
 * The stock does not balance: the supervisor looks into it.
 */
stock_flagged: boolean, };

export type Delegation = { delegator: string, delegate: string, 
/**
 * Office days, both included.
 */
first_day: string, last_day: string, created_at: string, };

export type DemoUser = { username: string, display_name: string, role: Role, password: string, };

export type DeskClaim = { 
/**
 * The desk's name, as the office knows it.
 */
desk: string, 
/**
 * When it claimed the pass (RFC 3339).
 */
since: string, 
/**
 * When the claim ends unless that desk carries on (RFC 3339).
 */
until: string, };

export type DeviceChoices = { 
/**
 * The CUPS queue cards print to.
 */
printer?: string | null, 
/**
 * The PC/SC reader the desk writes chips on.
 */
reader?: string | null, 
/**
 * The camera the check-print and gate screens watch.
 */
camera?: CameraChoice | null, };

export type DeviceState = { 
/**
 * Whether central answered last time it was asked; `None` before the first try.
 */
online: boolean | null, 
/**
 * Since when it has (or has not).
 */
online_since: string | null, 
/**
 * Each PC/SC reader, and whether a card is on it.
 */
readers: { [key in string]: boolean }, 
/**
 * Why the readers cannot be watched (no pcscd, say), in the core's words.
 */
reader_problem: string | null, 
/**
 * The live camera of the check-print or gate screen, once one has started.
 */
camera: CameraState | null, };

export type DevicesView = { 
/**
 * What `station.json` holds.
 */
chosen: DeviceChoices, 
/**
 * The CUPS queues, each with what would stop a job, if anything.
 */
printers: Array<PrinterView>, printer_problem: ErrorView | null, 
/**
 * The PC/SC readers pcscd knows.
 */
readers: Array<string>, reader_problem: ErrorView | null, 
/**
 * The webcams, and the folder of pictures played as a camera, if any.
 */
cameras: Array<CameraView>, camera_problem: ErrorView | null, };

export type Duty = "read" | "issue" | "approve" | "delegate" | "check" | "administer" | "audit";

export type EncodeResult = { valid: boolean, reason_zh: string | null, reason_en: string | null, pass_id: string, version: number, 
/**
 * The card's UID, upper-case hex.
 */
card_uid: string, 
/**
 * Whether the card came blank or was one of ours (a reissue, or an interrupted write now completed).
 */
was_blank: boolean, apdu_exchanges: number, };

export type EncodeStep = { n: number, step: ExchangeKind, ok: boolean, };

export type Entitlement = { "by": "holder" } | { "by": "pickup_code", delegate: string, 
/**
 * The code's ID (hex), recorded as used when the card goes.
 */
code_id: string, };

export type ErrorClass = "failure" | "usage" | "setup" | "offline" | "central" | "not_found" | "busy" | "invalid" | "card" | "tampered" | "printer" | "camera" | "auth";

export type ErrorCode = "unexpected" | "io" | "store.failed" | "signer_key" | "no_trust_list" | "corrupt" | "run_setup" | "backup_damaged" | "usage" | "twice_in_batch" | "recipient_missing" | "nothing_to_hand_over" | "other_application" | "id_document.national_id" | "id_document.resident_certificate" | "id_document.check_digit" | "id_document.passport_country" | "id_document.passport_number" | "pickup_code.not_a_code" | "pickup_code.malformed" | "pickup_code.unknown_signer" | "pickup_code.signer_revoked" | "pickup_code.bad_signature" | "pickup_code.expired" | "pickup_code.used" | "pickup_code.other_card" | "pickup_code.old_version" | "pickup_code.other_person" | "hand_over.needs_approval" | "day.closed" | "day.not_begun" | "day.open" | "reason_missing" | "bad_date" | "gate_not_running" | "backup_passphrase" | "bad_fingerprint" | "wrong_passphrase" | "other_office_keys" | "short_passphrase" | "passphrases_differ" | "not_enrolled" | "already_enrolled" | "config" | "root_mismatch" | "no_chip_keys" | "restore_over_station" | "central.unreachable" | "central.refused" | "central.enrolment_code_unknown" | "central.enrolment_code_used" | "untrusted" | "item_not_found" | "sync_busy" | "reader.failed" | "wrong_state" | "claim.elsewhere" | "claim.offline" | "claim.refused" | "chip_not_verified" | "seal_broken" | "clone_suspected" | "photo_missing" | "photo_vehicle" | "photo_card_made" | "photo_unreadable" | "printer.failed" | "camera.failed" | "no_qr_code" | "no_webcam_support" | "camera.none_chosen" | "auth.bad_credentials" | "auth.tries_left" | "auth.locked" | "auth.locked_until" | "auth.frozen" | "auth.unknown_offline" | "auth.not_signed_in" | "auth.signed_out" | "auth.forbidden" | "auth.two_person" | "auth.delegate_to_self" | "auth.delegation_backwards" | "auth.delegation_past" | "auth.delegate_unknown" | "auth.weak_password";

export type ErrorView = { 
/**
 * What kind of problem, for a translated lead sentence.
 */
class: ErrorClass, 
/**
 * The exit code `passctl` gives for it.
 */
exit_code: number, 
/**
 * Which failure, for a translated message.
 */
code: ErrorCode, 
/**
 * The values the message shows (see the module's documentation).
 */
params: JsonValue, 
/**
 * The core's English message: what happened and what to do (for logs and `passctl`).
 */
message: string, };

export type ExchangeKind = "uid" | "version" | "select" | "authenticate" | "create_application" | "create_file" | "change_key" | "write" | "commit" | "read" | "format" | "other";

export type GateEventView = { "kind": "verdict" } & VerdictView | { "kind": "no_trust_list" } | { "kind": "trust_refreshed", trust: TrustSummary, 
/**
 * Checks of the log central has now (sent this time, or known already).
 */
checks_sent: number, } | { "kind": "offline", since: string, last_refreshed: string | null, detail: string, } | { "kind": "card_unreadable", reader: string, detail: string, } | { "kind": "camera_stopped", detail: string, } | { "kind": "readers_stopped", detail: string, } | { "kind": "failed", detail: string, };

export type GateInfo = { port: string, 
/**
 * The gate's camera runs: its preview goes to `gate_preview`'s channel.
 */
camera: boolean, 
/**
 * Which camera, when it runs.
 */
camera_choice: CameraChoice | null, 
/**
 * Why there is no camera (none chosen, missing, failing), when there is none.
 */
camera_problem: ErrorView | null, 
/**
 * A gate does not start without its readers (PC/SC, or the demo's tray).
 */
readers: boolean, 
/**
 * Cards that can be presented from the screen (the demo's tray), by pass number.
 */
demo_cards: Array<string>, };

export type GateMessage = { event: GateEventView, captured_ms: number | null, };

export type HandOver = { 
/**
 * Released cards of one application.
 */
pass_ids: Array<string>, name: string, company: string, 
/**
 * As shown; only a masked form is kept.
 */
document: IdDocument, 
/**
 * Pick-up codes (`PK1:`…) the company's delegate brought, scanned or typed.
 */
pickup_codes: Array<string>, approval: SupervisorApproval | null, };

export type HandedOver = { application_id: string, 
/**
 * The cards handed over, in the order given.
 */
pass_ids: Array<string>, 
/**
 * What let the recipient take each card; `None` where the supervisor approved.
 */
cards: Array<CardEntitlement>, 
/**
 * The supervisor who approved the cards the recipient had no right to.
 */
approved_by: string | null, name: string, company: string, id_masked: string, };

export type HandedOverCard = { 
/**
 * The pass version of the card; a later version of the pass has had no hand-over yet.
 */
version: number, print: number, 
/**
 * The chip's UID in upper-case hex.
 */
card_uid: string | null, at: string, };

export type Holder = { "type": "person", 
/**
 * Name as on the ID card, usually Traditional Chinese.
 */
name: string, 
/**
 * Name in Latin letters, where the holder has one (passport spelling).
 */
name_latin: string | null, 
/**
 * Masked national ID, `A12****789`; central never sends the full number.
 */
national_id_masked: string, } | { "type": "vehicle", plate: string, 
/**
 * Such as 小客車, 貨車, 曳引車.
 */
vehicle_type: string, };

export type IdDocument = { "kind": "national_id", number: string, } | { "kind": "resident_certificate", number: string, } | { "kind": "passport", country: string, number: string, };

export type ItemRecord = { kind: PassKind, state: CardState, received_at: string, updated_at: string, photo_cached: boolean, pass_id: string, version: number, withdrawn: boolean, application_id: string, holder: Holder, temporary: boolean, company_name: string, company_tax_id: string, ports: Array<string>, valid_from: string, valid_to: string, pickup_office: string, photo_sha256: string | null, 
/**
 * The card of this version handed over at a desk of the office, as central reports it.
 */
handed_over: HandedOverCard | null, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type KeySet = "office" | "gate";

export type Mismatch = { "kind": "other_card", pass_id: string, version: number, } | { "kind": "other_print", version: number, print: number, } | { "kind": "not_ours" } | { "kind": "no_print" };

export type OutboxReport = { accepted: number, 
/**
 * Central had them already (an earlier send whose answer was lost).
 */
duplicates: number, 
/**
 * Refused for good; listed by `passctl outbox --rejected`.
 */
rejected: number, };

export type PageSummary = { 
/**
 * Items new to this station.
 */
added: number, 
/**
 * Items seen before at an older version.
 */
updated: number, 
/**
 * Items that central withdrew and this station had not handed over.
 */
withdrawn: number, 
/**
 * Items already held at this version or newer (a repeated record).
 */
unchanged: number, rejected: number, 
/**
 * Passes withdrawn while the office held their card, which is now void:
 * the clerk must take these cards out of the work.
 */
voided_cards: Array<string>, };

export type PassKind = "person" | "vehicle" | "temporary_person" | "temporary_vehicle";

export type PhotoSave = "check" | "if_clean" | "anyway";

export type PhotoTaken = { pass_id: string, warnings: Array<PhotoWarning>, 
/**
 * The part of the picture taken (the clerk's crop, narrowed to 3:4).
 */
crop: Crop, source_width: number, source_height: number, 
/**
 * The card photo's size in pixels.
 */
width: number, height: number, 
/**
 * The photo's SHA-256 once kept: the card prints with it now, and it
 * goes to central at the next sync.
 */
saved: string | null, };

export type PhotoWarning = { "kind": "too_dark", mean: number, least: number, } | { "kind": "blurred", sharpness: number, least: number, } | { "kind": "face_area_small", width: number, height: number, least_width: number, least_height: number, };

export type PrintCheck = { pass_id: string, 
/**
 * The print carries this pass's credential: the card moved to `print_verified`.
 */
matches: boolean, 
/**
 * Why not, when it does not, in English (the audit's words).
 */
problem: string | null, 
/**
 * What the printed code is instead, for a screen to say in its language.
 */
mismatch: Mismatch | null, 
/**
 * Whether a print that does not match was marked `spoiled`; when not,
 * the card stays printed and the clerk decides (spoil it, or show the
 * right card again).
 */
spoiled: boolean, };

export type PrintOutcome = { pass_id: string, stage: PrintStage, 
/**
 * The card's print serial, once printed.
 */
print: number | null, 
/**
 * The files written, when printed to a folder.
 */
files: Array<string>, 
/**
 * The CUPS job number, when printed through CUPS.
 */
job: number | null, error: ErrorView | null, };

export type PrintStage = "printing" | "printed" | "failed";

export type PrinterView = { name: string, 
/**
 * Why a job sent now would not print (the printer's words), if so.
 */
problem: string | null, };

export type QueuePage = { rows: Array<QueueRow>, offset: number, 
/**
 * How many items match the search and filter in all, or, when
 * `total_at_least`, how many were counted before the count stopped.
 */
total: number, 
/**
 * The count stopped short: at least `total` match, perhaps more.
 */
total_at_least: boolean, };

export type QueueRow = { pass_id: string, version: number, kind: PassKind, holder: string, company_name: string, ports: Array<string>, valid_from: string, valid_to: string, state: CardState, 
/**
 * Another desk's claim on the pass, while it binds (filled in by the
 * desk's queue, which knows which desk this is).
 */
claimed_elsewhere: DeskClaim | null, };

export type ReasonCount = { reason: string, count: number, };

export type Recipient = { name: string, company: string, id_masked: string, };

export type RecipientCheck = { pass_ids: Array<string>, name: string, document: IdDocument | null, pickup_codes: Array<string>, };

export type RejectedItem = { pass_id: string, reason: string, seen_at: string, };

export type Released = { pass_id: string, card_uid: string, released_by: string, delegated_by: string | null, };

export type Reprinted = { pass_id: string, old_version: number, new_version: number, 
/**
 * The old card (its print and chip), now on the hotlist, if one was made.
 */
old_card: CardFaces | null, };

export type Retired = { pass_id: string, print: number | null, chip_uid: string | null, };

export type Role = "clerk" | "supervisor" | "gate_officer" | "admin";

export type SetupStatus = { 
/**
 * Whether the home holds an enrolled station; without one, the app opens its set-up screen.
 */
enrolled: boolean, 
/**
 * The chip keys the station holds, if any.
 */
chip_keys: KeySet | null, };

export type SignedIn = { username: string, display_name: string, roles: Array<Role>, 
/**
 * Each duty the user has today, by role or by a supervisor's delegation.
 */
duties: Array<Duty>, 
/**
 * The supervisor whose approval rights the user holds today, if any.
 */
delegated_by: string | null, 
/**
 * After this many minutes without a step the core signs the user out;
 * the app locks its screen after as long without input.
 */
idle_sign_out_minutes: number, };

export type StationStatus = { 
/**
 * `pdf` (a folder) or `cups` (a queue), and where.
 */
printer_kind: string, printer: string, 
/**
 * `virtual` (the demo's) or `pcsc`.
 */
reader_kind: string, 
/**
 * The PC/SC reader chips are written on, when one is named.
 */
reader: string | null, 
/**
 * The camera the check-print and gate screens watch, if any.
 */
camera: CameraChoice | null, devices: DeviceState, demo: boolean, 
/**
 * Where the demo's camera leaves pictures of printed cards.
 */
camera_dir: string | null, station_id: string, station_name: string, office: string, office_zh: string, office_en: string, central_url: string, enrolled_at: string, 
/**
 * When the feed was last read to its end (RFC 3339).
 */
last_sync: string | null, outbox: number, 
/**
 * When central issued the hotlist the station holds (RFC 3339); verdicts
 * warn once it is older than `hotlist_max_age_hours`.
 */
hotlist_issued_at: string | null, hotlist_max_age_hours: number, counts: Array<[CardState, number]>, 
/**
 * The states the queue shows unless asked for others.
 */
open_states: Array<CardState>, home: string, };

export type StockBalance = { 
/**
 * Blank cards received, ever, by the day's end.
 */
received: number, 
/**
 * Blanks used, ever, by the day's end.
 */
used: number, 
/**
 * What the hopper should hold: received less used.
 */
expected_in_hopper: number, 
/**
 * What the clerk counted at closing; `None` before the day is closed.
 */
counted_in_hopper: number | null, 
/**
 * Counted less expected; anything but 0 is flagged for the supervisor.
 */
difference: number | null, };

export type StockReceipt = { count: number, first_serial: string | null, last_serial: string | null, };

export type SupervisorApproval = { supervisor: string, 
/**
 * Checked against the hash kept from their last sign-in; never kept.
 */
password: string, 
/**
 * Why the card may go to someone the pass system does not name; audited.
 */
reason: string, };

export type SyncFinished = { report: SyncView | null, error: ErrorView | null, };

export type SyncStage = { "stage": "items", items: number, more: boolean, } | { "stage": "photos", done: number, total: number, } | { "stage": "events", sent: number, };

export type SyncView = { 
/**
 * Every record set aside so far, for the central office to look at.
 */
set_aside: Array<RejectedItem>, pages: number, items: PageSummary, 
/**
 * Central no longer knew our position, so the feed was read from its start.
 */
full_resync: boolean, photos_fetched: number, 
/**
 * Photos that could not be had this time (the items are kept; the next sync tries again).
 */
photo_problems: Array<string>, events: OutboxReport, 
/**
 * Transient failures that were retried.
 */
retried: Array<string>, 
/**
 * The trust list and hotlist held after the sync.
 */
trust: TrustSummary, };

export type TestPrintView = { 
/**
 * The CUPS job, when printed through CUPS.
 */
job: number | null, 
/**
 * The files written, when printed to a folder.
 */
files: Array<string>, };

export type TestReadView = { 
/**
 * `blank` (ready to write), `ours` (a card this office wrote),
 * `foreign` (another system's card) or `unreadable`.
 */
kind: string, 
/**
 * The card's UID, upper-case hex, when it could be read.
 */
card_uid: string | null, 
/**
 * The pass a card of ours was written for.
 */
pass_id: string | null, 
/**
 * Why the card could not be read, for `unreadable`.
 */
problem: ErrorView | null, };

export type TrustSummary = { trust_list_sequence: number, signers: number, hotlist_sequence: number, hotlist_entries: number, };

export type VerdictView = { valid: boolean, 
/**
 * `valid`, the reason's code, or `not_our_card`.
 */
outcome: string, message_zh: string, message_en: string, source: CheckSource, at: string, card_uid: string | null, pass_id: string | null, version: number | null, 
/**
 * The holder's name, or the vehicle's plate.
 */
holder: string | null, holder_latin: string | null, id_masked: string | null, company: string | null, 
/**
 * The holder's photo, base64 JPEG: the chip's own when a chip carries
 * one its credential signs for, else the cached one.
 */
photo: string | null, 
/**
 * Whether the photo came from the chip.
 */
photo_from_chip: boolean, 
/**
 * The pass's first valid day (office time), `YYYY-MM-DD`: a card not
 * valid yet says from when it is.
 */
valid_from: string | null, 
/**
 * The pass's last valid day (office time), `YYYY-MM-DD`.
 */
valid_to: string | null, warnings: Array<WarningView>, elapsed_ms: number, };

export type Waiting = { days_waiting: number, pass_id: string, 
/**
 * The holder's name, or the vehicle's plate.
 */
holder: string, company_name: string, 
/**
 * The application the pass came with: its cards are collected together.
 */
application_id: string, 
/**
 * When the card was released: its `released` audit entry, or, lacking
 * one, when the item last changed.
 */
released_at: string, };

export type WarningView = { zh: string, en: string, };
