//! The gate screen: a gate running on its own thread (the core's pull loop),
//! with the station's readers and live camera (`crate::camera`), each of its
//! events pushed to the UI as `gate-event` (the view `ops::gate` makes for
//! every shell), and the ways to present a card that do not come through
//! the gate's own reader or camera: a scanner's text, a photo the officer
//! picked, and a card shown on the screen (the demo's tray). The gate runs
//! until stopped or its officer signs out, whichever screen is open.

use std::time::Duration;

use pass_station::error::ErrorView;
use pass_station::gate::Gate;
use pass_station::ops::gate::{self as gate_ops, GateEventView};
use pass_station::station::CameraChoice;
use pass_station::store::Check;
use pass_station::{Station, StationError};
use serde::Serialize;
use tauri::AppHandle;
use tauri::ipc::{Channel, Request, Response};

use super::desk::photo_body;
use super::{Answer, with_session};
use crate::state::RunningGate;
use crate::{camera, events};

/// How long one wait for the gate's next event lasts before the stop flag is looked at.
const POLL: Duration = Duration::from_millis(200);

/// What the gate started with.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct GateInfo {
    port: String,
    /// The gate's camera runs: its preview goes to `gate_preview`'s channel.
    camera: bool,
    /// Which camera, when it runs.
    camera_choice: Option<CameraChoice>,
    /// Why there is no camera (none chosen, missing, failing), when there is none.
    camera_problem: Option<ErrorView>,
    /// A gate does not start without its readers (PC/SC, or the demo's tray).
    readers: bool,
    /// Cards that can be presented from the screen (the demo's tray), by pass number.
    demo_cards: Vec<String>,
}

/// What `gate-event` carries: the gate's event and, for a verdict, when the
/// frame or card it judged was taken (ms since the Unix epoch), for the
/// screen's frame-to-verdict time.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct GateMessage {
    event: GateEventView,
    captured_ms: Option<f64>,
}

/// Starts checking cards at `port` (default: the station's office), on the
/// station's readers and its camera (the one chosen now); verdicts arrive as
/// `gate-event`s. Without a camera the gate runs on its readers, and says why.
#[tauri::command]
pub async fn gate_start(app: AppHandle, port: Option<String>) -> Answer<GateInfo> {
    let events = app.clone();
    with_session(app, move |station, session, state| {
        let options = gate_ops::gate_options(station, session, port.as_deref())?;
        let port = options.port.clone().unwrap_or_default();
        state.end_gate();
        let readers = state.cards.gate_readers()?;
        let (camera, scanner, camera_problem) = match state
            .chosen_camera()
            .and_then(|c| camera::open(&events, &c, events::camera_changed))
        {
            Ok((camera, scanner)) => (Some(camera), Some(scanner), None),
            Err(error) => (None, None, Some(ErrorView::from(error))),
        };
        let mut gate = Gate::start(Station::open(state.home.clone())?, options, scanner, readers)?;
        let info = GateInfo {
            port,
            camera: camera.is_some(),
            camera_choice: camera.as_ref().map(|c| c.choice.clone()),
            camera_problem,
            readers: true,
            demo_cards: state.cards.on_screen(),
        };
        let running = RunningGate {
            control: gate.control(),
            presenter: gate.presenter(),
            camera,
        };
        std::thread::Builder::new()
            .name("gate-events".to_owned())
            .spawn(move || forward_events(&mut gate, &events))
            .map_err(|e| StationError::RunSetup(format!("cannot start the gate's thread: {e}")))?;
        state.start_gate(running);
        Ok(info)
    })
    .await
}

/// Pushes each of the gate's events to the UI until it stops.
fn forward_events(gate: &mut Gate, app: &AppHandle) {
    let send = |event: GateEventView| {
        let captured_ms = match &event {
            GateEventView::Verdict(verdict) => Some(camera::captured_ms_before(verdict.elapsed_ms)),
            _ => None,
        };
        events::emit(app, "gate-event", &GateMessage { event, captured_ms });
    };
    while gate.is_running() {
        match gate.next_event(POLL) {
            Ok(Some(event)) => send(GateEventView::from(&event)),
            Ok(None) => {}
            Err(error) => {
                send(GateEventView::Failed {
                    detail: error.to_string(),
                });
                return;
            }
        }
    }
}

#[tauri::command]
pub async fn gate_stop(app: AppHandle) -> Answer<()> {
    with_session(app, |station, session, state| {
        gate_ops::on_duty(station, session)?;
        state.end_gate();
        Ok(())
    })
    .await
}

/// Checks the credential in a photo the officer picked (the body is the
/// image's bytes); the verdict arrives as a `gate-event`.
#[tauri::command]
pub async fn gate_check_image(app: AppHandle, request: Request<'_>) -> Answer<()> {
    let photo = photo_body(&request)?;
    with_session(app, move |station, session, state| {
        gate_ops::on_duty(station, session)?;
        let text = photo.read()?;
        state.running_gate(|gate| gate.presenter.qr(text))
    })
    .await
}

/// Checks the credential a handheld scanner typed (`PP2:…`); the verdict
/// arrives as a `gate-event`.
#[tauri::command]
pub async fn gate_scan(app: AppHandle, text: String) -> Answer<()> {
    with_session(app, move |station, session, state| {
        gate_ops::on_duty(station, session)?;
        state.running_gate(|gate| gate.presenter.qr(text.trim().to_owned()))
    })
    .await
}

/// Sends the running gate's camera preview to `preview` (JPEG bytes), for
/// the gate screen shown again; answers whether the gate has a camera.
#[tauri::command]
pub async fn gate_preview(app: AppHandle, preview: Channel<Response>) -> Answer<bool> {
    with_session(app, move |station, session, state| {
        gate_ops::on_duty(station, session)?;
        let mut has_camera = false;
        state.running_gate(|gate| {
            if let Some(camera) = &gate.camera {
                camera.show_on(preview);
                has_camera = true;
            }
        })?;
        Ok(has_camera)
    })
    .await
}

/// Presents the card shown on the screen for `pass_id` (the demo's tray) on the gate's reader.
#[tauri::command]
pub async fn gate_tap_demo_card(app: AppHandle, pass_id: String) -> Answer<()> {
    with_session(app, move |station, session, state| {
        gate_ops::on_duty(station, session)?;
        let card = state.cards.card_of(&pass_id)?;
        state.running_gate(|gate| gate.presenter.card("screen".to_owned(), card))
    })
    .await
}

/// The signed-in officer's checks of this office day, in order.
#[tauri::command]
pub async fn gate_checks_today(app: AppHandle) -> Answer<Vec<Check>> {
    with_session(app, |station, session, _| gate_ops::my_checks_today(station, session)).await
}
