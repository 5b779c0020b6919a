//! Gate mode: cards checked one after another, from the webcam and the card
//! reader at once, offline, each card reported once per presentation, every
//! check logged, and the trust data kept fresh while the network allows.
//!
//! Why a pull loop ([`Gate::next_event`]) rather than callbacks: the station
//! (its SQLite cache) stays on the caller's thread, and capture, decoding,
//! reader events and the scheduled refresh run on threads of their own that
//! only hand inputs over, so a slow network never holds up a verdict. A shell
//! asks for the next [`GateEvent`] and shows it: `passctl gate` prints lines,
//! the desktop app will show verdicts full-screen.
//!
//! What it is not for: judging credentials (the verifier does) or talking to
//! cards (reading one is [`Station::read_card`]'s job), and it signs no one in:
//! the officer comes in as [`GateOptions::actor`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pass_camera::{CameraError, Frame, FrameSource, Scanner};
use pass_credential::{Lang, Verdict, Verifier, Warning};
use pass_reader::Transport;
use pass_reader::pcsc_reader::{ReaderEvent, Readers, Watcher};
use time::OffsetDateTime;

use crate::credentials::{CheckSource, outcome_code};
use crate::model::Holder;
use crate::scan::InSight;
use crate::station::TrustRefresh;
use crate::sync::SyncOptions;
use crate::{Station, StationError, StationHome};

/// A QR code out of sight this long is a new presentation when it comes back.
/// Longer than the few frames glare or a moving hand hides a code for, shorter
/// than handing a card back and taking the next.
pub const QR_ABSENT_AFTER: Duration = Duration::from_millis(1500);

/// How often the trust list and hotlist are fetched, and the log sent, by default.
pub const REFRESH_EVERY: Duration = Duration::from_secs(15 * 60);

/// How long the input threads wait before they look at the stop flag again.
const POLL: Duration = Duration::from_millis(200);

/// What a gate checks against and who is checking.
#[derive(Debug, Clone)]
pub struct GateOptions {
    /// The officer, logged with every check.
    pub actor: String,
    /// This gate's port code, which passes must cover; `None` skips the port check.
    pub port: Option<String>,
    /// Only cards on this reader count; `None`: cards on any reader.
    pub reader: Option<String>,
    pub refresh_every: Duration,
    pub qr_absent_after: Duration,
}

impl GateOptions {
    pub fn new(actor: impl Into<String>, port: Option<String>) -> GateOptions {
        GateOptions {
            actor: actor.into(),
            port,
            reader: None,
            refresh_every: REFRESH_EVERY,
            qr_absent_after: QR_ABSENT_AFTER,
        }
    }
}

/// What the gate has to show.
#[derive(Debug, Clone)]
pub enum GateEvent {
    Verdict(Box<GateVerdict>),
    /// The station has never fetched a trust list: every credential is refused
    /// as unverifiable until a refresh succeeds.
    NoTrustList,
    /// The trust list and hotlist were fetched and the outbox (the log) sent.
    TrustRefreshed(TrustRefresh),
    /// A refresh failed; verdicts go on from the cached trust data. Said once
    /// until a refresh succeeds again.
    Offline {
        since: OffsetDateTime,
        /// When the hotlist in use was fetched, if ever.
        last_refreshed: Option<OffsetDateTime>,
        detail: String,
    },
    /// A card on the reader could not be read to the end (moved, pulled): no verdict.
    CardUnreadable {
        reader: String,
        detail: String,
    },
    /// The camera delivers no more frames (a played folder ended, or it failed).
    CameraStopped {
        detail: String,
    },
    /// The readers can no longer be watched (pcscd stopped).
    ReadersStopped {
        detail: String,
    },
}

/// One check of one card.
#[derive(Debug, Clone)]
pub struct GateVerdict {
    pub source: CheckSource,
    pub at: OffsetDateTime,
    /// The chip's UID (upper-case hex); none for a QR.
    pub card_uid: Option<String>,
    /// The verifier's verdict; none for a chip this office never wrote (a copy, or another issuer's card).
    pub verdict: Option<Verdict>,
    pub warnings: Vec<Warning>,
    /// The pass as this station's cache holds it, when it is known here.
    pub pass: Option<CachedPass>,
    /// The holder's photo from the chip, when it is the one the chip's signed
    /// credential names: a gate that does not hold the pass still has a face.
    pub chip_photo: Option<Vec<u8>>,
    /// From the frame's capture or the card's arrival to this verdict, logging included.
    pub elapsed: Duration,
}

