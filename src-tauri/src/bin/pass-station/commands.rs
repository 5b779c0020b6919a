//! The commands the web front end may call, each a thin wrapper over one
//! `pass_station` call (the capability in `capabilities/main.json` grants
//! exactly these). Work that touches the disk, the printer or a card runs on
//! a blocking thread, never on the window's thread. A failure reaches the UI
//! as the core's own message with its exit-code class, so the screen can say
//! in the clerk's language what kind of problem it is and show what to do.

use pass_credential::Lang;
use pass_printer::{PrintFormat, PrintTarget};
use pass_station::chip::Encoded;
use pass_station::credentials::OFFICE_UTC_OFFSET;
use pass_station::model::CardState;
use pass_station::printing::{self, PrintCheck};
use pass_station::store::{AuditEntry, ItemRecord, QueueQuery, QueueRow};
use pass_station::sync::{SyncOptions, SyncReport};
use pass_station::{Station, StationError};
use serde::Serialize;
use tauri::ipc::{InvokeBody, Request, Response};
use tauri::{AppHandle, Manager};

use crate::events::{self, DeviceState, EncodeStep, PrintProgress};
use crate::{AppState, ChipReader};

/// A card not yet valid is read back as of this time on its first day (office time).
const FIRST_CHECK: time::Duration = time::Duration::hours(9);

/// Card previews are rendered at this resolution: sharp on a 2× screen at the size shown.
const PREVIEW_DPI: u32 = 200;

/// A failure as the UI receives it.
#[derive(Debug, Clone, Serialize)]
pub struct CommandError {
    /// What kind of problem, for the screen's translated lead sentence (the
    /// classes of `passctl`'s exit codes).
    class: &'static str,
    /// The exit code `passctl` would give.
    code: u8,
    /// The core's message: what happened and what to do.
    message: String,
}

impl From<StationError> for CommandError {
    fn from(error: StationError) -> CommandError {
        CommandError::from(&error)
    }
}

impl From<&StationError> for CommandError {
    fn from(error: &StationError) -> CommandError {
        let code = error.exit_code();
        let class = match code {
            3 => "setup",
            4 => "offline",
            5 => "central",
            6 => "not_found",
            7 => "busy",
            9 => "card",
            11 => "printer",
            12 => "camera",
            _ => "failure",
        };
        CommandError {
            class,
            code,
            message: error.to_string(),
        }
    }
}

type Answer<T> = Result<T, CommandError>;

/// Runs `work` on a blocking thread with the app's state.
async fn blocking<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&AppState) -> Result<T, StationError> + Send + 'static,
) -> Answer<T> {
    tauri::async_runtime::spawn_blocking(move || work(&app.state::<AppState>()))
        .await
        .map_err(|e| CommandError {
            class: "failure",
            code: 1,
            message: format!("the step stopped unexpectedly ({e}); try again, and restart the app if it recurs"),
        })?
        .map_err(CommandError::from)
}

/// Runs `work` with the open station.
async fn with_station<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&mut Station, &AppState) -> Result<T, StationError> + Send + 'static,
) -> Answer<T> {
    blocking(app, move |state| {
        let mut station = state
            .station
            .lock()
            .map_err(|_| StationError::Corrupt("a step failed midway; restart the app".to_owned()))?;
        work(&mut station, state)
    })
    .await
}

/// The cached record of `pass_id`, or the core's "no such item".
fn cached(station: &Station, pass_id: &str) -> Result<ItemRecord, StationError> {
    station
        .store()
        .item(pass_id)?
        .ok_or_else(|| StationError::ItemNotFound(pass_id.to_owned()))
}

