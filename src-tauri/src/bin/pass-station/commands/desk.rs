//! The clerk's desk: the queue, a card's record, printing, checking the
//! print, writing the chip, and spoiling a card that came out wrong.

use pass_credential::Lang;
use pass_printer::PrintFormat;
use pass_station::StationError;
use pass_station::auth::Duty;
use pass_station::chip::Encoded;
use pass_station::credentials::OFFICE_UTC_OFFSET;
use pass_station::model::CardState;
use pass_station::printing::{self, PrintCheck};
use pass_station::store::{AuditEntry, ItemRecord, QueueQuery, QueueRow, Recipient};
use pass_station::sync::{SyncOptions, SyncReport};
use pass_station::workflow::Waiting;
use serde::Serialize;
use tauri::AppHandle;
use tauri::ipc::{InvokeBody, Request, Response};

use super::{Answer, CommandError, blocking, with_session};
use crate::events::{self, EncodeStep, PrintProgress};

/// A card not yet valid is read back as of this time on its first day (office time).
const FIRST_CHECK: time::Duration = time::Duration::hours(9);

/// Card previews are rendered at this resolution: sharp on a 2× screen at the size shown.
const PREVIEW_DPI: u32 = 200;

/// Syncs with central; progress arrives as `sync-progress` events.
#[tauri::command]
pub async fn sync_now(app: AppHandle) -> Answer<SyncReport> {
    with_session(app.clone(), Duty::Read, |_, _, _| Ok(())).await?;
    blocking(app.clone(), move |state| {
        events::run_sync(&app, state, &SyncOptions::default())
    })
    .await
}

/// The queue, searched (any part of a name, company, pass number or plate) and filtered by state.
#[tauri::command]
pub async fn queue(app: AppHandle, text: Option<String>, states: Vec<String>, limit: usize) -> Answer<Vec<QueueRow>> {
    with_session(app, Duty::Read, move |station, _, _| {
        let states = states
            .iter()
            .filter_map(|name| CardState::parse(name))
            .collect::<Vec<_>>();
        Ok(station.store().queue(&QueueQuery { text, states, limit })?)
    })
    .await
}

/// One card: the record (the national ID only masked, as the cache holds it) and its history.
#[derive(Debug, Serialize)]
pub struct CardDetail {
    record: ItemRecord,
    history: Vec<AuditEntry>,
}

#[tauri::command]
pub async fn card_detail(app: AppHandle, pass_id: String) -> Answer<CardDetail> {
    with_session(app, Duty::Read, move |station, _, _| {
        let record = station.item(&pass_id)?;
        let history = station.store().audit(Some(&record.item.pass_id), None, None)?;
        Ok(CardDetail { record, history })
    })
    .await
}

/// One side of the card as it will print (`back` for the QR side), as PNG bytes.
#[tauri::command]
pub async fn card_preview(app: AppHandle, pass_id: String, back: bool) -> Answer<Response> {
    with_session(app, Duty::Read, move |station, _, _| {
        let sides = station.preview(&pass_id, printing::template(false), PREVIEW_DPI)?;
        let side = sides.into_iter().nth(usize::from(back)).unwrap_or_default();
        Ok(Response::new(side))
    })
    .await
}

/// The holder's photo as the cache holds it (JPEG or PNG bytes); an error if not downloaded yet.
#[tauri::command]
pub async fn card_photo(app: AppHandle, pass_id: String) -> Answer<Response> {
    with_session(app, Duty::Read, move |station, _, _| {
        let record = station.item(&pass_id)?;
        let photo = match &record.item.photo_sha256 {
            Some(sha) => station.store().photo(sha)?,
            None => None,
        };
        photo.map(Response::new).ok_or(StationError::PhotoMissing { pass_id })
    })
    .await
}

/// How printing one card of a batch came out.
#[derive(Debug, Serialize)]
pub struct PrintOutcome {
    pass_id: String,
    files: Vec<String>,
    job: Option<u32>,
    error: Option<CommandError>,
}

/// Prints each card as its own job, so each moves to `printed` (or fails)
/// on its own, and reports each as a `print-progress` event.
#[tauri::command]
pub async fn print_cards(app: AppHandle, pass_ids: Vec<String>) -> Answer<Vec<PrintOutcome>> {
    let events = app.clone();
    with_session(app, Duty::Issue, move |station, session, state| {
        let mut outcomes = Vec::with_capacity(pass_ids.len());
        for pass_id in pass_ids {
            events::print_progress(&events, PrintProgress::printing(&pass_id));
            let printed = station
                .print_cards(
                    std::slice::from_ref(&pass_id),
                    &state.printer,
                    printing::template(false),
                    PrintFormat::Pdf,
                    session,
                )
                .and_then(|report| {
                    if let (Some(demo), Some(pdf)) = (&state.demo, report.files.first()) {
                        demo.photograph(&pass_id, std::path::Path::new(pdf))?;
                    }
                    Ok(report)
                });
            let outcome = match printed {
                Ok(report) => PrintOutcome {
                    pass_id,
                    files: report.files,
                    job: report.job,
                    error: None,
                },
                Err(e) => PrintOutcome {
                    pass_id,
                    files: Vec::new(),
                    job: None,
                    error: Some(e.into()),
                },
            };
            events::print_progress(&events, PrintProgress::done(&outcome.pass_id, outcome.error.as_ref()));
            outcomes.push(outcome);
        }
        Ok(outcomes)
    })
    .await
}

