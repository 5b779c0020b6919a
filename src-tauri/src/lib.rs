//! Port Pass Station, the card-office station core.
//!
//! What it is for: everything a card office does with pass items, without any
//! user interface: the station's home folder and enrolment ([`station`]), the
//! pass model and card states ([`model`]), the SQLite cache ([`store`]), sync
//! with the central pass API ([`sync`]) and its retries of central's
//! transient failures ([`retry`]), and the signed credentials the station
//! issues and verifies ([`credentials`]) and this office's own ruling on a
//! card and its verification log ([`checking`]), printing cards ([`printing`])
//! and the holder photos taken at the desk for them ([`desk_photo`]), this
//! desk's claims among the office's desks ([`desks`]), who may take a
//! released card at the counter ([`entitlement`]), the office's day in
//! numbers (stock, the closing report, reminders: [`office_day`]),
//! writing and reading chips ([`chip`]), checking cards at a gate
//! ([`gate`]), backups of the station and restoring them ([`backup`], sealed
//! as the chip key exports are, [`sealing`]), users and sessions ([`auth`]) under the account rules and
//! duties ([`policy`]), and the one error kind both shells report
//! ([`error`], [`StationError`]). The command-line tool `passctl` and the
//! desktop app are thin shells over it.
//!
//! This file only declares the modules and re-exports what every caller
//! names from the top ([`Station`], [`StationError`]); it defines nothing,
//! so no module depends back on it.
//!
//! What it is not for: talking to devices or to central directly (that is the
//! job of the driver crates under `drivers/`), or anything about windows and
//! buttons. It knows nothing of Tauri.

pub mod auth;
pub mod backup;
pub mod checking;
pub mod chip;
pub mod chip_keys;
pub mod chip_photo;
pub mod credentials;
#[cfg(feature = "demo")]
pub mod demo;
pub mod desk_photo;
pub mod desks;
pub mod entitlement;
pub mod error;
pub mod gate;
pub mod model;
pub mod office_day;
pub mod ops;
pub mod policy;
pub mod printing;
pub mod retry;
pub mod scan;
mod sealing;
pub mod station;
pub mod store;
pub mod sync;
pub mod workflow;

pub use error::StationError;
pub use station::{Station, StationConfig, StationHome};
