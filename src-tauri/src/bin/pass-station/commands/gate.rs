//! The gate screen: a gate running on its own thread (the core's pull loop),
//! each of its events pushed to the UI as `gate-event`, and the ways to
//! present a card that do not come through the gate's own reader: a photo
//! the officer picked, and in the demo a virtual card from the tray.

use std::time::Duration;

use base64::Engine;
use pass_credential::Lang;
use pass_reader::pcsc_reader::Readers;
use pass_station::auth::{Duty, office_day, office_day_bounds};
use pass_station::gate::{Gate, GateEvent, GateOptions, GateVerdict};
use pass_station::model::Holder;
use pass_station::store::{Check, rfc3339};
use pass_station::{Station, StationError};
use serde::Serialize;
use tauri::AppHandle;
use tauri::ipc::Request;

use super::desk::{PICKED_PHOTO, photo_body};
use super::{Answer, with_session};
use crate::{RunningGate, events};

/// How long one wait for the gate's next event lasts before the stop flag is looked at.
const POLL: Duration = Duration::from_millis(200);

/// What the gate started with.
#[derive(Debug, Serialize)]
pub struct GateInfo {
    port: String,
    /// The app has no webcam yet (photos stand in for it).
    camera: bool,
    /// A gate does not start without its readers (PC/SC, or the demo's tray).
    readers: bool,
    /// The demo's virtual cards that can be tapped, by pass number.
    demo_cards: Vec<String>,
}

/// Starts checking cards at `port` (default: the station's office), on the
/// PC/SC readers when there are any; verdicts arrive as `gate-event`s.
#[tauri::command]
pub async fn gate_start(app: AppHandle, port: Option<String>) -> Answer<GateInfo> {
    let events = app.clone();
    with_session(app, Duty::Check, move |station, session, state| {
        state.end_gate();
        let port = port
            .map(|p| p.trim().to_uppercase())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| station.config().office.clone());
        // The demo's tray is its reader: its cards are tapped from the screen.
        let readers = match &state.demo {
            Some(_) => None,
            None => Some(Readers::connect()?),
        };
        let options = GateOptions::new(session.username.clone(), Some(port.clone()));
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
            demo_cards: state.demo.as_ref().map(|demo| demo.card_ids()).unwrap_or_default(),
        })
    })
    .await
}

/// Pushes each of the gate's events to the UI until it stops.
fn forward_events(gate: &mut Gate, app: &AppHandle) {
    while gate.is_running() {
        match gate.next_event(POLL) {
            Ok(Some(event)) => events::emit(app, "gate-event", &GateEventView::from(event)),
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
    with_session(app, Duty::Check, |_, _, state| {
        state.end_gate();
        Ok(())
    })
    .await
}

/// Checks the credential in a photo the officer picked (the body is the
/// image's bytes); the verdict arrives as a `gate-event`.
#[tauri::command]
pub async fn gate_check_image(app: AppHandle, request: Request<'_>) -> Answer<()> {
    let image = photo_body(&request)?;
    with_session(app, Duty::Check, move |_, _, state| {
        let text = pass_station::scan::credential_in_photo(&image, PICKED_PHOTO)?;
        state.running_gate(|gate| gate.presenter.qr(text))
    })
    .await
}

/// In the demo: taps the virtual card written for `pass_id` on the gate's reader.
#[tauri::command]
pub async fn gate_tap_demo_card(app: AppHandle, pass_id: String) -> Answer<()> {
    with_session(app, Duty::Check, move |_, _, state| {
        let card = state.card_for(&pass_id)?;
        state.running_gate(|gate| gate.presenter.card("demo reader".to_owned(), Box::new(card)))
    })
    .await
}

/// The signed-in officer's checks of this office day, in order.
#[tauri::command]
pub async fn gate_checks_today(app: AppHandle) -> Answer<Vec<Check>> {
    with_session(app, Duty::Check, |station, session, _| {
        let (since, before) = office_day_bounds(office_day(station.now()));
        let mut checks = station.store().checks(&since, &before)?;
        checks.retain(|check| check.actor == session.username);
        Ok(checks)
    })
    .await
}

/// A gate event as the UI receives it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GateEventView {
    Verdict(Box<VerdictView>),
    NoTrustList,
    TrustRefreshed,
    Offline {
        since: String,
        last_refreshed: Option<String>,
        detail: String,
    },
    CardUnreadable {
        reader: String,
        detail: String,
    },
    CameraStopped {
        detail: String,
    },
    ReadersStopped {
        detail: String,
    },
    /// The station's cache could not log a check: the gate has stopped.
    Failed {
        detail: String,
    },
}

/// One verdict, with what the cache knows of the pass.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictView {
    valid: bool,
    /// `valid`, or the reason's code.
    outcome: &'static str,
    message_zh: String,
    message_en: String,
    source: &'static str,
    at: String,
    card_uid: Option<String>,
    pass_id: Option<String>,
    /// The holder's name, or the vehicle's plate.
    holder: Option<String>,
    holder_latin: Option<String>,
    id_masked: Option<String>,
    company: Option<String>,
    /// The cached photo, base64 JPEG.
    photo: Option<String>,
    /// The pass's last valid day (office time), `YYYY-MM-DD`.
    valid_to: Option<String>,
    warnings: Vec<WarningView>,
    elapsed_ms: u128,
}

