//! The lab the system tests share: a real `central-sim` on loopback with its
//! own SQLite file, a station home enrolled with it, and its admin client.

#![allow(dead_code)] // each test binary uses its own part of the lab

pub mod desktop;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use pass_central::identity::IdDocument;
use pass_central::sim::AdminClient;
use pass_central::sim::admin::StoredEvent;
use pass_central::sim::{SimConfig, SimHandle};
use pass_station::auth::Session;
use pass_station::model::Role;
use pass_station::ops;
use pass_station::ops::desk::{HandOver, PrintOptions, Printer, SupervisorApproval};
use pass_station::sync::SyncOptions;
use pass_station::{Station, StationHome};

pub const OFFICE: &str = "TWKEL";
/// Every lab user's password (it meets the port's rules).
pub const PASSWORD: &str = "Lab-pass-1";

/// A running simulator and a station enrolled with it, in one temporary folder.
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub sim: Option<SimHandle>,
    pub admin: AdminClient,
    pub home: StationHome,
}

impl Lab {
    /// Starts central-sim with `items` generated passes (with photos if asked)
    /// and enrols a station with it.
    pub async fn start(items: u32, photos: bool) -> Lab {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut config = SimConfig::new(dir.path().join("central.db"));
        config.generate = items;
        config.photos = photos;
        config.office = OFFICE.to_owned();
        let sim = SimHandle::spawn(config).expect("central-sim starts on loopback");
        let admin = AdminClient::new(sim.url()).expect("admin client");
        let home = StationHome::new(dir.path().join("station"));
        let code = sim.enrolment_code(OFFICE).expect("an enrolment code for the office");
        home.enroll(sim.url(), &code, "test station", &sim.root_fingerprint())
            .await
            .expect("enrolment");
        Lab {
            dir,
            sim: Some(sim),
            admin,
            home,
        }
    }

    pub fn station(&self) -> Station {
        Station::open(self.home.clone()).expect("the enrolled station opens")
    }

    pub fn url(&self) -> String {
        self.sim.as_ref().expect("central-sim is running").url().to_owned()
    }

