//! What the devices and the sync do, pushed to the UI as it happens: sync
//! progress, central online or offline (and since when), cards put on and
//! taken off the PC/SC readers, each card of a print batch, and each exchange
//! with a chip being encoded. The UI listens; it never polls a device.
//! The timer of the scheduled backups runs here too (Settings shows how the
//! last one went).
//!
//! Event names (the UI's `lib/events.ts` lists the same): `sync-progress`,
//! `sync-finished`, `connectivity`, `card`, and, sent from the commands,
//! `print-progress`, `encode-step`, the gate's `gate-event`, and the live
//! camera's `camera` (started, stopped, failed) and `camera-read` (a card
//! newly held up at the desk).

use std::time::Duration;

use pass_reader::pcsc_reader::{ReaderEvent, Readers};
use pass_station::auth::Session;
use pass_station::error::ErrorView;
use pass_station::ops;
use pass_station::ops::office::SyncView;
use pass_station::sync::{SyncOptions, SyncProgress};
use pass_station::{Station, StationError};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::camera::CameraState;
use crate::lock::held;
use crate::state::AppState;

/// How often central is asked whether it answers, between syncs.
const PROBE_EVERY: Duration = Duration::from_secs(30);
/// How long such a question may take before central counts as offline.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the scheduled backup is looked at (it runs when due).
const BACKUP_CHECK_EVERY: Duration = Duration::from_secs(60);

/// Brings the main window forward (a second start of the app does this).
pub fn focus_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        // A window manager may refuse; the running window is there either way.
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Starts the watchers and a first sync, once the window exists (the sync
/// once the station is enrolled, from the set-up screen if not yet).
pub fn start(app: &AppHandle) {
    if app.state::<AppState>().enrolled() {
        first_sync(app);
    }
    let handle = app.clone();
    tauri::async_runtime::spawn(async move { probe_central(handle).await });
    let handle = app.clone();
    std::thread::spawn(move || scheduled_backups(&handle));
    if app.state::<AppState>().cards.kind() == "pcsc" {
        let handle = app.clone();
        std::thread::spawn(move || watch_readers(&handle));
    }
}

/// Backs the station up when the schedule an administrator set says so, on
/// a station of its own, so the screens stay usable meanwhile. How it went
/// is kept for Settings; a failure is also logged (paths and reasons, never
/// a key).
fn scheduled_backups(app: &AppHandle) {
    loop {
        let state = app.state::<AppState>();
        let ran = Station::open(state.home.clone()).and_then(|mut station| ops::backup::run_scheduled(&mut station));
        match ran {
            Ok(Some(status)) if !status.ok => {
                let why = status.failure.map(|f| f.message).unwrap_or_default();
                eprintln!("pass-station: the scheduled backup failed: {why}");
            }
            // Before enrolment there is nothing to back up.
            Err(StationError::NotEnrolled { .. }) => {}
            Err(e) => eprintln!("pass-station: the scheduled backup could not run: {e}"),
            Ok(_) => {}
        }
        std::thread::sleep(BACKUP_CHECK_EVERY);
    }
}

/// The station's own sync, at start-up or just after its enrolment, on a thread of its own.
pub fn first_sync(app: &AppHandle) {
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        // A failed start-up sync is reported by `sync-finished`; the cache works without it.
        let _ = run_sync(&handle, &state, None);
    });
}

/// What `sync-progress` carries.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
#[derive(ts_rs::TS)]
enum SyncStage {
    Items { items: usize, more: bool },
    Photos { done: usize, total: usize },
    Events { sent: usize },
}

/// What `sync-finished` carries: the report, or the failure.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
struct SyncFinished<'a> {
    report: Option<&'a SyncView>,
    error: Option<ErrorView>,
}

/// Hands the generator of the UI's bindings the payloads of the events sent here.
#[cfg(test)]
pub fn visit_payloads(visitor: &mut impl ts_rs::TypeVisitor) {
    visitor.visit::<SyncStage>();
    visitor.visit::<SyncFinished<'static>>();
}

