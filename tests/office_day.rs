//! The office's day in numbers against a real central-sim and a real SQLite
//! cache: a day with known events gives the known report; a stock
//! difference is flagged; the signed report verifies with pycose and at
//! central; a day closes once; its files are written (the PDF with its
//! Chinese); reminders reach central 7 and 21 days after a release (the
//! station's clock pinned); uncollected cards are voided in one action.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Lab, OFFICE, PASSWORD, approved_hand_over, quick_sync, synced_office};
use pass_station::auth::Session;
use pass_station::model::{CardState, Role};
use pass_station::ops;
use pass_station::ops::devices::PrintedQr;
use pass_station::store::StockReceipt;
use pass_station::{Station, StationError};
use pass_vcard::{CardMemory, Cipher, VirtualCard};
use time::Duration;

const CLERK: &str = "clerk";
const CLERK_2: &str = "clerk2";
const BOSS: &str = "boss";
const WRITER: &str = "writer";

async fn sign_in(station: &mut Station, username: &str) -> Session {
    station.sign_in(username, PASSWORD).await.expect("sign-in")
}

async fn print(lab: &Lab, station: &mut Station, pass_id: &str, clerk: &Session) -> String {
    let printed = ops::desk::print_batch(
        station,
        clerk,
        &lab.pdf_printer(),
        &[pass_id.to_owned()],
        ops::desk::PrintOptions::default(),
        &mut |_| {},
    )
    .await
    .expect("print")
    .remove(0);
    assert!(printed.error.is_none(), "{pass_id} prints: {:?}", printed.error);
    station
        .store()
        .printed_card(pass_id)
        .expect("read")
        .expect("printed")
        .qr_text
}

/// Prints, checks, encodes (as `WRITER`) and releases (as `BOSS`) a card.
async fn released(lab: &Lab, station: &mut Station, pass_id: &str, uid: u8) {
    let clerk = sign_in(station, CLERK).await;
    let qr = print(lab, station, pass_id, &clerk).await;
    assert!(
        ops::desk::check_print(station, &clerk, pass_id, PrintedQr::Text(qr.clone()))
            .expect("check")
            .matches
    );
    let mut chip = VirtualCard::new(CardMemory::blank([0x04, 0x19, 0, 0, 0, 0, uid], Cipher::Aes));
    let writer = sign_in(station, WRITER).await;
    ops::desk::encode(station, &writer, pass_id, &mut chip, &mut |_| {}).expect("encode");
    let boss = sign_in(station, BOSS).await;
    ops::supervisor::release(station, &boss, pass_id, PrintedQr::Text(qr), &mut chip).expect("release");
}

