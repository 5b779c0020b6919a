//! An application as a unit, against a real `central-sim` and the station's
//! real SQLite file: the queue grouped by application (a crew of temporary
//! passes with one person refused at central), its printable items printed
//! as one batch, and several released cards of the application handed over
//! to one representative, by `passctl` as a clerk runs it. Each card keeps
//! its own audited step and its own event for central; a list holding a card
//! that may not go is refused whole, with nothing done.

mod common;

use std::collections::HashMap;
use std::process::{Command, Output};

use common::{Lab, OFFICE, PASSWORD, approved_hand_over, passctl_with_input, quick_sync};
use pass_station::error::ErrorClass;
use pass_station::model::{CardState, Role};
use pass_station::ops;
use pass_station::ops::desk::PrintOptions;
use pass_station::ops::devices::PrintedQr;
use pass_station::store::{ApplicationRow, OutboxFilter};
use pass_station::{Station, StationError};
use pass_vcard::{CardMemory, Cipher, VirtualCard};

const PASSCTL: &str = env!("CARGO_BIN_EXE_passctl");
const CLERK: &str = "clerk";
const BOSS: &str = "boss";

fn passctl(lab: &Lab, args: &[&str]) -> Output {
    Command::new(PASSCTL)
        .arg("--home")
        .arg(lab.home.dir())
        .args(args)
        .output()
        .expect("passctl runs")
}

fn state(station: &Station, pass_id: &str) -> CardState {
    station.store().item(pass_id).expect("read").expect("held").state
}

/// The application of the lab's first crew of eight or more temporary passes.
fn crew(rows: &[ApplicationRow]) -> ApplicationRow {
    rows.iter()
        .find(|a| a.temporary && a.items >= 8)
        .cloned()
        .expect("the generated data holds a crew of eight or more")
}

