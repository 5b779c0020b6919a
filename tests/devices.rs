//! Setting a station's devices up: the CUPS queues of a real cupsd (the
//! printer lab's, with a cups-pdf queue) listed by `passctl devices`, an
//! administrator's choice kept in the real `station.json` (whole, its
//! owner-only permissions kept, refused to anyone else and for a queue CUPS
//! does not know), a test card printed through CUPS that reads back as a
//! specimen and never as a credential, and the cards a test read tells apart
//! (blank, another system's, ours and for which pass, unreadable).
//!
//! Readers: the PC/SC listing needs a running pcscd (`tests/chip.rs` has
//! that lab); here the test read is given virtual cards directly, as the
//! desktop demo's tray gives them.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::process::Output;

use common::{Lab, cached_pass_ids, quick_sync};
use pass_printer::lab::{CupsLab, read_qr_codes};
use pass_printer::{PRINT_DPI, rasterise};
use pass_station::model::Role;
use pass_station::ops;
use pass_station::ops::devices::PrintedQr;
use pass_vcard::{CardMemory, Cipher, VirtualCard};

fn passctl(lab: &Lab, cups: &CupsLab, args: &[&str]) -> Output {
    common::passctl_with_cups(lab, &cups.server, args)
}

fn stdout_json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}); stderr: {}", String::from_utf8_lossy(&output.stderr)))
}

/// The QR codes on what cups-pdf printed for the next job.
fn printed_qr_codes(cups: &CupsLab) -> Vec<String> {
    rasterise(&cups.take_output(), PRINT_DPI)
        .expect("rasterise")
        .iter()
        .flat_map(|page| read_qr_codes(page))
        .collect()
}

fn settings(lab: &Lab) -> serde_json::Value {
    let text = std::fs::read_to_string(lab.home.dir().join("station.json")).expect("station.json");
    serde_json::from_str(&text).expect("station.json is JSON")
}

