//! The live camera of the check-print and gate screens: the camera chosen
//! for the station (a webcam, or a folder of pictures played as one), a
//! preview in the window, and the QR codes it sees read as they come.
//!
//! How the work is shared, so the preview rate does not depend on decoding:
//!
//! - The **capture thread** (`pass_camera::Scanner`'s) reads the camera at
//!   its own pace. Each frame goes two ways: into the preview's slot (one
//!   frame, replaced by the next) and into the scanner's queue of one (also
//!   the newest only).
//! - The **preview thread** takes the newest frame from the slot, encodes it
//!   as a JPEG and sends the bytes to the screen over a Tauri channel (raw
//!   bytes, no JSON or base64), then waits for the next. It counts the frames
//!   captured and sent each second for the status bar. With no screen
//!   attached it encodes nothing.
//! - The **decoder** takes the newest frame from the scanner's queue,
//!   whenever it is done with the last: a slow decode skips frames, it never
//!   delays capture or the preview. At the gate the decoder is the core
//!   gate's own (`Gate::start` gets the scanner, and judges each
//!   presentation once); at the desk it is [`watch_for_prints`]'s thread,
//!   which says each newly shown credential to the screen as `camera-read`.
//!
//! A camera that cannot open, or stops, is a `camera` state with its problem
//! (the `camera` event and the status bar's `DeviceState::camera`); the
//! screens go on with the readers and the scanner.
//!
//! Not tested here: the webcam itself (`WebcamSource`, V4L2 through nokhwa),
//! since the test machines have no `/dev/video*`. The picture folder source
//! goes through every other part of this path, in the desktop test too.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pass_camera::{CameraError, Frame, FrameSource, Pace, Scanner, SequenceSource, WebcamSource};
use pass_station::StationError;
use pass_station::scan::{InSight, credential_in_frame};
use pass_station::station::CameraChoice;
use serde::Serialize;
use tauri::ipc::{Channel, Response};
use tauri::{AppHandle, Emitter};

use crate::lock::held;

/// The preview's JPEG quality: the card's face and the QR stay legible, a
/// 1280×720 frame stays around 100 KB.
const PREVIEW_QUALITY: u8 = 70;
/// A card out of view this long is presented anew when it comes back (as at the gate).
const ABSENT_AFTER: Duration = pass_station::gate::QR_ABSENT_AFTER;
/// How long the decoder waits for a frame before looking at the stop flag.
const POLL: Duration = Duration::from_millis(200);
/// A camera that delivers nothing for this long is reported silent.
const SILENT_AFTER: Duration = Duration::from_secs(5);

/// What the status bar and the screens show of the camera.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CameraState {
    /// The camera's name (a webcam's, or the picture folder's).
    pub name: String,
    /// Delivering frames now.
    pub running: bool,
    /// Why it is not, in the core's words, when it failed.
    pub problem: Option<String>,
    /// Frames captured in the last second.
    pub fps: f32,
    /// Frames sent to the screen's preview in the last second.
    pub preview_fps: f32,
}

/// A credential the desk's camera newly sees (`camera-read`).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CameraRead {
    pub text: String,
    /// When the frame it was read in was captured (ms since the Unix epoch),
    /// for the screen's frame-to-verdict time.
    pub captured_ms: f64,
}

/// The newest frame for the preview, and the screen it goes to.
#[derive(Default)]
struct Slot {
    frame: Option<Frame>,
    channel: Option<Channel<Response>>,
    captured: u32,
    problem: Option<String>,
}

// A channel has no Debug of its own; whether a screen is attached is what matters.
impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("frame", &self.frame.is_some())
            .field("shown", &self.channel.is_some())
            .field("captured", &self.captured)
            .field("problem", &self.problem)
            .finish()
    }
}

/// What the capture thread, the preview thread and the app share.
#[derive(Debug, Default)]
struct Shared {
    slot: Mutex<Slot>,
    changed: Condvar,
    stop: AtomicBool,
}