    /// Stops central for good: its port closes.
    pub fn stop_central(&mut self) {
        if let Some(sim) = self.sim.take() {
            sim.stop();
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Makes `username` a user at central with `roles` (once), and signs
    /// them in with `passctl login`, as a person at the station does; later
    /// `passctl` runs act as them.
    pub async fn login(&self, username: &str, roles: &[Role]) {
        self.add_user(username, roles).await;
        login(self.home.dir(), username);
    }

    /// Makes `username` a user at central with `roles`, unless they are one already.
    pub async fn add_user(&self, username: &str, roles: &[Role]) {
        self.admin
            .create_user(username, username, roles, OFFICE, PASSWORD)
            .await
            .map(drop)
            .or_else(|e| if e.to_string().contains("409") { Ok(()) } else { Err(e) })
            .expect("a lab user at central");
    }

    /// A printer writing PDFs into the lab's `printed` folder.
    pub fn pdf_printer(&self) -> Printer {
        let folder = self.path("printed");
        std::fs::create_dir_all(&folder).expect("the printer's folder");
        Printer::new(pass_printer::PrintTarget::Folder(pass_printer::PdfFolder::new(folder)))
    }

    /// Prints `pass_id`'s card to a PDF folder as a clerk (the lab's
    /// `lab-clerk`, signed in for it) and returns the QR read back from the
    /// printed PDF, as a camera would read it: the only way to a valid QR.
    pub async fn print_card(&self, station: &mut Station, pass_id: &str) -> String {
        self.login("lab-clerk", &[Role::Clerk]).await;
        let session = self.session(station);
        let folder = self.path("printed");
        std::fs::create_dir_all(&folder).expect("the printer's folder");
        let printer = Printer::new(pass_printer::PrintTarget::Folder(pass_printer::PdfFolder::new(folder)));
        let printed = ops::desk::print_batch(
            station,
            &session,
            &printer,
            &[pass_id.to_owned()],
            PrintOptions::default(),
            &mut |_| {},
        )
        .await
        .expect("the batch runs")
        .remove(0);
        assert!(printed.error.is_none(), "the card prints: {:?}", printed.error);
        let texts = pass_station::scan::credentials_in_printed_pdf(Path::new(&printed.files[0])).expect("read back");
        texts.into_iter().next().expect("the printed card's QR reads")
    }

    /// The session `passctl login` left, for steps taken in-process.
    pub fn session(&self, station: &mut Station) -> Session {
        let token = std::fs::read_to_string(self.home.dir().join("session")).expect("someone signed in");
        station.resume_session(token.trim()).expect("the session is open")
    }
}

/// `passctl` on the lab's station, to be given its arguments.
fn passctl_command(lab: &Lab) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passctl"));
    command.arg("--home").arg(lab.home.dir());
    command
}

/// Runs `passctl` on the lab's station with `args`.
pub fn passctl(lab: &Lab, args: &[&str]) -> std::process::Output {
    passctl_command(lab).args(args).output().expect("passctl runs")
}

/// Runs `passctl` on the lab's station with `args`, writing `input` to its
/// standard input (passwords with `--password-stdin`).
pub fn passctl_with_input(lab: &Lab, args: &[&str], input: &str) -> std::process::Output {
    passctl_in(lab.home.dir(), args, input)
}

/// Runs `passctl` on the station in `home` with `args` and `input` on its
/// standard input.
pub fn passctl_in(home: &Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_passctl"))
        .arg("--home")
        .arg(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("passctl runs");
    // A command that reads nothing may have ended already (a broken pipe);
    // whether it did its work is told by its exit status.
    let _ = writeln!(child.stdin.take().expect("stdin"), "{input}");
    child.wait_with_output().expect("passctl ends")
}

/// A lab with `items` synced passes, chip keys, and `people` at central
/// with their roles; the station and its pass numbers.
pub async fn synced_office(items: u32, people: &[(&str, Role)]) -> (Lab, Station, Vec<String>) {
    let lab = Lab::start(items, true).await;
    for (name, role) in people {
        lab.add_user(name, &[*role]).await;
    }
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    station.home().generate_chip_keys(OFFICE).expect("chip keys");
    let ids = cached_pass_ids(&station);
    (lab, station, ids)
}

/// A hand-over to someone the pass system does not name (neither holder
/// nor delegate), approved at the desk by `supervisor`, who signed in at the
/// station before: for tests of other things than who may collect a card.
pub fn approved_hand_over(pass_ids: &[String], name: &str, company: &str, supervisor: &str) -> HandOver {
    HandOver {
        pass_ids: pass_ids.to_vec(),
        name: name.to_owned(),
        company: company.to_owned(),
        document: IdDocument::NationalId {
            number: "A123456789".to_owned(),
        },
        pickup_codes: Vec::new(),
        approval: Some(SupervisorApproval {
            supervisor: supervisor.to_owned(),
            password: PASSWORD.to_owned(),
            reason: "the company's messenger, confirmed by telephone".to_owned(),
        }),
    }
}

/// Runs `passctl` on the lab's station with CUPS at `cups_server` (a
/// printer lab's cupsd).
pub fn passctl_with_cups(lab: &Lab, cups_server: &str, args: &[&str]) -> std::process::Output {
    passctl_command(lab)
        .env("CUPS_SERVER", cups_server)
        .args(args)
        .output()
        .expect("passctl runs")
}

/// Signs `username` in at the station in `home` with `passctl login`.
pub fn login(home: &Path, username: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_passctl"))
        .arg("--home")
        .arg(home)
        .args(["login", "--user", username, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("passctl runs");
    writeln!(child.stdin.take().expect("stdin"), "{PASSWORD}").expect("password sent");
    let output = child.wait_with_output().expect("passctl login ends");
    assert!(
        output.status.success(),
        "login as {username}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Sync options that make faults show quickly: small pages, fast retries.
pub fn quick_sync(page_size: u32, retries: u32) -> SyncOptions {
    SyncOptions {
        page_size,
        retries,
        first_backoff: Duration::from_millis(5),
        ..SyncOptions::default()
    }
}

/// Every pass number in the cache, in any state, sorted.
pub fn cached_pass_ids(station: &Station) -> Vec<String> {
    let all = pass_station::store::QueueQuery {
        states: pass_station::model::CardState::ALL.to_vec(),
        limit: 1_000_000,
        ..Default::default()
    };
    let mut ids: Vec<String> = station
        .store()
        .queue(&all)
        .expect("queue")
        .into_iter()
        .map(|r| r.pass_id)
        .collect();
    ids.sort();
    ids
}

/// How many times central was told each item version reached a station:
/// the items named by every `items_received` receipt it recorded.
pub fn item_receipts(events: &[StoredEvent]) -> std::collections::BTreeMap<(String, u64), usize> {
    let mut counts = std::collections::BTreeMap::new();
    for event in events.iter().filter(|e| e.kind == "items_received") {
        let versions = event.payload["versions"].as_object().expect("a receipt names versions");
        for (pass_id, version) in versions {
            let version = version.as_u64().expect("a version");
            *counts.entry((pass_id.clone(), version)).or_insert(0) += 1;
        }
    }
    counts
}

/// The random instants of a crash test: seeded from `CRASH_SEED` to replay a
/// failure, else from a fresh seed, which is printed.
pub fn crash_rng() -> (u64, fastrand::Rng) {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("CRASH_SEED={seed}");
    (seed, fastrand::Rng::with_seed(seed))
}

/// SQLite's own check of the cache file.
pub fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("open the cache");
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity check")
}

/// Writes a PNG of a face-like figure with fine texture, as a clerk's camera
/// takes one: lit and sharp at `light` 1.0, dark below 0.3.
pub fn portrait_picture(path: &Path, light: f32) {
    let (w, h) = (960u32, 720u32);
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = ((x as f32 - 480.0) / 170.0, (y as f32 - 360.0) / 230.0);
        let face = dx * dx + dy * dy < 1.0;
        let eye = [(420.0, 310.0), (540.0, 310.0)]
            .iter()
            .any(|(ex, ey)| ((x as f32 - ex).powi(2) + (y as f32 - ey).powi(2)).sqrt() < 16.0);
        let mouth = (y as f32 - 450.0).abs() < 5.0 && (x as f32 - 480.0).abs() < 50.0;
        let grain = if (x / 3 + y / 3) % 2 == 0 { 12.0 } else { 0.0 };
        let rgb: [f32; 3] = match (eye || mouth, face) {
            (true, _) => [40.0, 30.0, 30.0],
            (false, true) => [225.0, 185.0, 160.0],
            (false, false) => [200.0, 215.0, 230.0],
        };
        image::Rgb(rgb.map(|c| ((c - grain) * light).clamp(0.0, 255.0) as u8))
    });
    picture.save(path).expect("the picture is written");
}