/// What the cache knows of a pass, to show beside the verdict.
#[derive(Debug, Clone)]
pub struct CachedPass {
    /// The national ID in it is masked: the station holds no other form.
    pub holder: Holder,
    pub company_name: String,
    /// The holder's photo (JPEG), if synced.
    pub photo: Option<Vec<u8>>,
}

impl GateVerdict {
    pub fn is_valid(&self) -> bool {
        self.verdict.as_ref().is_some_and(Verdict::is_valid)
    }

    /// `valid`, the reason's code, or `not_our_card`: as the log records it.
    pub fn outcome_code(&self) -> &'static str {
        outcome_code(self.verdict.as_ref())
    }

    /// What the officer reads: the reason and what to do, or that the card admits its holder.
    pub fn message(&self, lang: Lang) -> String {
        let (zh, en) = match self.verdict.as_ref().map(|v| &v.outcome) {
            Some(Err(reason)) => return reason.message(lang),
            Some(Ok(())) => ("有效，准予通行。", "Valid: admit the holder."),
            None => (
                "此卡非本局核發或為複製卡：晶片無法以本局金鑰開啟。拒絕通行，扣留證件並通報主管。",
                "This card was not issued by this office, or is a copy: its chip does not open with the \
                 office's keys. Refuse entry, retain the card and report to a supervisor.",
            ),
        };
        match lang {
            Lang::ZhTw => zh.to_owned(),
            Lang::En => en.to_owned(),
        }
    }
}

/// Asks a running gate to refresh now or to stop; usable from any thread.
#[derive(Debug, Clone)]
pub struct GateControl {
    refresh: Sender<()>,
    stop: Arc<AtomicBool>,
}

impl GateControl {
    /// Fetches the trust data and sends the log now, then on the schedule again.
    pub fn refresh_now(&self) {
        // A refresher that has ended (its station failed to open) has said so already.
        let _ = self.refresh.send(());
    }

    /// Ends the gate: [`Gate::is_running`] turns false and the input threads stop.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the refresher so it sees the flag now, not at its next scheduled run.
        let _ = self.refresh.send(());
    }
}

/// Hands the gate cards that come by another way than its camera and
/// readers: a photo the officer picked, a scanner's text, a card on a reader
/// the gate does not watch (the desktop demo's virtual card). Each is judged
/// as a presentation of its own, and logged like any other.
#[derive(Debug, Clone)]
pub struct Presenter {
    inputs: Sender<Input>,
}

impl Presenter {
    /// A credential's QR text, read by the caller.
    pub fn qr(&self, text: String) {
        // A gate that has stopped takes no more cards; the caller's screen has gone too.
        let _ = self.inputs.send(Input::PresentedQr {
            text,
            at: Instant::now(),
        });
    }

    /// A card to read as a tap, named `reader` in what the gate reports.
    pub fn card(&self, reader: String, card: Box<dyn Transport + Send>) {
        let _ = self.inputs.send(Input::PresentedCard {
            reader,
            card,
            at: Instant::now(),
        });
    }
}

/// What the input threads hand to the gate.
enum Input {
    Qr {
        text: String,
        seen_at: Instant,
    },
    PresentedQr {
        text: String,
        at: Instant,
    },
    CameraStopped(CameraError),
    Tap {
        reader: String,
        at: Instant,
    },
    PresentedCard {
        reader: String,
        card: Box<dyn Transport + Send>,
        at: Instant,
    },
    ReadersStopped(String),
    Refreshed(Box<Result<TrustRefresh, StationError>>),
}

// Inputs carry frames' texts and errors; the gate's own Debug needs only their name.
impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Input")
    }
}