/// A camera running for a screen; dropping it (or [`LiveCamera::stop`]) stops it.
#[derive(Debug)]
pub struct LiveCamera {
    shared: Arc<Shared>,
    /// Which camera it is, for the screen to name in its language.
    pub choice: CameraChoice,
}

impl LiveCamera {
    /// Sends the preview to `channel` from now on (replacing any other screen's).
    pub fn show_on(&self, channel: Channel<Response>) {
        held(&self.shared.slot).channel = Some(channel);
    }

    /// Sends the preview nowhere (its screen was left); capture and decoding go on.
    pub fn hide(&self) {
        held(&self.shared.slot).channel = None;
    }

    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
    }
}

impl Drop for LiveCamera {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The camera's frames, each also left in the preview's slot.
struct Tee {
    camera: Box<dyn FrameSource>,
    shared: Arc<Shared>,
}

impl FrameSource for Tee {
    fn next_frame(&mut self) -> pass_camera::Result<Option<Frame>> {
        let frame = self.camera.next_frame();
        let mut slot = held(&self.shared.slot);
        match &frame {
            Ok(Some(frame)) => {
                slot.frame = Some(frame.clone());
                slot.captured += 1;
            }
            Ok(None) => slot.problem = Some(format!("{} has no more frames", self.camera.name())),
            Err(error) => slot.problem = Some(error.to_string()),
        }
        drop(slot);
        self.shared.changed.notify_all();
        frame
    }

