//! The clerk's desk: the queue, item by item or by application, a card's
//! record and what may be done with it now, the holder's photo taken at the
//! desk, printing a batch, checking a print, writing the chip, spoiling a
//! card that came out wrong, pick-ups and the hand-over.
//!
//! An application is the unit a company works in: a crew of eight or more
//! temporary passes comes as one application, and one representative
//! collects its cards together. The queue groups by it ([`applications`]:
//! how many items wait to print, are in the making, ready, handed over or
//! out), its printable items go to one print batch (each card still its own
//! job), and [`hand_over`] takes several released cards of one application
//! to one representative. An item withdrawn, spoiled or voided is counted
//! as out and holds none of the others back.
//!
//! A hand-over of several cards is checked all-or-nothing and moved card by
//! card: the whole list is refused, nothing done, when any card is unknown,
//! named twice, not released or of another application (the clerk fixes the
//! list and tries again, rather than finding out which half went). Each card
//! then takes its own hand-over step, one transaction with its audit entry
//! and its event for central, exactly as a single card does, so the audit
//! trail and central see one step per card; the entries name the cards taken
//! with them. One transaction over all of them would make the cards'
//! steps something other than the steps the state machine, the crash tests
//! and central know.

use pass_central::identity::IdDocument;
use pass_credential::Lang;
use pass_printer::{PrintFormat, PrintTarget};
use serde::{Deserialize, Serialize};

use pass_reader::Transport;

use super::devices::{EncodeStep, PrintedQr, Reporting};
use super::{Retired, allowed};
use crate::auth::{Duty, Session};
use crate::chip::Encoded;
use crate::credentials::OFFICE_UTC_OFFSET;
use crate::desk_photo::{Crop, PhotoWarning, make_card_photo, may_take_photo};
use crate::entitlement::CardEntitlement;
use crate::model::{CardState, Step};
use crate::printing::{self, PrintCheck};
use crate::store::{ApplicationRow, AuditEntry, DeskClaim, ItemRecord, QueueQuery, QueueRow};
pub use crate::workflow::{HandOver, HandedOver, SupervisorApproval, Waiting};
use crate::{Station, StationError};

/// One page of the queue: `rows` from the `offset`-th matching item on, of `total`.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub offset: usize,
    /// How many items match the search and filter in all, or, when
    /// `total_at_least`, how many were counted before the count stopped.
    pub total: usize,
    /// The count stopped short: at least `total` match, perhaps more.
    pub total_at_least: bool,
}

/// How far past a page the queue counts the items that match: a broad
/// search (one letter) matches tens of thousands, and counting them all
/// would cost every keystroke tens of milliseconds. A page farther on counts
/// farther, so the list grows as it scrolls.
const COUNTED_PAST_PAGE: usize = 200;

/// The queue, searched (any part of a name, company, pass number or plate)
/// and filtered by state (none: the open ones), a page at a time: the
/// query's `limit` items from its `offset`-th on, and how many match in all.
pub fn queue(station: &mut Station, session: &Session, query: &QueueQuery) -> Result<QueuePage, StationError> {
    allowed(station, session, Duty::Read)?;
    let mut rows = station.store().queue(query)?;
    for row in &mut rows {
        row.claimed_elsewhere = station.claimed_elsewhere(&row.pass_id, row.version)?;
    }
    // A short first page is the whole of it; otherwise the index counts.
    let (total, total_at_least) = if query.offset == 0 && rows.len() < query.limit {
        (rows.len(), false)
    } else {
        let at_most = query.offset + query.limit + COUNTED_PAST_PAGE;
        let counted = station.store().queue_count(query, at_most)?;
        (counted, counted >= at_most)
    };
    Ok(QueuePage {
        rows,
        offset: query.offset,
        total,
        total_at_least,
    })
}

/// The queue by application: those with an item still in the office's
/// work, oldest first, each counted by where its cards stand, with its
/// printable and ready pass numbers; `text` is any part of the company's
/// name or the application number.
pub fn applications(
    station: &mut Station,
    session: &Session,
    text: Option<&str>,
    limit: usize,
) -> Result<Vec<ApplicationRow>, StationError> {
    allowed(station, session, Duty::Read)?;
    Ok(station.store().applications(text, limit)?)
}

/// Something a person may do with a card, as its record offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum CardAction {
    Print,
    CheckPrint,
    Encode,
    Release,
    RefuseRelease,
    HandOver,
    Spoil,
    Void,
    Reprint,
    /// Take the holder's photo at the desk (a person's card not printed yet).
    TakePhoto,
    /// Move another desk's claim on the pass to this desk (a supervisor, with a reason).
    TakeOverClaim,
}

