//! Two desks and a gate of one office against one central-sim on loopback,
//! coordinating only through central: a pass claimed at one desk is refused
//! at the other, naming the desk; a card encoded at desk A is released and
//! handed over at desk B with the office keys imported there, and desk A
//! learns it left with its holder without revoking it; a supervisor takes a
//! claim over; offline, a desk prints only what it claimed; the gate, with
//! the read key only, verifies the card and cannot write one.

mod common;

use common::{Lab, OFFICE, PASSWORD, approved_hand_over, cached_pass_ids, quick_sync};
use pass_credential::Reason;
use pass_printer::{PdfFolder, PrintTarget};
use pass_station::auth::{AuthError, Session};
use pass_station::chip_keys::KeySet;
use pass_station::model::{CardState, Role};
use pass_station::ops;
use pass_station::ops::desk::{PrintOptions, PrintOutcome, Printer};
use pass_station::ops::devices::PrintedQr;
use pass_station::{Station, StationError, StationHome};
use pass_vcard::{CardMemory, Cipher, VirtualCard};

const PASSPHRASE: &str = "harbour lights at dawn";

/// A station of the lab's office, enrolled under `name` in its own home.
async fn another_station(lab: &Lab, folder: &str, name: &str) -> Station {
    let home = StationHome::new(lab.path(folder));
    let code = lab.admin.enrolment_code(OFFICE).await.expect("an enrolment code");
    let fingerprint = lab.admin.root_fingerprint().await.expect("the published fingerprint");
    home.enroll(&lab.url(), &code, name, &fingerprint)
        .await
        .expect("enrolment");
    Station::open(home).expect("the station opens")
}

/// The lab's station as desk A and a second desk B ("櫃台 2"), both synced,
/// with the users named, and the office's chip keys made at A and imported at B.
async fn two_desks(lab: &Lab, users: &[(&str, &[Role])]) -> (Station, Station) {
    for (name, roles) in users {
        lab.add_user(name, roles).await;
    }
    let mut desk_a = lab.station();
    let mut desk_b = another_station(lab, "desk-b", "櫃台 2").await;
    sync(&mut desk_a).await;
    sync(&mut desk_b).await;
    desk_a.home().generate_chip_keys(OFFICE).expect("chip keys");
    let sealed = lab.path("office.keys");
    desk_a
        .home()
        .export_chip_keys(KeySet::Office, PASSPHRASE, &sealed)
        .expect("exported");
    let imported = desk_b
        .home()
        .import_chip_keys(&sealed, OFFICE, PASSPHRASE)
        .expect("imported");
    assert_eq!(imported, KeySet::Office);
    (desk_a, desk_b)
}

async fn sync(station: &mut Station) {
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
}

async fn sign_in(station: &mut Station, username: &str) -> Session {
    station.sign_in(username, PASSWORD).await.expect("sign-in")
}

fn state(station: &Station, pass_id: &str) -> CardState {
    station.store().item(pass_id).expect("read").expect("held").state
}

async fn print(lab: &Lab, station: &mut Station, session: &Session, pass_id: &str) -> PrintOutcome {
    let folder = lab.path(&format!("printed-{}", station.config().station_id));
    std::fs::create_dir_all(&folder).expect("the printer's folder");
    let printer = Printer::new(PrintTarget::Folder(PdfFolder::new(folder)));
    let ids = [pass_id.to_owned()];
    let mut outcomes = ops::desk::print_batch(station, session, &printer, &ids, PrintOptions::default(), &mut |_| {})
        .await
        .expect("the batch runs");
    outcomes.remove(0)
}