fn audit_count(station: &Station, pass_id: &str, action: &str) -> usize {
    let trail = station.store().audit(Some(pass_id), None, None).expect("audit");
    trail.iter().filter(|e| e.action == action).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crew_is_grouped_printed_together_and_handed_over_at_once() {
    let lab = Lab::start(40, true).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    station.home().generate_chip_keys(OFFICE).expect("chip keys");
    lab.add_user(CLERK, &[Role::Clerk]).await;
    lab.add_user(BOSS, &[Role::Supervisor]).await;
    let clerk = station.sign_in(CLERK, PASSWORD).await.expect("sign-in");

    // Grouped: the crew with its refused person counted as out, not waiting.
    let groups = ops::desk::applications(&mut station, &clerk, None, 100).expect("applications");
    let app = crew(&groups);
    assert_eq!(app.out, 1, "one person of the crew was refused at central: {app:?}");
    assert_eq!(app.approved, app.items - 1);
    assert_eq!(app.printable.len() as u32, app.approved);
    assert_eq!((app.in_making, app.ready, app.handed_over), (0, 0, 0));
    let every_item = groups.iter().map(|a| a.items).sum::<u32>();
    assert_eq!(every_item, 40, "every item is in one application");
    let all = pass_station::store::QueueQuery {
        states: CardState::ALL.to_vec(),
        limit: 1000,
        ..Default::default()
    };
    let refused: Vec<String> = station
        .store()
        .queue(&all)
        .expect("queue")
        .into_iter()
        .filter(|r| r.state == CardState::Withdrawn)
        .map(|r| r.pass_id)
        .filter(|id| station.store().application_of(id).expect("read").as_deref() == Some(&app.application_id))
        .collect();
    assert_eq!(refused.len(), 1, "the refused person is held withdrawn");
    assert!(!app.printable.contains(&refused[0]), "and is not offered for print");
    // Searching by company or application number finds it.
    let by_company = ops::desk::applications(&mut station, &clerk, Some(&app.company_name), 100).expect("search");
    assert!(by_company.iter().any(|a| a.application_id == app.application_id));
    let by_number = ops::desk::applications(&mut station, &clerk, Some(&app.application_id), 100).expect("search");
    assert_eq!(by_number.len(), 1);

    // Three of its printable items printed as one batch, checked, encoded.
    let batch: Vec<String> = app.printable[..3].to_vec();
    let printer = lab.pdf_printer();
    let options = PrintOptions::default();
    let printed = ops::desk::print_batch(&mut station, &clerk, &printer, &batch, options, &mut |_| {}).await;
    let printed = printed.expect("the batch runs");
    assert!(printed.iter().all(|p| p.error.is_none()), "{printed:?}");
    let mut chips = HashMap::new();
    for (i, id) in batch.iter().enumerate() {
        let printed = station.store().printed_card(id).ok().flatten();
        let qr = printed.map(|card| card.qr_text).expect("the card is printed");
        let check = ops::desk::check_print(&mut station, &clerk, id, PrintedQr::Text(qr.clone()));
        assert!(check.is_ok_and(|c| c.matches), "{id}'s print checks");
        let mut chip = VirtualCard::new(CardMemory::blank([0x04, 0x61, 0, 0, 0, 0, i as u8], Cipher::Aes));
        ops::desk::encode(&mut station, &clerk, id, &mut chip, &mut |_| {}).expect("encode");
        chips.insert(id.clone(), (qr, chip));
    }
    // Two released by a supervisor; the third stays encoded.
    let boss = station.sign_in(BOSS, PASSWORD).await.expect("sign-in");
    for id in &batch[..2] {
        let (qr, chip) = chips.get_mut(id).expect("encoded");
        ops::supervisor::release(&mut station, &boss, id, PrintedQr::Text(qr.clone()), chip).expect("release");
    }
    let clerk = station.sign_in(CLERK, PASSWORD).await.expect("sign-in");
    let now = ops::desk::applications(&mut station, &clerk, Some(&app.application_id), 10).expect("applications");
    assert_eq!(
        (now[0].approved, now[0].in_making, now[0].ready, now[0].out),
        (app.approved - 3, 1, 2, 1)
    );
    assert_eq!(now[0].ready_ids, batch[..2].to_vec());
    let waiting = ops::desk::pickups(&mut station, &clerk).expect("pick-ups");
    assert!(
        waiting
            .iter()
            .filter(|w| batch[..2].contains(&w.pickup.pass_id))
            .all(|w| w.pickup.application_id == app.application_id)
    );

    // A list with a card not released is refused whole: nothing is half done.
    let outbox_before = station.store().outbox(OutboxFilter::All, 10_000).expect("outbox").len();
    let to = |ids: &[String]| approved_hand_over(ids, "林志明", &app.company_name, BOSS);
    let refused_list = ops::desk::hand_over(&mut station, &clerk, &to(&batch));
    assert!(
        matches!(&refused_list, Err(StationError::WrongState { pass_id, state: CardState::Encoded, .. }) if *pass_id == batch[2]),
        "{refused_list:?}"
    );
    let other = groups
        .iter()
        .find(|a| a.application_id != app.application_id && !a.printable.is_empty())
        .expect("another application");
    let mixed = ops::desk::hand_over(
        &mut station,
        &clerk,
        &to(&[batch[0].clone(), other.printable[0].clone()]),
    );
    assert!(
        matches!(&mixed, Err(StationError::OtherApplication { pass_id, .. }) if *pass_id == other.printable[0]),
        "{mixed:?}"
    );
    let twice = ops::desk::hand_over(&mut station, &clerk, &to(&[batch[0].clone(), batch[0].clone()]));
    assert!(matches!(twice, Err(StationError::TwiceInBatch { .. })), "{twice:?}");
    let none = ops::desk::hand_over(&mut station, &clerk, &to(&[]));
    assert!(matches!(none, Err(StationError::NothingToHandOver)), "{none:?}");
    for id in &batch[..2] {
        assert_eq!(state(&station, id), CardState::Released, "{id} is still waiting");
        assert_eq!(audit_count(&station, id, "handed_over"), 0);
    }
    assert_eq!(
        station.store().outbox(OutboxFilter::All, 10_000).expect("outbox").len(),
        outbox_before,
        "no event for a refused list"
    );

    // passctl: the queue by application, and the refusal as a clerk sees it.
    drop(station);
    common::login(lab.home.dir(), CLERK);
    let listed = passctl(
        &lab,
        &["--json", "queue", "--by-application", "--search", &app.application_id],
    );
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert_eq!(rows[0]["application_id"], app.application_id.as_str());
    assert_eq!(rows[0]["ready"], 2);
    assert_eq!(rows[0]["out"], 1);
    assert_eq!(rows[0]["ready_ids"], serde_json::json!(batch[..2]));
    let text = passctl(&lab, &["queue", "--by-application"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("APPLICATION") && text.contains(&app.application_id),
        "{text}"
    );
    let recipient = [
        "--to",
        "林志明",
        "--company",
        &app.company_name,
        "--id-number",
        "A123456789",
    ];
    let mut args = vec!["hand-over", &batch[0], &batch[2]];
    args.extend(recipient);
    let refused_cli = passctl(&lab, &args);
    assert_eq!(refused_cli.status.code(), Some(i32::from(ErrorClass::Card.exit_code())));
    let stderr = String::from_utf8_lossy(&refused_cli.stderr);
    assert!(stderr.contains(&batch[2]) && stderr.contains("released"), "{stderr}");

    // The two released cards, handed over at once to one representative.
    // Neither card's holder came: the supervisor approves at the desk, with a reason.
    let mut args = vec!["--json", "hand-over", &batch[0], &batch[1]];
    args.extend(recipient);
    args.extend([
        "--approved-by",
        BOSS,
        "--reason",
        "公司文書代領，已電話確認",
        "--password-stdin",
    ]);
    let handed = passctl_with_input(&lab, &args, PASSWORD);
    assert!(handed.status.success(), "{}", String::from_utf8_lossy(&handed.stderr));
    let view: serde_json::Value = serde_json::from_slice(&handed.stdout).expect("JSON");
    assert_eq!(view["application_id"], app.application_id.as_str());
    assert_eq!(view["pass_ids"], serde_json::json!(batch[..2]));
    assert_eq!(view["id_masked"], "A12****789");

    let station = lab.station();
    let events = station.store().outbox(OutboxFilter::All, 10_000).expect("outbox");
    for (id, other) in [(&batch[0], &batch[1]), (&batch[1], &batch[0])] {
        assert_eq!(state(&station, id), CardState::HandedOver);
        let trail = station.store().audit(Some(id), None, None).expect("audit");
        let entries: Vec<_> = trail.iter().filter(|e| e.action == "handed_over").collect();
        assert_eq!(entries.len(), 1, "one audited step for {id}");
        assert_eq!(entries[0].actor, CLERK);
        assert_eq!(entries[0].detail["recipient_id_masked"], "A12****789");
        assert_eq!(entries[0].detail["handed_over_with"], serde_json::json!([other]));
        assert_eq!(entries[0].detail["authorised_by"], "supervisor");
        assert_eq!(entries[0].detail["approved_by"], BOSS);
        assert_eq!(entries[0].detail["approval_reason"], "公司文書代領，已電話確認");
        let reported = events
            .iter()
            .filter(|e| e.kind == "card_handed_over" && e.payload["pass_id"] == id.as_str())
            .count();
        assert_eq!(reported, 1, "one event for central for {id}");
    }
    assert_eq!(
        state(&station, &batch[2]),
        CardState::Encoded,
        "the refused list's card is untouched"
    );
    let db = std::fs::read(lab.home.db_path()).expect("the cache file");
    assert!(
        !db.windows(10).any(|w| w == b"A123456789"),
        "the recipient's full ID number is not kept"
    );
    assert_eq!(station.store().check_audit().expect("check").broken_at, None);
}
