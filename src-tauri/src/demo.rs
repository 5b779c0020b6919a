//! The station's main job on embedded defaults, for a first look and a smoke
//! test: a `central-sim` inside this process with generated passes and two
//! users, a station enrolled with it, sign-in, a full sync, a search, and then
//! with central gone the whole issuing pipeline offline: the card printed to
//! a folder of PDFs, its print checked from a picture, its chip written to a
//! virtual DESFire card, released by the supervisor, handed over, and both
//! the printed QR and the chip verified as a gate would.
//!
//! Everything is real but the server's location: the simulator listens on
//! loopback HTTP and keeps its own SQLite file, and the station talks to it
//! exactly as it would to the central pass API.

use std::io::Write;
use std::path::Path;

use pass_central::identity::IdDocument;
use pass_central::sim::{AdminClient, SimConfig, SimHandle};

use pass_vcard::{CardMemory, Cipher, VirtualCard};

use pass_printer::{PdfFolder, PrintTarget};

use crate::model::Role;
use crate::ops::devices::PrintedQr;
use crate::ops::people::DemoUser;
use crate::ops::{desk, gate, supervisor};
use crate::store::QueueQuery;
use crate::sync::SyncOptions;
use crate::{Station, StationError, StationHome};
use crate::{credentials, scan};

/// The demo's virtual card.
const DEMO_CARD_UID: [u8; 7] = [0x04, 0xDE, 0x30, 0x00, 0x00, 0x00, 0x01];

/// The card office the demo station works for.
pub const DEMO_OFFICE: &str = "TWKEL";

/// The demo's embedded parts, shared by `passctl demo` and the desktop app's
/// demo mode: a central-sim in this process with the demo's users, and a
/// station enrolled with it.
#[derive(Debug)]
pub struct DemoSetup {
    /// Serves the generated passes and signs the users in until dropped.
    pub sim: SimHandle,
    /// The enrolled station's home (`dir/station` unless another was given), with the office's chip keys.
    pub home: StationHome,
    /// A clerk, a supervisor, a gate officer and an administrator, in that order.
    pub users: Vec<DemoUser>,
}

/// The demo's people: a clerk at the desk, the supervisor who releases, a gate officer, and an administrator who sets the devices up.
const DEMO_USERS: [(&str, &str, Role); 4] = [
    ("demo-clerk", "陳怡君 (clerk)", Role::Clerk),
    ("demo-super", "黃建國 (supervisor)", Role::Supervisor),
    ("demo-gate", "王大明 (gate officer)", Role::GateOfficer),
    // Sets the station's devices up in Settings.
    ("demo-admin", "李淑芬 (administrator)", Role::Admin),
];

