//! Gate mode against the lab: `passctl gate` playing photos of printed card
//! backs as its camera and watching a real pcscd's vpcd reader, with central
//! stopped, gives each case of the issue its verdict; the checks it logged
//! offline reach central when it comes back. The core API shows the one thing
//! the binary cannot: a card held in view is reported once per presentation.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Lab, OFFICE, cached_pass_ids, quick_sync};
use pass_camera::{ImageSource, Scanner};
use pass_central::sim::{SimConfig, SimHandle};
use pass_credential::{PassClaims, SigningKey};
use pass_station::Station;
use pass_station::gate::{Gate, GateEvent, GateOptions, Played};
use pass_station::model::Role;
use pass_vcard::lab::{Pcscd, READER, card_inserted, card_removed, present, wait_for};
use pass_vcard::{CardMemory, VirtualCard};
use time::OffsetDateTime;

const VALID_UID: [u8; 7] = [0x04, 0x61, 0x7E, 0x00, 0x00, 0x00, 0x01];
const VOIDED_UID: [u8; 7] = [0x04, 0x61, 0x7E, 0x00, 0x00, 0x00, 0x02];
const COPY_UID: [u8; 7] = [0x04, 0x61, 0x7E, 0x00, 0x00, 0x00, 0x03];
/// A port no pass of the office's gate covers when its credential names only this one.
const OTHER_PORT: &str = "TWKHH";
/// Debug builds decode a frame in tens of milliseconds; this is for a stuck gate, not a slow one.
const VERDICT_WAIT: Duration = Duration::from_secs(30);

/// A `passctl gate --json` process: its verdict lines as they come, its stderr
/// kept; killed if still running when dropped.
struct GateProcess {
    child: Child,
    verdicts: Receiver<serde_json::Value>,
    stderr: Arc<Mutex<String>>,
}

