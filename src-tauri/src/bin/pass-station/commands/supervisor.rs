//! The supervisor's steps, each one call into `ops::supervisor`.

use pass_station::ops::Retired;
use pass_station::ops::devices::PrintedQr;
use pass_station::ops::supervisor::{self, office_day};
use pass_station::store::{Colleague, Delegation, DeskClaim};
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