/// One sync on a station of its own (so the queue stays usable while it
/// runs), for the signed-in user or, with none, the station's own at
/// start-up; progress and the outcome arrive as events.
pub fn run_sync(app: &AppHandle, state: &AppState, session: Option<&Session>) -> Result<SyncView, StationError> {
    let result = (|| {
        let mut station = Station::open(state.home.clone())?;
        let mut progress = |step: SyncProgress| {
            let stage = match step {
                SyncProgress::Page { items, more } => SyncStage::Items { items, more },
                SyncProgress::Photos { done, total } => SyncStage::Photos { done, total },
                SyncProgress::Events { sent } => SyncStage::Events { sent },
            };
            emit(app, "sync-progress", &stage);
        };
        let options = SyncOptions::default();
        tauri::async_runtime::block_on(async {
            match session {
                Some(session) => ops::office::sync(&mut station, session, &options, &mut progress).await,
                None => ops::office::sync_at_start(&mut station, &options, &mut progress).await,
            }
        })
    })();
    match &result {
        Ok(view) => {
            set_online(app, state, true);
            emit(
                app,
                "sync-finished",
                &SyncFinished {
                    report: Some(view),
                    error: None,
                },
            );
        }
        Err(error) => {
            if error.exit_code() == 4 {
                set_online(app, state, false);
            }
            let error = ErrorView::from(error);
            emit(
                app,
                "sync-finished",
                &SyncFinished {
                    report: None,
                    error: Some(error),
                },
            );
        }
    }
    result
}

/// Records whether central answers and tells the UI when that changes.
fn set_online(app: &AppHandle, state: &AppState, online: bool) {
    let mut changed = false;
    state.devices.update(|devices| {
        if devices.online != Some(online) {
            devices.online = Some(online);
            devices.online_since = Some(pass_station::store::rfc3339(time::OffsetDateTime::now_utc()));
            changed = true;
        }
    });
    if changed {
        emit(app, "connectivity", &state.devices.snapshot());
    }
}

/// Asks central every [`PROBE_EVERY`] for its trust list (small, signed) to
/// tell online from offline between syncs.
async fn probe_central(app: AppHandle) {
    loop {
        tokio::time::sleep(PROBE_EVERY).await;
        let state = app.state::<AppState>();
        let client = held(&state.station).as_ref().and_then(|station| station.client().ok());
        if let Some(client) = client {
            let answered = client.with_request_timeout(PROBE_TIMEOUT).trust_list().await.is_ok();
            set_online(&app, &state, answered);
        }
    }
}

/// Follows pcscd's readers and cards for as long as the app runs; each
/// change is a `card` event carrying the whole [`crate::state::DeviceState`].
fn watch_readers(app: &AppHandle) {
    let state = app.state::<AppState>();
    let watcher = Readers::connect().and_then(|readers| readers.watch());
    let watcher = match watcher {
        Ok(watcher) => watcher,
        Err(e) => {
            let problem = StationError::from(e).to_string();
            state.devices.update(|devices| devices.reader_problem = Some(problem));
            emit(app, "card", &state.devices.snapshot());
            return;
        }
    };
    for event in watcher.events() {
        let (reader, present) = match event {
            ReaderEvent::ReaderAdded(reader) | ReaderEvent::CardRemoved { reader } => (reader, false),
            ReaderEvent::CardInserted { reader, .. } => (reader, true),
            ReaderEvent::ReaderRemoved(reader) => {
                state.devices.update(|devices| {
                    devices.readers.remove(&reader);
                });
                emit(app, "card", &state.devices.snapshot());
                continue;
            }
        };
        state.devices.update(|devices| {
            devices.readers.insert(reader, present);
            devices.reader_problem = None;
        });
        emit(app, "card", &state.devices.snapshot());
    }
}

/// Sends an event to the window; a window already closing misses it, harmlessly.
pub fn emit<T: Serialize + ?Sized>(app: &AppHandle, event: &str, payload: &T) {
    if let Ok(payload) = serde_json::to_value(payload) {
        let _ = app.emit(event, payload);
    }
}

/// Keeps the status bar's camera entry, and tells the screens when the
/// camera starts or stops running (`camera`).
pub fn camera_changed(app: &AppHandle, state: CameraState) {
    let mut changed = false;
    app.state::<AppState>().devices.update(|d| {
        changed = d.camera.as_ref().map(|b| (b.running, &b.problem)) != Some((state.running, &state.problem));
        d.camera = Some(state.clone());
    });
    if changed {
        emit(app, "camera", &state);
    }
}