/// A running gate. Dropping it stops its input threads.
#[derive(Debug)]
pub struct Gate {
    station: Station,
    verifier: Verifier,
    options: GateOptions,
    readers: Option<Readers>,
    inputs: Receiver<Input>,
    /// Kept for [`Gate::presenter`]; also keeps the channel open while a presenter may come.
    sender: Sender<Input>,
    control: GateControl,
    threads: Vec<JoinHandle<()>>,
    camera_live: bool,
    readers_live: bool,
    /// Whether a [`Presenter`] was handed out: the gate then runs until stopped.
    presented: bool,
    /// The QR texts in the camera's view: each presentation is judged once.
    in_sight: InSight,
    offline_since: Option<OffsetDateTime>,
    opening: Option<GateEvent>,
}

impl Gate {
    /// Starts checking QR codes in `camera`'s frames and chips on `readers`'
    /// cards (either may be absent), and refreshing the trust data: at once, then
    /// every `options.refresh_every`.
    pub fn start(
        station: Station,
        options: GateOptions,
        camera: Option<Scanner>,
        readers: Option<Readers>,
    ) -> Result<Gate, StationError> {
        let verifier = station.verifier()?;
        let (sender, inputs) = mpsc::channel();
        let (refresh, refresh_requests) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let spawn = |name: &str, work: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(work)
                .map_err(|e| StationError::RunSetup(format!("cannot start the gate's {name} thread: {e}")))
        };
        let camera_live = camera.is_some();
        if let Some(scanner) = camera {
            let (sender, stop) = (sender.clone(), Arc::clone(&stop));
            threads.push(spawn(
                "gate-qr",
                Box::new(move || decode_frames(&scanner, &sender, &stop)),
            )?);
        }
        let readers_live = readers.is_some();
        if let Some(readers) = &readers {
            let watcher = readers.watch()?;
            let (sender, stop, only) = (sender.clone(), Arc::clone(&stop), options.reader.clone());
            threads.push(spawn(
                "gate-chip",
                Box::new(move || forward_taps(watcher, only.as_deref(), &sender, &stop)),
            )?);
        }
        // Not joined on drop: a refresh may wait on the network for its whole timeout.
        let (home, every, stopping, refresher) = (
            station.home().clone(),
            options.refresh_every,
            Arc::clone(&stop),
            sender.clone(),
        );
        spawn(
            "gate-refresh",
            Box::new(move || refresh_on_schedule(home, every, &refresh_requests, &refresher, &stopping)),
        )?;
        let opening = verifier.trust_list().is_none().then_some(GateEvent::NoTrustList);
        let in_sight = InSight::new(options.qr_absent_after);
        Ok(Gate {
            station,
            verifier,
            options,
            readers,
            inputs,
            sender,
            control: GateControl { refresh, stop },
            threads,
            camera_live,
            readers_live,
            presented: false,
            in_sight,
            offline_since: None,
            opening,
        })
    }

    pub fn control(&self) -> GateControl {
        self.control.clone()
    }

    /// A way to hand the gate cards from elsewhere; from then on the gate
    /// runs until stopped, even with no camera or reader left.
    pub fn presenter(&mut self) -> Presenter {
        self.presented = true;
        Presenter {
            inputs: self.sender.clone(),
        }
    }

    /// Whether more can happen: not stopped, and a camera, a reader or a presenter still delivers.
    pub fn is_running(&self) -> bool {
        !self.control.stop.load(Ordering::SeqCst) && (self.camera_live || self.readers_live || self.presented)
    }

    /// The next thing to show, waiting up to `timeout`; `None` if nothing happened.
    /// An error is the station's own (its cache cannot log a check): stop the gate.
    pub fn next_event(&mut self, timeout: Duration) -> Result<Option<GateEvent>, StationError> {
        if let Some(event) = self.opening.take() {
            return Ok(Some(event));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let input = match self
                .inputs
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(input) => input,
                Err(RecvTimeoutError::Timeout) => return Ok(None),
                Err(RecvTimeoutError::Disconnected) => {
                    // Every input thread has ended; nothing more will come.
                    (self.camera_live, self.readers_live) = (false, false);
                    return Ok(None);
                }
            };
            if let Some(event) = self.handle(input)? {
                return Ok(Some(event));
            }
        }
    }

    fn handle(&mut self, input: Input) -> Result<Option<GateEvent>, StationError> {
        match input {
            Input::Qr { text, seen_at } => self.check_qr(text, seen_at),
            Input::PresentedQr { text, at } => self.judge_qr(&text, at).map(Some),
            Input::Tap { reader, at } => self.check_tap(reader, at),
            Input::PresentedCard { reader, mut card, at } => self.check_chip(reader, &mut card, at).map(Some),
            Input::Refreshed(result) => self.refreshed(*result),
            Input::CameraStopped(error) => {
                self.camera_live = false;
                Ok(Some(GateEvent::CameraStopped {
                    detail: error.to_string(),
                }))
            }
            Input::ReadersStopped(detail) => {
                self.readers_live = false;
                Ok(Some(GateEvent::ReadersStopped { detail }))
            }
        }
    }

    fn check_qr(&mut self, text: String, seen_at: Instant) -> Result<Option<GateEvent>, StationError> {
        if !self.in_sight.first_sight(&text, seen_at) {
            return Ok(None);
        }
        self.judge_qr(&text, seen_at).map(Some)
    }

    fn judge_qr(&mut self, text: &str, seen_at: Instant) -> Result<GateEvent, StationError> {
        let now = OffsetDateTime::now_utc();
        let verdict = self
            .station
            .verify_qr(&self.verifier, text, now, self.options.port.as_deref())?;
        self.judged(CheckSource::Qr, None, Some(verdict), None, seen_at, now)
    }

    fn check_tap(&mut self, reader: String, tapped: Instant) -> Result<Option<GateEvent>, StationError> {
        let Some(readers) = &self.readers else {
            return Ok(None);
        };
        match readers.open(&reader) {
            Ok(mut card) => self.check_chip(reader, &mut card, tapped).map(Some),
            Err(error) => Ok(Some(GateEvent::CardUnreadable {
                reader,
                detail: StationError::from(error).to_string(),
            })),
        }
    }

    fn check_chip(
        &mut self,
        reader: String,
        card: &mut impl Transport,
        tapped: Instant,
    ) -> Result<GateEvent, StationError> {
        let now = OffsetDateTime::now_utc();
        let reading = self
            .station
            .read_card_at_gate(card, &self.verifier, now, self.options.port.as_deref());
        match reading {
            Ok(reading) => self.judged(
                CheckSource::Chip,
                Some(reading.card_uid),
                reading.verdict,
                reading.photo,
                tapped,
                now,
            ),
            Err(error) => Ok(GateEvent::CardUnreadable {
                reader,
                detail: error.to_string(),
            }),
        }
    }

    /// Logs a check and makes its event.
    fn judged(
        &mut self,
        source: CheckSource,
        card_uid: Option<String>,
        verdict: Option<Verdict>,
        chip_photo: Option<Vec<u8>>,
        started: Instant,
        at: OffsetDateTime,
    ) -> Result<GateEvent, StationError> {
        let port = self.options.port.as_deref();
        let actor = &self.options.actor;
        self.station
            .log_check(actor, source, verdict.as_ref(), card_uid.as_deref(), port)?;
        let pass = match verdict.as_ref().and_then(|v| v.claims.as_ref()) {
            Some(claims) => self.station.cached_pass(&claims.pass_id)?,
            None => None,
        };
        let warnings = match &verdict {
            Some(verdict) => verdict.warnings.clone(),
            None => self.verifier.warnings(at),
        };
        Ok(GateEvent::Verdict(Box::new(GateVerdict {
            source,
            at,
            card_uid,
            verdict,
            warnings,
            pass,
            chip_photo,
            elapsed: started.elapsed(),
        })))
    }

    fn refreshed(&mut self, result: Result<TrustRefresh, StationError>) -> Result<Option<GateEvent>, StationError> {
        match result {
            Ok(refresh) => {
                self.verifier = self.station.verifier()?;
                self.offline_since = None;
                Ok(Some(GateEvent::TrustRefreshed(refresh)))
            }
            // A sync of this station is fetching the same data right now.
            Err(StationError::SyncBusy { .. }) => Ok(None),
            Err(error) => {
                if self.offline_since.is_some() {
                    return Ok(None);
                }
                let since = OffsetDateTime::now_utc();
                self.offline_since = Some(since);
                Ok(Some(GateEvent::Offline {
                    since,
                    last_refreshed: self.verifier.hotlist().fetched_at,
                    detail: error.to_string(),
                }))
            }
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.control.stop();
        for thread in self.threads.drain(..) {
            // A thread that panicked has nothing more to hand over.
            let _ = thread.join();
        }
    }
}