    fn name(&self) -> String {
        self.camera.name()
    }
}

/// How the demo's and the tests' picture folder plays: 30 frames a second
/// at 1280×720, each picture held up for two seconds.
fn pace() -> Pace {
    Pace::default()
}

fn open_source(choice: &CameraChoice) -> pass_camera::Result<Box<dyn FrameSource>> {
    Ok(match choice {
        CameraChoice::Webcam { index } => Box::new(WebcamSource::open(*index)?),
        CameraChoice::Frames { dir } => Box::new(SequenceSource::open(PathBuf::from(dir), pace())?),
    })
}

/// Where the camera's state goes as it changes (the status bar's entry and
/// the `camera` event: `events::camera_changed`).
pub type Report = fn(&AppHandle, CameraState);

/// Opens the chosen camera on its capture thread and starts the preview;
/// gives the running camera and the scanner its decoder reads. Its state
/// goes to `report` as it starts, runs, fails or stops.
pub fn open(app: &AppHandle, choice: &CameraChoice, report: Report) -> Result<(LiveCamera, Scanner), StationError> {
    let shared = Arc::new(Shared::default());
    let opening = choice.clone();
    let capture = Arc::clone(&shared);
    let scanner = Scanner::start(
        move || {
            Ok(Tee {
                camera: open_source(&opening)?,
                shared: capture,
            })
        },
        1,
    );
    let scanner = match scanner {
        Ok(scanner) => scanner,
        Err(error) => {
            let error = StationError::from(error);
            report(app, state_of(choice, false, Some(error.to_string()), 0.0, 0.0));
            return Err(error);
        }
    };
    let (preview, handle, name) = (Arc::clone(&shared), app.clone(), describe(choice));
    std::thread::Builder::new()
        .name("camera-preview".to_owned())
        .spawn(move || send_previews(&preview, &handle, &name, report))
        .map_err(|e| StationError::RunSetup(format!("cannot start the camera preview's thread: {e}")))?;
    let choice = choice.clone();
    Ok((LiveCamera { shared, choice }, scanner))
}

fn describe(choice: &CameraChoice) -> String {
    match choice {
        CameraChoice::Webcam { index } => format!("camera {index}"),
        CameraChoice::Frames { dir } => format!("pictures in {dir}"),
    }
}

fn state_of(choice: &CameraChoice, running: bool, problem: Option<String>, fps: f32, preview_fps: f32) -> CameraState {
    CameraState {
        name: describe(choice),
        running,
        problem,
        fps,
        preview_fps,
    }
}

/// The preview thread; see the module documentation.
fn send_previews(shared: &Shared, app: &AppHandle, name: &str, report: Report) {
    let mut second = Instant::now();
    let mut last_frame = Instant::now();
    let (mut sent, mut captured_before) = (0u32, 0u32);
    let state = |running, problem, fps, preview_fps| CameraState {
        name: name.to_owned(),
        running,
        problem,
        fps,
        preview_fps,
    };
    report(app, state(true, None, 0.0, 0.0));
    while !shared.stop.load(Ordering::SeqCst) {
        let mut slot = held(&shared.slot);
        if slot.frame.is_none() && slot.problem.is_none() {
            slot = shared
                .changed
                .wait_timeout(slot, Duration::from_millis(500))
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        if let Some(problem) = slot.problem.clone() {
            drop(slot);
            report(app, state(false, Some(problem), 0.0, 0.0));
            return;
        }
        let frame = slot.frame.take();
        let channel = slot.channel.clone();
        let captured = slot.captured;
        drop(slot);
        if let Some(frame) = frame {
            last_frame = Instant::now();
            if let Some(channel) = channel {
                let sent_ok = frame
                    .to_jpeg(PREVIEW_QUALITY)
                    .map_err(|e| e.to_string())
                    .and_then(|jpeg| channel.send(Response::new(jpeg)).map_err(|e| e.to_string()));
                match sent_ok {
                    Ok(()) => sent += 1,
                    // The screen has gone: stop encoding for it.
                    Err(_) => held(&shared.slot).channel = None,
                }
            }
        } else if last_frame.elapsed() > SILENT_AFTER {
            let silent = format!("no frame from {name} for {} s", SILENT_AFTER.as_secs());
            report(app, state(false, Some(silent), 0.0, 0.0));
            last_frame = Instant::now();
        }
        let elapsed = second.elapsed();
        if elapsed >= Duration::from_secs(1) {
            let seconds = elapsed.as_secs_f32();
            let fps = captured.wrapping_sub(captured_before) as f32 / seconds;
            report(app, state(true, None, fps, sent as f32 / seconds));
            (second, sent, captured_before) = (Instant::now(), 0, captured);
        }
    }
    report(app, state(false, None, 0.0, 0.0));
}

/// When a frame captured at `at` was taken, in ms since the Unix epoch.
fn epoch_ms(at: Instant) -> f64 {
    let taken = SystemTime::now() - at.elapsed();
    taken
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The desk's decoder: each credential newly held up to the camera goes to
/// the screen as `camera-read`, once per presentation, until the camera stops.
pub fn watch_for_prints(app: &AppHandle, camera: &LiveCamera, scanner: Scanner) -> Result<(), StationError> {
    let (shared, handle) = (Arc::clone(&camera.shared), app.clone());
    std::thread::Builder::new()
        .name("camera-decode".to_owned())
        .spawn(move || {
            let mut sight = InSight::new(ABSENT_AFTER);
            while !shared.stop.load(Ordering::SeqCst) {
                match scanner.next_frame(POLL) {
                    Ok(frame) => {
                        if let Some(text) = credential_in_frame(&frame)
                            && sight.first_sight(&text, frame.captured_at)
                        {
                            let read = CameraRead {
                                text,
                                captured_ms: epoch_ms(frame.captured_at),
                            };
                            // A window already closed has nobody to tell.
                            let _ = handle.emit("camera-read", &read);
                        }
                    }
                    Err(CameraError::NoFrame { .. }) => {}
                    // The capture side reports why (the preview thread's `camera` state).
                    Err(_) => return,
                }
            }
        })
        .map_err(|e| StationError::RunSetup(format!("cannot start the camera's decoder thread: {e}")))?;
    Ok(())
}

/// The capture time of a verdict made `elapsed_ms` after its frame, now
/// (ms since the Unix epoch): what the gate's screen measures from.
pub fn captured_ms_before(elapsed_ms: u64) -> f64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    now - elapsed_ms as f64
}
