//! The supervisor's steps: releasing encoded cards for hand-over, voiding
//! and reprinting with a reason, and lending approval rights for a leave.

use pass_station::StationError;
use pass_station::auth::Duty;
use pass_station::store::Delegation;
use pass_station::workflow::{Released, Reprinted};
use tauri::AppHandle;
use tauri::ipc::Request;

use super::desk::{PICKED_PHOTO, Retired, pass_id_header, photo_body};
use super::{Answer, block_on, with_session};

/// Releases an encoded card after its seal check: `printed_qr` is the QR
/// text read off the card (a scanner types it), the card must be on the
/// reader (in the demo, the virtual card written for the pass), and the
/// releaser must not be the user who encoded it.
#[tauri::command]
pub async fn release_card(app: AppHandle, pass_id: String, printed_qr: String) -> Answer<Released> {
    with_session(app, Duty::Approve, move |station, session, state| {
        let mut card = state.card_for(&pass_id)?;
        station.release(&pass_id, &printed_qr, &mut card, session)
    })
    .await
}

/// [`release_card`] with the card's QR read from a photo: the request body
/// is the image's bytes, the `pass-id` header names the card.
#[tauri::command]
pub async fn release_card_image(app: AppHandle, request: Request<'_>) -> Answer<Released> {
    let image = photo_body(&request)?;
    let pass_id = pass_id_header(&request);
    with_session(app, Duty::Approve, move |station, session, state| {
        let printed_qr = pass_station::scan::credential_in_photo(&image, PICKED_PHOTO)?;
        let mut card = state.card_for(&pass_id)?;
        station.release(&pass_id, &printed_qr, &mut card, session)
    })
    .await
}

/// Refuses to release an encoded card: it is spoiled, and its print and
/// chip go on the hotlist; the reason is required.
#[tauri::command]
pub async fn refuse_release(app: AppHandle, pass_id: String, reason: String) -> Answer<Retired> {
    with_session(app, Duty::Approve, move |station, session, _| {
        Ok(station.refuse_release(&pass_id, &reason, session)?.into())
    })
    .await
}

/// Voids a made card (its print and chip go on the hotlist); the reason is required.
#[tauri::command]
pub async fn void_card(app: AppHandle, pass_id: String, reason: String) -> Answer<Retired> {
    with_session(app, Duty::Approve, move |station, session, _| {
        Ok(station.void(&pass_id, &reason, session)?.into())
    })
    .await
}

/// Approves a reprint at central (online only): the pass's version goes up,
/// so the old card fails at every gate once the hotlist reaches it.
#[tauri::command]
pub async fn reprint_card(app: AppHandle, pass_id: String, reason: String) -> Answer<Reprinted> {
    with_session(app, Duty::Approve, move |station, session, _| {
        block_on(station.reprint(&pass_id, &reason, session))
    })
    .await
}

/// Lends the signed-in supervisor's approval rights to `to` for office days
/// `first_day` to `last_day` (`YYYY-MM-DD`, both included).
#[tauri::command]
pub async fn delegate(app: AppHandle, to: String, first_day: String, last_day: String) -> Answer<Delegation> {
    with_session(app, Duty::Delegate, move |station, session, _| {
        let day = |text: &str, which: &str| {
            time::Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| StationError::Usage(format!("the {which} day {text:?} is not a date such as 2026-12-01")))
        };
        station.delegate(session, to.trim(), day(&first_day, "first")?, day(&last_day, "last")?)
    })
    .await
}
