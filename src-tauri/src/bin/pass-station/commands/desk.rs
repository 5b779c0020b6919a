//! The clerk's desk: the queue (by item or by application), a card's
//! record, the holder's photo taken at the desk, printing, checking the
//! print, writing the chip, spoiling a card that came out wrong, pick-ups
//! and the hand-over of one application's cards. Each command is one call
//! into `ops::desk`.

use pass_station::StationError;
use pass_station::desk_photo::Crop;
use pass_station::entitlement::CardEntitlement;
use pass_station::model::CardState;
use pass_station::ops::Retired;
use pass_station::ops::desk::{
    self, CardView, EncodeResult, HandOver, PhotoSave, PhotoTaken, PrintOptions, PrintOutcome, QueuePage,
    RecipientCheck,
};
use pass_station::ops::devices::PrintedQr;
use pass_station::printing::PrintCheck;
use pass_station::station::CameraChoice;
use pass_station::store::{ApplicationRow, QueueQuery};
use pass_station::workflow::{HandedOver, Waiting};
use serde::Serialize;
use tauri::AppHandle;
use tauri::ipc::{Channel, InvokeBody, Request, Response};

use super::{Answer, CommandError, block_on, blocking, with_session};
use crate::lock::held;
use crate::{camera, events};

/// Syncs with central; progress arrives as `sync-progress` events.
#[tauri::command]
pub async fn sync_now(app: AppHandle) -> Answer<pass_station::ops::office::SyncView> {
    let events = app.clone();
    let session = with_session(app.clone(), |_, session, _| Ok(session.clone())).await?;
    blocking(app, move |state| events::run_sync(&events, state, Some(&session))).await
}

/// The queue, searched (any part of a name, company, pass number or plate) and filtered by state.
#[tauri::command]
pub async fn queue(
    app: AppHandle,
    text: Option<String>,
    states: Vec<CardState>,
    limit: usize,
    offset: Option<usize>,
) -> Answer<QueuePage> {
    let query = QueueQuery {
        text,
        states,
        limit,
        offset: offset.unwrap_or_default(),
    };
    with_session(app, move |station, session, _| desk::queue(station, session, &query)).await
}

/// The queue by application, searched by company or application number.
#[tauri::command]
pub async fn applications(app: AppHandle, text: Option<String>, limit: usize) -> Answer<Vec<ApplicationRow>> {
    with_session(app, move |station, session, _| {
        desk::applications(station, session, text.as_deref(), limit)
    })
    .await
}

#[tauri::command]
pub async fn card_detail(app: AppHandle, pass_id: String) -> Answer<CardView> {
    with_session(app, move |station, session, _| desk::card(station, session, &pass_id)).await
}

/// One side of the card as it will print (`back` for the QR side), as PNG bytes.
#[tauri::command]
pub async fn card_preview(app: AppHandle, pass_id: String, back: bool) -> Answer<Response> {
    with_session(app, move |station, session, _| {
        let sides = desk::preview(station, session, &pass_id, false)?;
        Ok(Response::new(
            sides.into_iter().nth(usize::from(back)).unwrap_or_default(),
        ))
    })
    .await
}

/// The holder's photo as the cache holds it (JPEG or PNG bytes).
#[tauri::command]
pub async fn card_photo(app: AppHandle, pass_id: String) -> Answer<Response> {
    with_session(app, move |station, session, _| {
        desk::photo(station, session, &pass_id).map(Response::new)
    })
    .await
}

/// The clerk's photo step: the request body is the picture's bytes (PNG or
/// JPEG, from the camera or a file), the `pass-id` header names the card,
/// `crop` is `x,y,width,height` in the picture's pixels and `save` is
/// `check` (warnings only) or `anyway` (the clerk accepts it).
#[tauri::command]
pub async fn take_photo(app: AppHandle, request: Request<'_>) -> Answer<PhotoTaken> {
    let InvokeBody::Raw(picture) = request.body() else {
        return Err(CommandError::from(StationError::Usage(
            "the picture did not arrive as bytes; take it again".to_owned(),
        )));
    };
    let picture = picture.clone();
    let pass_id = pass_id_header(&request);
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let crop = match header("crop").as_str() {
        "" => None,
        text => Some(
            text.parse::<Crop>()
                .map_err(|e| CommandError::from(StationError::Usage(e)))?,
        ),
    };
    let save = if header("save") == "anyway" {
        PhotoSave::Anyway
    } else {
        PhotoSave::Check
    };
    with_session(app, move |station, session, _| {
        desk::take_photo(station, session, &pass_id, &picture, crop, save)
    })
    .await
}

/// Prints each card as its own job; each card's start and end arrive as `print-progress` events.
#[tauri::command]
pub async fn print_cards(app: AppHandle, pass_ids: Vec<String>) -> Answer<Vec<PrintOutcome>> {
    let events = app.clone();
    with_session(app, move |station, session, state| {
        let mut progress = |card: &PrintOutcome| events::emit(&events, "print-progress", card);
        block_on(desk::print_batch(
            station,
            session,
            &crate::lock::held(&state.printer),
            &pass_ids,
            PrintOptions::default(),
            &mut progress,
        ))
    })
    .await
}