/// What the status bar and the settings screen show.
#[derive(Debug, Serialize)]
pub struct StationStatus {
    station_id: String,
    station_name: String,
    office: String,
    office_zh: String,
    office_en: String,
    central_url: String,
    enrolled_at: String,
    last_sync: Option<String>,
    outbox: u64,
    counts: Vec<(CardState, u64)>,
    /// `pdf` (a folder) or `cups` (a queue), and where.
    printer_kind: &'static str,
    printer: String,
    /// `virtual` (the demo's) or `pcsc`.
    reader_kind: &'static str,
    devices: DeviceState,
    demo: bool,
    /// Where the demo's camera leaves pictures of printed cards.
    camera_dir: Option<String>,
    home: String,
}

#[tauri::command]
pub async fn station_status(app: AppHandle) -> Answer<StationStatus> {
    with_station(app, |station, state| {
        let config = station.config();
        let port = pass_central::model::port(&config.office);
        let (printer_kind, printer) = match &state.printer {
            PrintTarget::Folder(folder) => ("pdf", folder.dir.display().to_string()),
            PrintTarget::Cups(queue) => ("cups", queue.queue.clone()),
        };
        Ok(StationStatus {
            station_id: config.station_id.clone(),
            station_name: config.station_name.clone(),
            office: config.office.clone(),
            office_zh: port.map_or(config.office.as_str(), |p| p.name_zh).to_owned(),
            office_en: port.map_or(config.office.as_str(), |p| p.name_en).to_owned(),
            central_url: config.central_url.clone(),
            enrolled_at: config.enrolled_at.clone(),
            last_sync: station.store().last_synced_at()?,
            outbox: station.store().unsent_count()?,
            counts: station.store().state_counts()?,
            printer_kind,
            printer,
            reader_kind: match state.reader {
                ChipReader::Virtual => "virtual",
                ChipReader::Pcsc(_) => "pcsc",
            },
            devices: state.devices.snapshot(),
            demo: state.demo.is_some(),
            camera_dir: state.demo.as_ref().map(|d| d.camera_dir.display().to_string()),
            home: state.home.dir().display().to_string(),
        })
    })
    .await
}

/// Syncs with central; progress arrives as `sync-progress` events.
#[tauri::command]
pub async fn sync_now(app: AppHandle) -> Answer<SyncReport> {
    blocking(app.clone(), move |state| {
        events::run_sync(&app, state, &SyncOptions::default())
    })
    .await
}