/// The decoder thread: the credential QR in each frame, in capture order.
fn decode_frames(scanner: &Scanner, inputs: &Sender<Input>, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        let input = match scanner.next_frame(POLL) {
            Ok(frame) => match decode(&frame) {
                Some(text) => Input::Qr {
                    text,
                    seen_at: frame.captured_at,
                },
                None => continue,
            },
            Err(CameraError::NoFrame { .. }) => continue,
            Err(error) => {
                let _ = inputs.send(Input::CameraStopped(error));
                return;
            }
        };
        if inputs.send(input).is_err() {
            return;
        }
    }
}

fn decode(frame: &Frame) -> Option<String> {
    crate::scan::credential_in_frame(frame)
}

/// The reader thread: a card put on a reader (once per insertion) becomes a tap.
fn forward_taps(watcher: Watcher, only: Option<&str>, inputs: &Sender<Input>, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        let input = match watcher.events().recv_timeout(POLL) {
            Ok(ReaderEvent::CardInserted { reader, .. }) if only.is_none_or(|name| name == reader) => Input::Tap {
                reader,
                at: Instant::now(),
            },
            Ok(_) | Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                let detail = match watcher.stop() {
                    Err(error) => error.to_string(),
                    Ok(()) => "the card reader watcher stopped".to_owned(),
                };
                let _ = inputs.send(Input::ReadersStopped(detail));
                return;
            }
        };
        if inputs.send(input).is_err() {
            return;
        }
    }
}

