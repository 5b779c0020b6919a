//! One error kind for the station: [`StationError`], everything that can go
//! wrong in the core, the classes of outcome every shell shares, and each
//! failure's stable code and parameters.
//!
//! What it is for: [`StationError`] is the error every step of the core
//! returns, with its English message. It sits below everything that returns
//! it: it names only the pass model, the cache's errors, the drivers' errors
//! and the refusals of the person ([`crate::policy`]), never a module that
//! returns it. [`ErrorClass`] is the one list of outcome classes. Each
//! has the exit code `passctl` gives, the name the UI's lead sentences key
//! on, and the line `passctl --help` shows ([`exit_code_help`]); the README's
//! table is checked against it. [`Code`] names every failure the core
//! reports, each in one class, and [`ErrorView`] is a failure as a shell
//! passes it on: class, exit code, code, parameters and the English message.
//!
//! The code scheme. A code is snake_case ASCII and stable: the UI's
//! catalogues (`ui/src/lib/locales`, key `error.code.<code>`) key on it, so a
//! code is renamed only together with both catalogues.
//! - A failure of the core's own is named for what happened: `not_enrolled`,
//!   `wrong_state`, `seal_broken`.
//! - A failure carried from another part is `<part>.<kind>`: `auth.<kind>`
//!   for each refusal of the person (`auth.signed_out`); the drivers' and the
//!   cache's failures are told apart by their class only (`reader.failed`,
//!   `printer.failed`, `camera.failed`, `store.failed`, `central.unreachable`,
//!   `central.refused`), their own message being the `detail` parameter.
//! - Two codes are general: `usage` for a request no screen offers in that
//!   form (a malformed key export, a value a shell parsed), its message the
//!   `detail` parameter; `unexpected` for a shell's own failure (a thread
//!   that stopped), from [`ErrorView::failure`].
//!
//! Parameters are a JSON object of the values the message shows, under the
//! names the catalogues fill in (`{pass_id}`): card states, roles and duties
//! as their codes (`state`, `needs`, `roles`, `duty`), which the UI names in
//! its own words. Never a secret, and nothing personal beyond what the
//! message already shows.
//!
//! What it is not for: the wording of other parts' failures, or any
//! translation. The English messages live with the errors (their `#[error]`
//! lines, here and in [`crate::policy`] and the drivers) and name no shell
//! command; the translated ones live in the UI's catalogues; a shell adds its
//! own hints (`passctl` names its commands).

use std::path::PathBuf;

use pass_central::api::error_code;
use pass_central::client::CentralError;
use serde::Serialize;
use serde_json::{Value, json};

use crate::model::{CardState, Step, states_text};
use crate::policy::{AuthError, FREEZE_AFTER, LOCK_AFTER_FAILURES, LOCKOUT};
use crate::store::StoreError;

