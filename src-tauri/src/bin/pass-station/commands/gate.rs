//! The gate screen: a gate running on its own thread (the core's pull loop),
//! each of its events pushed to the UI as `gate-event` (the view
//! `ops::gate` makes for every shell), and the ways to present a card that
//! do not come through the gate's own reader: a photo the officer picked,
//! and a card shown on the screen (the demo's tray).

use std::time::Duration;

use pass_station::gate::Gate;
use pass_station::ops::gate::{self as gate_ops, GateEventView};
use pass_station::store::Check;
use pass_station::{Station, StationError};
use serde::Serialize;
use tauri::AppHandle;
use tauri::ipc::Request;

use super::desk::photo_body;
use super::{Answer, with_session};
use crate::events;
use crate::state::RunningGate;

/// How long one wait for the gate's next event lasts before the stop flag is looked at.
const POLL: Duration = Duration::from_millis(200);

/// What the gate started with.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct GateInfo {
    port: String,
    /// The app has no webcam yet (photos stand in for it).
    camera: bool,
    /// A gate does not start without its readers (PC/SC, or the demo's tray).
    readers: bool,
    /// Cards that can be presented from the screen (the demo's tray), by pass number.
    demo_cards: Vec<String>,
}

/// Starts checking cards at `port` (default: the station's office), on the
/// station's readers; verdicts arrive as `gate-event`s.
#[tauri::command]
pub async fn gate_start(app: AppHandle, port: Option<String>) -> Answer<GateInfo> {
    let events = app.clone();
    with_session(app, move |station, session, state| {
        let options = gate_ops::gate_options(station, session, port.as_deref())?;
        let port = options.port.clone().unwrap_or_default();
        state.end_gate();
        let readers = state.cards.gate_readers()?;
        let mut gate = Gate::start(Station::open(state.home.clone())?, options, None, readers)?;
        let running = RunningGate {
            control: gate.control(),
            presenter: gate.presenter(),
        };
        std::thread::Builder::new()
            .name("gate-events".to_owned())
            .spawn(move || forward_events(&mut gate, &events))
            .map_err(|e| StationError::RunSetup(format!("cannot start the gate's thread: {e}")))?;
        state.start_gate(running);
        Ok(GateInfo {
            port,
            camera: false,
            readers: true,
            demo_cards: state.cards.on_screen(),
        })
    })
    .await
}

/// Pushes each of the gate's events to the UI until it stops.
fn forward_events(gate: &mut Gate, app: &AppHandle) {
    while gate.is_running() {
        match gate.next_event(POLL) {
            Ok(Some(event)) => events::emit(app, "gate-event", &GateEventView::from(&event)),
            Ok(None) => {}
            Err(error) => {
                events::emit(
                    app,
                    "gate-event",
                    &GateEventView::Failed {
                        detail: error.to_string(),
                    },
                );
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
