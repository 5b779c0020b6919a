//! The commands the web front end may call, each a thin wrapper over one
//! `pass_station` call (the capability in `capabilities/main.json` grants
//! exactly these). Work that touches the disk, the network, the printer or a
//! card runs on a blocking thread, never on the window's thread. A failure
//! reaches the UI as the core's [`ErrorView`]: its class, its code and the
//! values its message shows, so the screen can say in the clerk's language
//! what happened and what to do.
//!
//! Each command is one call into `pass_station::ops`, which checks the
//! signed-in user's duty for every use case, reads included: the UI hiding
//! a screen is a courtesy, not the lock.

mod backup;
mod desk;
mod devices;
mod gate;
mod office;
mod people;
mod supervisor;

pub use backup::*;
pub use desk::*;
pub use devices::*;
pub use gate::*;
pub use office::*;
pub use people::*;
pub use supervisor::*;

use pass_printer::PrintTarget;
use pass_station::auth::{AuthError, Session};
use pass_station::error::ErrorView;
use pass_station::{Station, StationError};
use serde::Serialize;
use tauri::{AppHandle, Manager};

use crate::state::{AppState, DeviceState};

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
        let mut station = crate::lock::held(&state.station);
        let station = station.as_mut().ok_or_else(|| StationError::NotEnrolled {
            home: state.home.dir().to_owned(),
        })?;
        work(station, state)
    })
    .await
}

/// Runs a use case for the signed-in user (the use case checks their duty).
/// A session the core finds ended is forgotten, and the officer's gate ends with it.
async fn with_session<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&mut Station, &Session, &AppState) -> Result<T, StationError> + Send + 'static,
) -> Answer<T> {
    with_station(app, move |station, state| {
        let session = state.signed_in()?;
        let result = work(station, &session, state);
        if let Err(StationError::Auth(AuthError::SignedOut { .. })) = &result {
            state.forget_session();
            state.end_gate();
        }
        result
    })
    .await
}

/// Runs a use case that waits on the network, on the blocking thread it is
/// called from, with the app's one runtime.
fn block_on<T>(step: impl std::future::Future<Output = Result<T, StationError>>) -> Result<T, StationError> {
    tauri::async_runtime::block_on(step)
}

/// What the status bar, the sign-in screen and the settings screen show:
/// the station, and the devices this app chose at start-up. Nothing
/// personal: it is shown before anyone signs in.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct StationStatus {
    #[serde(flatten)]
    station: pass_station::ops::office::StationStatus,
    /// `pdf` (a folder) or `cups` (a queue), and where.
    printer_kind: &'static str,
    printer: String,
    /// `virtual` (the demo's) or `pcsc`.
    reader_kind: &'static str,
    /// The PC/SC reader chips are written on, when one is named.
    reader: Option<String>,
    /// The camera the check-print and gate screens watch, if any.
    camera: Option<pass_station::station::CameraChoice>,
    devices: DeviceState,
    demo: bool,
    /// Where the demo's camera leaves pictures of printed cards.
    camera_dir: Option<String>,
}

#[tauri::command]
pub async fn station_status(app: AppHandle) -> Answer<StationStatus> {
    with_station(app, |station, state| {
        let (printer_kind, printer) = match &crate::lock::held(&state.printer).target {
            PrintTarget::Folder(folder) => ("pdf", folder.dir.display().to_string()),
            PrintTarget::Cups(queue) => ("cups", queue.queue.clone()),
        };
        Ok(StationStatus {
            station: pass_station::ops::office::status(station)?,
            printer_kind,
            printer,
            reader_kind: state.cards.kind(),
            reader: state.cards.reader_name(),
            camera: crate::lock::held(&state.camera).clone(),
            devices: state.devices.snapshot(),
            demo: state.demo.is_some(),
            camera_dir: state.camera_dir.as_ref().map(|dir| dir.display().to_string()),
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