/// Everything that can go wrong in the station, each with what to do about it
/// (in terms of the step, never of a shell's command). Its code, parameters and
/// class of outcome are below.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    #[error(
        "this station is not enrolled yet (home {home}); enrol it with central first, with the one-time code and \
         the root key fingerprint from the central office"
    )]
    NotEnrolled { home: PathBuf },
    #[error(
        "this station is already enrolled as {station_id} for office {office} (home {home}); \
         to enrol again, use a new home folder"
    )]
    AlreadyEnrolled {
        home: PathBuf,
        station_id: String,
        office: String,
    },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the station settings in {path} are damaged: {detail}; restore them from a backup or enrol again")]
    Config { path: PathBuf, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{stage}: {source}")]
    Central { stage: String, source: CentralError },
    #[error("another sync is already running for the station at {home}; wait for it to finish")]
    SyncBusy { home: PathBuf },
    #[error("no item {0:?} in this station's cache (check the pass number, or sync first)")]
    ItemNotFound(String),
    #[error(
        "central sent a {what} that fails its signature or sequence check ({detail}); \
         the one held is kept; report this to the central office"
    )]
    Untrusted { what: &'static str, detail: String },
    #[error("cannot sign or read the station's credential key: {0}; restore station.key from a backup or enrol again")]
    SignerKey(String),
    #[error(transparent)]
    Card(#[from] pass_reader::ReaderError),
    #[error("{pass_id} is {state} here, and {step} needs a card that is {}", states_text(.needs))]
    WrongState {
        pass_id: String,
        state: CardState,
        step: &'static str,
        needs: &'static [CardState],
    },
    #[error(
        "{pass_id} is being made at {desk} (claimed at {since}): print it there, or have a supervisor take the \
         claim over"
    )]
    ClaimedElsewhere {
        pass_id: String,
        desk: String,
        since: String,
    },
    #[error(
        "{pass_id} was not claimed for this desk while central could be reached: offline, a desk prints only the \
         passes it claimed beforehand. Print it when central is back, or claim the day's work before going offline"
    )]
    NotClaimedOffline { pass_id: String },
    #[error("central lets no desk claim {pass_id}: {reason}; sync to see where the pass stands")]
    NotClaimable { pass_id: String, reason: String },
    #[error(
        "the chip on the reader does not verify as {pass_id}'s card ({problem}); spoil the card and have a \
         supervisor approve a reprint"
    )]
    ChipNotVerified { pass_id: String, problem: String },
    #[error(
        "central at {central} handed over a root key with fingerprint {found}, not the {expected} the \
         authority published: this station was not enrolled and keeps nothing. Check the address and the \
         fingerprint with the authority before trying again"
    )]
    RootMismatch {
        central: String,
        expected: String,
        found: String,
    },
    #[error(
        "the seal check of {pass_id} failed: {problem}. Scan the QR on this card again; if it still fails, \
         refuse the release, which spoils the card"
    )]
    SealBroken { pass_id: String, problem: String },
    #[error(
        "the card on the reader (UID {card_uid}) reads as blank, but this station has written a chip with that \
         UID before: it is a copy or an emulator. Keep the card apart and report it to a supervisor"
    )]
    CloneSuspected { card_uid: String },
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("the holder's photo for {pass_id} is not in the cache: sync, or take the photo at the desk, then print")]
    PhotoMissing { pass_id: String },
    #[error("this picture cannot be made into a card photo ({detail}); take it again, or choose another picture")]
    PhotoUnreadable { detail: String },
    #[error("{pass_id} is a vehicle's pass: its card prints without a holder photo")]
    PhotoVehicle { pass_id: String },
    #[error(
        "{pass_id} is {state} here: a holder photo is taken before the card is printed; spoil the card and have          a supervisor approve a reprint first"
    )]
    PhotoCardMade { pass_id: String, state: CardState },
    #[error(transparent)]
    Camera(#[from] pass_camera::CameraError),
    #[error("no pass QR code could be read from {from}: hold the card flat, closer and out of glare, then try again")]
    NoQrCode { from: String },
    #[error("this build of the station has no webcam support: read the QR from a photo of the card instead")]
    NoWebcamSupport,
    #[error(
        "no camera is chosen for this station: an administrator chooses one in Settings; until then use the reader, a handheld scanner or a photo"
    )]
    NoCameraChosen,
    #[error("{0}; no card was marked printed")]
    Printer(#[from] pass_printer::PrinterError),
    #[error(
        "this station has no chip keys yet (home {home}); generate the office's chip keys if this is its first \
         station, else import them from an export made at another station of the office"
    )]
    NoChipKeys { home: PathBuf },
    #[error("the backup {path} cannot be restored: {detail}; nothing was restored: restore another copy of the backup")]
    BackupDamaged { path: PathBuf, detail: String },
    #[error(
        "wrong passphrase for the backup {path}; nothing was restored: give the passphrase set when the backups \
         were set up"
    )]
    BackupPassphrase { path: PathBuf },
    #[error(
        "the folder {home} holds station {station_id} of office {office}; a backup is restored only into a new, \
         empty folder, never over a station: give a new folder"
    )]
    RestoreOverStation {
        home: PathBuf,
        station_id: String,
        office: String,
    },
    #[error(
        "the root key fingerprint is not 64 hex digits (SHA-256); copy it again from the authority's enrolment \
         letter"
    )]
    BadFingerprint,
    #[error(
        "wrong passphrase, or the file was altered: nothing was imported; type the passphrase again, exactly as it \
         was typed at the export"
    )]
    WrongPassphrase,
    #[error(
        "the file holds the chip keys of office {file_office}, and this station is enrolled for {office}: ask \
         {office}'s administrator for an export of its keys"
    )]
    OtherOfficeKeys { file_office: String, office: String },
    #[error("the passphrase must have at least {min} characters: it guards every card of the office")]
    ShortPassphrase { min: usize },
    #[error("the two passphrases differ; type the same passphrase twice")]
    PassphrasesDiffer,
    #[error("this station has no trust list yet: sync while online")]
    NoTrustList,
    #[error("the station cache holds damaged data: {0}")]
    Corrupt(String),
    /// A request the station cannot act on as given, of a kind no screen offers.
    #[error("{0}")]
    Usage(String),
    #[error("{pass_id} is in the batch twice; a pass gets one card")]
    TwiceInBatch { pass_id: String },
    #[error("a hand-over needs the recipient's name and company")]
    RecipientMissing,
    #[error("pick the released cards to hand over")]
    NothingToHandOver,
    #[error(
        "{pass_id} belongs to application {application_id}, not {expected}; hand over one application's cards at a time"
    )]
    OtherApplication {
        pass_id: String,
        application_id: String,
        expected: String,
    },
    #[error(transparent)]
    BadIdDocument(#[from] pass_central::identity::IdDocumentError),
    #[error(transparent)]
    Pickup(#[from] crate::policy::PickupRefusal),
    #[error(
        "{} may not go to this recipient: they are neither the holder nor the delegate of its pick-up code; \
         a supervisor must approve the hand-over, with a reason", pass_ids.join(", ")
    )]
    NeedsApproval { pass_ids: Vec<String> },
    #[error("office day {day} was closed already, by {closed_by}; its report stands as signed")]
    DayClosed { day: String, closed_by: String },
    #[error("office day {day} has not begun; close today or a day before")]
    DayNotBegun { day: String },
    #[error("office day {day} is not closed yet: a supervisor closes it first, with the hopper's count")]
    DayOpen { day: String },
    #[error("give the reason; it goes into the audit trail")]
    ReasonMissing,
    #[error("the {which} day {text:?} is not a date such as 2026-12-01")]
    BadDate { which: &'static str, text: String },
    #[error("the gate is not running; start it first")]
    GateNotRunning,
    /// The demo or benchmark could not set up its own parts (central-sim, folders).
    #[error("cannot prepare the run: {0}")]
    RunSetup(String),
}