impl CardAction {
    /// Each action, the step it takes and the duty it needs.
    const ALL: [(CardAction, Step, Duty); 9] = [
        (CardAction::Print, Step::PRINT, Duty::Issue),
        (CardAction::CheckPrint, Step::CHECK_PRINT, Duty::Issue),
        (CardAction::Encode, Step::ENCODE, Duty::Issue),
        (CardAction::Release, Step::RELEASE, Duty::Approve),
        (CardAction::RefuseRelease, Step::REFUSE_RELEASE, Duty::Approve),
        (CardAction::HandOver, Step::HAND_OVER, Duty::Issue),
        (CardAction::Spoil, Step::SPOIL, Duty::Issue),
        (CardAction::Void, Step::VOID, Duty::Approve),
        (CardAction::Reprint, Step::REPRINT, Duty::Approve),
    ];
}

/// One card: its record (the national ID only masked, as the cache holds
/// it), its history, and what the signed-in user may do with it now.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CardView {
    pub record: ItemRecord,
    pub history: Vec<AuditEntry>,
    pub actions: Vec<CardAction>,
    /// Another desk's claim on the pass, while it binds: this desk does not print it.
    pub claimed_elsewhere: Option<DeskClaim>,
}

pub fn card(station: &mut Station, session: &Session, pass_id: &str) -> Result<CardView, StationError> {
    allowed(station, session, Duty::Read)?;
    let record = station.item(pass_id)?;
    let history = station.store().audit(Some(&record.item.pass_id), None, None)?;
    let claimed_elsewhere = station.claimed_elsewhere(&record.item.pass_id, record.item.version)?;
    let actions = actions_for(station, session, &record, claimed_elsewhere.is_some())?;
    Ok(CardView {
        record,
        history,
        actions,
        claimed_elsewhere,
    })
}

/// The actions whose step can leave the card's state and whose duty the user holds today.
fn actions_for(
    station: &Station,
    session: &Session,
    record: &ItemRecord,
    claimed_elsewhere: bool,
) -> Result<Vec<CardAction>, StationError> {
    // Two people see every card: its encoder may not release it.
    let encoder = station.store().encoded_by(&record.item.pass_id)?;
    let mut actions = Vec::new();
    for (action, step, duty) in CardAction::ALL {
        let releasing_own = matches!(action, CardAction::Release) && encoder.as_deref() == Some(&session.username);
        // Another desk is making the card: printing it here would make a second one.
        let printing_theirs = matches!(action, CardAction::Print) && claimed_elsewhere;
        if step.from.contains(&record.state)
            && !releasing_own
            && !printing_theirs
            && station.actor_for(session, duty).is_ok()
        {
            actions.push(action);
        }
    }
    if claimed_elsewhere && station.actor_for(session, Duty::Approve).is_ok() {
        actions.push(CardAction::TakeOverClaim);
    }
    if may_take_photo(record).is_ok() && station.actor_for(session, Duty::Issue).is_ok() {
        actions.push(CardAction::TakePhoto);
    }
    Ok(actions)
}

/// Card previews are rendered at this resolution: sharp on a 2× screen at the size shown.
pub const PREVIEW_DPI: u32 = 200;

/// The card as it will print, one PNG per side (front, back), marked SPECIMEN.
pub fn preview(
    station: &mut Station,
    session: &Session,
    pass_id: &str,
    portrait: bool,
) -> Result<Vec<Vec<u8>>, StationError> {
    allowed(station, session, Duty::Read)?;
    station.preview(pass_id, printing::template(portrait), PREVIEW_DPI)
}

/// The holder's photo as the cache holds it (JPEG or PNG bytes).
pub fn photo(station: &mut Station, session: &Session, pass_id: &str) -> Result<Vec<u8>, StationError> {
    allowed(station, session, Duty::Read)?;
    let record = station.item(pass_id)?;
    let photo = match &record.item.photo_sha256 {
        Some(sha) => station.store().photo(sha)?,
        None => None,
    };
    photo.ok_or_else(|| StationError::PhotoMissing {
        pass_id: pass_id.to_owned(),
    })
}

/// What to do with a photo made at the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum PhotoSave {
    /// Only make it and say what is wrong with it.
    Check,
    /// Keep it when nothing is wrong with it.
    IfClean,
    /// Keep it whatever the warnings: the clerk saw them and accepts it.
    Anyway,
}