/// Starts a central-sim with `items` generated passes and the demo's users for
/// [`DEMO_OFFICE`] (its files in `dir`), and enrols a station, with chip
/// keys, in `station_home` or else `dir/station`; that home must not hold a
/// station yet.
pub async fn prepare(dir: &Path, station_home: Option<&Path>, items: u32) -> Result<DemoSetup, StationError> {
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

    let admin = AdminClient::new(sim.url()).map_err(setup("the admin client"))?;
    let mut users = Vec::new();
    for (username, display_name, role) in DEMO_USERS {
        let password = demo_password()?;
        admin
            .create_user(username, display_name, &[role], DEMO_OFFICE, &password)
            .await
            .map_err(setup("a demo user"))?;
        users.push(DemoUser {
            username,
            display_name,
            role,
            password,
        });
    }

    let home = StationHome::new(station_home.map_or_else(|| dir.join("station"), Path::to_owned));
    let code = sim.enrolment_code(DEMO_OFFICE).unwrap_or_default();
    home.enroll(sim.url(), &code, "示範製證站 Demo station", &sim.root_fingerprint())
        .await?;
    home.generate_chip_keys(DEMO_OFFICE)?;
    Ok(DemoSetup { sim, home, users })
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

    let DemoSetup { sim, home, users } = prepare(dir, None, items).await?;
    say(format!(
        "1. central-sim is serving {items} approved passes for {DEMO_OFFICE} at {}",
        sim.url()
    ))?;
    let (clerk, clerk_password) = (users[0].username, users[0].password.clone());
    let (supervisor, supervisor_password) = (users[1].username, users[1].password.clone());
    let (officer, officer_password) = (users[2].username, users[2].password.clone());

    let mut station = Station::open(home.clone())?;
    say(format!(
        "2. enrolled as station {} for office {}",
        station.config().station_id,
        station.config().office
    ))?;
    // The supervisor and the officer sign in once online, so that the station can let them in offline later.
    station.sign_in(supervisor, &supervisor_password).await?;
    station.sign_in(officer, &officer_password).await?;
    let clerk_session = station.sign_in(clerk, &clerk_password).await?;
    say(format!(
        "3. {supervisor} (supervisor) and {clerk} (clerk) signed in at central; {clerk} is at the desk"
    ))?;
    let report = station.sync(&SyncOptions::default(), &mut |_| {}).await?;
    say(format!(
        "4. synced: {} items in {} pages, {} photos, {} events sent to central",
        report.items.added, report.pages, report.photos_fetched, report.events.accepted
    ))?;

    let first = desk::queue(
        &mut station,
        &clerk_session,
        &QueueQuery {
            limit: 1,
            ..QueueQuery::default()
        },
    )?;
    let Some(first) = first.rows.into_iter().next() else {
        return Err(StationError::RunSetup("the queue is empty after sync".to_owned()));
    };
    let pass_id = first.pass_id.clone();
    let part: String = first.holder.chars().skip(1).take(2).collect();
    let search = QueueQuery {
        text: Some(part.clone()),
        limit: 5,
        ..QueueQuery::default()
    };
    let found = desk::queue(&mut station, &clerk_session, &search)?;
    say(format!(
        "5. searching the queue for {part:?} finds {} items, first {pass_id} {}",
        found.total, first.holder
    ))?;

    // The desk claims the card's work while central can grant it: offline, a
    // desk prints only what it claimed.
    let claimed = desk::claim(&mut station, &clerk_session, std::slice::from_ref(&pass_id)).await?;
    if let Some(error) = claimed.into_iter().find_map(|pass| pass.error) {
        return Err(error);
    }
    say(format!(
        "5b. {pass_id} claimed for this desk at central, so it prints offline too"
    ))?;

    // Central knows the holder's whole ID document; the station only its hash.
    // The demo reads it, as the holder would bring it to the counter.
    let admin = AdminClient::new(sim.url()).map_err(setup("the admin client"))?;
    let holder_document = admin.holder_document(&pass_id).await.ok();
    sim.stop();
    let mut offline = Station::open(home)?;
    let still = desk::queue(&mut offline, &clerk_session, &search)?;
    say(format!(
        "6. central stopped: the same search still finds {} items from the cache; the rest runs offline",
        still.total
    ))?;

    // The card, printed to a folder of PDFs (a card printer's hot folder).
    let printer = desk::Printer::new(PrintTarget::Folder(PdfFolder::new(dir.join("printed"))));
    std::fs::create_dir_all(dir.join("printed")).map_err(|source| StationError::Io {
        action: "create the demo's printer folder",
        path: dir.join("printed"),
        source,
    })?;
    let mut printed = desk::print_batch(
        &mut offline,
        &clerk_session,
        &printer,
        std::slice::from_ref(&pass_id),
        desk::PrintOptions::default(),
        &mut |_| {},
    )
    .await?;
    let printed = printed
        .pop()
        .ok_or_else(|| StationError::RunSetup("the batch printed nothing".to_owned()))?;
    if let Some(error) = printed.error {
        return Err(error);
    }
    say(format!("7. card printed: {}", printed.files.join(", ")))?;
    // The print checked as the webcam would: the card's back, as a 300 dpi picture.
    let back = dir.join("printed").join("card-back.png");
    crate::ops::desk::PictureFolder::picture(Path::new(&printed.files[0]), &back)?;
    let printed_qr = scan::credential_in_image(&back)?;
    let check = desk::check_print(
        &mut offline,
        &clerk_session,
        &pass_id,
        PrintedQr::Text(printed_qr.clone()),
    )?;
    say(format!(
        "8. printed QR read back from a picture of the card: {}",
        check.problem.as_deref().unwrap_or("matches its pass (print verified)")
    ))?;

    // The chip, on a virtual DESFire card held in this process.
    let mut card = VirtualCard::new(CardMemory::blank(DEMO_CARD_UID, Cipher::Aes));
    let encoded = desk::encode(&mut offline, &clerk_session, &pass_id, &mut card, &mut |_| {})?.encoded;
    say(format!(
        "9. chip credential written to virtual card {} in {} exchanges",
        encoded.card_uid, encoded.apdu_exchanges
    ))?;

    let supervisor_session = offline.sign_in(supervisor, &supervisor_password).await?;
    let seal = PrintedQr::Text(printed_qr.clone());
    let released = supervisor::release(&mut offline, &supervisor_session, &pass_id, seal, &mut card)?;
    say(format!(
        "10. {supervisor} signed in offline, checked the seal (printed QR and chip name one card) and released \
         card {} (the encoder may not)",
        released.card_uid
    ))?;

    let clerk_session = offline.sign_in(clerk, &clerk_password).await?;
    let item = offline.item(&pass_id)?;
    // A person collects their own card with their ID document; a vehicle's
    // card goes to the company's driver, whom only a supervisor can let take it
    // without a pick-up code (which central sends once it hears of the release).
    let (name, document, approval) = match holder_document {
        Some(document) => (item.item.holder.display_name().to_owned(), document, None),
        None => (
            "林志明".to_owned(),
            IdDocument::NationalId {
                number: DEMO_DRIVER_ID.to_owned(),
            },
            Some(desk::SupervisorApproval {
                supervisor: supervisor.to_owned(),
                password: supervisor_password.clone(),
                reason: "車輛通行證由公司司機領取 / vehicle card collected by the company's driver".to_owned(),
            }),
        ),
    };
    let to = desk::HandOver {
        pass_ids: vec![pass_id.clone()],
        name,
        company: item.item.company_name.clone(),
        document,
        pickup_codes: Vec::new(),
        approval,
    };
    let handed = desk::hand_over(&mut offline, &clerk_session, &to)?;
    let grounds = match &handed.approved_by {
        Some(approver) => format!("approved by {approver}"),
        None => "the holder's own ID document matched central's hash".to_owned(),
    };
    say(format!(
        "11. handed over to {} of {} ({grounds}; ID kept as {})",
        handed.recipient.name, handed.recipient.company, handed.recipient.id_masked
    ))?;

    // The handed-over card, checked as a gate would: offline, on its first day.
    let first_day = credentials::claims_for(&item.item, DEMO_OFFICE, time::OffsetDateTime::now_utc(), 1).valid_from;
    let at_gate = first_day + time::Duration::hours(9);
    let officer_session = offline.sign_in(officer, &officer_password).await?;
    let at = gate::CheckAt {
        port: Some(DEMO_OFFICE.to_owned()),
        at: Some(at_gate),
    };
    let qr_verdict = gate::verify(&mut offline, &officer_session, PrintedQr::Text(printed_qr), &at)?;
    let chip_verdict = gate::read_card(&mut offline, &officer_session, &mut card, &at)?.verdict;
    say(format!(
        "12. {officer} at the gate on its first day: printed QR {}, chip {}",
        outcome_text(Some(&qr_verdict)),
        outcome_text(chip_verdict.as_ref())
    ))?;
    say(format!(
        "Station home: {}  (demo users, in this folder's simulator only: {clerk} / {clerk_password}, \
         {supervisor} / {supervisor_password}; with central stopped they sign in offline at this home)",
        dir.join("station").display(),
    ))
}

