//! `passctl` and `central-sim` as people run them: two processes talking HTTP
//! on loopback, each with its own SQLite file.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::{PASSWORD, login};
use pass_central::sim::AdminClient;
use pass_station::error::ErrorClass;
use pass_station::model::Role;

mod common;

const PASSCTL: &str = env!("CARGO_BIN_EXE_passctl");

/// `central-sim` is built beside `passctl` by `cargo test --workspace`.
fn central_sim_binary() -> PathBuf {
    let path = Path::new(PASSCTL).with_file_name(format!("central-sim{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p pass-central --bin central-sim`",
        path.display()
    );
    path
}

/// A `central-sim` process; killed when dropped.
struct CentralSim {
    child: Child,
    url: String,
    code: String,
    /// The root key's fingerprint, as central-sim announces it.
    fingerprint: String,
}

impl CentralSim {
    fn start(dir: &Path, items: u32) -> CentralSim {
        let mut child = Command::new(central_sim_binary())
            .args([
                "--listen",
                "127.0.0.1:0",
                "--generate",
                &items.to_string(),
                "--office",
                "TWKEL",
            ])
            .args(["--enrolment-code", "TWKEL:CLI-TEST-CODE"])
            .args(["--enrolment-code", "TWKEL:CLI-SPARE-CODE", "--db"])
            .arg(dir.join("central.db"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("central-sim starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let (mut first, mut second) = (String::new(), String::new());
        stdout.read_line(&mut first).expect("a first line");
        stdout.read_line(&mut second).expect("a second line");
        // Keep reading, so central-sim never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let url = first
            .strip_prefix("listening on ")
            .expect("`listening on URL` first")
            .trim()
            .to_owned();
        let fingerprint = second
            .strip_prefix("root key fingerprint: ")
            .expect("`root key fingerprint: HEX` second")
            .trim()
            .to_owned();
        CentralSim {
            child,
            url,
            code: "CLI-TEST-CODE".to_owned(),
            fingerprint,
        }
    }
}

impl CentralSim {
    /// Makes a user at central, through its admin API.
    fn add_user(&self, username: &str, roles: &[Role]) {
        let admin = AdminClient::new(&self.url).expect("admin client");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime
            .block_on(admin.create_user(username, username, roles, "TWKEL", PASSWORD))
            .expect("a user at central");
    }
}

impl Drop for CentralSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn passctl(home: &Path, args: &[&str]) -> Output {
    Command::new(PASSCTL)
        .arg("--home")
        .arg(home)
        .args(args)
        .output()
        .expect("passctl runs")
}

fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "passctl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn enrol_sync_search_and_work_offline_with_2000_items() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("station");
    let mut sim = CentralSim::start(dir.path(), 2000);

    let not_enrolled = passctl(&home, &["queue"]);
    assert_eq!(not_enrolled.status.code(), Some(3), "{}", stderr(&not_enrolled));
    assert!(
        stderr(&not_enrolled).contains("passctl enroll"),
        "the error says what to do"
    );

    // A central whose root key is not the one the authority published is refused, and nothing is kept.
    let impostor = "ab".repeat(32);
    let refused = passctl(
        &home,
        &[
            "enroll",
            "--central",
            &sim.url,
            "--code",
            "CLI-SPARE-CODE",
            "--root-fingerprint",
            &impostor,
        ],
    );
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("fingerprint"), "{}", stderr(&refused));
    assert!(!home.join("station.json").exists(), "a refused enrolment keeps nothing");
    // Plain HTTP to another machine is refused before anything is sent.
    let remote = passctl(
        &home,
        &[
            "enroll",
            "--central",
            "http://pass.example.gov.tw",
            "--code",
            "X",
            "--root-fingerprint",
            &impostor,
        ],
    );
    assert!(stderr(&remote).contains("use https://"), "{}", stderr(&remote));

    let enroll = [
        "enroll",
        "--central",
        &sim.url,
        "--code",
        &sim.code,
        "--root-fingerprint",
        &sim.fingerprint,
    ];
    let enrol = passctl(&home, &enroll);
    assert!(enrol.status.success(), "{}", stderr(&enrol));
    let mode = |path: &Path| {
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).expect("there").permissions()) & 0o777
    };
    assert_eq!(mode(&home), 0o700, "the station home is its owner's only");
    assert_eq!(mode(&home.join("station.db")), 0o600, "so is the cache");
    let again = passctl(&home, &enroll);
    assert_eq!(
        again.status.code(),
        Some(3),
        "a second enrolment is refused: {}",
        stderr(&again)
    );

    let not_signed_in = passctl(&home, &["queue"]);
    assert_eq!(not_signed_in.status.code(), Some(13), "{}", stderr(&not_signed_in));
    assert!(
        stderr(&not_signed_in).contains("passctl login"),
        "the error says what to do"
    );
    sim.add_user("cli-clerk", &[Role::Clerk, Role::GateOfficer]);
    login(&home, "cli-clerk");

    let sync = stdout_json(&passctl(&home, &["sync", "--json"]));
    assert_eq!(sync["items"]["added"], 2000);
    assert_eq!(
        sync["events"]["accepted"], 3,
        "a receipt for each page of 1,000 items reaches central, and the audit trail's head (the clerk's sign-in)"
    );

    // Each crew of eight or more temporary passes comes with one person
    // refused at central (withdrawn): out of the open queue, counted as out
    // of its application, holding none of the others back.
    let withdrawn_at_central = sync["items"]["withdrawn"].as_u64().expect("a count");
    assert!(withdrawn_at_central > 0, "the generated crews bring refused people");
    let queue = stdout_json(&passctl(&home, &["queue", "--limit", "5000", "--json"]));
    let rows = queue["rows"].as_array().expect("a list");
    assert_eq!(rows.len() as u64, 2000 - withdrawn_at_central);
    assert_eq!(queue["total"].as_u64(), Some(2000 - withdrawn_at_central));
    assert_eq!(queue["total_at_least"], false, "a short page is the whole queue");
    // The next page starts where the first ended; its count goes 200 items
    // past it and says it stopped short.
    let page = stdout_json(&passctl(&home, &["queue", "--limit", "10", "--offset", "10", "--json"]));
    assert_eq!(page["rows"][0]["pass_id"], rows[10]["pass_id"]);
    assert_eq!(
        (&page["total"], &page["total_at_least"]),
        (&serde_json::json!(220), &serde_json::json!(true))
    );
    let near_the_end = (2000 - withdrawn_at_central - 50).to_string();
    let page = stdout_json(&passctl(
        &home,
        &["queue", "--limit", "10", "--offset", &near_the_end, "--json"],
    ));
    assert_eq!(
        (&page["total"], &page["total_at_least"]),
        (&queue["total"], &serde_json::json!(false))
    );
    let by_application = stdout_json(&passctl(
        &home,
        &["queue", "--by-application", "--limit", "5000", "--json"],
    ));
    let applications = by_application.as_array().expect("a list");
    let count = |field: &str| applications.iter().filter_map(|a| a[field].as_u64()).sum::<u64>();
    assert_eq!(
        (count("items"), count("approved"), count("out")),
        (2000, 2000 - withdrawn_at_central, withdrawn_at_central)
    );
    let crews = applications
        .iter()
        .filter(|a| a["temporary"] == true && a["items"].as_u64() >= Some(8));
    for crew in crews {
        assert_eq!(crew["out"], 1, "one refused person a crew: {crew}");
        assert_eq!(
            crew["printable"].as_array().map(Vec::len),
            crew["approved"].as_u64().map(|n| n as usize)
        );
    }
    let table = passctl(&home, &["queue", "--by-application", "--limit", "3"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("TO PRINT") && table.ends_with("3 applications\n"),
        "{table}"
    );

    // A person's name, searched by two of its characters.
    let person = rows
        .iter()
        .find(|r| r["kind"] == "person" && r["holder"].as_str().is_some_and(|h| h.chars().count() >= 3));
    let person = person.expect("a person with a name of three characters or more");
    let name = person["holder"].as_str().expect("name");
    let part: String = name.chars().skip(1).take(2).collect();
    let found = stdout_json(&passctl(
        &home,
        &["queue", "--search", &part, "--json", "--limit", "5000"],
    ));
    let found = found["rows"].as_array().expect("a list");
    assert!(
        found.iter().any(|r| r["pass_id"] == person["pass_id"]),
        "{part:?} finds {name}"
    );
    assert!(found.iter().all(|r| {
        r["holder"].as_str().is_some_and(|h| h.contains(&part))
            || r["company_name"].as_str().is_some_and(|c| c.contains(&part))
    }));

    let pass_id = person["pass_id"].as_str().expect("pass id");
    let card = stdout_json(&passctl(&home, &["show", pass_id, "--json"]));
    let shown = &card["record"];
    assert_eq!(
        card["actions"],
        serde_json::json!(["print", "take_photo"]),
        "an approved person's card offers its clerk printing and a photo at the desk, and nothing a supervisor \
         does: {card}"
    );
    let masked = shown["holder"]["national_id_masked"].as_str().expect("masked ID");
    assert_eq!(&masked[3..7], "****", "the national ID is masked: {masked}");
    assert_eq!(shown["photo_cached"], true);

    let human = passctl(&home, &["show", pass_id]);
    assert!(String::from_utf8_lossy(&human.stdout).contains(name));

    let missing = passctl(&home, &["show", "KEL-0000-000000"]);
    assert_eq!(missing.status.code(), Some(6), "{}", stderr(&missing));

    // No command hands out a signed QR: the only valid one is on a printed card.
    let asked = passctl(&home, &["qr", pass_id]);
    assert_eq!(asked.status.code(), Some(2), "{}", stderr(&asked));

    // The pass's card printed to a folder, its QR read from a picture of the
    // card's back and checked offline at a gate of the office.
    let printed = dir.path().join("printed");
    std::fs::create_dir_all(&printed).expect("the printer's folder");
    let print = passctl(&home, &["print", pass_id, "--pdf", printed.to_str().expect("path")]);
    assert!(print.status.success(), "{}", stderr(&print));
    assert_eq!(mode(&printed), 0o700, "printed cards are kept from other users");
    let pdf = std::fs::read_dir(&printed)
        .expect("the printer's folder")
        .next()
        .expect("a printed card")
        .expect("a file")
        .path();
    let pages =
        pass_printer::rasterise(&std::fs::read(&pdf).expect("the PDF"), pass_printer::PRINT_DPI).expect("rasterised");
    let picture = dir.path().join("card-back.png");
    std::fs::write(&picture, &pages[1]).expect("the picture");
    let noon = format!("{}T12:00:00+08:00", shown["valid_from"].as_str().expect("valid_from"));
    let verify = |port: &str| {
        passctl(
            &home,
            &[
                "verify",
                "--image",
                picture.to_str().expect("path"),
                "--port",
                port,
                "--at",
                &noon,
                "--json",
            ],
        )
    };
    // Genuine, but this office's records say the card never left it.
    let kept_back = verify("TWKEL");
    assert_eq!(kept_back.status.code(), Some(8), "{}", stderr(&kept_back));
    let kept_back: serde_json::Value = serde_json::from_slice(&kept_back.stdout).expect("a JSON verdict");
    assert_eq!(
        (kept_back["outcome"].clone(), kept_back["pass_id"].clone()),
        ("not_handed_over".into(), pass_id.into())
    );
    let ports: Vec<&str> = shown["ports"]
        .as_array()
        .expect("ports")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    let elsewhere = ["TWKEL", "TWTPE", "TWSUO", "TWTXG", "TWKHH", "TWAPG", "TWHUN"]
        .into_iter()
        .find(|p| !ports.contains(p))
        .expect("a port the pass does not cover");
    let refused = verify(elsewhere);
    assert_eq!(refused.status.code(), Some(8), "{}", stderr(&refused));
    let refused: serde_json::Value = serde_json::from_slice(&refused.stdout).expect("JSON verdict");
    assert_eq!(refused["outcome"], "not_valid_at_this_port");
    assert!(refused["message_zh"].as_str().is_some_and(|m| !m.is_empty()));
    let trust = stdout_json(&passctl(&home, &["trust-list", "--json"]));
    let signer = &trust["signers"][0];
    assert_eq!(
        (signer["office"].clone(), signer["jwk"]["kty"].clone()),
        ("TWKEL".into(), "OKP".into())
    );

    // Photos of cards from the camera set read at the gate: each is decoded and
    // judged (signed by the camera set's own test key, which no trust list names).
    let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/photos");
    for photo in ["perspective-000.jpg", "glare-001.jpg", "low-light-000.jpg"] {
        let path = photos.join(photo);
        let judged = passctl(&home, &["verify", "--image", path.to_str().expect("path"), "--json"]);
        assert_eq!(judged.status.code(), Some(8), "{photo}: {}", stderr(&judged));
        let verdict: serde_json::Value = serde_json::from_slice(&judged.stdout).expect("a JSON verdict");
        assert_eq!(verdict["outcome"], "unknown_signer", "{photo} was read and judged");
    }

    // Every check above is in the day's verification log, and waits in the outbox for central.
    let checks = stdout_json(&passctl(&home, &["checks", "--json"]));
    let outcomes: Vec<&str> = checks
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["outcome"].as_str())
        .collect();
    assert_eq!(
        outcomes,
        [
            "not_handed_over",
            "not_valid_at_this_port",
            "unknown_signer",
            "unknown_signer",
            "unknown_signer"
        ],
        "{checks}"
    );
    assert_eq!(checks[0]["pass_id"].as_str(), Some(pass_id));
    let outbox = stdout_json(&passctl(&home, &["outbox", "--json"]));
    let kinds: Vec<&str> = outbox
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "card_printed",
            "card_checked",
            "card_checked",
            "card_checked",
            "card_checked",
            "card_checked"
        ],
        "only the print and the checks wait to be sent"
    );

    // Central goes away: sync says so, the queue is all there.
    let _ = sim.child.kill();
    let _ = sim.child.wait();
    let offline = passctl(&home, &["sync"]);
    assert_eq!(offline.status.code(), Some(4), "{}", stderr(&offline));
    assert!(
        stderr(&offline).contains("2000 items already in the cache are kept"),
        "{}",
        stderr(&offline)
    );
    let queue = stdout_json(&passctl(&home, &["queue", "--limit", "5000", "--json"]));
    assert_eq!(
        queue["rows"].as_array().map(|q| q.len() as u64),
        Some(2000 - withdrawn_at_central)
    );
}

