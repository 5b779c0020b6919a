//! What the desktop app's commands and event watchers share: the open
//! station, the devices chosen at start-up, the one session of this
//! workstation, the running gate, and what is known of central and the
//! card readers. Not for: any rule of the station (those are in
//! `pass_station::ops`) or talking to the window (`events`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use pass_station::auth::{AuthError, Session};
use pass_station::gate::{GateControl, Presenter};
use pass_station::ops::desk::Printer;
use pass_station::ops::devices::CardSource;
use pass_station::ops::people::DemoUser;
use pass_station::station::CameraChoice;
use pass_station::{Station, StationError, StationHome};
use serde::Serialize;

use crate::camera::{CameraState, LiveCamera};
use crate::lock::held;

/// A gate running on its own thread, and the ways to reach it.
#[derive(Debug)]
pub struct RunningGate {
    pub control: GateControl,
    pub presenter: Presenter,
    /// The gate's camera, whose frames the gate decodes and the gate screen previews.
    pub camera: Option<LiveCamera>,
}

/// Everything the commands share.
#[derive(Debug)]
pub struct AppState {
    pub home: StationHome,
    /// The open station, for the quick steps; a sync opens its own, so the
    /// queue stays usable while it runs (SQLite WAL lets both work at once).
    /// None until the home is enrolled, from the set-up screen.
    pub station: Mutex<Option<Station>>,
    /// The devices: chosen at start-up (the command line, else
    /// `station.json`), and again when an administrator chooses in Settings.
    pub printer: Mutex<Printer>,
    /// Where cards print when no CUPS queue is chosen.
    pub pdf_folder: PathBuf,
    /// The reader; its PC/SC reader name changes with a choice in Settings.
    pub cards: Box<dyn CardSource>,
    /// Where pictures of printed cards appear (the demo's camera), if anywhere.
    pub camera_dir: Option<PathBuf>,
    /// The camera the check-print and gate screens watch, if any; read each
    /// time a screen starts it, so a choice made in Settings takes effect there.
    pub camera: Mutex<Option<CameraChoice>>,
    /// The camera the check-print screen watches while it is open.
    pub desk_camera: Mutex<Option<LiveCamera>>,
    /// The demo's embedded parts (its central-sim), kept running as long as the app.
    pub demo: Option<Box<dyn std::fmt::Debug + Send + Sync>>,
    /// The demo's users and their passwords, for the sign-in screen; none outside the demo.
    pub demo_users: Vec<DemoUser>,
    pub devices: Devices,
    /// The one user signed in at this workstation; in memory only.
    pub session: Mutex<Option<Session>>,
    pub gate: Mutex<Option<RunningGate>>,
    /// When the process started, and whether the UI has drawn its first screen.
    pub started: std::time::Instant,
    pub first_screen_shown: std::sync::atomic::AtomicBool,
}

impl AppState {
    /// The camera the station uses now (`--camera`/`--frames`, the demo's
    /// folder, or Settings' choice), read each time a screen starts it.
    pub fn chosen_camera(&self) -> Result<CameraChoice, StationError> {
        held(&self.camera).clone().ok_or(StationError::NoCameraChosen)
    }

    /// Whether the home holds an enrolled station (else the set-up screen shows).
    pub fn enrolled(&self) -> bool {
        held(&self.station).is_some()
    }

    /// The signed-in user's session, as last kept.
    pub fn signed_in(&self) -> Result<Session, StationError> {
        held(&self.session).clone().ok_or(AuthError::NotSignedIn.into())
    }

    pub fn keep_session(&self, session: Session) {
        *held(&self.session) = Some(session);
    }

    /// Forgets the session (signed out, or ended by the core), giving it back.
    pub fn forget_session(&self) -> Option<Session> {
        held(&self.session).take()
    }

    pub fn start_gate(&self, gate: RunningGate) {
        if let Some(previous) = held(&self.gate).replace(gate) {
            previous.control.stop();
        }
    }

    /// Stops the gate, if one runs, and the desk's camera: both work for
    /// the user signed in, and one camera serves one screen at a time.
    pub fn end_gate(&self) {
        held(&self.desk_camera).take();
        if let Some(gate) = held(&self.gate).take() {
            gate.control.stop();
        }
    }

    /// Hands `work` the running gate, or says to start it.
    pub fn running_gate(&self, work: impl FnOnce(&RunningGate)) -> Result<(), StationError> {
        let running = held(&self.gate);
        let gate = running.as_ref().ok_or(StationError::GateNotRunning)?;
        work(gate);
        Ok(())
    }
}

/// What is known of the world outside: central, the card readers and the camera.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct DeviceState {
    /// Whether central answered last time it was asked; `None` before the first try.
    pub online: Option<bool>,
    /// Since when it has (or has not).
    pub online_since: Option<String>,
    /// Each PC/SC reader, and whether a card is on it.
    pub readers: BTreeMap<String, bool>,
    /// Why the readers cannot be watched (no pcscd, say), in the core's words.
    pub reader_problem: Option<String>,
    /// The live camera of the check-print or gate screen, once one has started.
    pub camera: Option<CameraState>,
}

/// The shared [`DeviceState`], updated by the watchers below.
#[derive(Debug, Default)]
pub struct Devices {
    state: Mutex<DeviceState>,
}

impl Devices {
    pub fn snapshot(&self) -> DeviceState {
        held(&self.state).clone()
    }

    pub fn update(&self, change: impl FnOnce(&mut DeviceState)) {
        change(&mut held(&self.state));
    }
}
