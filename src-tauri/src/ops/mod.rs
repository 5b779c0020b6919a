//! The station's use cases: one function for each thing a person does at the
//! counter, the supervisor's desk or the gate, or to set the station up.
//!
//! Why this layer exists: the station has two shells, `passctl` and the
//! desktop app, and a rule written in a shell is a rule the other shell
//! forgets. Here each use case takes the session, checks the duty itself
//! (reads included), runs the whole flow (the read-back after encoding, each
//! card of a print batch, the log of a check) and returns one serializable
//! view: what the person sees, and what they may do next. A shell only reads
//! its input (a command line, a button) and shows the view.
//!
//! What it is not for: parsing command lines, drawing screens, or holding
//! devices. The caller hands in the printer, the card on the reader and the
//! QR it read ([`devices`], which also has the administrator's choice of
//! them, kept in `station.json`); the rules of each step live in the core
//! ([`crate::workflow`], [`crate::printing`], [`crate::chip`]), which these
//! functions call and never repeat.

pub mod backup;
pub mod desk;
pub mod devices;
pub mod gate;
pub mod office;
pub mod people;
pub mod supervisor;

use serde::Serialize;

use crate::auth::{Duty, Session};
use crate::{Station, StationError};

/// What taking a card out of use did: the print and the chip that go on the
/// hotlist at the next sync, if a card was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Retired {
    pub pass_id: String,
    pub print: Option<u32>,
    pub chip_uid: Option<String>,
}

impl Retired {
    fn of(pass_id: &str, card: Option<crate::store::CardFaces>) -> Retired {
        Retired {
            pass_id: pass_id.to_owned(),
            print: card.as_ref().map(|c| c.print),
            chip_uid: card.and_then(|c| c.card_uid),
        }
    }
}

/// Checks that the session is open and may do `duty`, for a use case that
/// reads; the steps that change a card check it again themselves.
fn allowed(station: &mut Station, session: &Session, duty: Duty) -> Result<(), StationError> {
    station.authorise(session, duty).map(drop)
}

/// A failure inside a view (one card of a batch), as the shells pass errors on.
fn failure<S: serde::Serializer>(error: &Option<StationError>, serializer: S) -> Result<S::Ok, S::Error> {
    error.as_ref().map(crate::error::ErrorView::from).serialize(serializer)
}