#[test]
fn the_demo_runs_on_embedded_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(PASSCTL)
        .args(["demo", "--items", "60", "--dir"])
        .arg(dir.path().join("new-folder"))
        .output()
        .expect("passctl demo runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "demo failed: {}\n{text}", stderr(&output));
    assert!(text.contains("synced: 60 items"), "{text}");
    assert!(text.contains("central stopped: the same search still finds"), "{text}");
    assert!(text.contains("released card"), "{text}");
    assert!(
        text.contains("at the gate on its first day: printed QR VALID, chip VALID"),
        "{text}"
    );
    let station = pass_station::Station::open(pass_station::StationHome::new(dir.path().join("new-folder/station")))
        .expect("the demo's station");
    let handed_over = station
        .store()
        .queue(&pass_station::store::QueueQuery {
            states: vec![pass_station::model::CardState::HandedOver],
            limit: 10,
            ..Default::default()
        })
        .expect("queue");
    assert_eq!(handed_over.len(), 1, "the demo ends with one card handed over");
    let trail = station
        .store()
        .audit(Some(&handed_over[0].pass_id), None, None)
        .expect("audit");
    let steps: Vec<(&str, &str)> = trail.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
    assert_eq!(
        steps,
        [
            ("printed", "demo-clerk"),
            ("print_verified", "demo-clerk"),
            ("encoded", "demo-clerk"),
            ("released", "demo-super"),
            ("handed_over", "demo-clerk")
        ]
    );
    assert_eq!(station.store().check_audit().expect("check").broken_at, None);
    let printed = text
        .lines()
        .find_map(|l| l.strip_prefix("7. card printed: "))
        .expect("the printed line");
    assert!(
        std::fs::metadata(printed).is_ok_and(|m| m.len() > 1000),
        "{printed} is a real PDF"
    );
    let found_online = text.lines().find(|l| l.starts_with("5.")).expect("search line");
    assert!(!found_online.contains("finds 0 items"), "{found_online}");
}

#[test]
fn usage_errors_and_help_name_the_exit_codes() {
    let help = Command::new(PASSCTL).arg("--help").output().expect("help");
    let help = String::from_utf8_lossy(&help.stdout);
    for class in ErrorClass::ALL {
        let line = format!("{:>3}  {}", class.exit_code(), class.description());
        assert!(help.lines().any(|l| l == line), "--help lacks {line:?}:\n{help}");
    }
    let bad = Command::new(PASSCTL)
        .args(["queue", "--state", "lost"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("one of: approved"), "{}", stderr(&bad));
}
