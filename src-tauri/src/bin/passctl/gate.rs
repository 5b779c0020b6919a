//! `passctl gate`: gate mode on a terminal. One line per verdict on stdout as it
//! happens (JSON with `--json`); the gate's state (no trust list, offline,
//! refreshed) on stderr. It runs until Ctrl-C or SIGTERM, `--max-verdicts`,
//! or until neither a camera nor a reader is left.

use std::path::PathBuf;
use std::time::Duration;

use pass_camera::{ImageSource, Scanner};
use pass_credential::Lang;
use pass_reader::pcsc_reader::Readers;
use pass_station::auth::Duty;
use pass_station::gate::{Gate, GateEvent, GateOptions, GateVerdict, Played};
use pass_station::model::Holder;
use pass_station::{Station, StationError, StationHome, credentials};

#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// The webcam with this index (0 is the first); needs a passctl built with `--features webcam`.
    #[arg(long, value_name = "INDEX", num_args = 0..=1, default_missing_value = "0", group = "camera_input")]
    camera: Option<u32>,
    /// Play the photos in this folder (PNG, JPEG; by file name) as the camera.
    #[arg(long, value_name = "DIR", group = "camera_input")]
    images: Option<PathBuf>,
    /// Milliseconds between the played photos, as a camera's frame interval.
    #[arg(long, value_name = "MS", default_value_t = 100, requires = "images")]
    frame_ms: u64,
    /// Only cards on this reader (default: any reader).
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
    /// Check QR codes only; leave the card readers alone.
    #[arg(long, conflicts_with = "reader", requires = "camera_input")]
    no_chip: bool,
    /// This gate's port code (default: the station's office).
    #[arg(long, value_name = "CODE")]
    port: Option<String>,
    /// Fetch the trust list and hotlist and send the log this often (fractions allowed).
    #[arg(long, value_name = "N", default_value_t = 15.0, value_parser = parse_minutes)]
    refresh_minutes: f64,
    /// Stop after this many verdicts.
    #[arg(long, value_name = "N")]
    max_verdicts: Option<u64>,
    #[arg(long)]
    json: bool,
}

fn parse_minutes(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(minutes) if minutes > 0.0 && minutes.is_finite() => Ok(minutes),
        _ => Err(format!(
            "{text:?} is not a number of minutes above 0, such as 15 or 0.5"
        )),
    }
}

/// How long one wait for the gate's next event lasts before Ctrl-C is looked at.
const POLL: Duration = Duration::from_millis(200);

pub fn run(home: StationHome, args: GateArgs) -> Result<(), StationError> {
    let mut station = Station::open(home)?;
    let officer = crate::session::signed_in(&mut station, Duty::Check)?;
    let camera = open_camera(&args)?;
    let readers = if args.no_chip {
        None
    } else {
        match Readers::connect() {
            Ok(readers) => Some(readers),
            Err(error) if camera.is_some() => {
                eprintln!("warning: {error}; chip checks are off, QR checks go on");
                None
            }
            Err(error) => return Err(error.into()),
        }
    };
    let mut options = GateOptions::new(
        officer.username,
        Some(args.port.unwrap_or_else(|| station.config().office.clone())),
    );
    options.reader = args.reader;
    options.refresh_every = Duration::from_secs_f64(args.refresh_minutes * 60.0);
    let mut gate = Gate::start(station, options, camera, readers)?;
    let control = gate.control();
    ctrlc::set_handler(move || control.stop())
        .map_err(|e| StationError::RunSetup(format!("cannot take Ctrl-C and SIGTERM: {e}")))?;
    let mut verdicts = 0;
    while gate.is_running() && args.max_verdicts.is_none_or(|max| verdicts < max) {
        match gate.next_event(POLL)? {
            Some(GateEvent::Verdict(verdict)) => {
                verdicts += 1;
                if args.json {
                    println!("{}", verdict_line_json(&verdict));
                } else {
                    println!("{}", verdict_line(&verdict));
                }
            }
            Some(state) => eprintln!("{}", state_line(&state)),
            None => {}
        }
    }
    Ok(())
}

fn open_camera(args: &GateArgs) -> Result<Option<Scanner>, StationError> {
    if let Some(folder) = &args.images {
        let images = ImageSource::folder(folder)?;
        // Every photo is kept until decoded: a played folder has no frames to spare.
        let capacity = images.paths().len();
        let played = Played::new(images, Duration::from_millis(args.frame_ms));
        return Ok(Some(Scanner::start(move || Ok(played), capacity)?));
    }
    args.camera.map(webcam).transpose()
}

#[cfg(feature = "webcam")]
fn webcam(index: u32) -> Result<Scanner, StationError> {
    // Two frames: the decoder always gets a current picture.
    Ok(Scanner::start(move || pass_camera::WebcamSource::open(index), 2)?)
}

