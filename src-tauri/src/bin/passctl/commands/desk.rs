//! The clerk's commands: the queue (by item or by application), a card, the
//! holder's photo taken at the desk, printing, checking a print, a preview,
//! writing the chip, spoiling, pick-ups and the hand-over of one or several cards.

use std::path::PathBuf;

use pass_central::identity::IdDocument;
use pass_station::StationError;
use pass_station::auth::Duty;
use pass_station::desk_photo::{Crop, PhotoWarning};
use pass_station::entitlement::Entitlement;
use pass_station::model::CardState;
use pass_station::ops::desk::{
    self, CardView, EncodeResult, HandOver, PhotoSave, PrintOptions, PrintOutcome, Printer, QueuePage,
    SupervisorApproval,
};
use pass_station::ops::devices::{self, CardSource};
use pass_station::printing::PrintCheck;
use pass_station::store::{ApplicationRow, QueueQuery};
use pass_station::workflow::{HandedOver, Waiting};

use super::{Context, Outcome, QrInput, Rows, Show, hotlisted, table};

#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    /// Any part of a name, company, pass number or plate (Chinese works).
    #[arg(long, short)]
    search: Option<String>,
    /// Only items in this state (repeatable); default: every open state.
    #[arg(long, value_parser = parse_state, conflicts_with = "by_application")]
    state: Vec<CardState>,
    /// One line per application (company, items, how many to print, in the
    /// making, ready, handed over, out), with its printable and ready pass
    /// numbers in `--json`; `--search` matches the company or application number.
    #[arg(long)]
    by_application: bool,
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Skip this many matching items (the next page: `--offset 50`).
    #[arg(long, default_value_t = 0, conflicts_with = "by_application")]
    offset: usize,
}

fn parse_state(text: &str) -> Result<CardState, String> {
    CardState::parse(text).ok_or_else(|| {
        let names: Vec<&str> = CardState::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown state {text:?}; one of: {}", names.join(", "))
    })
}

pub fn queue(ctx: &Context, args: QueueArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Read)?;
    if args.by_application {
        let rows = desk::applications(&mut station, &session, args.search.as_deref(), args.limit)?;
        ctx.out.show(&Rows(rows));
        return Ok(Outcome::Done);
    }
    let query = QueueQuery {
        text: args.search,
        states: args.state,
        limit: args.limit,
        offset: args.offset,
    };
    ctx.out.show(&desk::queue(&mut station, &session, &query)?);
    Ok(Outcome::Done)
}

impl Show for QueuePage {
    fn text(&self) {
        table::print_queue(self);
    }
}

impl Show for Rows<ApplicationRow> {
    fn text(&self) {
        table::print_applications(&self.0);
    }
}

impl Show for Rows<Waiting> {
    fn text(&self) {
        table::print_pickups(&self.0);
    }
}

#[derive(Debug, clap::Args)]
pub struct ItemArgs {
    item: String,
}

pub fn show(ctx: &Context, args: ItemArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Read)?;
    ctx.out
        .show(&CardShown(desk::card(&mut station, &session, &args.item)?));
    Ok(Outcome::Done)
}

#[derive(serde::Serialize)]
#[serde(transparent)]
struct CardShown(CardView);

impl Show for CardShown {
    fn text(&self) {
        table::print_item(&self.0.record);
        println!("{:>12}", "history");
        table::print_history(&self.0.history);
        let actions: Vec<String> = self.0.actions.iter().map(table::label).collect();
        println!(
            "{:>12}  {}",
            "next",
            if actions.is_empty() {
                "-".to_owned()
            } else {
                actions.join(", ")
            }
        );
    }
}

#[derive(Debug, clap::Args)]
pub struct PrintArgs {
    #[arg(required = true, value_name = "ITEM")]
    items: Vec<String>,
    /// The CUPS queue to print to (default: the one chosen with `passctl
    /// devices set`, else the PDF folder `printed/` in the home).
    #[arg(long, value_name = "QUEUE", conflicts_with = "pdf")]
    printer: Option<String>,
    /// Write the PDF into this folder instead (a card printer's hot folder).
    #[arg(long, value_name = "DIR")]
    pdf: Option<PathBuf>,
    /// Send 300 dpi PNGs per side, for printers whose drivers want bitmaps.
    #[arg(long)]
    raster: bool,
    /// Use the portrait card template.
    #[arg(long)]
    portrait: bool,
}