/// The ID number the demo's recipient shows (a made-up, well-formed one).
/// The company driver's national ID in the demo (a valid number).
const DEMO_DRIVER_ID: &str = "F128456793";

/// A fresh random password that meets the port's rules.
fn demo_password() -> Result<String, StationError> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| StationError::RunSetup(format!("no random source: {e}")))?;
    Ok(format!("Demo-{}x9", hex::encode(bytes)))
}

fn setup<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> StationError {
    move |e| StationError::RunSetup(format!("{what}: {e}"))
}

fn outcome_text(verdict: Option<&gate::VerdictView>) -> String {
    match verdict {
        Some(verdict) if verdict.valid => "VALID".to_owned(),
        Some(verdict) => format!("NOT VALID: {}", verdict.message_en),
        None => "not one of ours".to_owned(),
    }
}

/// A new folder for a demo that outlives the process, so its station can be looked at afterwards.
pub fn new_dir() -> Result<std::path::PathBuf, StationError> {
    tempfile::Builder::new()
        .prefix("pass-station-demo-")
        .tempdir()
        .map(tempfile::TempDir::keep)
        .map_err(|e| StationError::RunSetup(format!("cannot create a temporary folder: {e}")))
}

/// The demo's card reader: each encoding gets a new blank virtual DESFire
/// card, kept afterwards in a tray, by pass number, as a real office keeps
/// its encoded cards until release and hand-over; release and the gate take
/// the card from the tray. A card goes back to the tray as it was left, even
/// after a failed write, as a real card would.
#[derive(Debug, Default)]
pub struct DemoTray {
    cards: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, CardMemory>>>,
}