/// The queue, searched (any part of a name, company, pass number or plate) and filtered by state.
#[tauri::command]
pub async fn queue(app: AppHandle, text: Option<String>, states: Vec<String>, limit: usize) -> Answer<Vec<QueueRow>> {
    with_station(app, move |station, _| {
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
    with_station(app, move |station, _| {
        let record = cached(station, &pass_id)?;
        let history = station.store().audit(Some(&record.item.pass_id), None, None)?;
        Ok(CardDetail { record, history })
    })
    .await
}

/// One side of the card as it will print (`back` for the QR side), as PNG bytes.
#[tauri::command]
pub async fn card_preview(app: AppHandle, pass_id: String, back: bool) -> Answer<Response> {
    with_station(app, move |station, _| {
        let sides = station.preview(&pass_id, printing::template(false), PREVIEW_DPI)?;
        let side = sides.into_iter().nth(usize::from(back)).unwrap_or_default();
        Ok(Response::new(side))
    })
    .await
}

/// The holder's photo as the cache holds it (JPEG or PNG bytes); an error if not downloaded yet.
#[tauri::command]
pub async fn card_photo(app: AppHandle, pass_id: String) -> Answer<Response> {
    with_station(app, move |station, _| {
        let record = cached(station, &pass_id)?;
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
    with_station(app, move |station, state| {
        let actor = station.actor();
        let mut outcomes = Vec::with_capacity(pass_ids.len());
        for pass_id in pass_ids {
            events::print_progress(&events, PrintProgress::printing(&pass_id));
            let printed = station
                .print_cards(
                    std::slice::from_ref(&pass_id),
                    &state.printer,
                    printing::template(false),
                    PrintFormat::Pdf,
                    &actor,
                )
                .and_then(|report| {
                    if let (Some(demo), Some(pdf)) = (&state.demo, report.files.first()) {
                        let picture = demo.camera_dir.join(format!("{pass_id}-back.png"));
                        pass_station::demo::camera_picture(std::path::Path::new(pdf), &picture)?;
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

/// Checks a printed card from a photo the clerk picked: the request body is
/// the image's bytes (PNG or JPEG), the `pass-id` header names the card.
#[tauri::command]
pub async fn check_print_image(app: AppHandle, request: Request<'_>) -> Answer<PrintCheck> {
    let InvokeBody::Raw(image) = request.body() else {
        return Err(CommandError {
            class: "failure",
            code: 2,
            message: "the photo did not arrive as bytes; pick the file again".to_owned(),
        });
    };
    let pass_id = request
        .headers()
        .get("pass-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let image = image.clone();
    with_station(app, move |station, _| {
        let photo = write_temporary(&image)?;
        let read = pass_station::scan::credential_in_image(photo.path())?;
        let actor = station.actor();
        station.check_print(&pass_id, &read, &actor)
    })
    .await
}

/// The photo in a file of its own, as the decoder reads files.
fn write_temporary(bytes: &[u8]) -> Result<tempfile::NamedTempFile, StationError> {
    use std::io::Write;
    let io = |source| StationError::Io {
        action: "keep the photo for decoding in",
        path: std::env::temp_dir(),
        source,
    };
    let mut file = tempfile::NamedTempFile::new().map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    Ok(file)
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
    with_station(app, move |station, state| {
        let actor = station.actor();
        let office = station.config().office.clone();
        let step = |step: EncodeStep| events::encode_step(&events, step);
        let mut card = events::StepTransport::new(open_card(&state.reader)?, &step);
        let encoded = station.encode(&pass_id, &mut card, &actor)?;
        // Read back as a gate would, on the pass's first day if that is still to come.
        let first_day = station
            .store()
            .item(&pass_id)?
            .map(|record| record.item.valid_from.midnight().assume_offset(OFFICE_UTC_OFFSET) + FIRST_CHECK);
        let at = first_day.map_or_else(time::OffsetDateTime::now_utc, |day| {
            day.max(time::OffsetDateTime::now_utc())
        });
        let reading = station.read_card(&mut card, at, Some(&office))?;
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

/// The card to write: on the PC/SC reader, or a new blank virtual one in the demo.
fn open_card(reader: &ChipReader) -> Result<Box<dyn pass_reader::Transport>, StationError> {
    match reader {
        ChipReader::Pcsc(name) => Ok(Box::new(pass_station::chip::card_on_reader(name.as_deref())?)),
        ChipReader::Virtual => {
            let mut uid = [0x04, 0, 0, 0, 0, 0, 0];
            getrandom::fill(&mut uid[1..])
                .map_err(|e| StationError::RunSetup(format!("no random source for the virtual card: {e}")))?;
            let memory = pass_vcard::CardMemory::blank(uid, pass_vcard::Cipher::Aes);
            Ok(Box::new(pass_vcard::VirtualCard::new(memory)))
        }
    }
}

/// The pass number a scanner typed: a `PP1:` credential's own pass number
/// (its signature checked against the cached trust list), or the text itself.
#[tauri::command]
pub async fn resolve_scan(app: AppHandle, text: String) -> Answer<String> {
    with_station(app, move |station, _| {
        let text = text.trim();
        if !text.starts_with("PP1:") {
            return Ok(text.to_owned());
        }
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

/// The UI reports its first queue on screen: logged once, with the time
/// since the process started (the start-up benchmark reads this line).
#[tauri::command]
pub fn queue_ready(state: tauri::State<'_, AppState>) {
    if !state.queue_shown.swap(true, std::sync::atomic::Ordering::SeqCst) {
        eprintln!(
            "pass-station: queue interactive {} ms after start",
            state.started.elapsed().as_millis()
        );
    }
}