/// Prints each card as its own job; the exit code is the first failure's.
pub async fn print(ctx: &Context, args: PrintArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Issue)?;
    let target = devices::print_target(&station, args.printer, args.pdf, &ctx.home.dir().join("printed"));
    let options = PrintOptions {
        portrait: args.portrait,
        raster: args.raster,
    };
    let json = ctx.out.json;
    let mut progress = |card: &PrintOutcome| {
        if !json {
            print_line(card);
        }
    };
    let mut outcomes = desk::print_batch(
        &mut station,
        &session,
        &Printer::new(target),
        &args.items,
        options,
        &mut progress,
    )
    .await?;
    if json {
        ctx.out.say(&outcomes, |_| String::new());
    }
    match outcomes.iter_mut().find_map(|card| card.error.take()) {
        Some(first) => Err(first),
        None => Ok(Outcome::Done),
    }
}

#[derive(Debug, clap::Args)]
pub struct ClaimArgs {
    #[arg(required = true, value_name = "ITEM")]
    items: Vec<String>,
    /// Give this desk's claims back instead, so another desk may print them.
    #[arg(long)]
    release: bool,
}

/// Claims passes for this desk ahead of the work, so they print offline too;
/// or gives the claims back.
pub async fn claim(ctx: &Context, args: ClaimArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Issue)?;
    if args.release {
        desk::release_claims(&mut station, &session, &args.items).await?;
        let released = args.items.join(", ");
        ctx.out
            .say(&args.items, |_| format!("{released}: no longer claimed by this desk"));
        return Ok(Outcome::Done);
    }
    let mut claimed = desk::claim(&mut station, &session, &args.items).await?;
    ctx.out.say(&claimed, |passes| {
        passes
            .iter()
            .map(|pass| match &pass.error {
                None => format!("{}: claimed for this desk", pass.pass_id),
                Some(error) => format!("{}: not claimed: {error}", pass.pass_id),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    match claimed.iter_mut().find_map(|pass| pass.error.take()) {
        Some(first) => Err(first),
        None => Ok(Outcome::Done),
    }
}

fn print_line(card: &PrintOutcome) {
    use pass_station::ops::desk::PrintStage;
    match (card.stage, &card.error) {
        (PrintStage::Printing, _) => {}
        (_, Some(error)) => eprintln!("{}: not printed: {error}", card.pass_id),
        (_, None) => match card.job {
            Some(job) => println!(
                "{}: printed as CUPS job {job} (print {})",
                card.pass_id,
                card.print.unwrap_or(0)
            ),
            None => println!("{}: written to {}", card.pass_id, card.files.join(", ")),
        },
    }
}

#[derive(Debug, clap::Args)]
pub struct CheckPrintArgs {
    item: String,
    #[command(flatten)]
    read: QrInput,
}

pub fn check_print(ctx: &Context, args: CheckPrintArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Issue)?;
    let check = desk::check_print(&mut station, &session, &args.item, args.read.into())?;
    ctx.out.say(&check, |check: &PrintCheck| match &check.problem {
        Some(problem) => format!("{}: SPOILED, set the card aside: {problem}", check.pass_id),
        None => format!(
            "{}: the print matches its pass; place the card on the reader to encode it",
            check.pass_id
        ),
    });
    Ok(if check.matches { Outcome::Done } else { Outcome::Invalid })
}

#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    item: String,
    #[arg(long, value_name = "FILE")]
    png: PathBuf,
    #[arg(long)]
    portrait: bool,
}

pub fn preview(ctx: &Context, args: PreviewArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Read)?;
    let sides = desk::preview(&mut station, &session, &args.item, args.portrait)?;
    let png = args.png;
    let back = png.with_file_name(format!(
        "{}-back.png",
        png.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    for (path, side) in [&png, &back].into_iter().zip(&sides) {
        std::fs::write(path, side).map_err(|source| StationError::Io {
            action: "write the preview",
            path: path.clone(),
            source,
        })?;
        println!("{}", path.display());
    }
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Args)]
pub struct PhotoArgs {
    item: String,
    /// The picture of the holder (PNG or JPEG), from a camera or a scan.
    file: PathBuf,
    /// Where the face is, in the picture's pixels: x,y,width,height (narrowed
    /// to the card's 3:4 frame); default: the centre of the picture.
    #[arg(long, value_name = "X,Y,W,H")]
    crop: Option<Crop>,
    /// Only check the photo: say what is wrong with it, keep nothing.
    #[arg(long, conflicts_with = "accept_warnings")]
    check: bool,
    /// Keep the photo even if it is too dark, blurred or the face area small.
    #[arg(long)]
    accept_warnings: bool,
}

/// The holder's photo taken at the desk: kept for printing at once and sent
/// to central at the next sync; a photo with warnings is kept only when accepted.
pub fn photo(ctx: &Context, args: PhotoArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Issue)?;
    let picture = std::fs::read(&args.file).map_err(|source| StationError::Io {
        action: "read the picture",
        path: args.file.clone(),
        source,
    })?;
    let save = match (args.check, args.accept_warnings) {
        (true, _) => PhotoSave::Check,
        (false, true) => PhotoSave::Anyway,
        (false, false) => PhotoSave::IfClean,
    };
    let taken = desk::take_photo(&mut station, &session, &args.item, &picture, args.crop, save)?;
    ctx.out.say(&taken, |t| {
        let mut lines = vec![format!(
            "{}: {}x{} from {}x{} at ({}, {}) of the picture",
            t.pass_id, t.width, t.height, t.crop.width, t.crop.height, t.crop.x, t.crop.y
        )];
        lines.extend(t.warnings.iter().map(|w| format!("  warning: {}", warning_text(w))));
        lines.push(match (&t.saved, args.check) {
            (Some(_), _) => "kept: the card can print now; the photo goes to central at the next sync".to_owned(),
            (None, true) => "checked only: nothing kept".to_owned(),
            (None, false) => "not kept: retake the photo, or keep it with --accept-warnings".to_owned(),
        });
        lines.join("\n")
    });
    Ok(Outcome::Done)
}