/// A virtual card out of the tray, which goes back into it when dropped.
#[derive(Debug)]
struct TrayCard {
    pass_id: String,
    card: VirtualCard,
    tray: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, CardMemory>>>,
}

impl pass_reader::Transport for TrayCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, pass_reader::ReaderError> {
        self.card.transmit(command)
    }
}

impl Drop for TrayCard {
    fn drop(&mut self) {
        let mut tray = self.tray.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        tray.insert(self.pass_id.clone(), self.card.memory().clone());
    }
}

impl DemoTray {
    /// The pass numbers of the cards in the tray.
    fn pass_ids(&self) -> Vec<String> {
        self.held().keys().cloned().collect()
    }

    /// What the card written for `pass_id` holds, to present it elsewhere (another reader, vpcd).
    pub fn memory(&self, pass_id: &str) -> Result<CardMemory, StationError> {
        self.held().get(pass_id).cloned().ok_or_else(|| {
            StationError::Usage(format!(
                "no virtual card has been written for {pass_id} in this demo; write its chip first (Encode)"
            ))
        })
    }

    fn held(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<String, CardMemory>> {
        self.cards.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lend(&self, pass_id: &str, memory: CardMemory) -> crate::ops::devices::ReaderCard {
        Box::new(TrayCard {
            pass_id: pass_id.to_owned(),
            card: VirtualCard::new(memory),
            tray: std::sync::Arc::clone(&self.cards),
        })
    }
}

impl crate::ops::devices::CardSource for DemoTray {
    fn card_to_encode(&self, pass_id: &str) -> Result<crate::ops::devices::ReaderCard, StationError> {
        let mut uid = [0x04, 0, 0, 0, 0, 0, 0];
        getrandom::fill(&mut uid[1..])
            .map_err(|e| StationError::RunSetup(format!("no random source for the virtual card: {e}")))?;
        Ok(self.lend(pass_id, CardMemory::blank(uid, Cipher::Aes)))
    }

    fn card_of(&self, pass_id: &str) -> Result<crate::ops::devices::ReaderCard, StationError> {
        Ok(self.lend(pass_id, self.memory(pass_id)?))
    }

    fn kind(&self) -> &'static str {
        "virtual"
    }

    fn gate_readers(&self) -> Result<Option<pass_reader::pcsc_reader::Readers>, StationError> {
        Ok(None)
    }

    fn on_screen(&self) -> Vec<String> {
        self.pass_ids()
    }

    /// The first card in the tray, or a blank card when none was written yet.
    fn any_card(&self) -> Result<crate::ops::devices::ReaderCard, StationError> {
        let first = self
            .held()
            .iter()
            .next()
            .map(|(id, memory)| (id.clone(), memory.clone()));
        match first {
            Some((pass_id, memory)) => Ok(self.lend(&pass_id, memory)),
            None => Ok(Box::new(VirtualCard::new(CardMemory::blank(
                [0x04, 0x7E, 0x57, 0xCA, 0x4D, 0x00, 0x01],
                Cipher::Aes,
            )))),
        }
    }
}