/// A holder photo made at the desk: what the checks found, and whether it was kept.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PhotoTaken {
    pub pass_id: String,
    pub warnings: Vec<PhotoWarning>,
    /// The part of the picture taken (the clerk's crop, narrowed to 3:4).
    pub crop: Crop,
    pub source_width: u32,
    pub source_height: u32,
    /// The card photo's size in pixels.
    pub width: u32,
    pub height: u32,
    /// The photo's SHA-256 once kept: the card prints with it now, and it
    /// goes to central at the next sync.
    pub saved: Option<String>,
}

/// The clerk's photo step for a person whose photo is missing or will not
/// do: `picture` (PNG or JPEG, from a camera or a file) cropped where the
/// clerk framed the face (`crop`; none: the centre), scaled to the card's
/// photo and checked; kept as `save` says.
pub fn take_photo(
    station: &mut Station,
    session: &Session,
    pass_id: &str,
    picture: &[u8],
    crop: Option<Crop>,
    save: PhotoSave,
) -> Result<PhotoTaken, StationError> {
    allowed(station, session, Duty::Issue)?;
    may_take_photo(&station.item(pass_id)?)?;
    let photo = make_card_photo(picture, crop)?;
    let keep = match save {
        PhotoSave::Check => false,
        PhotoSave::IfClean => photo.warnings.is_empty(),
        PhotoSave::Anyway => true,
    };
    let saved = if keep {
        Some(station.set_desk_photo(pass_id, &photo, session)?)
    } else {
        None
    };
    Ok(PhotoTaken {
        pass_id: pass_id.to_owned(),
        warnings: photo.warnings,
        crop: photo.crop,
        source_width: photo.source_width,
        source_height: photo.source_height,
        width: photo.width,
        height: photo.height,
        saved,
    })
}

/// What sees each card the printer delivers (the demo's camera photographs it).
pub trait PrintWatcher: Send + Sync + std::fmt::Debug {
    fn printed(&self, pass_id: &str, files: &[String]) -> Result<(), StationError>;
}

/// A folder where a picture of each printed card's back (the side with the
/// QR) appears, as a camera over the printer's output tray would take it:
/// the demo's camera, which has no webcam, and the check-print screen's
/// pictures to pick from.
#[derive(Debug)]
pub struct PictureFolder {
    pub dir: std::path::PathBuf,
}

impl PictureFolder {
    /// Writes the back of the card printed to `pdf` as a 300 dpi PNG to `png`.
    pub fn picture(pdf: &std::path::Path, png: &std::path::Path) -> Result<(), StationError> {
        let bytes = std::fs::read(pdf).map_err(|source| StationError::Io {
            action: "read the printed card",
            path: pdf.to_owned(),
            source,
        })?;
        let pages = pass_printer::rasterise(&bytes, pass_printer::PRINT_DPI)?;
        std::fs::write(png, pages.get(1).map_or(&[][..], Vec::as_slice)).map_err(|source| StationError::Io {
            action: "write the card's picture",
            path: png.to_owned(),
            source,
        })
    }
}

impl PrintWatcher for PictureFolder {
    fn printed(&self, pass_id: &str, files: &[String]) -> Result<(), StationError> {
        match files.first() {
            Some(pdf) => {
                PictureFolder::picture(std::path::Path::new(pdf), &self.dir.join(format!("{pass_id}-back.png")))
            }
            None => Ok(()),
        }
    }
}

/// The station's printer, as chosen at start-up.
#[derive(Debug)]
pub struct Printer {
    pub target: PrintTarget,
    pub watcher: Option<Box<dyn PrintWatcher>>,
}

impl Printer {
    pub fn new(target: PrintTarget) -> Printer {
        Printer { target, watcher: None }
    }
}

/// How a batch is printed.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct PrintOptions {
    /// The portrait card template.
    #[serde(default)]
    pub portrait: bool,
    /// 300 dpi PNGs per side, for printers whose drivers want bitmaps.
    #[serde(default)]
    pub raster: bool,
}

/// Where one card of a batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum PrintStage {
    Printing,
    Printed,
    Failed,
}

/// One card of a print batch.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct PrintOutcome {
    pub pass_id: String,
    pub stage: PrintStage,
    /// The card's print serial, once printed.
    pub print: Option<u32>,
    /// The files written, when printed to a folder.
    pub files: Vec<String>,
    /// The CUPS job number, when printed through CUPS.
    pub job: Option<u32>,
    #[serde(serialize_with = "super::failure")]
    #[ts(type = "ErrorView | null")]
    pub error: Option<StationError>,
}