fn mode(lab: &Lab) -> u32 {
    std::fs::metadata(lab.home.dir().join("station.json"))
        .expect("station.json")
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_chooses_the_devices_and_tries_them() {
    let lab = Lab::start(3, true).await;
    let cups = CupsLab::start();
    let config = lab.home.dir().join("station.json");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let before = settings(&lab);

    // Anyone signed in sees the queues CUPS has; nothing is chosen yet.
    lab.login("lab-clerk", &[Role::Clerk]).await;
    let listed = passctl(&lab, &cups, &["devices", "--json"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let listed = stdout_json(&listed);
    assert_eq!(listed["printers"][0]["name"], cups.queue.as_str(), "{listed}");
    assert_eq!(listed["printers"][0]["problem"], serde_json::Value::Null);
    assert_eq!(listed["chosen"], serde_json::json!({}));

    // A clerk may not choose them.
    let refused = passctl(&lab, &cups, &["devices", "set", "--printer", &cups.queue]);
    assert_eq!(
        refused.status.code(),
        Some(13),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("administrator"));
    assert_eq!(settings(&lab), before, "nothing was kept");

    // An administrator chooses; station.json keeps it, whole and owner-only.
    lab.login("lab-admin", &[Role::Admin]).await;
    let frames = lab.path("frames");
    std::fs::create_dir_all(&frames).expect("a folder of frames");
    let chosen = passctl(
        &lab,
        &cups,
        &[
            "devices",
            "set",
            "--printer",
            &cups.queue,
            "--reader",
            "Desk Reader 00 00",
            "--camera",
            frames.to_str().expect("utf-8 path"),
            "--json",
        ],
    );
    assert!(chosen.status.success(), "{}", String::from_utf8_lossy(&chosen.stderr));
    let after = settings(&lab);
    assert_eq!(
        after["devices"],
        serde_json::json!({
            "printer": cups.queue,
            "reader": "Desk Reader 00 00",
            "camera": { "kind": "frames", "dir": frames.to_str() },
        })
    );
    for key in ["station_id", "office", "central_url", "authority_key", "enrolled_at"] {
        assert_eq!(after[key], before[key], "{key} is kept");
    }
    assert_eq!(mode(&lab), 0o600, "station.json stays owner-only");
    assert!(
        !lab.home.dir().join("station.tmp").exists(),
        "no half-written file is left"
    );

    // A queue CUPS does not know, or a folder that is not there, is refused and nothing changes.
    let unknown = passctl(&lab, &cups, &["devices", "set", "--printer", "NoSuchCardPrinter"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("NoSuchCardPrinter"));
    let missing = passctl(&lab, &cups, &["devices", "set", "--camera", "/no/such/frames"]);
    assert!(!missing.status.success());
    assert_eq!(settings(&lab), after);

    // The test card goes to the chosen queue: a specimen, never a credential.
    let printed = passctl(&lab, &cups, &["devices", "test-print", "--json"]);
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    assert!(stdout_json(&printed)["job"].as_u64().is_some_and(|job| job > 0));
    let texts = printed_qr_codes(&cups);
    assert_eq!(texts, vec![pass_credential::specimen_text("TEST-CARD")]);
    let mut station = lab.station();
    let verdict = station
        .verifier()
        .expect("verifier")
        .verify_qr(&texts[0], time::OffsetDateTime::now_utc(), None);
    assert_eq!(verdict.outcome, Err(pass_credential::Reason::Specimen));
    // passctl prints cards on the chosen printer when given none.
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let ids = cached_pass_ids(&station);
    lab.login("lab-clerk", &[Role::Clerk]).await;
    let printed = passctl(&lab, &cups, &["print", &ids[1]]);
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let texts = printed_qr_codes(&cups);
    let print = station.store().printed_card(&ids[1]).expect("read").expect("printed");
    assert_eq!(
        texts,
        vec![print.qr_text.to_string()],
        "the card came out of the chosen queue"
    );
    lab.login("lab-admin", &[Role::Admin]).await;

    // Cleared, the printer goes back to the PDF folder.
    let cleared = passctl(&lab, &cups, &["devices", "set", "--clear", "printer"]);
    assert!(cleared.status.success(), "{}", String::from_utf8_lossy(&cleared.stderr));
    assert_eq!(settings(&lab)["devices"].get("printer"), None);
    assert_eq!(settings(&lab)["devices"]["reader"], "Desk Reader 00 00");

    // The test read tells a blank card, another system's card and a card of ours apart.
    let made = passctl(&lab, &cups, &["chip-keys", "generate"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let admin = lab.session(&mut station);
    let blank = CardMemory::blank([0x04, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60], Cipher::Aes);
    let read = ops::devices::read_test_card(&mut station, &admin, &mut VirtualCard::new(blank.clone()))
        .expect("a blank card reads");
    assert_eq!(
        (read.kind.as_str(), read.card_uid.as_deref()),
        ("blank", Some("04102030405060"))
    );
    let foreign = CardMemory::foreign([0x04, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44]);
    let read = ops::devices::read_test_card(&mut station, &admin, &mut VirtualCard::new(foreign)).expect("read");
    assert_eq!(read.kind, "foreign");

    // A card of ours: printed (to a folder), its print checked, its chip written.
    let pass_id = ids[0].clone();
    let qr = lab.print_card(&mut station, &pass_id).await;
    let clerk = lab.session(&mut station);
    ops::desk::check_print(&mut station, &clerk, &pass_id, PrintedQr::Text(qr)).expect("check");
    let mut card = VirtualCard::new(blank);
    ops::desk::encode(&mut station, &clerk, &pass_id, &mut card, &mut |_| {}).expect("encode");
    let refused = ops::devices::read_test_card(&mut station, &clerk, &mut card);
    assert!(refused.is_err(), "a test read is the administrator's");
    lab.login("lab-admin", &[Role::Admin]).await;
    let admin = lab.session(&mut station);
    let read = ops::devices::read_test_card(&mut station, &admin, &mut card).expect("read");
    assert_eq!((read.kind.as_str(), read.pass_id.as_deref()), ("ours", Some(&*pass_id)));

    // A card taken off the reader in the middle of the read is unreadable, and says why.
    card.tear_after(Some(2));
    let read = ops::devices::read_test_card(&mut station, &admin, &mut card).expect("a read that says why");
    assert_eq!((read.kind.as_str(), read.card_uid.as_deref()), ("unreadable", None));
    let problem = read.problem.expect("why");
    assert_eq!(problem.code.as_str(), "reader.failed", "{}", problem.message);
}