fn warning_text(warning: &PhotoWarning) -> String {
    match warning {
        PhotoWarning::TooDark { mean, least } => {
            format!("too dark (mean brightness {mean} of 255, at least {least} wanted): add light")
        }
        PhotoWarning::Blurred { sharpness, least } => {
            format!("blurred (sharpness {sharpness}, at least {least} wanted): hold still and focus")
        }
        PhotoWarning::FaceAreaSmall {
            width,
            height,
            least_width,
            least_height,
        } => format!(
            "the face area framed is {width}x{height} pixels, at least {least_width}x{least_height} wanted: \
             move the camera closer"
        ),
    }
}

#[derive(Debug, clap::Args)]
pub struct EncodeArgs {
    item: String,
    /// The reader to use (default: the first one with a card on it).
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
}

pub fn encode(ctx: &Context, args: EncodeArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Issue)?;
    let mut card = devices::pcsc_reader(&station, args.reader).card_to_encode(&args.item)?;
    let encoded = desk::encode(&mut station, &session, &args.item, &mut card, &mut |_| {})?;
    ctx.out.say(&encoded, |e: &EncodeResult| {
        let read_back = if e.valid {
            "reads back valid".to_owned()
        } else {
            format!(
                "reads back NOT valid: {}",
                e.reason_en.as_deref().unwrap_or("no verdict")
            )
        };
        format!(
            "card {} now carries {} version {} ({}, {} exchanges with the card); {read_back}",
            e.encoded.card_uid,
            e.encoded.pass_id,
            e.encoded.version,
            if e.encoded.was_blank {
                "was blank"
            } else {
                "was ours: rewritten"
            },
            e.encoded.apdu_exchanges
        )
    });
    Ok(if encoded.valid { Outcome::Done } else { Outcome::Invalid })
}

#[derive(Debug, clap::Args)]
pub struct ReasonArgs {
    pub item: String,
    #[arg(long)]
    pub reason: String,
}

pub fn spoil(ctx: &Context, args: ReasonArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Issue)?;
    let retired = desk::spoil(&mut station, &session, &args.item, &args.reason)?;
    ctx.out.say(&retired, |r| {
        format!("{}: spoiled{}", r.pass_id, hotlisted(r.print, r.chip_uid.as_deref()))
    });
    Ok(Outcome::Done)
}