fn python(args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new("python3").args(args).output().expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_with_known_events_gives_its_report_signed_once_and_sent_to_central() {
    let people = [
        (CLERK, Role::Clerk),
        (CLERK_2, Role::Clerk),
        (BOSS, Role::Supervisor),
        (WRITER, Role::Supervisor),
    ];
    let (lab, mut station, ids) = synced_office(8, &people).await;

    // The day: 10 blanks in; clerk prints 3 and spoils 1, clerk2 prints 1 and
    // spoils it; one card is released and handed over.
    let clerk = sign_in(&mut station, CLERK).await;
    let receipt = StockReceipt {
        count: 10,
        first_serial: Some("B-0001".into()),
        last_serial: Some("B-0010".into()),
    };
    ops::supervisor::receive_stock(&mut station, &clerk, &receipt).expect("stock in");
    released(&lab, &mut station, &ids[0], 1).await;
    let clerk = sign_in(&mut station, CLERK).await;
    print(&lab, &mut station, &ids[1], &clerk).await;
    print(&lab, &mut station, &ids[2], &clerk).await;
    ops::desk::spoil(&mut station, &clerk, &ids[2], "卡紙").expect("spoil");
    let other = sign_in(&mut station, CLERK_2).await;
    print(&lab, &mut station, &ids[3], &other).await;
    ops::desk::spoil(&mut station, &other, &ids[3], "印刷模糊, 重印").expect("spoil");
    let clerk = sign_in(&mut station, CLERK).await;
    ops::desk::hand_over(
        &mut station,
        &clerk,
        &approved_hand_over(&ids[..1], "林志明", "長榮海運", BOSS),
    )
    .expect("hand-over");

    let boss = sign_in(&mut station, BOSS).await;
    let refused = ops::supervisor::day(&mut station, &clerk, None);
    assert!(refused.is_err(), "a clerk does not see the day's report");
    let view = ops::supervisor::day(&mut station, &boss, None).expect("today's report");
    let report = &view.report;
    assert_eq!(
        (
            report.printed,
            report.encoded,
            report.released,
            report.handed_over,
            report.spoiled
        ),
        (4, 1, 1, 1, 2),
        "{report:#?}"
    );
    let reasons: Vec<(&str, u32)> = report
        .spoil_reasons
        .iter()
        .map(|r| (r.reason.as_str(), r.count))
        .collect();
    assert_eq!(reasons, [("卡紙", 1), ("印刷模糊, 重印", 1)]);
    let clerks: Vec<(&str, u32, u32, u32, Option<f64>)> = report
        .clerks
        .iter()
        .map(|c| (c.clerk.as_str(), c.printed, c.spoiled, c.handed_over, c.spoil_rate))
        .collect();
    assert_eq!(
        clerks,
        [(CLERK, 3, 1, 1, Some(33.3)), (CLERK_2, 1, 1, 0, Some(100.0))],
        "per clerk, with each one's spoil rate"
    );
    assert_eq!(report.office_spoil_rate, Some(50.0));
    assert_eq!(
        (
            report.stock.received,
            report.stock.used,
            report.stock.expected_in_hopper
        ),
        (10, 4, 6)
    );
    assert_eq!(view.closed_by, None);

    // The hopper holds 5, not 6: the closing flags it.
    let closed = ops::supervisor::close_day(&mut station, &boss, None, 5).expect("closed");
    assert_eq!(closed.report.stock.difference, Some(-1));
    assert!(closed.stock_flagged, "a stock difference is flagged");
    assert_eq!(closed.closed_by.as_deref(), Some(BOSS));
    let again = ops::supervisor::close_day(&mut station, &boss, None, 6);
    assert!(
        matches!(&again, Err(StationError::DayClosed { closed_by, .. }) if closed_by == BOSS),
        "a day closes once: {again:?}"
    );
    let trail = station.store().audit(None, None, None).expect("audit");
    assert_eq!(trail.iter().filter(|e| e.action == "day_closed").count(), 1);

    // Its files: the PDF with its Chinese, the CSV, the signed report.
    let folder = lab.path("reports");
    let files = ops::supervisor::export_day(&mut station, &boss, None, &folder).expect("export");
    let csv = std::fs::read_to_string(&files.csv).expect("the CSV");
    for row in [
        "cards,printed,4",
        "spoil_reason,\"印刷模糊, 重印\",1",
        "clerk:clerk2,spoil_rate_percent,100.0",
        "stock,difference,-1",
    ] {
        assert!(csv.contains(row), "{row} in\n{csv}");
    }
    let text = Command::new("pdftotext")
        .args([Path::new(&files.pdf).as_os_str(), "-".as_ref()])
        .output()
        .expect("pdftotext runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("日結報表") && text.contains("卡紙") && text.contains("DIFFERENCE -1"),
        "{text}"
    );

    // pycose checks the signature with the station's key, as the trust list certifies it.
    let verifier = station.verifier().expect("the cached trust list");
    let signer = &verifier.trust_list().expect("a trust list").signers[0];
    let key_file = lab.path("station.cose_key");
    std::fs::write(&key_file, signer.public_key.to_cose_key().expect("COSE_Key")).expect("the key");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../drivers/credential/interop/verify_day_report.py");
    let checked: serde_json::Value = serde_json::from_str(&python(&[
        script.as_os_str(),
        files.signed.as_ref(),
        key_file.as_os_str(),
    ]))
    .expect("JSON");
    assert_eq!(checked["office"], OFFICE);
    assert_eq!(checked["report"], serde_json::to_value(&closed.report).expect("JSON"));

    // Central keeps the report once its signature checks out.
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let kept = lab.admin.day_reports().await.expect("central's reports");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].report, checked["report"]);

    let figures = ops::supervisor::recent_days(&mut station, &boss, 30).expect("the last 30 days");
    assert_eq!(figures.len(), 30);
    let today = figures.last().expect("today");
    assert_eq!((today.printed, today.spoiled), (4, 2));
    assert!(figures[..29].iter().all(|f| f.printed == 0 && f.spoiled == 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_reach_central_at_7_and_21_days_and_uncollected_cards_are_voided() {
    let people = [
        (CLERK, Role::Clerk),
        (BOSS, Role::Supervisor),
        (WRITER, Role::Supervisor),
    ];
    let (lab, mut station, ids) = synced_office(4, &people).await;
    released(&lab, &mut station, &ids[0], 7).await;
    let start = station.now();
    let reminders = |sent: &[pass_central::sim::admin::Notification]| -> Vec<u32> {
        sent.iter()
            .filter(|n| n.kind == "pickup_reminder" && n.channel == "sms")
            .filter_map(|n| n.days_waiting)
            .collect()
    };
    for (days, expected) in [
        (0, vec![]),
        (6, vec![]),
        (7, vec![7]),
        (8, vec![7]),
        (21, vec![7, 21]),
        (25, vec![7, 21]),
    ] {
        station.pin_clock(start + Duration::days(days) + Duration::hours(1));
        station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
        let sent = lab.admin.notifications().await.expect("central's outbox");
        assert_eq!(reminders(&sent), expected, "day {days}");
    }
    let sent = lab.admin.notifications().await.expect("central's outbox");
    let reminder = sent
        .iter()
        .find(|n| n.kind == "pickup_reminder" && n.days_waiting == Some(21))
        .expect("the 21-day reminder");
    assert!(
        reminder.body.contains(&ids[0])
            && reminder
                .pickup_code
                .as_deref()
                .is_some_and(|c| reminder.body.contains(c)),
        "the reminder names the card and carries its code again: {}",
        reminder.body
    );

    // Past the 30-day window the card is uncollected; the supervisor voids every such card at once.
    station.pin_clock(start + Duration::days(31));
    let clerk = sign_in(&mut station, CLERK).await;
    assert!(ops::desk::pickups(&mut station, &clerk).expect("pick-ups").is_empty());
    assert_eq!(station.item(&ids[0]).expect("held").state, CardState::Uncollected);
    let boss = sign_in(&mut station, BOSS).await;
    let voided = ops::supervisor::void_uncollected(&mut station, &boss, "逾期未領，銷毀").expect("voided");
    assert_eq!(
        voided.iter().map(|r| r.pass_id.as_str()).collect::<Vec<_>>(),
        [ids[0].as_str()]
    );
    assert_eq!(station.item(&ids[0]).expect("held").state, CardState::Voided);
}
