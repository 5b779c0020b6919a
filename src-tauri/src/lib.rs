//! Port Pass Station, the card-office station core.
//!
//! What it is for: everything a card office does with pass items, without any
//! user interface: the station's home folder and enrolment ([`station`]), the
//! pass model and card states ([`model`]), the SQLite cache ([`store`]), sync
//! with the central pass API ([`sync`]), and the signed credentials the station
//! issues and verifies ([`credentials`]), printing cards ([`printing`]),
//! writing and reading chips ([`chip`]), and checking cards at a gate
//! ([`gate`]). The command-line tool `passctl` and the desktop app are thin
//! shells over it.
//!
//! What it is not for: talking to devices or to central directly (that is the
//! job of the driver crates under `drivers/`), or anything about windows and
//! buttons. It knows nothing of Tauri.

pub mod auth;
pub mod chip;
pub mod chip_keys;
pub mod credentials;
pub mod demo;
pub mod gate;
pub mod model;
pub mod ops;
pub mod printing;
pub mod scan;
pub mod station;
pub mod store;
pub mod sync;
pub mod workflow;

pub use station::{Station, StationConfig, StationHome};

use std::path::PathBuf;

use pass_central::client::CentralError;

use crate::model::Step;

/// Everything that can go wrong in the station, each with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    #[error(
        "this station is not enrolled yet (home {home}); run `passctl enroll --central URL --code CODE --root-fingerprint HEX` first"
    )]
    NotEnrolled { home: PathBuf },
    #[error(
        "this station is already enrolled as {station_id} for office {office} (home {home}); \
         to enrol again, use a new --home"
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
    #[error("{pass_id} is {state} here, and {step} needs a card that is {needs}")]
    WrongState {
        pass_id: String,
        state: model::CardState,
        step: &'static str,
        needs: String,
    },
    #[error(
        "the chip on the reader does not verify as {pass_id}'s card ({problem});          spoil the card (`passctl spoil`) and have a supervisor approve a reprint"
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
    #[error("this passctl was built without webcam support: rebuild it with `--features webcam`, or use --image")]
    NoWebcamSupport,
    #[error("{0}; no card was marked printed")]
    Printer(#[from] pass_printer::PrinterError),
    #[error(
        "this station has no chip keys yet (home {home}); run `passctl chip-keys generate` on the office's first station, or `passctl chip-keys import`"
    )]
    NoChipKeys { home: PathBuf },
    #[error("this station has no trust list yet: run `passctl sync` while online")]
    NoTrustList,
    #[error("the station cache holds damaged data: {0}")]
    Corrupt(String),
    /// A request the station cannot act on as given (a missing reason, a malformed ID number).
    #[error("{0}")]
    Usage(String),
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
        let needs = step.from_text();
        move |state| StationError::WrongState {
            pass_id: pass_id.clone(),
            state,
            step: name,
            needs: needs.clone(),
        }
    }

    /// The process exit code `passctl` uses for this error (see `passctl --help`).
    pub fn exit_code(&self) -> u8 {
        match self {
            StationError::NotEnrolled { .. }
            | StationError::AlreadyEnrolled { .. }
            | StationError::Config { .. }
            | StationError::RootMismatch { .. } => 3,
            StationError::Central {
                source: CentralError::Unreachable { .. },
                ..
            } => 4,
            StationError::Central { .. } | StationError::Untrusted { .. } => 5,
            StationError::ItemNotFound(_) => 6,
            StationError::SyncBusy { .. } => 7,
            StationError::Card(_)
            | StationError::WrongState { .. }
            | StationError::PhotoMissing { .. }
            | StationError::ChipNotVerified { .. }
            | StationError::SealBroken { .. }
            | StationError::CloneSuspected { .. } => 9,
            StationError::Auth(_) => 13,
            StationError::Usage(_) => 2,
            StationError::Printer(_) => 11,
            StationError::Camera(_) | StationError::NoQrCode { .. } | StationError::NoWebcamSupport => 12,
            StationError::NoChipKeys { .. } => 3,
            StationError::Io { .. }
            | StationError::SignerKey(_)
            | StationError::Store(_)
            | StationError::Corrupt(_)
            | StationError::NoTrustList
            | StationError::RunSetup(_) => 1,
        }
    }
}