#[cfg(not(feature = "webcam"))]
fn webcam(_index: u32) -> Result<Scanner, StationError> {
    Err(StationError::NoWebcamSupport)
}

/// The time of day in the office's zone, as the officer's watch shows it.
fn local_time(verdict: &GateVerdict) -> String {
    let at = verdict.at.to_offset(credentials::OFFICE_UTC_OFFSET);
    format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
}

/// Name and masked ID, or plate and vehicle type, from the cache; else the name the credential carries.
fn holder_text(verdict: &GateVerdict) -> String {
    match (&verdict.pass, verdict.verdict.as_ref().and_then(|v| v.claims.as_ref())) {
        (Some(pass), _) => match &pass.holder {
            Holder::Person {
                name,
                national_id_masked,
                ..
            } => format!("{name} {national_id_masked} {}", pass.company_name),
            Holder::Vehicle { plate, vehicle_type } => format!("{plate} {vehicle_type} {}", pass.company_name),
        },
        (None, Some(claims)) => claims.holder.clone(),
        (None, None) => "-".to_owned(),
    }
}

fn verdict_line(verdict: &GateVerdict) -> String {
    let claims = verdict.verdict.as_ref().and_then(|v| v.claims.as_ref());
    let mut line = format!(
        "{}  {:<4}  {:<7}  {}  {}  {}{}  {} / {}",
        local_time(verdict),
        verdict.source.as_str(),
        if verdict.is_valid() { "VALID" } else { "INVALID" },
        verdict.outcome_code(),
        claims.map_or("-", |c| c.pass_id.as_str()),
        holder_text(verdict),
        verdict
            .card_uid
            .as_ref()
            .map(|uid| format!(" card {uid}"))
            .unwrap_or_default(),
        verdict.message(Lang::ZhTw),
        verdict.message(Lang::En),
    );
    for warning in &verdict.warnings {
        line.push_str(&format!("  warning: {}", warning.message(Lang::En)));
    }
    line.push_str(&format!("  ({} ms)", verdict.elapsed.as_millis()));
    line
}

fn verdict_line_json(verdict: &GateVerdict) -> String {
    let claims = verdict.verdict.as_ref().and_then(|v| v.claims.as_ref());
    let value = serde_json::json!({
        "at": pass_station::store::rfc3339(verdict.at),
        "source": verdict.source,
        "card_uid": verdict.card_uid,
        "valid": verdict.is_valid(),
        "outcome": verdict.outcome_code(),
        "message_zh": verdict.message(Lang::ZhTw),
        "message_en": verdict.message(Lang::En),
        "pass_id": claims.map(|c| &c.pass_id),
        "version": claims.map(|c| c.version),
        "holder": verdict.pass.as_ref().map(|p| &p.holder),
        "company_name": verdict.pass.as_ref().map(|p| &p.company_name),
        "photo_bytes": verdict.pass.as_ref().and_then(|p| p.photo.as_ref()).map(Vec::len),
        "warnings": verdict.warnings.iter().map(|w| w.message(Lang::En)).collect::<Vec<_>>(),
        "elapsed_ms": verdict.elapsed.as_secs_f64() * 1000.0,
    });
    serde_json::to_string(&value).expect("a verdict always encodes as JSON")
}

fn state_line(event: &GateEvent) -> String {
    match event {
        GateEvent::NoTrustList => format!(
            "{}; until then every card is refused as unverifiable (the gate fetches one as soon as central answers)",
            StationError::NoTrustList
        ),
        GateEvent::TrustRefreshed(refresh) => format!(
            "trust data refreshed: trust list #{}, hotlist #{} ({} entries); {} checks sent to central",
            refresh.trust.trust_list_sequence,
            refresh.trust.hotlist_sequence,
            refresh.trust.hotlist_entries,
            refresh.events.accepted + refresh.events.duplicates
        ),
        GateEvent::Offline {
            since,
            last_refreshed,
            detail,
        } => format!(
            "offline since {}: {detail}; verdicts go on from the hotlist of {}, and the log is sent when central answers",
            pass_station::store::rfc3339(*since),
            last_refreshed.map_or("never".to_owned(), pass_station::store::rfc3339)
        ),
        GateEvent::CardUnreadable { reader, detail } => {
            format!(
                "the card on {reader} could not be read ({detail}); hold it still on the reader and present it again"
            )
        }
        GateEvent::CameraStopped { detail } => format!("the camera stopped: {detail}"),
        GateEvent::ReadersStopped { detail } => format!("the card readers stopped: {detail}"),
        GateEvent::Verdict(_) => String::new(),
    }
}
