//! The supervisor's steps, each one call into `ops::supervisor`.

use pass_station::office_day::{DayFigures, DayView};
use pass_station::ops::Retired;
use pass_station::ops::devices::PrintedQr;
use pass_station::ops::supervisor::{self, DayExport, office_day};
use pass_station::store::{Colleague, Delegation, DeskClaim, StockReceipt};
use pass_station::workflow::{Released, Reprinted};
use tauri::AppHandle;
use tauri::ipc::Request;

use super::desk::{pass_id_header, photo_body};
use super::{Answer, block_on, with_session};

/// Releases an encoded card after its seal check: `printed_qr` is the QR
/// text read off the card (a scanner types it), the card must be on the reader.
#[tauri::command]
pub async fn release_card(app: AppHandle, pass_id: String, printed_qr: String) -> Answer<Released> {
    with_session(app, move |station, session, state| {
        let mut card = state.cards.card_of(&pass_id)?;
        supervisor::release(station, session, &pass_id, PrintedQr::Text(printed_qr), &mut card)
    })
    .await
}

/// [`release_card`] with the card's QR read from a photo: the request body
/// is the image's bytes, the `pass-id` header names the card.
#[tauri::command]
pub async fn release_card_image(app: AppHandle, request: Request<'_>) -> Answer<Released> {
    let photo = photo_body(&request)?;
    let pass_id = pass_id_header(&request);
    with_session(app, move |station, session, state| {
        let mut card = state.cards.card_of(&pass_id)?;
        supervisor::release(station, session, &pass_id, photo, &mut card)
    })
    .await
}

#[tauri::command]
pub async fn refuse_release(app: AppHandle, pass_id: String, reason: String) -> Answer<Retired> {
    with_session(app, move |station, session, _| {
        supervisor::refuse_release(station, session, &pass_id, &reason)
    })
    .await
}

#[tauri::command]
pub async fn void_card(app: AppHandle, pass_id: String, reason: String) -> Answer<Retired> {
    with_session(app, move |station, session, _| {
        supervisor::void(station, session, &pass_id, &reason)
    })
    .await
}

/// Approves a reprint at central (online only).
#[tauri::command]
pub async fn reprint_card(app: AppHandle, pass_id: String, reason: String) -> Answer<Reprinted> {
    with_session(app, move |station, session, _| {
        block_on(supervisor::reprint(station, session, &pass_id, &reason))
    })
    .await
}

/// Takes another desk's claim on a pass over to this desk (online only), with a reason.
#[tauri::command]
pub async fn take_over_claim(app: AppHandle, pass_id: String, reason: String) -> Answer<DeskClaim> {
    with_session(app, move |station, session, _| {
        block_on(supervisor::take_over_claim(station, session, &pass_id, &reason))
    })
    .await
}

/// The users a supervisor may lend approval rights to.
#[tauri::command]
pub async fn delegates(app: AppHandle) -> Answer<Vec<Colleague>> {
    with_session(app, |station, session, _| supervisor::delegates(station, session)).await
}

/// Lends approval rights to `to` for office days `first_day` to `last_day` (`YYYY-MM-DD`, both included).
#[tauri::command]
pub async fn delegate(app: AppHandle, to: String, first_day: String, last_day: String) -> Answer<Delegation> {
    with_session(app, move |station, session, _| {
        let (first, last) = (office_day(&first_day, "first")?, office_day(&last_day, "last")?);
        supervisor::delegate(station, session, &to, first, last)
    })
    .await
}

/// Blank cards received at the office.
#[tauri::command]
pub async fn receive_stock(app: AppHandle, receipt: StockReceipt) -> Answer<()> {
    with_session(app, move |station, session, _| {
        supervisor::receive_stock(station, session, &receipt)
    })
    .await
}

/// An office day's report (today when `day` is null), as it stands or as closed.
#[tauri::command]
pub async fn office_day_report(app: AppHandle, day: Option<String>) -> Answer<DayView> {
    with_session(app, move |station, session, _| {
        supervisor::day(station, session, day.as_deref())
    })
    .await
}

/// Closes an office day with the blank cards counted in the printer's hopper.
#[tauri::command]
pub async fn close_office_day(app: AppHandle, day: Option<String>, hopper: u64) -> Answer<DayView> {
    with_session(app, move |station, session, _| {
        supervisor::close_day(station, session, day.as_deref(), hopper)
    })
    .await
}

/// Cards printed and spoiled on each of the last `days` office days.
#[tauri::command]
pub async fn recent_days(app: AppHandle, days: u32) -> Answer<Vec<DayFigures>> {
    with_session(app, move |station, session, _| {
        supervisor::recent_days(station, session, days)
    })
    .await
}

/// Writes a closed day's report (PDF, CSV, signed) into the station's `reports` folder.
#[tauri::command]
pub async fn export_office_day(app: AppHandle, day: Option<String>) -> Answer<DayExport> {
    with_session(app, move |station, session, _| {
        let folder = station.home().dir().join("reports");
        supervisor::export_day(station, session, day.as_deref(), &folder)
    })
    .await
}

/// Voids every card past its pick-up window, with one reason.
#[tauri::command]
pub async fn void_uncollected(app: AppHandle, reason: String) -> Answer<Vec<Retired>> {
    with_session(app, move |station, session, _| {
        supervisor::void_uncollected(station, session, &reason)
    })
    .await
}