impl GateProcess {
    fn start(lab: &Lab, args: &[&str]) -> GateProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_passctl"))
            .arg("--home")
            .arg(lab.home.dir())
            .args(["gate", "--json"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("passctl gate starts");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (sender, verdicts) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let verdict = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if sender.send(verdict).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut lines = BufReader::new(child.stderr.take().expect("piped stderr"));
        let kept = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut line = String::new();
            while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
                kept.lock().expect("stderr").push_str(&line);
                line.clear();
            }
        });
        GateProcess {
            child,
            verdicts,
            stderr,
        }
    }

    fn next_verdict(&self, what: &str) -> serde_json::Value {
        self.verdicts
            .recv_timeout(VERDICT_WAIT)
            .unwrap_or_else(|e| panic!("no verdict for {what} ({e}); stderr:\n{}", self.stderr()))
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr").clone()
    }

    /// Waits until stderr says `text`.
    fn wait_for_state(&self, text: &str) {
        let deadline = Instant::now() + VERDICT_WAIT;
        while !self.stderr().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the gate never said {text:?}:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Asks it to stop as Ctrl-C does, and waits for it.
    fn stop(mut self) -> ExitStatus {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(term.success());
        self.wait()
    }

    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + VERDICT_WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "passctl gate did not stop:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for GateProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The gate officer `passctl gate` runs as.
const OFFICER: &str = "gate-officer";

/// A lab station, synced, with its office's chip keys and an officer signed in.
async fn synced_lab(items: u32) -> (Lab, Station) {
    let lab = Lab::start(items, true).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    lab.home.generate_chip_keys(OFFICE).expect("chip keys");
    lab.login(OFFICER, &[Role::GateOfficer]).await;
    (lab, station)
}

/// The claims the station signs for `pass_id`'s first print, made valid
/// from yesterday for a month; the office's records show that card handed
/// over, so the gate's own check of its records lets it through.
fn claims_valid_now(station: &Station, pass_id: &str) -> PassClaims {
    let item = station.store().item(pass_id).expect("read").expect("held").item;
    let now = OffsetDateTime::now_utc();
    let mut claims = pass_station::credentials::claims_for(&item, OFFICE, now, 1);
    claims.valid_from = now - time::Duration::days(1);
    claims.valid_to = now + time::Duration::days(30);
    let db = rusqlite::Connection::open(station.home().db_path()).expect("the cache");
    db.execute(
        "UPDATE items SET state = 'handed_over', handed_over_print = 1, handed_over_at = '2026-01-01T00:00:00Z'
         WHERE pass_id = ?1",
        [pass_id],
    )
    .expect("the card handed over");
    claims
}

/// Signed with the station's own credential key, as it signs its passes.
fn station_signed(station: &Station, claims: &PassClaims) -> Vec<u8> {
    let pem = std::fs::read_to_string(station.home().dir().join("signer.key")).expect("signer.key");
    let key = SigningKey::from_pkcs8_pem(&pem).expect("the station's key");
    pass_credential::sign(claims, &key).expect("sign")
}

/// The card printed with `claims` signed by the station: the front and back
/// as PNG, as a camera sees them.
fn printed_card(station: &Station, claims: &PassClaims) -> Vec<Vec<u8>> {
    card_photos(claims, pass_credential::to_qr_text(&station_signed(station, claims)))
}

/// A card printed for `claims` with `qr_text` as its QR, front and back as PNG.
fn card_photos(claims: &PassClaims, qr_text: String) -> Vec<Vec<u8>> {
    use pass_printer::{CardData, CardFont, CardPort, CardRenderer, Holder};
    let card = CardData {
        pass_id: claims.pass_id.clone(),
        version: claims.version,
        temporary: false,
        holder: Holder::Vehicle {
            plate: "KLA-1234".to_owned(),
            vehicle_type: "曳引車".to_owned(),
            photo: None,
        },
        company_name: "港泰海運股份有限公司".to_owned(),
        company_tax_id: claims.company_tax_id.clone(),
        ports: claims
            .ports
            .iter()
            .map(|code| CardPort {
                code: code.clone(),
                name_zh: code.clone(),
                name_en: code.clone(),
            })
            .collect(),
        valid_from: claims.valid_from.date(),
        valid_to: claims.valid_to.date(),
        pickup_office: OFFICE.to_owned(),
        qr_text,
        specimen: false,
    };
    CardRenderer::new(
        CardFont::bundled().expect("font"),
        pass_station::printing::template(false),
    )
    .render(&card)
    .and_then(|document| document.preview(200))
    .expect("rendered")
}

/// The QR text of a card printed with `claims`.
fn printed_qr(station: &Station, claims: &PassClaims) -> String {
    pass_credential::to_qr_text(&station_signed(station, claims))
}

fn write_back(station: &Station, claims: &PassClaims, path: &Path) {
    std::fs::write(path, &printed_card(station, claims)[1]).expect("card back written");
}

/// A card signed by a key central never certified, valid now: a forgery, written as a photo of its back.
fn write_forged(path: &Path) {
    let now = OffsetDateTime::now_utc();
    let claims = PassClaims {
        issuer: OFFICE.to_owned(),
        pass_id: "KEL-2026-999999".to_owned(),
        version: 1,
        print: 1,
        kind: pass_credential::PassKind::Vehicle,
        holder: "KLA-0000".to_owned(),
        company_tax_id: "22099131".to_owned(),
        ports: vec![OFFICE.to_owned()],
        valid_from: now - time::Duration::days(1),
        valid_to: now + time::Duration::days(30),
        issued_at: now,
        card_uid: None,
        photo_sha256: None,
    };
    let stranger = SigningKey::generate(pass_credential::Algorithm::EdDsa).expect("a key");
    let text = pass_credential::to_qr_text(&pass_credential::sign(&claims, &stranger).expect("signed"));
    std::fs::write(path, &card_photos(&claims, text)[1]).expect("the forged card's back");
}

/// A chip this office wrote for `claims`, bound to `uid`.
fn issued_chip(station: &Station, claims: &PassClaims, uid: [u8; 7]) -> CardMemory {
    let mut claims = claims.clone();
    claims.card_uid = Some(uid.to_vec());
    let (keys, layout) = station.home().chip_keys().expect("chip keys");
    CardMemory::issued(uid, &keys, &layout, &station_signed(station, &claims)).expect("chip written")
}

fn outcome(verdict: &serde_json::Value) -> &str {
    verdict["outcome"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_gets_its_verdict_offline_and_the_log_reaches_central_later() {
    let (mut lab, mut station) = synced_lab(8).await;
    let ids = cached_pass_ids(&station);
    let folder = lab.path("camera");
    std::fs::create_dir_all(&folder).expect("folder");

    // The camera's photos, played in file-name order; the valid card stays in view for two frames.
    let valid = claims_valid_now(&station, &ids[0]);
    write_back(&station, &valid, &folder.join("01-valid.png"));
    std::fs::copy(folder.join("01-valid.png"), folder.join("02-valid-still-in-view.png")).expect("copy");
    let mut expired = claims_valid_now(&station, &ids[1]);
    (expired.valid_from, expired.valid_to) = (
        expired.valid_from - time::Duration::days(90),
        expired.valid_from - time::Duration::days(30),
    );
    write_back(&station, &expired, &folder.join("03-expired.png"));
    write_back(
        &station,
        &claims_valid_now(&station, &ids[2]),
        &folder.join("04-revoked.png"),
    );
    let mut elsewhere = claims_valid_now(&station, &ids[3]);
    elsewhere.ports = vec![OTHER_PORT.to_owned()];
    write_back(&station, &elsewhere, &folder.join("05-other-port.png"));
    write_forged(&folder.join("06-forged.png"));

    // The chips: a genuine one, one central voided, and the genuine one's data on another card.
    let chip = claims_valid_now(&station, &ids[4]);
    let genuine = issued_chip(&station, &chip, VALID_UID);
    let voided = issued_chip(&station, &claims_valid_now(&station, &ids[5]), VOIDED_UID);
    let mut copy = genuine.clone();
    copy.uid = COPY_UID;

    lab.admin.revoke(&ids[2], "遺失 lost").await.expect("revoke");
    let expires = OffsetDateTime::now_utc() + time::Duration::days(30);
    lab.admin.void_card(&VOIDED_UID, expires).await.expect("void");
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let address: std::net::SocketAddr = lab.url().trim_start_matches("http://").parse().expect("address");
    lab.stop_central();

    let pcscd = Pcscd::start();
    let readers = pass_reader::pcsc_reader::Readers::connect().expect("pcscd answers");
    let watcher = readers.watch().expect("watch readers");
    let folder_arg = folder.to_str().expect("path");
    let gate = GateProcess::start(
        &lab,
        &[
            "--images",
            folder_arg,
            "--frame-ms",
            "20",
            "--reader",
            READER,
            "--refresh-minutes",
            "0.01",
        ],
    );

    let qr_cases = [
        (Some(&ids[0]), "valid"),
        (Some(&ids[1]), "expired"),
        (Some(&ids[2]), "pass_revoked"),
        (Some(&ids[3]), "not_valid_at_this_port"),
        (None, "unknown_signer"),
    ];
    for (pass_id, expected) in qr_cases {
        let verdict = gate.next_verdict(expected);
        assert_eq!(
            (verdict["source"].as_str(), outcome(&verdict)),
            (Some("qr"), expected),
            "{verdict}"
        );
        if let Some(pass_id) = pass_id {
            assert_eq!(verdict["pass_id"].as_str(), Some(pass_id.as_str()));
            let record = station.store().item(pass_id).expect("read").expect("held");
            assert_eq!(
                verdict["photo"].as_str().is_some_and(|photo| !photo.is_empty()),
                record.photo_cached,
                "the cached photo comes with the verdict: {verdict}"
            );
            let masked = verdict["id_masked"].as_str();
            assert!(masked.is_none_or(|id| &id[3..7] == "****"), "{verdict}");
        }
        assert!(verdict["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(verdict["warnings"], serde_json::json!([]), "the hotlist is fresh");
    }

    let chip_cases = [
        (genuine, VALID_UID, "valid"),
        (voided, VOIDED_UID, "card_voided"),
        (copy, COPY_UID, "not_our_card"),
    ];
    for (memory, uid, expected) in chip_cases {
        let presented = present(VirtualCard::new(memory));
        wait_for(watcher.events(), "the card", card_inserted);
        let verdict = gate.next_verdict(expected);
        assert_eq!(
            (
                verdict["source"].as_str(),
                outcome(&verdict),
                verdict["card_uid"].as_str()
            ),
            (Some("chip"), expected, Some(hex::encode_upper(uid).as_str())),
            "{verdict}"
        );
        presented.remove();
        wait_for(watcher.events(), "the card leaving", card_removed);
    }
    assert_eq!(
        gate.verdicts.recv_timeout(Duration::from_millis(300)).ok(),
        None,
        "each card was reported once"
    );
    gate.wait_for_state("offline since");

    let logged: Vec<&str> = station
        .store()
        .checks("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")
        .expect("the log")
        .into_iter()
        .map(|check| check.outcome.as_str())
        .collect();
    let expected_log = [
        "valid",
        "expired",
        "pass_revoked",
        "not_valid_at_this_port",
        "unknown_signer",
        "valid",
        "card_voided",
        "not_our_card",
    ];
    assert_eq!(logged, expected_log);

    // Central comes back at the same address: the next scheduled refresh sends the log.
    let mut config = SimConfig::new(lab.path("central.db"));
    config.office = OFFICE.to_owned();
    let sim = SimHandle::spawn_on(config, address).expect("central-sim starts again");
    let deadline = Instant::now() + VERDICT_WAIT;
    let received = loop {
        let events = lab.admin.events().await.expect("central's events");
        let checks: Vec<String> = events
            .iter()
            .filter(|e| e.kind == "card_checked")
            .filter_map(|e| e.payload["outcome"].as_str().map(str::to_owned))
            .collect();
        if checks.len() >= expected_log.len() || Instant::now() > deadline {
            break checks;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(received, expected_log, "{}", gate.stderr());
    gate.wait_for_state("trust data refreshed");

    assert!(gate.stop().success(), "a gate stopped by SIGTERM ends cleanly");
    sim.stop();
    watcher.stop().expect("the watcher stops");
    drop(pcscd);
}

#[tokio::test]
async fn a_new_station_says_it_has_no_trust_list_on_every_verdict() {
    let mut lab = Lab::start(1, false).await;
    lab.login(OFFICER, &[Role::GateOfficer]).await;
    lab.stop_central();
    let folder = lab.path("camera");
    std::fs::create_dir_all(&folder).expect("folder");
    write_forged(&folder.join("card.png"));
    let folder_arg = folder.to_str().expect("path");
    let mut gate = GateProcess::start(&lab, &["--images", folder_arg, "--no-chip", "--max-verdicts", "1"]);
    let verdict = gate.next_verdict("a card at a station with no trust list");
    assert_eq!(outcome(&verdict), "no_trust_list", "{verdict}");
    assert!(gate.wait().success());
    assert!(gate.stderr().contains("no trust list yet"), "{}", gate.stderr());
}

#[tokio::test]
async fn a_hotlist_older_than_the_configured_age_warns_on_every_verdict() {
    let (mut lab, station) = synced_lab(2).await;
    lab.stop_central();
    let settings = lab.home.dir().join("station.json");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&settings).expect("settings")).expect("JSON");
    config["hotlist_max_age_hours"] = 0.into();
    std::fs::write(&settings, config.to_string()).expect("settings written");
    let folder = lab.path("camera");
    std::fs::create_dir_all(&folder).expect("folder");
    let ids = cached_pass_ids(&station);
    write_back(&station, &claims_valid_now(&station, &ids[0]), &folder.join("1.png"));
    write_forged(&folder.join("2.png"));
    let folder_arg = folder.to_str().expect("path");
    let mut gate = GateProcess::start(&lab, &["--images", folder_arg, "--no-chip", "--max-verdicts", "2"]);
    for expected in ["valid", "unknown_signer"] {
        let verdict = gate.next_verdict(expected);
        assert_eq!(outcome(&verdict), expected, "{verdict}");
        let warnings = verdict["warnings"].as_array().expect("warnings");
        assert!(
            warnings
                .iter()
                .any(|w| w["en"].as_str().is_some_and(|w| w.contains("hotlist was signed"))),
            "{verdict}"
        );
    }
    assert!(gate.wait().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_held_in_view_is_reported_once_per_presentation() {
    let (lab, station) = synced_lab(2).await;
    let ids = cached_pass_ids(&station);
    let sides = printed_card(&station, &claims_valid_now(&station, &ids[0]));
    let (front, back) = (lab.path("front.png"), lab.path("back.png"));
    std::fs::write(&front, &sides[0]).expect("front");
    std::fs::write(&back, &sides[1]).expect("back");
    // Held up for three frames, turned to its front (no QR) for three seconds, held up
    // again. The card counts as gone after 1.5 s unseen: far more than a loaded
    // machine takes between two frames, far less than the time it is turned away.
    let mut frames = vec![back.clone(); 3];
    frames.extend(vec![front; 30]);
    frames.push(back);
    let played = Played::new(
        ImageSource::list(frames.clone()).expect("frames"),
        Duration::from_millis(100),
    );
    let scanner = Scanner::start(move || Ok(played), frames.len()).expect("scanner");
    let mut options = GateOptions::new("officer:test", Some(OFFICE.to_owned()));
    options.qr_absent_after = Duration::from_millis(1500);
    let mut gate = Gate::start(station, options, Some(scanner), None).expect("gate");

    let mut verdicts = Vec::new();
    let deadline = Instant::now() + VERDICT_WAIT;
    while gate.is_running() && Instant::now() < deadline {
        if let Some(GateEvent::Verdict(verdict)) = gate.next_event(Duration::from_millis(100)).expect("event") {
            verdicts.push(verdict);
        }
    }
    assert_eq!(verdicts.len(), 2, "one verdict per presentation: {verdicts:?}");
    for verdict in verdicts {
        assert!(verdict.is_valid(), "{:?}", verdict.verdict);
        let pass = verdict.pass.expect("the pass is known here");
        assert!(
            pass.photo.is_some_and(|photo| !photo.is_empty()),
            "the cached photo is shown"
        );
    }
    let logged = lab
        .station()
        .store()
        .checks("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")
        .expect("log");
    assert_eq!(
        logged.iter().map(|c| c.actor.as_str()).collect::<Vec<_>>(),
        ["officer:test"; 2]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_presented_by_hand_are_judged_each_time_and_keep_the_gate_running() {
    let (lab, station) = synced_lab(2).await;
    let ids = cached_pass_ids(&station);
    let claims = claims_valid_now(&station, &ids[0]);
    let qr = printed_qr(&station, &claims);
    let ours = issued_chip(&station, &claims, [0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
    let mut copied = ours.clone();
    copied.uid = [0x04, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44];
    // No camera and no reader: only a presenter feeds this gate.
    let mut gate = Gate::start(
        station,
        GateOptions::new("officer:desk", Some(OFFICE.to_owned())),
        None,
        None,
    )
    .expect("gate");
    let presenter = gate.presenter();
    presenter.qr(qr.clone());
    presenter.qr(qr);
    presenter.card("desk".to_owned(), Box::new(VirtualCard::new(ours)));
    presenter.card("desk".to_owned(), Box::new(VirtualCard::new(copied)));
    presenter.qr("PP1:not-a-credential".to_owned());

    let mut verdicts = Vec::new();
    let deadline = Instant::now() + VERDICT_WAIT;
    while verdicts.len() < 5 && Instant::now() < deadline {
        assert!(gate.is_running(), "a gate with a presenter runs until stopped");
        if let Some(GateEvent::Verdict(verdict)) = gate.next_event(Duration::from_millis(100)).expect("event") {
            verdicts.push(verdict);
        }
    }
    let outcomes: Vec<(&str, &str)> = verdicts.iter().map(|v| (v.source.as_str(), v.outcome_code())).collect();
    assert_eq!(outcomes[..3], [("qr", "valid"), ("qr", "valid"), ("chip", "valid")]);
    assert_eq!(outcomes[3].0, "chip");
    assert_ne!(outcomes[3].1, "valid", "a chip copied to another UID is refused");
    assert_eq!(outcomes[4].0, "qr");
    assert_ne!(outcomes[4].1, "valid", "a forged QR text is refused");
    gate.control().stop();
    assert!(!gate.is_running(), "stopped means stopped");
    let logged = lab
        .station()
        .store()
        .checks("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")
        .expect("log");
    assert_eq!(logged.len(), 5, "every presentation is logged");
}