impl StationError {
    /// The refusal of `step` (named for the clerk, such as "printing") for
    /// `pass_id`'s card, given the state it was found in.
    pub(crate) fn wrong_state(pass_id: &str, name: &'static str, step: &Step) -> impl Fn(CardState) -> StationError {
        let pass_id = pass_id.to_owned();
        let needs = step.from;
        move |state| StationError::WrongState {
            pass_id: pass_id.clone(),
            state,
            step: name,
            needs,
        }
    }
}

/// A class of outcome: what kind of problem, and the exit code `passctl`
/// gives for it. Success (exit code 0) is not a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Failure,
    Usage,
    Setup,
    Offline,
    Central,
    NotFound,
    Busy,
    /// A verdict, not an error: the credential was refused.
    Invalid,
    Card,
    /// A verdict, not an error: the audit trail's chain is broken.
    Tampered,
    Printer,
    Camera,
    Auth,
}

impl ErrorClass {
    /// Every class, in the order of their exit codes.
    pub const ALL: [ErrorClass; 13] = [
        ErrorClass::Failure,
        ErrorClass::Usage,
        ErrorClass::Setup,
        ErrorClass::Offline,
        ErrorClass::Central,
        ErrorClass::NotFound,
        ErrorClass::Busy,
        ErrorClass::Invalid,
        ErrorClass::Card,
        ErrorClass::Tampered,
        ErrorClass::Printer,
        ErrorClass::Camera,
        ErrorClass::Auth,
    ];

    /// The class's exit code, name and one-line description.
    fn row(self) -> (u8, &'static str, &'static str) {
        match self {
            ErrorClass::Failure => (
                1,
                "failure",
                "unexpected failure (disk, damaged cache); the message says which file",
            ),
            ErrorClass::Usage => (
                2,
                "usage",
                "wrong usage: a missing or malformed value (a reason, an ID number, a command-line argument)",
            ),
            ErrorClass::Setup => (
                3,
                "setup",
                "station not set up: not enrolled yet, already enrolled, damaged settings, or no chip keys",
            ),
            ErrorClass::Offline => (
                4,
                "offline",
                "central pass API unreachable; the cache is intact, try again when online",
            ),
            ErrorClass::Central => (
                5,
                "central",
                "central pass API refused the request or sent data that breaks the contract",
            ),
            ErrorClass::NotFound => (6, "not_found", "no such item in the cache"),
            ErrorClass::Busy => (7, "busy", "another sync of this station is running"),
            ErrorClass::Invalid => (
                8,
                "invalid",
                "the credential is not valid, or not this pass's (the verdict says why)",
            ),
            ErrorClass::Card => (
                9,
                "card",
                "the card: no card, card pulled, not our card, or not in the state the step needs",
            ),
            ErrorClass::Tampered => (
                10,
                "tampered",
                "the audit trail was tampered with (the message says where)",
            ),
            ErrorClass::Printer => (
                11,
                "printer",
                "the printer: queue stopped, job held or failed, printer unknown; no card was marked printed",
            ),
            ErrorClass::Camera => (
                12,
                "camera",
                "the camera or photo: no readable pass QR, camera missing or broken",
            ),
            ErrorClass::Auth => (
                13,
                "auth",
                "the user: not signed in, signed out, wrong password, locked, frozen, or not allowed to take the step",
            ),
        }
    }

    /// The process exit code `passctl` gives for this class.
    pub fn exit_code(self) -> u8 {
        self.row().0
    }

    /// The stable snake_case name, as the UI knows the class.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// What the class means, in one English line.
    pub fn description(self) -> &'static str {
        self.row().2
    }
}

impl Serialize for ErrorClass {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The exit-code list `passctl --help` ends with: success, then every class.
pub fn exit_code_help() -> String {
    let mut text = String::from("Exit codes:\n  0  done");
    for class in ErrorClass::ALL {
        text.push_str(&format!("\n{:>3}  {}", class.exit_code(), class.description()));
    }
    text
}

/// Declares [`Code`] from one table, so its list of every code and the
/// class of each cannot drift from the variants.
macro_rules! codes {
    ($($variant:ident = $name:literal in $class:ident,)*) => {
        /// Every failure the core reports, by its stable code (see the
        /// module's documentation for the scheme).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, for the tests that check the UI's catalogues.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as the shells and catalogues spell it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The class of outcome the failure belongs to.
            pub fn class(self) -> ErrorClass {
                match self {
                    $(Code::$variant => ErrorClass::$class,)*
                }
            }
        }
    };
}

