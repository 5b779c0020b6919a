//! The commands the web front end may call, each a thin wrapper over one
//! `pass_station` call (the capability in `capabilities/main.json` grants
//! exactly these). Work that touches the disk, the network, the printer or a
//! card runs on a blocking thread, never on the window's thread. A failure
//! reaches the UI as the core's [`ErrorView`]: its class, its code and the
//! values its message shows, so the screen can say in the clerk's language
//! what happened and what to do.
//!
//! Every command but the station's status and signing in needs a signed-in
//! user whose roles carry the step's duty; the core checks it again inside
//! each step, so the UI hiding a screen is a courtesy, not the lock.

mod desk;
mod gate;
mod people;
mod supervisor;

pub use desk::*;
pub use gate::*;
pub use people::*;
pub use supervisor::*;

use pass_printer::PrintTarget;
use pass_station::auth::{AuthError, Duty, Session};
use pass_station::error::ErrorView;
use pass_station::model::CardState;
use pass_station::{Station, StationError};
use serde::Serialize;
use tauri::{AppHandle, Manager};

use crate::AppState;
use crate::events::DeviceState;

/// A failure as the UI receives it: the core's one error kind (class, exit
/// code, code, parameters and the English message), which the screen says in
/// the clerk's language from its code.
pub type CommandError = ErrorView;

pub type Answer<T> = Result<T, CommandError>;

/// Runs `work` on a blocking thread with the app's state.
async fn blocking<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&AppState) -> Result<T, StationError> + Send + 'static,
) -> Answer<T> {
    tauri::async_runtime::spawn_blocking(move || work(&app.state::<AppState>()))
        .await
        .map_err(|e| {
            CommandError::failure(format!(
                "the step stopped unexpectedly ({e}); try again, and restart the app if it recurs"
            ))
        })?
        .map_err(CommandError::from)
}

/// Runs `work` with the open station.
async fn with_station<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&mut Station, &AppState) -> Result<T, StationError> + Send + 'static,
) -> Answer<T> {
    blocking(app, move |state| {
        let mut station = crate::held(&state.station);
        work(&mut station, state)
    })
    .await
}

/// Runs `work` with the open station for the signed-in user, once the core
/// has checked that their session is still open (which puts off the idle
/// sign-out) and that they may do `duty`. A session found ended is forgotten.
async fn with_session<T: Send + 'static>(
    app: AppHandle,
    duty: Duty,
    work: impl FnOnce(&mut Station, &Session, &AppState) -> Result<T, StationError> + Send + 'static,
) -> Answer<T> {
    with_station(app, move |station, state| {
        let session = state.signed_in()?;
        if let Err(refusal) = station.authorise(&session, duty) {
            if matches!(refusal, StationError::Auth(AuthError::SignedOut { .. })) {
                // The officer's gate ends with their session.
                state.forget_session();
                state.end_gate();
            }
            return Err(refusal);
        }
        work(station, &session, state)
    })
    .await
}

/// Runs a core step that waits on the network, on the blocking thread it is called from.
fn block_on<T>(step: impl std::future::Future<Output = Result<T, StationError>>) -> Result<T, StationError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StationError::RunSetup(format!("cannot start the async runtime: {e}")))?
        .block_on(step)
}

/// What the status bar, the sign-in screen and the settings screen show.
/// Nothing personal: it is shown before anyone signs in.
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
            reader_kind: if state.demo.is_some() { "virtual" } else { "pcsc" },
            devices: state.devices.snapshot(),
            demo: state.demo.is_some(),
            camera_dir: state.demo.as_ref().map(|d| d.camera_dir.display().to_string()),
            home: state.home.dir().display().to_string(),
        })
    })
    .await
}

/// The UI reports its first screen (sign-in, or the queue) drawn: logged once, with the time
/// since the process started (the start-up benchmark reads this line).
#[tauri::command]
pub fn first_screen_drawn(state: tauri::State<'_, AppState>) {
    if !state.first_screen_shown.swap(true, std::sync::atomic::Ordering::SeqCst) {
        eprintln!(
            "pass-station: first screen interactive {} ms after start",
            state.started.elapsed().as_millis()
        );
    }
}
