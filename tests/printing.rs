//! Printing cards from the station through a real CUPS (a private cupsd with
//! a cups-pdf queue, started by the test), reading the QR back off the page
//! CUPS produced, and verifying it as a gate would. A printer fault leaves
//! every card where it was.
//!
//! One test function drives the one cupsd.

mod common;

use std::process::Output;

use common::{Lab, OFFICE, cached_pass_ids, quick_sync};
use pass_printer::lab::{CupsLab, read_qr_codes};
use pass_printer::{PRINT_DPI, rasterise};
use pass_station::model::{CardState, Role};

fn passctl(lab: &Lab, cups: &CupsLab, args: &[&str]) -> Output {
    common::passctl_with_cups(lab, &cups.server, args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_print_through_cups_and_their_qr_verifies() {
    let lab = Lab::start(6, true).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let ids = cached_pass_ids(&station);
    lab.login("lab-lead", &[Role::Clerk, Role::Supervisor]).await;
    let cups = CupsLab::start();

    // Two cards, a job each, so a jam costs one card and not the batch.
    let printed = passctl(&lab, &cups, &["print", &ids[0], &ids[1], "--printer", &cups.queue]);
    assert!(printed.status.success(), "{}", stderr(&printed));
    let said = String::from_utf8_lossy(&printed.stdout);
    assert_eq!(said.matches("printed as CUPS job").count(), 2, "{said}");

    // What came out of CUPS reads back and verifies, for both cards.
    let pages: Vec<Vec<u8>> = cups
        .take_outputs(2)
        .iter()
        .flat_map(|pdf| rasterise(pdf, PRINT_DPI).expect("rasterise"))
        .collect();
    let texts: Vec<String> = pages.iter().flat_map(|p| read_qr_codes(p)).collect();
    assert_eq!(texts.len(), 2, "one QR per card");
    let verifier = station.verifier().expect("verifier");
    for (pass_id, text) in ids[..2].iter().zip(&texts) {
        let print = station
            .store()
            .printed_card(pass_id)
            .expect("read")
            .expect("a print on record");
        assert_eq!(
            text, &print.qr_text,
            "the printed QR is the credential recorded with its print"
        );
        let item = station.store().item(pass_id).expect("read").expect("held").item;
        let first_day = item.valid_from.with_hms(10, 0, 0).expect("time").assume_utc();
        let verdict = verifier.verify_qr(text, first_day, Some(OFFICE));
        assert_eq!(verdict.outcome, Ok(()), "{pass_id}");
        assert_eq!(
            station.store().item(pass_id).expect("read").map(|r| r.state),
            Some(CardState::Printed)
        );
    }
    // The print check, from a picture of what CUPS printed: the right card's QR
    // verifies the print; another card's spoils it.
    let picture = lab.path("first-card.png");
    let first_card_page = pages
        .iter()
        .find(|page| read_qr_codes(page).first() == Some(&texts[0]))
        .expect("its page");
    std::fs::write(&picture, first_card_page).expect("write the picture");
    let picture = picture.to_str().expect("UTF-8 path");
    let verified = passctl(&lab, &cups, &["verify", "--image", picture, "--json"]);
    let verdict: serde_json::Value = serde_json::from_slice(&verified.stdout).expect("a JSON verdict");
    assert_eq!(
        verdict["pass_id"].as_str(),
        Some(ids[0].as_str()),
        "{}",
        stderr(&verified)
    );
    let matched = passctl(&lab, &cups, &["check-print", &ids[0], "--image", picture]);
    assert!(matched.status.success(), "{}", stderr(&matched));
    assert_eq!(
        station.store().item(&ids[0]).expect("read").map(|r| r.state),
        Some(CardState::PrintVerified)
    );
    let swapped = passctl(&lab, &cups, &["check-print", &ids[1], "--qr-text", &texts[0]]);
    assert_eq!(swapped.status.code(), Some(8), "{}", stderr(&swapped));
    assert!(String::from_utf8_lossy(&swapped.stdout).contains("another card's print"));
    assert_eq!(
        station.store().item(&ids[1]).expect("read").map(|r| r.state),
        Some(CardState::Spoiled)
    );

    // A picture with no QR in it: the clerk is told, and nothing changes.
    let blank = lab.path("blank.png");
    image::RgbImage::from_pixel(640, 360, image::Rgb([200, 200, 200]))
        .save(&blank)
        .expect("blank picture");
    let unreadable = passctl(
        &lab,
        &cups,
        &["check-print", &ids[2], "--image", blank.to_str().expect("path")],
    );
    assert_eq!(unreadable.status.code(), Some(12), "{}", stderr(&unreadable));
    assert!(
        stderr(&unreadable).contains("no pass QR code could be read"),
        "{}",
        stderr(&unreadable)
    );

    let trail = station.store().audit(None, None, None).expect("audit");
    assert_eq!(trail.iter().filter(|e| e.action == "printed").count(), 2);
    let check = passctl(&lab, &cups, &["audit", "verify"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));

    // A printed card is not printed again.
    let again = passctl(&lab, &cups, &["print", &ids[0], "--printer", &cups.queue]);
    assert_eq!(again.status.code(), Some(9), "{}", stderr(&again));

    // A stopped queue: the clerk is told, and the card stays approved.
    cups.admin("cupsdisable", &[&cups.queue]);
    let stopped = passctl(&lab, &cups, &["print", &ids[2], "--printer", &cups.queue]);
    assert_eq!(stopped.status.code(), Some(11), "{}", stderr(&stopped));
    assert!(
        stderr(&stopped).contains("no card was marked printed"),
        "{}",
        stderr(&stopped)
    );
    assert_eq!(
        station.store().item(&ids[2]).expect("read").map(|r| r.state),
        Some(CardState::Approved)
    );
    cups.admin("cupsenable", &[&cups.queue]);

    // An unknown printer.
    let unknown = passctl(&lab, &cups, &["print", &ids[2], "--printer", "NoSuchCardPrinter"]);
    assert_eq!(unknown.status.code(), Some(11), "{}", stderr(&unknown));
    assert_eq!(
        station.store().item(&ids[2]).expect("read").map(|r| r.state),
        Some(CardState::Approved)
    );

    // The day's trail exported for the auditors, as CSV.
    let today = time::OffsetDateTime::now_utc()
        .to_offset(pass_station::credentials::OFFICE_UTC_OFFSET)
        .date();
    let export = lab.path("audit.csv");
    let exported = passctl(
        &lab,
        &cups,
        &[
            "audit",
            "export",
            "--from",
            &today.to_string(),
            "--to",
            &today.to_string(),
            "--csv",
            export.to_str().expect("path"),
        ],
    );
    assert!(exported.status.success(), "{}", stderr(&exported));
    let csv = std::fs::read_to_string(&export).expect("the export");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("seq,at,actor,action,pass_id,detail,prev_hash,hash"));
    let rows: Vec<&str> = lines.collect();
    let trail = station.store().audit(None, None, None).expect("audit");
    assert_eq!(rows.len(), trail.len(), "every entry of the day");
    assert_eq!(
        trail.iter().filter(|e| e.action == "print_abandoned").count(),
        2,
        "each failed job (the stopped queue, the unknown printer) abandons its print, to be revoked"
    );
    assert!(rows.iter().filter(|r| r.contains(",printed,")).count() == 2, "{csv}");
    let yesterday = today.previous_day().expect("a day before").to_string();
    let none = passctl(
        &lab,
        &cups,
        &[
            "audit",
            "export",
            "--from",
            &yesterday,
            "--to",
            &yesterday,
            "--csv",
            export.to_str().expect("path"),
        ],
    );
    assert!(
        String::from_utf8_lossy(&none.stdout).starts_with("0 audit entries"),
        "{}",
        String::from_utf8_lossy(&none.stdout)
    );

    // The trail, edited behind the station's back, is caught.
    let conn = rusqlite::Connection::open(lab.home.db_path()).expect("open the cache");
    conn.execute("UPDATE audit SET actor = 'nobody' WHERE seq = 1", [])
        .expect("tamper");
    let tampered = passctl(&lab, &cups, &["audit", "verify"]);
    assert_eq!(
        tampered.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&tampered.stdout)
    );
}
