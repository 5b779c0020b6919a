//! The supervisor's desk: releasing encoded cards for hand-over after their
//! seal check, refusing a release, voiding and reprinting with a reason,
//! lending approval rights for a leave, and the office's day in numbers
//! (blank cards received, the day's report, closing it, its files, the
//! last days' figures, and voiding cards nobody collected).

use std::path::Path;

use super::Retired;
use pass_reader::Transport;
use serde::Serialize;

use super::devices::PrintedQr;
use crate::auth::Session;
use crate::office_day::{DayFigures, DayView};
use crate::store::{Colleague, Delegation, DeskClaim, StockReceipt};
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

/// Blank cards received at the office: a count, and a box's first and last
/// serial when it has them.
pub fn receive_stock(station: &mut Station, session: &Session, receipt: &StockReceipt) -> Result<(), StationError> {
    station.receive_stock(receipt, session)
}

/// The report of an office day (today when `None`): as it stands, or as
/// it was closed and signed.
pub fn day(station: &mut Station, session: &Session, day: Option<&str>) -> Result<DayView, StationError> {
    let day = day_or_today(station, day)?;
    station.day_view(day, session)
}

/// Closes an office day (today when `None`) with the blank cards the clerk
/// counted in the printer's hopper: the report is signed with the station
/// key, kept, audited and sent to central. A day is closed once.
pub fn close_day(
    station: &mut Station,
    session: &Session,
    day: Option<&str>,
    hopper: u64,
) -> Result<DayView, StationError> {
    let day = day_or_today(station, day)?;
    station.close_day(day, hopper, session)
}

/// Cards printed and spoiled on each of the last `days` office days, today
/// included, oldest first: the dashboard's chart and table.
pub fn recent_days(station: &mut Station, session: &Session, days: u32) -> Result<Vec<DayFigures>, StationError> {
    let today = crate::auth::office_day(station.now());
    station.recent_days(today, days.clamp(1, 366), session)
}

/// The files of a day's report, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DayExport {
    pub pdf: String,
    pub csv: String,
    /// The signed report (COSE_Sign1), for anyone to check with the station's key.
    pub signed: String,
}

/// Writes a closed day's report into `folder`: `day-<date>.pdf` (the printed
/// form, Chinese included), `.csv`, and `.cose` (the report as signed).
pub fn export_day(
    station: &mut Station,
    session: &Session,
    day: Option<&str>,
    folder: &Path,
) -> Result<DayExport, StationError> {
    let date = day_or_today(station, day)?;
    // The signed report first: an open day is refused before anything is counted.
    let signed = station.signed_day_report(date, session)?;
    let view = station.day_view(date, session)?;
    let closed = view.closed_by.as_deref().zip(view.closed_at.as_deref());
    let font = pass_printer::CardFont::bundled()?;
    let title = format!("日結報表 {} {}", view.report.office, view.report.day);
    let pdf = pass_printer::report_pdf(&font, &title, &view.report.lines(closed))?;
    crate::station::create_private_dir(folder, "create the report folder")?;
    let path = |extension: &str| folder.join(format!("day-{}.{extension}", view.report.day));
    let files = [
        (path("pdf"), pdf),
        (path("csv"), view.report.csv().into_bytes()),
        (path("cose"), signed),
    ];
    // Owner-only, as the cache: a report names the office's people.
    for (file, bytes) in &files {
        crate::station::write_secret(file, bytes)?;
    }
    let shown = |n: usize| files[n].0.display().to_string();
    Ok(DayExport {
        pdf: shown(0),
        csv: shown(1),
        signed: shown(2),
    })
}

/// Voids every card past its pick-up window (`uncollected`: already on
/// the hotlist), with one reason: the supervisor's one action on the list.
pub fn void_uncollected(station: &mut Station, session: &Session, reason: &str) -> Result<Vec<Retired>, StationError> {
    let query = crate::store::QueueQuery {
        states: vec![crate::model::CardState::Uncollected],
        limit: 10_000,
        ..crate::store::QueueQuery::default()
    };
    let uncollected = super::desk::queue(station, session, &query)?;
    uncollected
        .rows
        .iter()
        .map(|row| void(station, session, &row.pass_id, reason))
        .collect()
}

fn day_or_today(station: &Station, day: Option<&str>) -> Result<time::Date, StationError> {
    match day.map(str::trim).filter(|d| !d.is_empty()) {
        Some(text) => office_day(text, "report"),
        None => Ok(crate::auth::office_day(station.now())),
    }
}
