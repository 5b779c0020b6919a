//! The supervisor's desk: releasing encoded cards for hand-over after their
//! seal check, refusing a release, voiding and reprinting with a reason, and
//! lending approval rights for a leave.

use super::Retired;
use pass_reader::Transport;

use super::devices::PrintedQr;
use crate::auth::Session;
use crate::store::{Colleague, Delegation, DeskClaim};
use crate::workflow::{Released, Reprinted};
use crate::{Station, StationError};

/// Releases an encoded card after its seal check: `printed` is the QR on
/// the card, `card` its chip on the reader; the releaser must not be the
/// user who encoded it.
pub fn release(
    station: &mut Station,
    session: &Session,
    pass_id: &str,
    printed: PrintedQr,
    mut card: &mut dyn Transport,
) -> Result<Released, StationError> {
    station.authorise(session, crate::auth::Duty::Approve)?;
    let printed_qr = printed.read()?;
    station.release(pass_id, &printed_qr, &mut card, session)
}

/// Refuses to release an encoded card: it is spoiled, and its print and
/// chip go on the hotlist; the reason is required.
pub fn refuse_release(
    station: &mut Station,
    session: &Session,
    pass_id: &str,
    reason: &str,
) -> Result<Retired, StationError> {
    Ok(Retired::of(pass_id, station.refuse_release(pass_id, reason, session)?))
}

/// Voids a made card (its print and chip go on the hotlist); the reason is required.
pub fn void(station: &mut Station, session: &Session, pass_id: &str, reason: &str) -> Result<Retired, StationError> {
    Ok(Retired::of(pass_id, station.void(pass_id, reason, session)?))
}

/// Approves a reprint at central (online only): the pass's version goes up,
/// so the old card fails at every gate once the hotlist reaches it.
pub async fn reprint(
    station: &mut Station,
    session: &Session,
    pass_id: &str,
    reason: &str,
) -> Result<Reprinted, StationError> {
    station.reprint(pass_id, reason, session).await
}

/// Moves another desk's claim on a pass to this desk, with a reason central
/// keeps and the audit trail records (online only): the desk that held it
/// went home, or its PC failed.
pub async fn take_over_claim(
    station: &mut Station,
    session: &Session,
    pass_id: &str,
    reason: &str,
) -> Result<DeskClaim, StationError> {
    station.take_over_claim(pass_id, reason, session).await
}

/// Whom the signed-in supervisor may choose as a delegate: the other users
/// known at this station.
pub fn delegates(station: &mut Station, session: &Session) -> Result<Vec<Colleague>, StationError> {
    station.delegate_candidates(session)
}

/// Lends the signed-in supervisor's approval rights to `to` for office days
/// `first_day` to `last_day`, both included.
pub fn delegate(
    station: &mut Station,
    session: &Session,
    to: &str,
    first_day: time::Date,
    last_day: time::Date,
) -> Result<Delegation, StationError> {
    station.delegate(session, to.trim(), first_day, last_day)
}

/// An office day as people write it (`YYYY-MM-DD`); `which` (`first`, `last`) names it in the error.
pub fn office_day(text: &str, which: &'static str) -> Result<time::Date, StationError> {
    time::Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| {
        StationError::BadDate {
            which,
            text: text.to_owned(),
        }
    })
}