/// Prints each card as its own job, so each moves to `printed`, or fails,
/// on its own (a jam costs one card, not the batch), and tells `progress`
/// of each card as it starts and ends. Each pass is claimed for this desk at
/// central first; one another desk holds fails naming it, and with central
/// out of reach only the passes this desk claimed before print.
pub async fn print_batch(
    station: &mut Station,
    session: &Session,
    printer: &Printer,
    pass_ids: &[String],
    options: PrintOptions,
    progress: &mut dyn FnMut(&PrintOutcome),
) -> Result<Vec<PrintOutcome>, StationError> {
    allowed(station, session, Duty::Issue)?;
    printing::refuse_repeats(pass_ids)?;
    let format = if options.raster {
        PrintFormat::Raster
    } else {
        PrintFormat::Pdf
    };
    // Central first: a pass another desk holds fails on its own, like a jam.
    let claims = station.claim_passes(pass_ids).await?;
    let mut outcomes = Vec::with_capacity(pass_ids.len());
    for (pass_id, claim) in pass_ids.iter().zip(claims) {
        let mut outcome = PrintOutcome {
            pass_id: pass_id.clone(),
            stage: PrintStage::Printing,
            print: None,
            files: Vec::new(),
            job: None,
            error: None,
        };
        progress(&outcome);
        let printed = claim.and_then(|()| {
            station
                .print_cards(
                    std::slice::from_ref(pass_id),
                    &printer.target,
                    printing::template(options.portrait),
                    format,
                    session,
                )
                .and_then(|report| {
                    if let Some(watcher) = &printer.watcher {
                        watcher.printed(pass_id, &report.files)?;
                    }
                    Ok(report)
                })
        });
        match printed {
            Ok(report) => {
                outcome.stage = PrintStage::Printed;
                outcome.print = report.prints.first().copied();
                outcome.files = report.files;
                outcome.job = report.job;
            }
            Err(error) => {
                outcome.stage = PrintStage::Failed;
                outcome.error = Some(error);
            }
        }
        progress(&outcome);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Claims passes for this desk at central ahead of the work (for a day that
/// may go offline), or extends its claims; one answer per pass.
pub async fn claim(
    station: &mut Station,
    session: &Session,
    pass_ids: &[String],
) -> Result<Vec<Claimed>, StationError> {
    allowed(station, session, Duty::Issue)?;
    printing::refuse_repeats(pass_ids)?;
    let answers = station.claim_passes(pass_ids).await?;
    Ok(pass_ids
        .iter()
        .zip(answers)
        .map(|(pass_id, answer)| Claimed {
            pass_id: pass_id.clone(),
            error: answer.err(),
        })
        .collect())
}

/// Gives this desk's claims on the passes back (online), so another desk may print them.
pub async fn release_claims(station: &mut Station, session: &Session, pass_ids: &[String]) -> Result<(), StationError> {
    allowed(station, session, Duty::Issue)?;
    station.release_claims(pass_ids).await
}

/// One pass of a claim: held by this desk now, or why not.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Claimed {
    pub pass_id: String,
    #[serde(serialize_with = "super::failure")]
    #[ts(type = "ErrorView | null")]
    pub error: Option<StationError>,
}

/// Checks a printed card's QR against its pass: `print_verified` if it is
/// the credential of the print that came out, `spoiled` if not.
pub fn check_print(
    station: &mut Station,
    session: &Session,
    pass_id: &str,
    printed: PrintedQr,
) -> Result<PrintCheck, StationError> {
    allowed(station, session, Duty::Issue)?;
    let read = printed.read()?;
    station.check_print(pass_id, &read, session)
}

/// Checks that the signed-in user may check prints: before the desk's
/// camera starts watching for cards held up to it.
pub fn may_check_prints(station: &mut Station, session: &Session) -> Result<(), StationError> {
    allowed(station, session, Duty::Issue)
}

/// Checks a printed card's QR as the desk's camera or scanner reads it:
/// against the pass typed (`pass_id`), or, when none was, the pass the
/// credential names (its signature checked against the cached trust list).
/// A match moves the card to `print_verified`; a mismatch leaves it
/// `printed` and says why, for the clerk to confirm spoiling it
/// ([`spoil`]) or to show the right card.
pub fn check_print_read(
    station: &mut Station,
    session: &Session,
    pass_id: Option<&str>,
    printed: PrintedQr,
) -> Result<PrintCheck, StationError> {
    allowed(station, session, Duty::Issue)?;
    let read = printed.read()?;
    let pass_id = match pass_id.map(str::trim).filter(|p| !p.is_empty()) {
        Some(typed) => typed.to_uppercase(),
        None => pass_in_credential(station, &read)?,
    };
    station.check_print_then(&pass_id, &read, session, false)
}

/// The pass number a credential's QR text names, its signature checked.
fn pass_in_credential(station: &Station, text: &str) -> Result<String, StationError> {
    // Only the pass number is wanted: the signature is checked, the office's records are not asked.
    let verdict = station
        .verifier()?
        .verify_qr(text, time::OffsetDateTime::now_utc(), None);
    verdict
        .claims
        .map(|claims| claims.pass_id)
        .ok_or(StationError::NoQrCode {
            from: "the scanned text (not a credential signed for this office)".to_owned(),
        })
}

/// A card not yet valid is read back as of this time on its first day (office time).
const FIRST_CHECK: time::Duration = time::Duration::hours(9);

/// What encoding a card did, and the chip read back as a gate would (on the
/// pass's first day when that is still to come).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct EncodeResult {
    #[serde(flatten)]
    pub encoded: Encoded,
    pub valid: bool,
    pub reason_zh: Option<String>,
    pub reason_en: Option<String>,
}

/// Writes the pass's chip credential to `card` and reads it back; `progress`
/// hears of each exchange with the card as it happens.
pub fn encode(
    station: &mut Station,
    session: &Session,
    pass_id: &str,
    card: &mut dyn Transport,
    progress: &mut dyn FnMut(EncodeStep),
) -> Result<EncodeResult, StationError> {
    // The step checks the duty first thing; checking here too would touch the session twice.
    let mut card = Reporting::new(card, progress);
    let encoded = station.encode(pass_id, &mut card, session)?;
    let record = station.item(pass_id)?;
    let first_day = record.item.valid_from.midnight().assume_offset(OFFICE_UTC_OFFSET) + FIRST_CHECK;
    let at = first_day.max(time::OffsetDateTime::now_utc());
    let office = station.config().office.clone();
    let reading = station.read_card(&mut card, at, Some(&office))?;
    let reason = reading.verdict.as_ref().and_then(|v| v.outcome.as_ref().err());
    Ok(EncodeResult {
        encoded,
        valid: reading.verdict.as_ref().is_some_and(|v| v.is_valid()),
        reason_zh: reason.map(|r| r.message(Lang::ZhTw)),
        reason_en: reason.map(|r| r.message(Lang::En)),
    })
}

/// Marks a made card spoiled (a misprint, a dead chip, damage): never to be used.
pub fn spoil(station: &mut Station, session: &Session, pass_id: &str, reason: &str) -> Result<Retired, StationError> {
    Ok(Retired::of(pass_id, station.spoil(pass_id, reason, session)?))
}

/// Released cards waiting to be picked up, oldest first; those past the
/// office's pick-up window are marked `uncollected` and leave the list.
pub fn pickups(station: &mut Station, session: &Session) -> Result<Vec<Waiting>, StationError> {
    station.pickups(session)
}

/// Hands released cards of one application over to one recipient: refused
/// as a whole, nothing done, unless every card may go (the recipient is its
/// holder or the delegate of its pick-up code, or a supervisor approved);
/// then each card takes its own audited, reported step (see the workflow's
/// notes). The recipient's ID document is kept masked only.
pub fn hand_over(station: &mut Station, session: &Session, to: &HandOver) -> Result<HandedOver, StationError> {
    station.hand_over(to, session)
}

/// Who is asking for released cards, before they are handed over: their
/// name, the ID document they show (if shown yet) and the pick-up codes
/// they bring.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct RecipientCheck {
    pub pass_ids: Vec<String>,
    pub name: String,
    pub document: Option<IdDocument>,
    #[serde(default)]
    pub pickup_codes: Vec<String>,
}

/// For each card, whether the recipient may take it, and why: as its
/// holder, or as the delegate of its pick-up code. A code that is not good
/// (forged, expired, used, for another card or person) is the answer's
/// refusal. Records nothing.
pub fn check_recipient(
    station: &mut Station,
    session: &Session,
    who: &RecipientCheck,
) -> Result<Vec<CardEntitlement>, StationError> {
    station.check_recipient(
        &who.pass_ids,
        &who.name,
        who.document.as_ref(),
        &who.pickup_codes,
        session,
    )
}

/// The pass number a scanner typed: a credential's own pass number
/// (its signature checked against the cached trust list), or the text itself.
pub fn resolve_scan(station: &mut Station, session: &Session, text: &str) -> Result<String, StationError> {
    allowed(station, session, Duty::Read)?;
    let text = text.trim();
    if !pass_credential::qr::is_credential_text(text) {
        return Ok(text.to_owned());
    }
    pass_in_credential(station, text)
}

/// The states the queue shows when none are asked for: cards still in the office's work.
pub fn open_states() -> Vec<CardState> {
    CardState::ALL.into_iter().filter(|s| s.is_open()).collect()
}