/// The QR on a printed card, as a camera reads it off the PDF.
fn printed_qr(card: &PrintOutcome) -> String {
    let file = std::path::Path::new(&card.files[0]);
    let texts = pass_station::scan::credentials_in_printed_pdf(file).expect("the PDF reads back");
    texts.into_iter().next().expect("the printed card's QR reads")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_desks_share_one_office_through_central() {
    let mut lab = Lab::start(6, true).await;
    let users: [(&str, &[Role]); 4] = [
        ("clerk", &[Role::Clerk]),
        ("lead", &[Role::Clerk, Role::Supervisor]),
        ("boss", &[Role::Supervisor]),
        ("gate", &[Role::GateOfficer]),
    ];
    let (mut desk_a, mut desk_b) = two_desks(&lab, &users).await;
    let ids = cached_pass_ids(&desk_a);
    assert_eq!(cached_pass_ids(&desk_b), ids, "both desks hold the office's passes");
    let (x, y, z, w) = (&ids[0], &ids[1], &ids[2], &ids[3]);

    // Desk A prints X; desk B's print of X is refused, naming desk A.
    let lead_a = sign_in(&mut desk_a, "lead").await;
    let at_a = print(&lab, &mut desk_a, &lead_a, x).await;
    assert!(at_a.error.is_none(), "{:?}", at_a.error);
    let clerk_b = sign_in(&mut desk_b, "clerk").await;
    let at_b = print(&lab, &mut desk_b, &clerk_b, x).await;
    match &at_b.error {
        Some(StationError::ClaimedElsewhere { pass_id, desk, .. }) => {
            assert_eq!((pass_id.as_str(), desk.as_str()), (x.as_str(), "test station"));
        }
        other => panic!("desk B printed a pass desk A holds: {other:?}"),
    }
    assert_eq!(state(&desk_b, x), CardState::Approved, "nothing printed at desk B");
    let everything = pass_station::store::QueueQuery {
        limit: 100,
        ..Default::default()
    };
    let queue = ops::desk::queue(&mut desk_b, &clerk_b, &everything)
        .expect("queue")
        .rows;
    let row = queue.iter().find(|row| &row.pass_id == x).expect("X is in B's queue");
    assert_eq!(
        row.claimed_elsewhere.as_ref().map(|claim| claim.desk.as_str()),
        Some("test station"),
        "desk B's queue shows where X is being made"
    );
    let card = ops::desk::card(&mut desk_b, &clerk_b, x).expect("the card");
    assert!(
        !card.actions.contains(&ops::desk::CardAction::Print),
        "{:?}",
        card.actions
    );

    // Desk A checks the print and writes the chip, then reports.
    let qr = printed_qr(&at_a);
    let check = ops::desk::check_print(&mut desk_a, &lead_a, x, PrintedQr::Text(qr.clone())).expect("check");
    assert!(check.matches);
    let mut chip = VirtualCard::new(CardMemory::blank([0x04, 0x44, 0, 0, 0, 0, 1], Cipher::Aes));
    ops::desk::encode(&mut desk_a, &lead_a, x, &mut chip, &mut |_| {}).expect("encoded at desk A");
    sync(&mut desk_a).await;

    // Desk B carries the card on: encoded, its chip known, its encoder too.
    sync(&mut desk_b).await;
    assert_eq!(
        state(&desk_b, x),
        CardState::Encoded,
        "desk B learns how far the card got"
    );
    let lead_b = sign_in(&mut desk_b, "lead").await;
    let own = ops::supervisor::release(&mut desk_b, &lead_b, x, PrintedQr::Text(qr.clone()), &mut chip);
    assert!(
        matches!(&own, Err(StationError::Auth(AuthError::TwoPerson { .. }))),
        "whoever wrote the chip at desk A does not release it at desk B: {own:?}"
    );
    let boss_b = sign_in(&mut desk_b, "boss").await;
    ops::supervisor::release(&mut desk_b, &boss_b, x, PrintedQr::Text(qr.clone()), &mut chip)
        .expect("released at desk B, with the office keys imported there");
    let clerk_b = sign_in(&mut desk_b, "clerk").await;
    let to = approved_hand_over(std::slice::from_ref(x), "林志明", "長榮海運", "boss");
    ops::desk::hand_over(&mut desk_b, &clerk_b, &to).expect("handed over at desk B");
    sync(&mut desk_b).await;
    sync(&mut desk_a).await;
    assert_eq!(
        state(&desk_a, x),
        CardState::HandedOver,
        "desk A learns its card left with its holder"
    );

    // The gate: the read key only. The card passes on both faces; no card is written there.
    let mut gate = another_station(&lab, "gate", "基隆港 東門").await;
    let gate_keys = lab.path("gate.keys");
    desk_a
        .home()
        .export_chip_keys(KeySet::Gate, PASSPHRASE, &gate_keys)
        .expect("the gate set");
    let set = gate
        .home()
        .import_chip_keys(&gate_keys, OFFICE, PASSPHRASE)
        .expect("imported at the gate");
    assert_eq!(set, KeySet::Gate);
    sync(&mut gate).await;
    let at_gate = {
        let item = gate.store().item(x).expect("read").expect("held").item;
        item.valid_from.with_hms(10, 0, 0).expect("a time").assume_utc()
    };
    let verifier = gate.verifier().expect("verifier");
    let by_qr = gate.verify_qr(&verifier, &qr, at_gate, Some(OFFICE)).expect("verdict");
    let by_chip = gate
        .read_card_at_gate(&mut chip, &verifier, at_gate, Some(OFFICE))
        .expect("read")
        .verdict
        .expect("a genuine card");
    assert_eq!(
        (by_qr.outcome, by_chip.outcome),
        (Ok(()), Ok(())),
        "a card made at two desks passes: neither desk revoked it"
    );
    let gate_clerk = sign_in(&mut gate, "clerk").await;
    let blank = &mut VirtualCard::new(CardMemory::blank([0x04, 0x44, 0, 0, 0, 0, 2], Cipher::Aes));
    let refused = ops::desk::encode(&mut gate, &gate_clerk, y, blank, &mut |_| {});
    assert!(
        matches!(&refused, Err(StationError::Config { detail, .. }) if detail.contains("only the gate's read key")),
        "{refused:?}"
    );

    // A supervisor at desk B takes Y over from desk A, with a reason; desk B's
    // prints of Y are numbered past desk A's, and desk A is refused now.
    let first = print(&lab, &mut desk_a, &lead_a, y).await;
    assert_eq!(
        (first.error.is_none(), first.print),
        (true, Some(1)),
        "{:?}",
        first.error
    );
    let boss_b = sign_in(&mut desk_b, "boss").await;
    let taken = ops::supervisor::take_over_claim(&mut desk_b, &boss_b, y, "櫃台 1 的印表機故障")
        .await
        .expect("taken over");
    assert_eq!(taken.desk, "櫃台 2");
    let history = desk_b.store().audit(Some(y), None, None).expect("the trail");
    assert!(
        history
            .iter()
            .any(|entry| entry.action == pass_station::store::CLAIM_TAKEN_OVER),
        "the take-over is in desk B's audit trail"
    );
    let clerk_b = sign_in(&mut desk_b, "clerk").await;
    let second = print(&lab, &mut desk_b, &clerk_b, y).await;
    assert!(second.error.is_none(), "{:?}", second.error);
    assert!(second.print.is_some_and(|print| print > 1000), "{:?}", second.print);
    let lead_a = sign_in(&mut desk_a, "lead").await;
    let again = print(&lab, &mut desk_a, &lead_a, z).await;
    assert!(again.error.is_none(), "{:?}", again.error);
    let spoil = ops::desk::spoil(&mut desk_a, &lead_a, y, "taken over by desk 2");
    assert!(spoil.is_ok(), "desk A spoils its own print of Y: {spoil:?}");
    let refused = print(&lab, &mut desk_a, &lead_a, y).await;
    assert!(
        matches!(&refused.error, Some(StationError::ClaimedElsewhere { desk, .. }) if desk == "櫃台 2"),
        "{:?}",
        refused.error
    );

    // A claim given back frees the pass for the other desk at once.
    let lead_a = sign_in(&mut desk_a, "lead").await;
    let claimed = ops::desk::claim(&mut desk_a, &lead_a, std::slice::from_ref(w))
        .await
        .expect("claimed");
    assert!(claimed[0].error.is_none(), "{:?}", claimed[0].error);
    ops::desk::release_claims(&mut desk_a, &lead_a, std::slice::from_ref(w))
        .await
        .expect("given back");

    // Offline: desk B prints what it claimed while central answered, and nothing else.
    let claimed = ops::desk::claim(&mut desk_b, &clerk_b, std::slice::from_ref(w))
        .await
        .expect("claimed");
    assert!(claimed[0].error.is_none(), "{:?}", claimed[0].error);
    lab.stop_central();
    let offline_w = print(&lab, &mut desk_b, &clerk_b, w).await;
    assert!(
        offline_w.error.is_none(),
        "a claimed pass prints offline: {:?}",
        offline_w.error
    );
    let unclaimed = &ids[4];
    let offline = print(&lab, &mut desk_b, &clerk_b, unclaimed).await;
    assert!(
        matches!(&offline.error, Some(StationError::NotClaimedOffline { pass_id }) if pass_id == unclaimed),
        "{:?}",
        offline.error
    );
    assert_eq!(state(&desk_b, unclaimed), CardState::Approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_not_yet_handed_over_stays_refused_at_the_gate_of_the_other_desk() {
    // The gate's verdict on a card desk B carried on still follows the
    // state machine: released is not handed over.
    let lab = Lab::start(2, true).await;
    let users: [(&str, &[Role]); 2] = [
        ("lead", &[Role::Clerk, Role::Supervisor]),
        ("boss", &[Role::Supervisor]),
    ];
    let (mut desk_a, mut desk_b) = two_desks(&lab, &users).await;
    let x = cached_pass_ids(&desk_a)[0].clone();
    let lead = sign_in(&mut desk_a, "lead").await;
    let printed = print(&lab, &mut desk_a, &lead, &x).await;
    let qr = printed_qr(&printed);
    ops::desk::check_print(&mut desk_a, &lead, &x, PrintedQr::Text(qr.clone())).expect("check");
    let mut chip = VirtualCard::new(CardMemory::blank([0x04, 0x45, 0, 0, 0, 0, 1], Cipher::Aes));
    ops::desk::encode(&mut desk_a, &lead, &x, &mut chip, &mut |_| {}).expect("encoded");
    sync(&mut desk_a).await;
    sync(&mut desk_b).await;
    let boss = sign_in(&mut desk_b, "boss").await;
    ops::supervisor::release(&mut desk_b, &boss, &x, PrintedQr::Text(qr.clone()), &mut chip).expect("released");
    let at = {
        let item = desk_b.store().item(&x).expect("read").expect("held").item;
        item.valid_from.with_hms(10, 0, 0).expect("a time").assume_utc()
    };
    let verifier = desk_b.verifier().expect("verifier");
    let verdict = desk_b.verify_qr(&verifier, &qr, at, Some(OFFICE)).expect("verdict");
    assert_eq!(
        verdict.outcome,
        Err(Reason::NotHandedOver {
            state: "released".to_owned()
        })
    );
    // Desk A learns of the release at its next sync, with the card's chip.
    sync(&mut desk_b).await;
    sync(&mut desk_a).await;
    assert_eq!(state(&desk_a, &x), CardState::Released);
}
