//! Port Pass Station, the card-office station core.
//!
//! What it is for: everything a card office does with pass items, without any
//! user interface: the station's home folder and enrolment ([`station`]), the
//! pass model and card states ([`model`]), the SQLite cache ([`store`]), sync
//! with the central pass API ([`sync`]) and its retries of central's
//! transient failures ([`retry`]), and the signed credentials the station
//! issues and verifies ([`credentials`]) and this office's own ruling on a
//! card and its verification log ([`checking`]), printing cards ([`printing`]),
//! writing and reading chips ([`chip`]), checking cards at a gate
//! ([`gate`]), and the one error kind both shells report ([`error`]). The
//! command-line tool `passctl` and the desktop app are thin shells over it.
//!
//! What it is not for: talking to devices or to central directly (that is the
//! job of the driver crates under `drivers/`), or anything about windows and
//! buttons. It knows nothing of Tauri.

pub mod auth;
pub mod checking;
pub mod chip;
pub mod chip_keys;
pub mod credentials;
#[cfg(feature = "demo")]
pub mod demo;
pub mod error;
pub mod gate;
pub mod model;
pub mod ops;
pub mod printing;
pub mod retry;
pub mod scan;
pub mod station;
pub mod store;
pub mod sync;
pub mod workflow;

pub use station::{Station, StationConfig, StationHome};

use std::path::PathBuf;

use pass_central::client::CentralError;

use crate::model::Step;

/// Everything that can go wrong in the station, each with what to do about it
/// (in terms of the step, never of a shell's command). Its code, parameters and
/// class of outcome are in [`error`].
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
    Store(#[from] store::StoreError),
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
    #[error("{pass_id} is {state} here, and {step} needs a card that is {}", model::states_text(.needs))]
    WrongState {
        pass_id: String,
        state: model::CardState,
        step: &'static str,
        needs: &'static [model::CardState],
    },
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
    Auth(#[from] auth::AuthError),
    #[error("the holder's photo for {pass_id} is not in the cache yet; sync, then print")]
    PhotoMissing { pass_id: String },
    #[error(transparent)]
    Camera(#[from] pass_camera::CameraError),
    #[error("no pass QR code could be read from {from}: hold the card flat, closer and out of glare, then try again")]
    NoQrCode { from: String },
    #[error("this build of the station has no webcam support: read the QR from a photo of the card instead")]
    NoWebcamSupport,
    #[error("{0}; no card was marked printed")]
    Printer(#[from] pass_printer::PrinterError),
    #[error(
        "this station has no chip keys yet (home {home}); generate the office's chip keys if this is its first \
         station, else import them from an export made at another station of the office"
    )]
    NoChipKeys { home: PathBuf },
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
    #[error(transparent)]
    BadIdNumber(pass_central::model::NationalIdError),
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
    pub(crate) fn wrong_state(
        pass_id: &str,
        name: &'static str,
        step: &Step,
    ) -> impl Fn(model::CardState) -> StationError {
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