/// The refresher thread, with its own connection to the cache: at once, then
/// every `every` or when asked.
fn refresh_on_schedule(
    home: StationHome,
    every: Duration,
    requests: &Receiver<()>,
    inputs: &Sender<Input>,
    stop: &AtomicBool,
) {
    let started = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StationError::RunSetup(format!("cannot start the refresh runtime: {e}")))
        .and_then(|runtime| Ok((runtime, Station::open(home)?)));
    let (runtime, mut station) = match started {
        Ok(started) => started,
        Err(error) => {
            let _ = inputs.send(Input::Refreshed(Box::new(Err(error))));
            return;
        }
    };
    while !stop.load(Ordering::SeqCst) {
        let result = runtime.block_on(station.refresh_trust(&SyncOptions::default()));
        if inputs.send(Input::Refreshed(Box::new(result))).is_err() {
            return;
        }
        if let Err(RecvTimeoutError::Disconnected) = requests.recv_timeout(every) {
            return;
        }
    }
}

/// A finite source (a folder of photos) played at a camera's pace: frames come
/// `interval` apart, each stamped when it is delivered. For tests, demos and
/// the latency benchmark; a webcam paces itself.
#[derive(Debug)]
pub struct Played<S> {
    source: S,
    interval: Duration,
    next_at: Option<Instant>,
}

impl<S: FrameSource> Played<S> {
    pub fn new(source: S, interval: Duration) -> Played<S> {
        Played {
            source,
            interval,
            next_at: None,
        }
    }
}

impl<S: FrameSource> FrameSource for Played<S> {
    fn next_frame(&mut self) -> pass_camera::Result<Option<Frame>> {
        if let Some(at) = self.next_at {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
        }
        self.next_at = Some(Instant::now() + self.interval);
        self.source.next_frame()
    }

    fn name(&self) -> String {
        self.source.name()
    }
}

impl Station {
    /// What the cache knows of a pass, to show beside a verdict.
    pub(crate) fn cached_pass(&self, pass_id: &str) -> Result<Option<CachedPass>, StationError> {
        let Some(record) = self.store().item(pass_id)? else {
            return Ok(None);
        };
        let photo = match &record.item.photo_sha256 {
            Some(sha256) => self.store().photo(sha256)?,
            None => None,
        };
        Ok(Some(CachedPass {
            holder: record.item.holder,
            company_name: record.item.company_name,
            photo,
        }))
    }
}