codes! {
    Unexpected = "unexpected" in Failure,
    Io = "io" in Failure,
    Store = "store.failed" in Failure,
    SignerKey = "signer_key" in Failure,
    NoTrustList = "no_trust_list" in Failure,
    Corrupt = "corrupt" in Failure,
    RunSetup = "run_setup" in Failure,
    BackupDamaged = "backup_damaged" in Failure,
    Usage = "usage" in Usage,
    TwiceInBatch = "twice_in_batch" in Usage,
    RecipientMissing = "recipient_missing" in Usage,
    NothingToHandOver = "nothing_to_hand_over" in Usage,
    OtherApplication = "other_application" in Usage,
    IdNationalFormat = "id_document.national_id" in Usage,
    IdResidentFormat = "id_document.resident_certificate" in Usage,
    IdCheckDigit = "id_document.check_digit" in Usage,
    IdPassportCountry = "id_document.passport_country" in Usage,
    IdPassportNumber = "id_document.passport_number" in Usage,
    PickupNotACode = "pickup_code.not_a_code" in Auth,
    PickupMalformed = "pickup_code.malformed" in Auth,
    PickupUnknownSigner = "pickup_code.unknown_signer" in Auth,
    PickupSignerRevoked = "pickup_code.signer_revoked" in Auth,
    PickupBadSignature = "pickup_code.bad_signature" in Auth,
    PickupExpired = "pickup_code.expired" in Auth,
    PickupUsed = "pickup_code.used" in Auth,
    PickupOtherCard = "pickup_code.other_card" in Auth,
    PickupOldVersion = "pickup_code.old_version" in Auth,
    PickupOtherPerson = "pickup_code.other_person" in Auth,
    NeedsApproval = "hand_over.needs_approval" in Auth,
    DayClosed = "day.closed" in Usage,
    DayNotBegun = "day.not_begun" in Usage,
    DayOpen = "day.open" in Usage,
    ReasonMissing = "reason_missing" in Usage,
    BadDate = "bad_date" in Usage,
    GateNotRunning = "gate_not_running" in Usage,
    BackupPassphrase = "backup_passphrase" in Usage,
    BadFingerprint = "bad_fingerprint" in Usage,
    WrongPassphrase = "wrong_passphrase" in Usage,
    OtherOfficeKeys = "other_office_keys" in Usage,
    ShortPassphrase = "short_passphrase" in Usage,
    PassphrasesDiffer = "passphrases_differ" in Usage,
    NotEnrolled = "not_enrolled" in Setup,
    AlreadyEnrolled = "already_enrolled" in Setup,
    Config = "config" in Setup,
    RootMismatch = "root_mismatch" in Setup,
    NoChipKeys = "no_chip_keys" in Setup,
    RestoreOverStation = "restore_over_station" in Setup,
    CentralUnreachable = "central.unreachable" in Offline,
    CentralRefused = "central.refused" in Central,
    EnrolmentCodeUnknown = "central.enrolment_code_unknown" in Central,
    EnrolmentCodeUsed = "central.enrolment_code_used" in Central,
    Untrusted = "untrusted" in Central,
    ItemNotFound = "item_not_found" in NotFound,
    SyncBusy = "sync_busy" in Busy,
    Reader = "reader.failed" in Card,
    WrongState = "wrong_state" in Card,
    ClaimedElsewhere = "claim.elsewhere" in Card,
    NotClaimedOffline = "claim.offline" in Offline,
    NotClaimable = "claim.refused" in Central,
    ChipNotVerified = "chip_not_verified" in Card,
    SealBroken = "seal_broken" in Card,
    CloneSuspected = "clone_suspected" in Card,
    PhotoMissing = "photo_missing" in Card,
    PhotoVehicle = "photo_vehicle" in Card,
    PhotoCardMade = "photo_card_made" in Card,
    PhotoUnreadable = "photo_unreadable" in Camera,
    Printer = "printer.failed" in Printer,
    Camera = "camera.failed" in Camera,
    NoQrCode = "no_qr_code" in Camera,
    NoWebcamSupport = "no_webcam_support" in Camera,
    NoCameraChosen = "camera.none_chosen" in Camera,
    BadCredentials = "auth.bad_credentials" in Auth,
    TriesLeft = "auth.tries_left" in Auth,
    Locked = "auth.locked" in Auth,
    LockedUntil = "auth.locked_until" in Auth,
    Frozen = "auth.frozen" in Auth,
    UnknownOffline = "auth.unknown_offline" in Auth,
    NotSignedIn = "auth.not_signed_in" in Auth,
    SignedOut = "auth.signed_out" in Auth,
    Forbidden = "auth.forbidden" in Auth,
    TwoPerson = "auth.two_person" in Auth,
    DelegateToSelf = "auth.delegate_to_self" in Auth,
    DelegationBackwards = "auth.delegation_backwards" in Auth,
    DelegationPast = "auth.delegation_past" in Auth,
    DelegateUnknown = "auth.delegate_unknown" in Auth,
    WeakPassword = "auth.weak_password" in Auth,
}

