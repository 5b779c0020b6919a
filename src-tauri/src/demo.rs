//! The station's main job on embedded defaults, for a first look and a smoke
//! test: a `central-sim` inside this process with generated passes, a station
//! enrolled with it, a full sync, a search, the queue still there after
//! central goes away, a signed credential verified offline, the card printed
//! to a folder of PDFs, and its chip credential written to a virtual DESFire
//! card and read back.
//!
//! Everything is real but the server's location: the simulator listens on
//! loopback HTTP and keeps its own SQLite file, and the station talks to it
//! exactly as it would to the central pass API.

use std::io::Write;
use std::path::Path;

use pass_central::sim::{SimConfig, SimHandle};

use pass_vcard::{CardMemory, Cipher, VirtualCard};

use pass_printer::{PdfFolder, PrintFormat, PrintTarget};

use crate::store::QueueQuery;
use crate::sync::SyncOptions;
use crate::{Station, StationError, StationHome};
use crate::{credentials, printing, scan};

/// The demo's virtual card.
const DEMO_CARD_UID: [u8; 7] = [0x04, 0xDE, 0x30, 0x00, 0x00, 0x00, 0x01];

/// The card office the demo station works for.
pub const DEMO_OFFICE: &str = "TWKEL";

/// The demo's embedded parts, shared by `passctl demo` and the desktop app's
/// demo mode: a central-sim in this process, and a station enrolled with it.
#[derive(Debug)]
pub struct DemoSetup {
    /// Serves the generated passes until dropped.
    pub sim: SimHandle,
    /// The enrolled station's home, `dir/station`, with the office's chip keys.
    pub home: StationHome,
}

/// Starts a central-sim with `items` generated passes for [`DEMO_OFFICE`] and
/// enrols a station in `dir/station` (`dir` must not hold one yet), with chip keys.
pub async fn prepare(dir: &Path, items: u32) -> Result<DemoSetup, StationError> {
    std::fs::create_dir_all(dir).map_err(|source| StationError::Io {
        action: "create the demo folder",
        path: dir.to_owned(),
        source,
    })?;
    let mut sim_config = SimConfig::new(dir.join("central-sim.db"));
    sim_config.generate = items;
    sim_config.office = DEMO_OFFICE.to_owned();
    let sim =
        SimHandle::spawn(sim_config).map_err(|e| StationError::RunSetup(format!("central-sim did not start: {e}")))?;
    let home = StationHome::new(dir.join("station"));
    let code = sim.enrolment_code(DEMO_OFFICE).unwrap_or_default();
    home.enroll(sim.url(), &code, "示範製證站 Demo station").await?;
    home.generate_chip_keys(DEMO_OFFICE)?;
    Ok(DemoSetup { sim, home })
}