pub fn pickups(ctx: &Context) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Issue)?;
    ctx.out.show(&Rows(desk::pickups(&mut station, &session)?));
    Ok(Outcome::Done)
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("document").required(true).args(["id_number", "resident_certificate", "passport"])))]
pub struct HandoverArgs {
    /// Released cards of one application, collected by one recipient;
    /// refused as a whole, nothing done, if any of them may not go.
    #[arg(required = true, value_name = "ITEM")]
    items: Vec<String>,
    /// The recipient's name, as on their ID document.
    #[arg(long, value_name = "NAME")]
    to: String,
    #[arg(long, value_name = "NAME")]
    company: String,
    /// The recipient's national ID number as shown; only a masked form is kept.
    #[arg(long, value_name = "ID")]
    id_number: Option<String>,
    /// The recipient's resident certificate number, instead of a national ID.
    #[arg(long, value_name = "NUMBER")]
    resident_certificate: Option<String>,
    /// The recipient's passport, as COUNTRY:NUMBER (the three-letter code of
    /// its machine-readable zone), such as PHL:P1234567A.
    #[arg(long, value_name = "COUNTRY:NUMBER")]
    passport: Option<String>,
    /// A pick-up code the company's delegate brought (PK1:…), one per card;
    /// repeatable. `-` reads them from standard input, one per line, so they
    /// stay out of the process list.
    #[arg(long = "pickup-code", value_name = "CODE")]
    pickup_codes: Vec<String>,
    /// For cards the recipient has no right to: the supervisor who approves,
    /// at this desk. Their password is asked for (or read from standard
    /// input with --password-stdin).
    #[arg(long, value_name = "USER", requires = "reason")]
    approved_by: Option<String>,
    /// Why the supervisor lets the cards go to this recipient; audited.
    #[arg(long, value_name = "TEXT", requires = "approved_by")]
    reason: Option<String>,
    /// Read the supervisor's password from standard input (after any pick-up codes).
    #[arg(long)]
    password_stdin: bool,
}

impl HandoverArgs {
    /// The document the recipient showed, as given.
    fn document(&self) -> Result<IdDocument, StationError> {
        let usage = |detail: &str| StationError::Usage(detail.to_owned());
        match (&self.id_number, &self.resident_certificate, &self.passport) {
            (Some(number), None, None) => Ok(IdDocument::NationalId { number: number.clone() }),
            (None, Some(number), None) => Ok(IdDocument::ResidentCertificate { number: number.clone() }),
            (None, None, Some(passport)) => {
                let (country, number) = passport
                    .split_once(':')
                    .ok_or_else(|| usage("give the passport as COUNTRY:NUMBER, such as PHL:P1234567A"))?;
                Ok(IdDocument::Passport {
                    country: country.to_owned(),
                    number: number.to_owned(),
                })
            }
            _ => Err(usage(
                "give one ID document: --id-number, --resident-certificate or --passport",
            )),
        }
    }

    /// The pick-up codes, those given as `-` read from standard input.
    fn pickup_codes(&self) -> Result<Vec<String>, StationError> {
        let mut codes = Vec::with_capacity(self.pickup_codes.len());
        for code in &self.pickup_codes {
            if code != "-" {
                codes.push(code.clone());
                continue;
            }
            let mut line = String::new();
            std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line).map_err(|source| {
                StationError::Io {
                    action: "read a pick-up code",
                    path: "standard input".into(),
                    source,
                }
            })?;
            codes.push(line.trim().to_owned());
        }
        Ok(codes)
    }
}

pub fn handover(ctx: &Context, args: HandoverArgs) -> Result<Outcome, StationError> {
    let (mut station, session) = ctx.signed_in(Duty::Issue)?;
    let pickup_codes = args.pickup_codes()?;
    let approval = match (&args.approved_by, &args.reason) {
        (Some(supervisor), Some(reason)) => Some(SupervisorApproval {
            supervisor: supervisor.clone(),
            password: super::session::Passwords::new(args.password_stdin)
                .read(&format!("password of {supervisor}, who approves: "))?,
            reason: reason.clone(),
        }),
        _ => None,
    };
    let to = HandOver {
        pass_ids: args.items.clone(),
        name: args.to.clone(),
        company: args.company.clone(),
        document: args.document()?,
        pickup_codes,
        approval,
    };
    let handed = desk::hand_over(&mut station, &session, &to)?;
    ctx.out.say(&handed, |h: &HandedOver| {
        let grounds: Vec<String> = h
            .cards
            .iter()
            .map(|card| {
                let why = match &card.entitlement {
                    Some(Entitlement::Holder) => "the holder's own ID".to_owned(),
                    Some(Entitlement::PickupCode { delegate, .. }) => format!("pick-up code of delegate {delegate}"),
                    None => format!("approved by {}", h.approved_by.as_deref().unwrap_or("a supervisor")),
                };
                format!("{} ({why})", card.pass_id)
            })
            .collect();
        format!(
            "{} of application {} handed over to {} of {} (ID {}): {}",
            table::count(h.pass_ids.len(), "card", "cards"),
            h.application_id,
            h.recipient.name,
            h.recipient.company,
            h.recipient.id_masked,
            grounds.join(", ")
        )
    });
    Ok(Outcome::Done)
}