#[derive(Debug, Clone, Serialize)]
pub struct WarningView {
    zh: String,
    en: String,
}

/// The office day a credential's `exp` (the first moment no longer valid) ends.
fn last_day(expires: time::OffsetDateTime) -> time::Date {
    office_day(expires - time::Duration::SECOND)
}

impl From<GateEvent> for GateEventView {
    fn from(event: GateEvent) -> GateEventView {
        match event {
            GateEvent::Verdict(verdict) => GateEventView::Verdict(Box::new(VerdictView::from(*verdict))),
            GateEvent::NoTrustList => GateEventView::NoTrustList,
            GateEvent::TrustRefreshed(_) => GateEventView::TrustRefreshed,
            GateEvent::Offline {
                since,
                last_refreshed,
                detail,
            } => GateEventView::Offline {
                since: rfc3339(since),
                last_refreshed: last_refreshed.map(rfc3339),
                detail,
            },
            GateEvent::CardUnreadable { reader, detail } => GateEventView::CardUnreadable { reader, detail },
            GateEvent::CameraStopped { detail } => GateEventView::CameraStopped { detail },
            GateEvent::ReadersStopped { detail } => GateEventView::ReadersStopped { detail },
        }
    }
}

impl From<GateVerdict> for VerdictView {
    fn from(verdict: GateVerdict) -> VerdictView {
        let claims = verdict.verdict.as_ref().and_then(|v| v.claims.as_ref());
        let (holder, holder_latin, id_masked) = match verdict.pass.as_ref().map(|pass| &pass.holder) {
            Some(Holder::Person {
                name,
                name_latin,
                national_id_masked,
            }) => (Some(name.clone()), name_latin.clone(), Some(national_id_masked.clone())),
            Some(Holder::Vehicle { plate, .. }) => (Some(plate.clone()), None, None),
            None => (claims.map(|c| c.holder.clone()), None, None),
        };
        VerdictView {
            valid: verdict.is_valid(),
            outcome: verdict.outcome_code(),
            message_zh: verdict.message(Lang::ZhTw),
            message_en: verdict.message(Lang::En),
            source: verdict.source.as_str(),
            at: rfc3339(verdict.at),
            card_uid: verdict.card_uid.clone(),
            pass_id: claims.map(|c| c.pass_id.clone()),
            holder,
            holder_latin,
            id_masked,
            company: verdict.pass.as_ref().map(|pass| pass.company_name.clone()),
            photo: verdict
                .pass
                .as_ref()
                .and_then(|pass| pass.photo.as_ref())
                .map(|photo| base64::engine::general_purpose::STANDARD.encode(photo)),
            valid_to: claims.map(|c| last_day(c.valid_to).to_string()),
            warnings: verdict
                .warnings
                .iter()
                .map(|w| WarningView {
                    zh: w.message(Lang::ZhTw),
                    en: w.message(Lang::En),
                })
                .collect(),
            elapsed_ms: verdict.elapsed.as_millis(),
        }
    }
}