/// Runs the demo in `dir` (which must not hold an enrolled station), writing
/// what happens to `out`.
pub async fn run(dir: &Path, items: u32, out: &mut dyn Write) -> Result<(), StationError> {
    let io = |source| StationError::Io {
        action: "write the demo report",
        path: dir.to_owned(),
        source,
    };
    let mut say = |text: String| writeln!(out, "{text}").map_err(io);

    let DemoSetup { sim, home } = prepare(dir, items).await?;
    say(format!(
        "1. central-sim is serving {items} approved passes for {DEMO_OFFICE} at {}",
        sim.url()
    ))?;
    let mut station = Station::open(home.clone())?;
    say(format!(
        "2. enrolled as station {} for office {}",
        station.config().station_id,
        station.config().office
    ))?;

    let report = station.sync(&SyncOptions::default(), &mut |_| {}).await?;
    say(format!(
        "3. synced: {} items in {} pages, {} photos, {} events sent to central",
        report.items.added, report.pages, report.photos_fetched, report.events.accepted
    ))?;

    let first = station.store().queue(&QueueQuery {
        limit: 1,
        ..QueueQuery::default()
    })?;
    let Some(first) = first.into_iter().next() else {
        return Err(StationError::RunSetup("the queue is empty after sync".to_owned()));
    };
    let part: String = first.holder.chars().skip(1).take(2).collect();
    let found = station.store().queue(&QueueQuery {
        text: Some(part.clone()),
        limit: 5,
        ..QueueQuery::default()
    })?;
    say(format!(
        "4. searching the queue for {part:?} finds {} items, first {} {}",
        found.len(),
        first.pass_id,
        first.holder
    ))?;

    sim.stop();
    let offline = Station::open(home)?;
    let still = offline.store().queue(&QueueQuery {
        text: Some(part),
        limit: 5,
        ..QueueQuery::default()
    })?;
    say(format!(
        "5. central stopped: the same search still finds {} items from the cache",
        still.len()
    ))?;

    // The card's credential, checked as a gate would: offline, on its first day.
    let qr = offline.qr_credential(&first.pass_id)?;
    let item = offline
        .store()
        .item(&first.pass_id)?
        .ok_or_else(|| StationError::ItemNotFound(first.pass_id.clone()))?;
    let first_day = credentials::claims_for(&item.item, DEMO_OFFICE, time::OffsetDateTime::now_utc()).valid_from;
    let verdict = offline
        .verifier()?
        .verify_qr(&qr, first_day + time::Duration::hours(9), Some(DEMO_OFFICE));
    let outcome = match &verdict.outcome {
        Ok(()) => "VALID".to_owned(),
        Err(reason) => format!("NOT VALID: {}", reason.message(pass_credential::Lang::En)),
    };
    say(format!(
        "6. signed credential for {} ({} characters of QR text), verified offline: {outcome}",
        first.pass_id,
        qr.len()
    ))?;
    // The card, printed to a folder of PDFs (a card printer's hot folder).
    let mut offline = offline;
    let printer = PrintTarget::Folder(PdfFolder::new(dir.join("printed")));
    std::fs::create_dir_all(dir.join("printed")).map_err(|source| StationError::Io {
        action: "create the demo's printer folder",
        path: dir.join("printed"),
        source,
    })?;
    let actor = offline.actor();
    let printed = offline.print_cards(
        std::slice::from_ref(&first.pass_id),
        &printer,
        printing::template(false),
        PrintFormat::Pdf,
        &actor,
    )?;
    say(format!("7. card printed: {}", printed.files.join(", ")))?;
    // The print checked as the webcam would: the card's back, as a 300 dpi picture.
    let back = dir.join("printed").join("card-back.png");
    camera_picture(Path::new(&printed.files[0]), &back)?;
    let read = scan::credential_in_image(&back)?;
    let check = offline.check_print(&first.pass_id, &read, &actor)?;
    say(format!(
        "8. printed QR read back from a picture of the card: {}",
        check.problem.as_deref().unwrap_or("matches its pass (print verified)")
    ))?;

    // The chip, on a virtual DESFire card held in this process.
    let mut card = VirtualCard::new(CardMemory::blank(DEMO_CARD_UID, Cipher::Aes));
    let encoded = offline.encode(&first.pass_id, &mut card, &actor)?;
    let reading = offline.read_card(&mut card, first_day + time::Duration::hours(9), Some(DEMO_OFFICE))?;
    let outcome = match reading.verdict.map(|v| v.outcome) {
        Some(Ok(())) => "VALID".to_owned(),
        Some(Err(reason)) => format!("NOT VALID: {}", reason.message(pass_credential::Lang::En)),
        None => "not one of ours".to_owned(),
    };
    say(format!(
        "9. chip credential written to virtual card {} in {} exchanges, read back with its read key: {outcome}",
        encoded.card_uid, encoded.apdu_exchanges
    ))?;
    say(format!(
        "Station home: {}  (try: passctl --home {} queue --search {})",
        dir.join("station").display(),
        dir.join("station").display(),
        first.holder
    ))
}

/// Stands in for the webcam where the demo has none: writes the back of the
/// card printed to `pdf` (the side with the QR code) as a 300 dpi PNG to `png`.
pub fn camera_picture(pdf: &Path, png: &Path) -> Result<(), StationError> {
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

/// A new folder for a demo that outlives the process, so its station can be looked at afterwards.
pub fn new_dir() -> Result<std::path::PathBuf, StationError> {
    tempfile::Builder::new()
        .prefix("pass-station-demo-")
        .tempdir()
        .map(tempfile::TempDir::keep)
        .map_err(|e| StationError::RunSetup(format!("cannot create a temporary folder: {e}")))
}
