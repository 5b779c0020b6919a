//! `passctl gate`: gate mode on a terminal. One line per verdict on stdout as it
//! happens (JSON with `--json`); the gate's state (no trust list, offline,
//! refreshed) on stderr. It runs until Ctrl-C or SIGTERM, `--max-verdicts`,
//! or until neither a camera nor a reader is left.

use std::path::PathBuf;
use std::time::Duration;

use pass_camera::{ImageSource, Scanner};
use pass_reader::pcsc_reader::Readers;
use pass_station::auth::Duty;
use pass_station::gate::{Gate, Played};
use pass_station::ops::gate::{GateEventView, VerdictView};
use pass_station::{StationError, credentials};

use super::{Context, Outcome};

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

pub fn run(ctx: &Context, args: GateArgs) -> Result<Outcome, StationError> {
    let (mut station, officer) = ctx.signed_in(Duty::Check)?;
    let mut options = pass_station::ops::gate::gate_options(&mut station, &officer, args.port.as_deref())?;
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
    options.reader = args.reader;
    options.refresh_every = Duration::from_secs_f64(args.refresh_minutes * 60.0);
    let mut gate = Gate::start(station, options, camera, readers)?;
    let control = gate.control();
    ctrlc::set_handler(move || control.stop())
        .map_err(|e| StationError::RunSetup(format!("cannot take Ctrl-C and SIGTERM: {e}")))?;
    let mut verdicts = 0;
    while gate.is_running() && args.max_verdicts.is_none_or(|max| verdicts < max) {
        let Some(event) = gate.next_event(POLL)? else {
            continue;
        };
        match GateEventView::from(&event) {
            GateEventView::Verdict(verdict) => {
                verdicts += 1;
                if ctx.out.json {
                    println!(
                        "{}",
                        serde_json::to_string(&verdict).expect("a verdict always encodes as JSON")
                    );
                } else {
                    println!("{}", verdict_line(&verdict));
                }
            }
            state => eprintln!("{}", state_line(&state)),
        }
    }
    Ok(Outcome::Done)
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
fn local_time(at: &str) -> String {
    pass_station::store::parse_rfc3339(at)
        .map(|at| {
            let at = at.to_offset(credentials::OFFICE_UTC_OFFSET);
            format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
        })
        .unwrap_or_default()
}

fn verdict_line(verdict: &VerdictView) -> String {
    let holder = [&verdict.holder, &verdict.id_masked, &verdict.company]
        .into_iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let mut line = format!(
        "{}  {:<4}  {:<7}  {}  {}  {}{}  {} / {}",
        local_time(&verdict.at),
        source_name(verdict),
        if verdict.valid { "VALID" } else { "INVALID" },
        verdict.outcome,
        verdict.pass_id.as_deref().unwrap_or("-"),
        if holder.is_empty() { "-".to_owned() } else { holder },
        verdict
            .card_uid
            .as_ref()
            .map(|uid| format!(" card {uid}"))
            .unwrap_or_default(),
        verdict.message_zh,
        verdict.message_en,
    );
    for warning in &verdict.warnings {
        line.push_str(&format!("  warning: {}", warning.en));
    }
    line.push_str(&format!("  ({} ms)", verdict.elapsed_ms));
    line
}

fn source_name(verdict: &VerdictView) -> &'static str {
    match verdict.source {
        credentials::CheckSource::Qr => "qr",
        credentials::CheckSource::Chip => "chip",
    }
}

fn state_line(event: &GateEventView) -> String {
    match event {
        GateEventView::NoTrustList => format!(
            "{}; until then every card is refused as unverifiable (the gate fetches one as soon as central answers)",
            StationError::NoTrustList
        ),
        GateEventView::TrustRefreshed { trust, checks_sent } => format!(
            "trust data refreshed: trust list #{}, hotlist #{} ({} entries); {checks_sent} checks sent to central",
            trust.trust_list_sequence, trust.hotlist_sequence, trust.hotlist_entries,
        ),
        GateEventView::Offline {
            since,
            last_refreshed,
            detail,
        } => format!(
            "offline since {since}: {detail}; verdicts go on from the hotlist of {}, and the log is sent when central answers",
            last_refreshed.as_deref().unwrap_or("never")
        ),
        GateEventView::CardUnreadable { reader, detail } => {
            format!(
                "the card on {reader} could not be read ({detail}); hold it still on the reader and present it again"
            )
        }
        GateEventView::CameraStopped { detail } => format!("the camera stopped: {detail}"),
        GateEventView::ReadersStopped { detail } => format!("the card readers stopped: {detail}"),
        GateEventView::Failed { detail } => format!("the gate stopped: {detail}"),
        GateEventView::Verdict(_) => String::new(),
    }
}