/// How a photo the user picked is named in a message about it.
pub(super) const PICKED_PHOTO: &str = "the picked photo";

/// The image bytes of a command whose body is a picked photo.
pub(super) fn photo_body(request: &Request<'_>) -> Answer<Vec<u8>> {
    match request.body() {
        InvokeBody::Raw(image) => Ok(image.clone()),
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
/// the image's bytes (PNG or JPEG), the `pass-id` header names the card.
#[tauri::command]
pub async fn check_print_image(app: AppHandle, request: Request<'_>) -> Answer<PrintCheck> {
    let image = photo_body(&request)?;
    let pass_id = pass_id_header(&request);
    with_session(app, Duty::Issue, move |station, session, _| {
        let read = pass_station::scan::credential_in_photo(&image, PICKED_PHOTO)?;
        station.check_print(&pass_id, &read, session)
    })
    .await
}

/// What encoding a card did, and the chip read back as a gate would (on the
/// pass's first day when that is still to come).
#[derive(Debug, Serialize)]
pub struct EncodeResult {
    #[serde(flatten)]
    encoded: Encoded,
    valid: bool,
    reason_zh: Option<String>,
    reason_en: Option<String>,
}

/// Writes the pass's chip credential to the card on the reader and reads it
/// back; each exchange with the card is an `encode-step` event as it happens.
#[tauri::command]
pub async fn encode_card(app: AppHandle, pass_id: String) -> Answer<EncodeResult> {
    let events = app.clone();
    with_session(app, Duty::Issue, move |station, session, state| {
        let office = station.config().office.clone();
        let step = |step: EncodeStep| events::encode_step(&events, step);
        let mut card = events::StepTransport::new(state.blank_card()?, &step);
        let encoded = station.encode(&pass_id, &mut card, session)?;
        // Read back as a gate would, on the pass's first day if that is still to come.
        let record = station.item(&pass_id)?;
        let first_day = record.item.valid_from.midnight().assume_offset(OFFICE_UTC_OFFSET) + FIRST_CHECK;
        let at = first_day.max(time::OffsetDateTime::now_utc());
        let reading = station.read_card(&mut card, at, Some(&office))?;
        if let Some(demo) = &state.demo {
            demo.keep_card(&pass_id, card.into_inner());
        }
        let reason = reading.verdict.as_ref().and_then(|v| v.outcome.as_ref().err());
        Ok(EncodeResult {
            encoded,
            valid: reading.verdict.as_ref().is_some_and(|v| v.is_valid()),
            reason_zh: reason.map(|r| r.message(Lang::ZhTw)),
            reason_en: reason.map(|r| r.message(Lang::En)),
        })
    })
    .await
}

/// What taking a card out of use did: the print and the chip that go on the
/// hotlist, if a card was made.
#[derive(Debug, Serialize)]
pub struct Retired {
    pub print: Option<u32>,
    pub chip_uid: Option<String>,
}

impl From<Option<pass_station::store::CardFaces>> for Retired {
    fn from(card: Option<pass_station::store::CardFaces>) -> Retired {
        Retired {
            print: card.as_ref().map(|c| c.print),
            chip_uid: card.and_then(|c| c.card_uid),
        }
    }
}

/// Marks a card spoiled (a misprint, a dead chip): never to be used.
#[tauri::command]
pub async fn spoil_card(app: AppHandle, pass_id: String, reason: String) -> Answer<Retired> {
    with_session(app, Duty::Issue, move |station, session, _| {
        Ok(station.spoil(&pass_id, &reason, session)?.into())
    })
    .await
}

/// The pass number a scanner typed: a `PP1:` credential's own pass number
/// (its signature checked against the cached trust list), or the text itself.
#[tauri::command]
pub async fn resolve_scan(app: AppHandle, text: String) -> Answer<String> {
    with_session(app, Duty::Read, move |station, _, _| {
        let text = text.trim();
        if !text.starts_with(pass_credential::qr::QR_PREFIX) {
            return Ok(text.to_owned());
        }
        // Only the pass number is wanted: the signature is checked, the office's records are not asked.
        let verdict = station
            .verifier()?
            .verify_qr(text, time::OffsetDateTime::now_utc(), None);
        verdict
            .claims
            .map(|claims| claims.pass_id)
            .ok_or(StationError::NoQrCode {
                from: "the scanned text (not a credential signed for this office)".to_owned(),
            })
    })
    .await
}

/// Released cards waiting to be picked up, oldest first; those past the
/// office's pick-up window are marked `uncollected` and leave the list.
#[tauri::command]
pub async fn pickups(app: AppHandle) -> Answer<Vec<Waiting>> {
    with_session(app, Duty::Issue, |station, session, _| station.pickups(session)).await
}

/// Hands a released card over; the recipient's ID number is kept masked only.
#[tauri::command]
pub async fn hand_over(
    app: AppHandle,
    pass_id: String,
    name: String,
    company: String,
    id_number: String,
) -> Answer<Recipient> {
    with_session(app, Duty::Issue, move |station, session, _| {
        station.hand_over(&pass_id, &name, &company, &id_number, session)
    })
    .await
}