/// An ID document's format problem: the number is shown masked, as in the message.
fn id_document_code(problem: &pass_central::identity::IdDocumentError) -> (Code, Value) {
    use pass_central::identity::IdDocumentError as E;
    match problem {
        E::NationalIdFormat(shown) => (Code::IdNationalFormat, json!({ "shown": shown })),
        E::ResidentFormat(shown) => (Code::IdResidentFormat, json!({ "shown": shown })),
        E::CheckDigit(shown) => (Code::IdCheckDigit, json!({ "shown": shown })),
        E::PassportCountry(shown) => (Code::IdPassportCountry, json!({ "shown": shown })),
        E::PassportNumber(shown) => (Code::IdPassportNumber, json!({ "shown": shown })),
    }
}

/// A pick-up code's refusal, with what its message names.
fn pickup_code(refusal: &crate::policy::PickupRefusal) -> (Code, Value) {
    use crate::policy::PickupRefusal as R;
    use pass_credential::PickupError as E;
    match refusal {
        R::Invalid(E::NotACode) => (Code::PickupNotACode, json!({})),
        R::Invalid(E::Malformed(detail)) => (Code::PickupMalformed, json!({ "detail": detail })),
        R::Invalid(E::UnknownSigner) => (Code::PickupUnknownSigner, json!({})),
        R::Invalid(E::SignerRevoked) => (Code::PickupSignerRevoked, json!({})),
        R::Invalid(E::BadSignature) => (Code::PickupBadSignature, json!({})),
        R::Invalid(E::Expired(at)) => (Code::PickupExpired, json!({ "at": at })),
        R::Used { pass_id, used_at } => (Code::PickupUsed, json!({ "pass_id": pass_id, "used_at": used_at })),
        R::OtherCard { pass_id } => (Code::PickupOtherCard, json!({ "pass_id": pass_id })),
        R::OldVersion {
            pass_id,
            code_version,
            version,
        } => (
            Code::PickupOldVersion,
            json!({ "pass_id": pass_id, "code_version": code_version, "version": version }),
        ),
        R::OtherPerson { delegate, recipient } => (
            Code::PickupOtherPerson,
            json!({ "delegate": delegate, "recipient": recipient }),
        ),
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl StationError {
    /// The failure's code and the values its message shows. Exhaustive, so a
    /// new variant cannot go without a code.
    fn code_and_params(&self) -> (Code, Value) {
        let detail = |source: &dyn std::fmt::Display| json!({ "detail": source.to_string() });
        match self {
            StationError::NotEnrolled { home } => (Code::NotEnrolled, json!({ "home": home.display().to_string() })),
            StationError::AlreadyEnrolled {
                home,
                station_id,
                office,
            } => (
                Code::AlreadyEnrolled,
                json!({ "home": home.display().to_string(), "station_id": station_id, "office": office }),
            ),
            StationError::Io { action, path, source } => (
                Code::Io,
                json!({ "action": action, "path": path.display().to_string(), "detail": source.to_string() }),
            ),
            StationError::Config { path, detail } => (
                Code::Config,
                json!({ "path": path.display().to_string(), "detail": detail }),
            ),
            StationError::Store(source) => (Code::Store, detail(source)),
            StationError::Central { stage, source } => {
                let code = match source {
                    CentralError::Unreachable { .. } => Code::CentralUnreachable,
                    CentralError::Api { code, .. } if code == error_code::ENROLMENT_CODE_UNKNOWN => {
                        Code::EnrolmentCodeUnknown
                    }
                    CentralError::Api { code, .. } if code == error_code::ENROLMENT_CODE_USED => {
                        Code::EnrolmentCodeUsed
                    }
                    _ => Code::CentralRefused,
                };
                (code, json!({ "stage": stage, "detail": source.to_string() }))
            }
            StationError::SyncBusy { home } => (Code::SyncBusy, json!({ "home": home.display().to_string() })),
            StationError::ItemNotFound(pass_id) => (Code::ItemNotFound, json!({ "pass_id": pass_id })),
            StationError::Untrusted { what, detail } => (Code::Untrusted, json!({ "what": what, "detail": detail })),
            StationError::SignerKey(problem) => (Code::SignerKey, detail(problem)),
            StationError::Card(source) => (Code::Reader, detail(source)),
            StationError::WrongState {
                pass_id,
                state,
                step,
                needs,
            } => (
                Code::WrongState,
                json!({ "pass_id": pass_id, "state": state, "step": step, "needs": needs }),
            ),
            StationError::ClaimedElsewhere { pass_id, desk, since } => (
                Code::ClaimedElsewhere,
                json!({ "pass_id": pass_id, "desk": desk, "since": since }),
            ),
            StationError::NotClaimedOffline { pass_id } => (Code::NotClaimedOffline, json!({ "pass_id": pass_id })),
            StationError::NotClaimable { pass_id, reason } => {
                (Code::NotClaimable, json!({ "pass_id": pass_id, "reason": reason }))
            }
            StationError::ChipNotVerified { pass_id, problem } => {
                (Code::ChipNotVerified, json!({ "pass_id": pass_id, "problem": problem }))
            }
            StationError::RootMismatch {
                central,
                expected,
                found,
            } => (
                Code::RootMismatch,
                json!({ "central": central, "expected": expected, "found": found }),
            ),
            StationError::SealBroken { pass_id, problem } => {
                (Code::SealBroken, json!({ "pass_id": pass_id, "problem": problem }))
            }
            StationError::CloneSuspected { card_uid } => (Code::CloneSuspected, json!({ "card_uid": card_uid })),
            StationError::Auth(refusal) => refusal.code_and_params(),
            StationError::PhotoMissing { pass_id } => (Code::PhotoMissing, json!({ "pass_id": pass_id })),
            StationError::PhotoUnreadable { detail } => (Code::PhotoUnreadable, json!({ "detail": detail })),
            StationError::PhotoVehicle { pass_id } => (Code::PhotoVehicle, json!({ "pass_id": pass_id })),
            StationError::PhotoCardMade { pass_id, state } => {
                (Code::PhotoCardMade, json!({ "pass_id": pass_id, "state": state }))
            }
            StationError::Camera(source) => (Code::Camera, detail(source)),
            StationError::NoQrCode { from } => (Code::NoQrCode, json!({ "from": from })),
            StationError::NoWebcamSupport => (Code::NoWebcamSupport, json!({})),
            StationError::NoCameraChosen => (Code::NoCameraChosen, json!({})),
            StationError::Printer(source) => (Code::Printer, detail(source)),
            StationError::NoChipKeys { home } => (Code::NoChipKeys, json!({ "home": home.display().to_string() })),
            StationError::BackupDamaged { path, detail } => (
                Code::BackupDamaged,
                json!({ "path": path.display().to_string(), "detail": detail }),
            ),
            StationError::BackupPassphrase { path } => {
                (Code::BackupPassphrase, json!({ "path": path.display().to_string() }))
            }
            StationError::RestoreOverStation {
                home,
                station_id,
                office,
            } => (
                Code::RestoreOverStation,
                json!({ "home": home.display().to_string(), "station_id": station_id, "office": office }),
            ),
            StationError::BadFingerprint => (Code::BadFingerprint, json!({})),
            StationError::WrongPassphrase => (Code::WrongPassphrase, json!({})),
            StationError::OtherOfficeKeys { file_office, office } => (
                Code::OtherOfficeKeys,
                json!({ "file_office": file_office, "office": office }),
            ),
            StationError::ShortPassphrase { min } => (Code::ShortPassphrase, json!({ "min": min })),
            StationError::PassphrasesDiffer => (Code::PassphrasesDiffer, json!({})),
            StationError::NoTrustList => (Code::NoTrustList, json!({})),
            StationError::Corrupt(problem) => (Code::Corrupt, detail(problem)),
            StationError::Usage(problem) => (Code::Usage, detail(problem)),
            StationError::TwiceInBatch { pass_id } => (Code::TwiceInBatch, json!({ "pass_id": pass_id })),
            StationError::BadDate { which, text } => (Code::BadDate, json!({ "which": which, "text": text })),
            StationError::GateNotRunning => (Code::GateNotRunning, json!({})),
            StationError::RecipientMissing => (Code::RecipientMissing, json!({})),
            StationError::NothingToHandOver => (Code::NothingToHandOver, json!({})),
            StationError::OtherApplication {
                pass_id,
                application_id,
                expected,
            } => (
                Code::OtherApplication,
                json!({ "pass_id": pass_id, "application_id": application_id, "expected": expected }),
            ),
            StationError::BadIdDocument(problem) => id_document_code(problem),
            StationError::Pickup(refusal) => pickup_code(refusal),
            StationError::DayClosed { day, closed_by } => {
                (Code::DayClosed, json!({ "day": day, "closed_by": closed_by }))
            }
            StationError::DayNotBegun { day } => (Code::DayNotBegun, json!({ "day": day })),
            StationError::DayOpen { day } => (Code::DayOpen, json!({ "day": day })),
            StationError::NeedsApproval { pass_ids } => (
                Code::NeedsApproval,
                json!({ "pass_ids": pass_ids.join(", "), "count": pass_ids.len() }),
            ),
            StationError::ReasonMissing => (Code::ReasonMissing, json!({})),
            StationError::RunSetup(problem) => (Code::RunSetup, detail(problem)),
        }
    }

    /// The failure's stable code.
    pub fn code(&self) -> Code {
        self.code_and_params().0
    }

    /// The class of outcome the failure belongs to.
    pub fn class(&self) -> ErrorClass {
        self.code().class()
    }

    /// The process exit code `passctl` gives for this failure (see `passctl --help`).
    pub fn exit_code(&self) -> u8 {
        self.class().exit_code()
    }
}

impl AuthError {
    fn code_and_params(&self) -> (Code, Value) {
        match self {
            AuthError::BadCredentials { tries_left: None } => (
                Code::BadCredentials,
                json!({ "tries": LOCK_AFTER_FAILURES, "minutes": LOCKOUT.whole_minutes() }),
            ),
            AuthError::BadCredentials { tries_left: Some(n) } => {
                (Code::TriesLeft, json!({ "n": n, "minutes": LOCKOUT.whole_minutes() }))
            }
            AuthError::Locked { username, until: None } => (
                Code::Locked,
                json!({ "username": username, "minutes": LOCKOUT.whole_minutes() }),
            ),
            AuthError::Locked {
                username,
                until: Some(until),
            } => (Code::LockedUntil, json!({ "username": username, "until": until })),
            AuthError::Frozen { username } => (
                Code::Frozen,
                json!({ "username": username, "days": FREEZE_AFTER.whole_days() }),
            ),
            AuthError::UnknownOffline { username } => (Code::UnknownOffline, json!({ "username": username })),
            AuthError::NotSignedIn => (Code::NotSignedIn, json!({})),
            AuthError::SignedOut { username, why } => (Code::SignedOut, json!({ "username": username, "why": why })),
            AuthError::Forbidden { username, roles, duty } => (
                Code::Forbidden,
                json!({ "username": username, "roles": roles, "duty": duty }),
            ),
            AuthError::TwoPerson { username, pass_id } => {
                (Code::TwoPerson, json!({ "username": username, "pass_id": pass_id }))
            }
            AuthError::DelegateToSelf => (Code::DelegateToSelf, json!({})),
            AuthError::DelegationBackwards { first_day, last_day } => (
                Code::DelegationBackwards,
                json!({ "first_day": first_day.to_string(), "last_day": last_day.to_string() }),
            ),
            AuthError::DelegationPast { last_day } => {
                (Code::DelegationPast, json!({ "last_day": last_day.to_string() }))
            }
            AuthError::DelegateUnknown { username } => (Code::DelegateUnknown, json!({ "username": username })),
            AuthError::WeakPassword(broken) => (Code::WeakPassword, json!({ "detail": broken.to_string() })),
        }
    }
}

/// A failure as a shell passes it on: to the UI as JSON, to a log as text.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ErrorView {
    /// What kind of problem, for a translated lead sentence.
    #[ts(type = "ErrorClass")]
    pub class: ErrorClass,
    /// The exit code `passctl` gives for it.
    pub exit_code: u8,
    /// Which failure, for a translated message.
    #[ts(type = "ErrorCode")]
    pub code: Code,
    /// The values the message shows (see the module's documentation).
    pub params: Value,
    /// The core's English message: what happened and what to do (for logs and `passctl`).
    pub message: String,
}

impl ErrorView {
    /// A failure of a shell itself rather than of a step (a thread that
    /// stopped), with the shell's English message.
    pub fn failure(message: String) -> ErrorView {
        ErrorView::new(Code::Unexpected, json!({}), message)
    }

    fn new(code: Code, params: Value, message: String) -> ErrorView {
        ErrorView {
            class: code.class(),
            exit_code: code.class().exit_code(),
            code,
            params,
            message,
        }
    }
}

impl From<&StationError> for ErrorView {
    fn from(error: &StationError) -> ErrorView {
        let (code, params) = error.code_and_params();
        ErrorView::new(code, params, error.to_string())
    }
}

impl From<StationError> for ErrorView {
    fn from(error: StationError) -> ErrorView {
        ErrorView::from(&error)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::model::Role;
    use crate::policy::Duty;

    fn repo_file(path: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// The README's exit-code table, as [`ErrorClass`] has it.
    fn readme_table() -> String {
        let mut table = String::from("| exit code | class | what it means |\n|---|---|---|\n| 0 | | done |\n");
        for class in ErrorClass::ALL {
            table.push_str(&format!(
                "| {} | `{}` | {} |\n",
                class.exit_code(),
                class.name(),
                class.description()
            ));
        }
        table
    }

    #[test]
    fn the_readme_lists_every_exit_code_as_the_classes_have_them() {
        let expected = readme_table();
        assert!(
            repo_file("README.md").contains(&expected),
            "README.md's exit-code table differs from ErrorClass; it should read:\n\n{expected}"
        );
    }

    #[test]
    fn classes_have_distinct_ascending_exit_codes_and_names() {
        let codes: Vec<u8> = ErrorClass::ALL.iter().map(|c| c.exit_code()).collect();
        assert_eq!(codes, (1..=13).collect::<Vec<u8>>());
        let mut names: Vec<&str> = ErrorClass::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorClass::ALL.len());
    }

    #[test]
    fn the_help_text_has_a_line_per_class() {
        let help = exit_code_help();
        assert!(help.contains("\n  0  done"), "{help}");
        assert!(help.contains("\n 10  the audit trail was tampered with"), "{help}");
        assert_eq!(help.lines().count(), 2 + ErrorClass::ALL.len(), "{help}");
    }

    #[test]
    fn codes_are_distinct_snake_case_and_every_class_but_the_verdicts_has_one() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        for name in &names {
            assert!(
                name.split('.').count() <= 2
                    && name
                        .split('.')
                        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')),
                "{name} is not snake_case with at most one dot"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len(), "a code is listed twice");
        for class in ErrorClass::ALL {
            let verdict = matches!(class, ErrorClass::Invalid | ErrorClass::Tampered);
            assert_eq!(
                Code::ALL.iter().any(|c| c.class() == class),
                !verdict,
                "{}",
                class.name()
            );
        }
    }

    #[test]
    fn a_view_carries_class_code_params_and_the_english_message() {
        let error = StationError::WrongState {
            pass_id: "KEL-2026-000001".to_owned(),
            state: CardState::Released,
            step: "printing",
            needs: &[CardState::Approved],
        };
        let view = serde_json::to_value(ErrorView::from(&error)).expect("encodes");
        assert_eq!(
            view,
            json!({
                "class": "card",
                "exit_code": 9,
                "code": "wrong_state",
                "params": { "pass_id": "KEL-2026-000001", "state": "released", "step": "printing", "needs": ["approved"] },
                "message": "KEL-2026-000001 is released here, and printing needs a card that is approved",
            })
        );
    }

    #[test]
    fn refusals_of_the_person_name_roles_and_duties_by_their_codes() {
        let error = StationError::from(AuthError::Forbidden {
            username: "gate1".to_owned(),
            roles: vec![Role::GateOfficer],
            duty: Duty::Issue,
        });
        let view = ErrorView::from(&error);
        assert_eq!(
            (view.class, view.exit_code, view.code),
            (ErrorClass::Auth, 13, Code::Forbidden)
        );
        assert_eq!(
            view.params,
            json!({ "username": "gate1", "roles": ["gate_officer"], "duty": "issue" })
        );
        assert_eq!(
            view.message,
            "gate1 (gate_officer) may not issue cards (a clerk or a supervisor)"
        );
    }

    #[test]
    fn central_failures_are_offline_only_when_central_cannot_be_reached() {
        let central = |source| StationError::Central {
            stage: "syncing".to_owned(),
            source,
        };
        let refused = central(CentralError::CursorExpired);
        assert_eq!((refused.code(), refused.exit_code()), (Code::CentralRefused, 5));
        // Nothing listens on port 1 of this machine.
        let client = pass_central::client::CentralClient::new("http://127.0.0.1:1").expect("a loopback address");
        let down = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(client.trust_list())
            .expect_err("nothing answers");
        assert!(matches!(down, CentralError::Unreachable { .. }), "{down:?}");
        let unreachable = central(down);
        assert_eq!(
            (unreachable.code(), unreachable.exit_code()),
            (Code::CentralUnreachable, 4)
        );
    }

    #[test]
    fn core_messages_name_no_shell_command() {
        let mut offending = Vec::new();
        let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src is readable") {
                let path = entry.expect("entry").path();
                if path.ends_with("bin") {
                    continue;
                }
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("error.rs") {
                    let text = std::fs::read_to_string(&path).expect("source is readable");
                    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                        if line.contains("passctl") || line.contains("(--") || line.contains("`--") {
                            offending.push(format!("{}: {}", path.display(), line.trim()));
                        }
                    }
                }
            }
        }
        assert!(
            offending.is_empty(),
            "core text naming a shell command:\n{}",
            offending.join("\n")
        );
    }

    /// The keys of a locale catalogue file (`"key": "text",` lines).
    fn catalogue_keys(file: &str) -> Vec<String> {
        repo_file(file)
            .lines()
            .filter_map(|line| {
                line.trim()
                    .strip_prefix('"')?
                    .split_once("\":")
                    .map(|(key, _)| key.to_owned())
            })
            .collect()
    }

    #[test]
    fn both_ui_catalogues_say_every_code_and_every_class() {
        for file in ["ui/src/lib/locales/zh-TW.ts", "ui/src/lib/locales/en.ts"] {
            let keys = catalogue_keys(file);
            let missing: Vec<String> = Code::ALL
                .iter()
                .map(|code| format!("error.code.{}", code.as_str()))
                .chain(
                    ErrorClass::ALL
                        .iter()
                        .map(|class| format!("error.class.{}", class.name())),
                )
                .filter(|key| !keys.contains(key))
                .collect();
            assert!(missing.is_empty(), "{file} lacks {missing:?}");
        }
    }

    #[test]
    fn the_ui_knows_every_class() {
        let api = repo_file("ui/src/lib/api.ts");
        let list = api
            .split_once("export const ERROR_CLASSES: ErrorClass[] = [")
            .and_then(|(_, rest)| rest.split_once("];"))
            .map(|(list, _)| list)
            .expect("api.ts has ERROR_CLASSES");
        let named: Vec<&str> = list
            .split(',')
            .map(|n| n.trim().trim_matches('"'))
            .filter(|n| !n.is_empty())
            .collect();
        let classes: Vec<&str> = ErrorClass::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            named, classes,
            "ui/src/lib/api.ts's ERROR_CLASSES differs from ErrorClass"
        );
    }
}