/// The image bytes of a command whose body is a picked photo.
pub(super) fn photo_body(request: &Request<'_>) -> Answer<PrintedQr> {
    match request.body() {
        InvokeBody::Raw(image) => Ok(PrintedQr::Photo(image.clone())),
        InvokeBody::Json(_) => Err(CommandError::from(StationError::Usage(
            "the photo did not arrive as bytes; pick the file again".to_owned(),
        ))),
    }
}

/// The pass a photo command is about, from its `pass-id` header.
pub(super) fn pass_id_header(request: &Request<'_>) -> String {
    request
        .headers()
        .get("pass-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim()
        .to_uppercase()
}

/// Checks a printed card from a photo the clerk picked: the request body is
/// the image's bytes (PNG or JPEG), the `pass-id` header names the card (or,
/// empty, the credential does). A mismatch is not spoiled before the clerk confirms.
#[tauri::command]
pub async fn check_print_image(app: AppHandle, request: Request<'_>) -> Answer<PrintCheck> {
    let photo = photo_body(&request)?;
    let pass_id = pass_id_header(&request);
    with_session(app, move |station, session, _| {
        desk::check_print_read(station, session, Some(&pass_id), photo)
    })
    .await
}

/// Checks a printed card from the QR text the camera or a scanner read,
/// against `pass_id` or, when none was typed, the pass the credential names.
#[tauri::command]
pub async fn check_print_read(app: AppHandle, pass_id: Option<String>, text: String) -> Answer<PrintCheck> {
    with_session(app, move |station, session, _| {
        desk::check_print_read(station, session, pass_id.as_deref(), PrintedQr::Text(text))
    })
    .await
}

/// What the check-print screen's camera is.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct CameraInfo {
    pub camera: CameraChoice,
}

/// Starts the check-print screen's camera (the one chosen now): its preview
/// goes to `preview` as JPEG bytes, each card newly held up to it is a
/// `camera-read` event.
#[tauri::command]
pub async fn camera_watch(app: AppHandle, preview: Channel<Response>) -> Answer<CameraInfo> {
    let handle = app.clone();
    with_session(app, move |station, session, state| {
        desk::may_check_prints(station, session)?;
        held(&state.desk_camera).take();
        let (live, scanner) = camera::open(&handle, &state.chosen_camera()?, events::camera_changed)?;
        camera::watch_for_prints(&handle, &live, scanner)?;
        live.show_on(preview);
        let camera = live.choice.clone();
        *held(&state.desk_camera) = Some(live);
        Ok(CameraInfo { camera })
    })
    .await
}

/// The screen showing a camera was left: the check-print screen's camera
/// stops; the running gate's goes on for its decoder, sending no preview.
#[tauri::command]
pub async fn camera_unwatch(app: AppHandle) -> Answer<()> {
    blocking(app, |state| {
        held(&state.desk_camera).take();
        if let Some(camera) = held(&state.gate).as_ref().and_then(|gate| gate.camera.as_ref()) {
            camera.hide();
        }
        Ok(())
    })
    .await
}

/// Writes the pass's chip credential to the card on the reader and reads it
/// back; each exchange with the card is an `encode-step` event as it happens.
#[tauri::command]
pub async fn encode_card(app: AppHandle, pass_id: String) -> Answer<EncodeResult> {
    let events = app.clone();
    with_session(app, move |station, session, state| {
        let mut card = state.cards.card_to_encode(&pass_id)?;
        desk::encode(station, session, &pass_id, &mut card, &mut |step| {
            events::emit(&events, "encode-step", &step)
        })
    })
    .await
}

/// Marks a card spoiled (a misprint, a dead chip): never to be used.
#[tauri::command]
pub async fn spoil_card(app: AppHandle, pass_id: String, reason: String) -> Answer<Retired> {
    with_session(app, move |station, session, _| {
        desk::spoil(station, session, &pass_id, &reason)
    })
    .await
}

/// The pass number a scanner typed.
#[tauri::command]
pub async fn resolve_scan(app: AppHandle, text: String) -> Answer<String> {
    with_session(app, move |station, session, _| {
        desk::resolve_scan(station, session, &text)
    })
    .await
}

#[tauri::command]
pub async fn pickups(app: AppHandle) -> Answer<Vec<Waiting>> {
    with_session(app, |station, session, _| desk::pickups(station, session)).await
}

/// Whether the person at the counter may take each of the cards, and why.
#[tauri::command]
pub async fn check_recipient(app: AppHandle, who: RecipientCheck) -> Answer<Vec<CardEntitlement>> {
    with_session(app, move |station, session, _| {
        desk::check_recipient(station, session, &who)
    })
    .await
}

/// Hands released cards of one application to one recipient.
#[tauri::command]
pub async fn hand_over(app: AppHandle, to: HandOver) -> Answer<HandedOver> {
    with_session(app, move |station, session, _| desk::hand_over(station, session, &to)).await
}
