//! The issuing workflow against a real `central-sim`: every step taken by the
//! right person and refused to the wrong one, the two-person rule, spoil,
//! void, reprint and withdrawal reaching the hotlist, sign-in online and
//! offline with lockout, freeze, idle sign-out and delegation, and the role
//! check of every `passctl` command. Chips are our virtual card, held in the
//! test (the PC/SC path is `tests/chip.rs`'s).

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{Lab, OFFICE, PASSWORD, approved_hand_over, cached_pass_ids, quick_sync};
use pass_credential::{Reason, Revocation};
use pass_printer::{PdfFolder, PrintTarget};
use pass_station::auth::{AuthError, Session};
use pass_station::chip_keys::KeySet;
use pass_station::model::{CardState, Role};
use pass_station::ops;
use pass_station::ops::desk::{PrintOptions, Printer};
use pass_station::ops::devices::PrintedQr;
use pass_station::printing::Mismatch;
use pass_station::store::OutboxFilter;
use pass_station::{Station, StationError};
use pass_vcard::{CardMemory, Cipher, VirtualCard};
use time::{Duration, OffsetDateTime};

const CLERK: &str = "clerk";
const BOSS: &str = "boss";
const OTHER_BOSS: &str = "boss2";
const GATE: &str = "gate";

fn card(last: u8) -> VirtualCard {
    VirtualCard::new(CardMemory::blank([0x04, 0x57, 0, 0, 0, 0, last], Cipher::Aes))
}

/// A lab with six synced passes, chip keys, and the office's people at central.
async fn office() -> (Lab, Station, Vec<String>) {
    let lab = Lab::start(6, true).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    station.home().generate_chip_keys(OFFICE).expect("chip keys");
    for (name, role) in [
        (CLERK, Role::Clerk),
        (BOSS, Role::Supervisor),
        (OTHER_BOSS, Role::Supervisor),
        (GATE, Role::GateOfficer),
    ] {
        lab.add_user(name, &[role]).await;
    }
    let ids = cached_pass_ids(&station);
    (lab, station, ids)
}

async fn sign_in(station: &mut Station, username: &str) -> Session {
    station.sign_in(username, PASSWORD).await.expect("sign-in")
}

fn state(station: &Station, pass_id: &str) -> CardState {
    station.store().item(pass_id).expect("read").expect("held").state
}

/// Prints `ids` as `session` to a PDF folder, without checking the prints.
async fn print(lab: &Lab, station: &mut Station, ids: &[String], session: &Session) -> Vec<ops::desk::PrintOutcome> {
    let folder = lab.path("printed");
    std::fs::create_dir_all(&folder).expect("printer folder");
    let printer = Printer::new(PrintTarget::Folder(PdfFolder::new(&folder)));
    ops::desk::print_batch(station, session, &printer, ids, PrintOptions::default(), &mut |_| {})
        .await
        .expect("print")
}

/// Prints and checks the prints of `ids` as `session`; returns each card's
/// QR as read back from the printed PDF, by pass number.
async fn print_and_check(
    lab: &Lab,
    station: &mut Station,
    ids: &[String],
    session: &Session,
) -> HashMap<String, String> {
    let printed = print(lab, station, ids, session).await;
    let mut read = Vec::new();
    for card in &printed {
        assert!(card.error.is_none(), "{} prints: {:?}", card.pass_id, card.error);
        for file in &card.files {
            read.extend(pass_station::scan::credentials_in_printed_pdf(Path::new(file)).expect("read back"));
        }
    }
    let mut qrs = HashMap::new();
    for id in ids {
        let recorded = station
            .store()
            .printed_card(id)
            .expect("read")
            .expect("printed")
            .qr_text;
        assert!(read.contains(&recorded), "{id}'s printed QR reads back");
        assert!(
            ops::desk::check_print(station, session, id, PrintedQr::Text(recorded.clone()))
                .expect("check")
                .matches
        );
        qrs.insert(id.clone(), recorded);
    }
    qrs
}

fn refused_for_role(result: Result<impl std::fmt::Debug, StationError>) -> bool {
    matches!(result, Err(StationError::Auth(AuthError::Forbidden { .. })))
}

fn wrong_state(result: Result<impl std::fmt::Debug, StationError>) -> bool {
    matches!(result, Err(StationError::WrongState { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_goes_from_print_to_hand_over_with_the_right_people() {
    let (lab, mut station, ids) = office().await;
    let clerk = sign_in(&mut station, CLERK).await;
    let qrs = print_and_check(&lab, &mut station, &ids[..2], &clerk).await;
    let (qr_a, qr_b) = (&qrs[&ids[0]], &qrs[&ids[1]]);
    let (mut card_a, mut card_b) = (card(1), card(2));

    let boss = sign_in(&mut station, BOSS).await;
    assert!(
        wrong_state(ops::supervisor::release(
            &mut station,
            &boss,
            &ids[0],
            PrintedQr::Text((qr_a).to_string()),
            &mut card_a
        )),
        "a card whose chip was never written is not released"
    );
    let clerk = sign_in(&mut station, CLERK).await;
    assert!(
        wrong_state(ops::desk::hand_over(
            &mut station,
            &clerk,
            &approved_hand_over(&ids[..1], "林志明", "長榮", BOSS)
        )),
        "a card a supervisor has not released is not handed over"
    );
    ops::desk::encode(&mut station, &clerk, &ids[0], &mut card_a, &mut |_| {}).expect("encode");
    assert!(refused_for_role(ops::supervisor::release(
        &mut station,
        &clerk,
        &ids[0],
        PrintedQr::Text((qr_a).to_string()),
        &mut card_a
    )));
    let gate = sign_in(&mut station, GATE).await;
    assert!(refused_for_role(ops::desk::encode(
        &mut station,
        &gate,
        &ids[1],
        &mut card_b,
        &mut |_| {}
    )));

    // A supervisor may encode, but then another supervisor releases.
    let boss = sign_in(&mut station, BOSS).await;
    ops::desk::encode(&mut station, &boss, &ids[1], &mut card_b, &mut |_| {}).expect("a supervisor encodes");
    let own = ops::supervisor::release(
        &mut station,
        &boss,
        &ids[1],
        PrintedQr::Text((qr_b).to_string()),
        &mut card_b,
    );
    assert!(
        matches!(own, Err(StationError::Auth(AuthError::TwoPerson { .. }))),
        "{own:?}"
    );
    // The release reads the chip: a chip whose UID is not the one recorded at encoding is refused.
    let swapped = ops::supervisor::release(
        &mut station,
        &boss,
        &ids[0],
        PrintedQr::Text((qr_a).to_string()),
        &mut card_b,
    );
    assert!(
        matches!(swapped, Err(StationError::ChipNotVerified { .. })),
        "{swapped:?}"
    );
    // The seal check: a QR from another card (a body swapped after the print check) is refused.
    let other_body = ops::supervisor::release(
        &mut station,
        &boss,
        &ids[0],
        PrintedQr::Text((qr_b).to_string()),
        &mut card_a,
    );
    assert!(
        matches!(&other_body, Err(StationError::SealBroken { problem, .. }) if problem.contains(&ids[1])),
        "{other_body:?}"
    );
    let specimen = pass_credential::specimen_text(&ids[0]);
    assert!(matches!(
        ops::supervisor::release(
            &mut station,
            &boss,
            &ids[0],
            PrintedQr::Text(specimen.to_string()),
            &mut card_a
        ),
        Err(StationError::SealBroken { .. })
    ));
    assert_eq!(state(&station, &ids[0]), CardState::Encoded);
    ops::supervisor::release(
        &mut station,
        &boss,
        &ids[0],
        PrintedQr::Text((qr_a).to_string()),
        &mut card_a,
    )
    .expect("release");
    let other = sign_in(&mut station, OTHER_BOSS).await;
    ops::supervisor::release(
        &mut station,
        &other,
        &ids[1],
        PrintedQr::Text((qr_b).to_string()),
        &mut card_b,
    )
    .expect("the other supervisor releases");

    let clerk = sign_in(&mut station, CLERK).await;
    let recipient = ops::desk::hand_over(
        &mut station,
        &clerk,
        &approved_hand_over(&ids[..1], "林志明", "長榮海運", BOSS),
    )
    .expect("hand-over")
    .recipient;
    assert_eq!(recipient.id_masked, "A12****789");
    assert_eq!(state(&station, &ids[0]), CardState::HandedOver);
    let db = std::fs::read(lab.home.db_path()).expect("the cache file");
    assert!(
        !db.windows(10).any(|w| w == b"A123456789"),
        "the recipient's full ID number is not kept"
    );

    // The other card waits for pick-up, and after the window it is uncollected.
    let waiting = ops::desk::pickups(&mut station, &clerk).expect("pick-ups");
    assert_eq!(
        waiting.iter().map(|w| w.pickup.pass_id.as_str()).collect::<Vec<_>>(),
        [&*ids[1]]
    );
    station.pin_clock(OffsetDateTime::now_utc() + Duration::days(31));
    let clerk = sign_in(&mut station, CLERK).await;
    assert!(ops::desk::pickups(&mut station, &clerk).expect("pick-ups").is_empty());
    assert_eq!(state(&station, &ids[1]), CardState::Uncollected);

    let trail = station.store().audit(Some(&ids[0]), None, None).expect("audit");
    let steps: Vec<(&str, &str)> = trail.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
    assert_eq!(
        steps,
        [
            ("printed", CLERK),
            ("print_verified", CLERK),
            ("encoded", CLERK),
            ("released", BOSS),
            ("handed_over", CLERK)
        ]
    );
    assert_eq!(station.store().check_audit().expect("check").broken_at, None);
    let events = station.store().outbox(OutboxFilter::Unsent, 1000).expect("outbox");
    for kind in ["card_released", "card_handed_over", "card_uncollected"] {
        assert!(events.iter().any(|e| e.kind == kind), "{kind} waits for central");
    }
}

/// The desk's live camera and scanner: the pass comes from the QR when none
/// is typed; a print that is not the typed pass's is only reported (the card
/// stays printed, what it is instead named) until the clerk confirms the
/// spoil; text that is no credential of this office is refused; and the gate
/// officer checks no prints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_print_check_takes_the_pass_from_the_qr_and_asks_before_spoiling() {
    let (lab, mut station, ids) = office().await;
    let clerk = sign_in(&mut station, CLERK).await;
    print(&lab, &mut station, &ids[..2], &clerk).await;
    let qr_a = station
        .store()
        .printed_card(&ids[0])
        .expect("read")
        .expect("printed")
        .qr_text;

    let read = |text: &str| PrintedQr::Text(text.to_owned());
    let other = ops::desk::check_print_read(&mut station, &clerk, Some(&ids[1].to_lowercase()), read(&qr_a))
        .expect("a mismatch is an answer");
    assert!(!other.matches && !other.spoiled, "{other:?}");
    assert!(
        matches!(&other.mismatch, Some(Mismatch::OtherCard { pass_id, .. }) if *pass_id == ids[0]),
        "{other:?}"
    );
    assert_eq!(
        state(&station, &ids[1]),
        CardState::Printed,
        "not spoiled before the clerk confirms"
    );

    let own = ops::desk::check_print_read(&mut station, &clerk, None, read(&qr_a)).expect("check");
    assert!(own.matches && own.pass_id == ids[0], "{own:?}");
    assert_eq!(state(&station, &ids[0]), CardState::PrintVerified);
    assert!(matches!(
        ops::desk::check_print_read(&mut station, &clerk, None, read("PP1:NOT-A-CREDENTIAL")),
        Err(StationError::NoQrCode { .. })
    ));

    ops::desk::spoil(&mut station, &clerk, &ids[1], "another card's print").expect("spoil");
    assert_eq!(state(&station, &ids[1]), CardState::Spoiled);

    let officer = sign_in(&mut station, GATE).await;
    assert!(refused_for_role(ops::desk::check_print_read(
        &mut station,
        &officer,
        None,
        read(&qr_a)
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoiled_voided_reprinted_and_withdrawn_cards_fail_at_the_gate() {
    let (lab, mut station, ids) = office().await;
    let clerk = sign_in(&mut station, CLERK).await;
    let qrs = print_and_check(&lab, &mut station, &ids[..3], &clerk).await;
    let (mut spoilt, mut lost, mut recalled) = (card(1), card(2), card(3));
    ops::desk::encode(&mut station, &clerk, &ids[0], &mut spoilt, &mut |_| {}).expect("encode");
    ops::desk::encode(&mut station, &clerk, &ids[1], &mut lost, &mut |_| {}).expect("encode");
    ops::desk::encode(&mut station, &clerk, &ids[2], &mut recalled, &mut |_| {}).expect("encode");
    let old_qr = qrs[&ids[0]].clone();

    // A dead chip found by the clerk: spoiled, and both faces reported.
    let retired = ops::desk::spoil(&mut station, &clerk, &ids[0], "chip does not answer").expect("spoil");
    assert_eq!(
        (retired.print, retired.chip_uid.as_deref()),
        (Some(1), Some("04570000000001"))
    );
    assert!(refused_for_role(
        ops::supervisor::reprint(&mut station, &clerk, &ids[0], "chip dead").await
    ));
    let boss = sign_in(&mut station, BOSS).await;
    let reprinted = ops::supervisor::reprint(&mut station, &boss, &ids[0], "chip dead")
        .await
        .expect("reprint");
    assert_eq!((reprinted.old_version + 1, reprinted.new_version), (2, 2));
    assert_eq!(state(&station, &ids[0]), CardState::Approved);

    // A card reported lost after hand-over is voided by a supervisor.
    let other = sign_in(&mut station, OTHER_BOSS).await;
    ops::supervisor::release(
        &mut station,
        &other,
        &ids[1],
        PrintedQr::Text(qrs[&ids[1]].to_string()),
        &mut lost,
    )
    .expect("release");
    let clerk = sign_in(&mut station, CLERK).await;
    ops::desk::hand_over(
        &mut station,
        &clerk,
        &approved_hand_over(&ids[1..2], "王大同", "長榮海運", BOSS),
    )
    .expect("hand-over");
    assert!(refused_for_role(ops::supervisor::void(
        &mut station,
        &clerk,
        &ids[1],
        "reported lost"
    )));
    let boss = sign_in(&mut station, BOSS).await;
    ops::supervisor::void(&mut station, &boss, &ids[1], "reported lost").expect("void");

    // Central withdraws one pass whose card is made and one whose card is not.
    lab.admin.withdraw(&ids[2]).await.expect("withdraw");
    lab.admin.withdraw(&ids[3]).await.expect("withdraw");
    let report = station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert_eq!(
        report.items.voided_cards,
        [ids[2].clone()],
        "the clerk is told which card to take out"
    );
    assert_eq!(
        (state(&station, &ids[2]), state(&station, &ids[3])),
        (CardState::Voided, CardState::Withdrawn)
    );
    let clerk = sign_in(&mut station, CLERK).await;
    let mut blank = card(4);
    assert!(wrong_state(ops::desk::encode(
        &mut station,
        &clerk,
        &ids[3],
        &mut blank,
        &mut |_| {}
    )));

    // The sync sent the events and brought the hotlist back: every old card fails.
    station
        .sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("second sync");
    let item = station.store().item(&ids[1]).expect("read").expect("held").item;
    let at_gate = item.valid_from.with_hms(10, 0, 0).expect("time").assume_utc();
    for (name, chip, reason) in [
        // Its pass was reprinted, so its old version is revoked as replaced.
        ("spoiled", &mut spoilt, Revocation::Replaced),
        ("voided", &mut lost, Revocation::Voided),
        ("withdrawn", &mut recalled, Revocation::Withdrawn),
    ] {
        let reading = station.read_card(chip, at_gate, None).expect("read the chip");
        let outcome = reading.verdict.expect("one of ours").outcome;
        assert_eq!(outcome, Err(Reason::Revoked(reason)), "the {name} card");
    }
    let verifier = station.verifier().expect("verifier");
    for uid in ["04570000000001", "04570000000002", "04570000000003"] {
        let uid = hex::decode(uid).expect("hex");
        assert!(
            verifier.hotlist().card_revocation(&uid).is_some(),
            "{uid:02X?} is on the hotlist"
        );
    }
    let verdict = verifier.verify_qr(&old_qr, at_gate, None);
    assert_eq!(
        verdict.outcome,
        Err(Reason::Revoked(Revocation::Replaced)),
        "the reprinted pass's old print"
    );
    let clerk = sign_in(&mut station, CLERK).await;
    let new_qr = print_and_check(&lab, &mut station, &ids[..1], &clerk).await[&ids[0]].clone();
    let verdict = verifier.verify_qr(&new_qr, at_gate, None);
    assert_eq!(verdict.outcome, Ok(()), "the reprint's new credential");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_locks_freezes_times_out_delegates_and_works_offline() {
    let (mut lab, mut station, ids) = office().await;
    let clerk = sign_in(&mut station, CLERK).await;
    print_and_check(&lab, &mut station, &ids[..1], &clerk).await;

    // Wrong passwords lock the account at central, and the station says so.
    // The station has not seen this user before, so it cannot count their
    // tries or say until when central locked them.
    for attempt in 1..=5 {
        let result = station.sign_in(GATE, "Wrong-pass-1").await;
        let locked = matches!(result, Err(StationError::Auth(AuthError::Locked { until: None, .. })));
        let wrong = matches!(
            result,
            Err(StationError::Auth(AuthError::BadCredentials { tries_left: None }))
        );
        assert!(
            if attempt < 5 { wrong } else { locked },
            "attempt {attempt}: {result:?}"
        );
    }

    // Ninety days unused: frozen until the password is changed, to one that meets the rules.
    lab.admin
        .backdate_sign_in(OTHER_BOSS, OffsetDateTime::now_utc() - Duration::days(91))
        .await
        .expect("backdate");
    let frozen = station.sign_in(OTHER_BOSS, PASSWORD).await;
    assert!(
        matches!(frozen, Err(StationError::Auth(AuthError::Frozen { .. }))),
        "{frozen:?}"
    );
    let weak = station.change_password(OTHER_BOSS, PASSWORD, "password").await;
    assert!(
        matches!(weak, Err(StationError::Auth(AuthError::WeakPassword(_)))),
        "{weak:?}"
    );
    station
        .change_password(OTHER_BOSS, PASSWORD, "New-pass-2")
        .await
        .expect("change");
    station.sign_in(OTHER_BOSS, "New-pass-2").await.expect("unfrozen");

    // Delegation: from tomorrow, for two days; visible in the audit.
    let boss = sign_in(&mut station, BOSS).await;
    let today = pass_station::auth::office_day(OffsetDateTime::now_utc());
    let tomorrow = today.next_day().expect("a day");
    // The supervisor chooses among the others who signed in here, never themself.
    let known: Vec<String> = ops::supervisor::delegates(&mut station, &boss)
        .expect("the delegates")
        .into_iter()
        .map(|colleague| colleague.username)
        .collect();
    assert!(known.iter().any(|name| name == CLERK), "{known:?}");
    assert!(!known.iter().any(|name| name == BOSS), "{known:?}");
    let unknown = ops::supervisor::delegate(&mut station, &boss, "nobody-here", tomorrow, tomorrow);
    assert!(matches!(
        unknown,
        Err(StationError::Auth(AuthError::DelegateUnknown { .. }))
    ));
    ops::supervisor::delegate(
        &mut station,
        &boss,
        CLERK,
        tomorrow,
        tomorrow.next_day().expect("a day"),
    )
    .expect("delegate");
    let clerk = sign_in(&mut station, CLERK).await;
    assert!(refused_for_role(ops::supervisor::delegates(&mut station, &clerk)));
    assert!(refused_for_role(ops::supervisor::delegate(
        &mut station,
        &clerk,
        GATE,
        tomorrow,
        tomorrow
    )));
    assert!(
        refused_for_role(ops::supervisor::void(&mut station, &clerk, &ids[0], "wrong photo")),
        "not before the window"
    );
    station.pin_clock(OffsetDateTime::now_utc() + Duration::days(1));
    let clerk = sign_in(&mut station, CLERK).await;
    ops::supervisor::void(&mut station, &clerk, &ids[0], "wrong photo").expect("void under delegation");
    let voided = station.store().audit(Some(&ids[0]), None, None).expect("audit");
    let last = voided.last().expect("an entry");
    assert_eq!(
        (last.action.as_str(), last.detail["delegated_by"].as_str()),
        ("voided", Some(BOSS))
    );
    station.pin_clock(OffsetDateTime::now_utc() + Duration::days(3));
    let clerk = sign_in(&mut station, CLERK).await;
    assert!(refused_for_role(ops::supervisor::void(
        &mut station,
        &clerk,
        &ids[1],
        "after the window"
    )));

    // Used within the idle time, it stays open: each use starts the idle time again.
    let day = OffsetDateTime::now_utc() + Duration::days(3);
    for minutes in [14, 28] {
        station.pin_clock(day + Duration::minutes(minutes));
        station
            .resume_session(clerk.token())
            .unwrap_or_else(|e| panic!("used again after 14 minutes, at minute {minutes}: {e}"));
    }

    // Idle too long: signed out.
    station.pin_clock(day + Duration::minutes(28 + 16));
    let idle = station.resume_session(clerk.token());
    assert!(
        matches!(idle, Err(StationError::Auth(AuthError::SignedOut { .. }))),
        "{idle:?}"
    );

    // Offline: users who signed in here before get in; others do not; wrong
    // passwords lock here too; 90 days without a sign-in freeze the account.
    lab.stop_central();
    station.pin_clock(OffsetDateTime::now_utc());
    station.sign_in(BOSS, PASSWORD).await.expect("offline sign-in");
    let never = station.sign_in("never-here", PASSWORD).await;
    assert!(
        matches!(never, Err(StationError::Auth(AuthError::UnknownOffline { .. }))),
        "{never:?}"
    );
    // Offline, the station counts a known user's wrong passwords itself: it
    // says how many tries are left, then until when the account is locked.
    let mut lock_end = None;
    for attempt in 1..=5 {
        let result = station.sign_in(CLERK, "Wrong-pass-1").await;
        match result {
            Err(StationError::Auth(AuthError::BadCredentials { tries_left: Some(left) })) if attempt < 5 => {
                assert_eq!(left, 5 - attempt, "attempt {attempt}");
            }
            Err(StationError::Auth(AuthError::Locked { until: Some(until), .. })) if attempt == 5 => {
                lock_end = Some(until);
            }
            other => panic!("attempt {attempt}: {other:?}"),
        }
    }
    let lock_end = lock_end.expect("locked at the fifth");
    let until = OffsetDateTime::parse(&lock_end, &time::format_description::well_known::Rfc3339).expect("RFC 3339");
    let minutes = (until - OffsetDateTime::now_utc()).whole_minutes();
    assert!((14..=15).contains(&minutes), "locked for 15 minutes: {lock_end}");
    let still = station.sign_in(CLERK, PASSWORD).await;
    assert!(
        matches!(&still, Err(StationError::Auth(AuthError::Locked { until: Some(u), .. })) if *u == lock_end),
        "locked until the same moment: {still:?}"
    );
    station.pin_clock(OffsetDateTime::now_utc() + Duration::days(91));
    let frozen = station.sign_in(BOSS, PASSWORD).await;
    assert!(
        matches!(frozen, Err(StationError::Auth(AuthError::Frozen { .. }))),
        "{frozen:?}"
    );
    let trail = station.store().audit(None, None, None).expect("audit");
    assert!(trail.iter().any(|e| e.action == "locked_out" && e.actor == CLERK));
    assert_eq!(station.store().check_audit().expect("check").broken_at, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_passctl_command_checks_the_signed_in_users_role() {
    let (lab, _station, ids) = office().await;
    let passctl = |args: &[&str]| common::passctl(&lab, args);
    let id = ids[0].as_str();
    let folder = lab.path("out");
    let folder = folder.to_str().expect("UTF-8");
    // Each command, and a role that does not carry its duty.
    let refused: &[(&str, Role, &[&str])] = &[
        ("print", Role::GateOfficer, &["print", id, "--pdf", folder]),
        (
            "check-print",
            Role::GateOfficer,
            &["check-print", id, "--qr-text", "PP1:x"],
        ),
        ("encode", Role::GateOfficer, &["encode", id]),
        ("spoil", Role::GateOfficer, &["spoil", id, "--reason", "x"]),
        (
            "handover",
            Role::GateOfficer,
            &[
                "handover",
                id,
                "--to",
                "x",
                "--company",
                "x",
                "--id-number",
                "A123456789",
            ],
        ),
        ("pickups", Role::GateOfficer, &["pickups"]),
        ("release", Role::Clerk, &["release", id, "--qr-text", "PP1:x"]),
        ("refuse-release", Role::Clerk, &["refuse-release", id, "--reason", "x"]),
        ("void", Role::Clerk, &["void", id, "--reason", "x"]),
        ("reprint", Role::Clerk, &["reprint", id, "--reason", "x"]),
        (
            "delegate",
            Role::Clerk,
            &["delegate", "--to", "x", "--from", "2026-12-01", "--until", "2026-12-02"],
        ),
        ("delegate --list", Role::Clerk, &["delegate", "--list"]),
        ("chip-keys", Role::Supervisor, &["chip-keys", "generate"]),
        ("audit verify", Role::Clerk, &["audit", "verify"]),
        (
            "audit export",
            Role::Clerk,
            &[
                "audit",
                "export",
                "--from",
                "2026-12-01",
                "--to",
                "2026-12-01",
                "--csv",
                "x.csv",
            ],
        ),
        ("verify", Role::Admin, &["verify", "--qr-text", "PP1:x"]),
        ("read-card", Role::Admin, &["read-card"]),
        ("checks", Role::Admin, &["checks"]),
    ];
    for (name, role, args) in refused {
        let user = format!("only-{}", role.as_str());
        lab.login(&user, &[*role]).await;
        let output = passctl(args);
        assert_eq!(
            output.status.code(),
            Some(13),
            "{name} as {user}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("may not"),
            "{name}: says why"
        );
    }
    // Reading the queue and records needs only a sign-in, and nothing without one.
    for args in [&["queue"][..], &["show", id], &["outbox"], &["whoami"], &["sync"]] {
        let output = passctl(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(passctl(&["logout"]).status.success());
    for args in [
        &["queue"][..],
        &["show", id],
        &["sync"],
        &["print", id, "--pdf", folder],
    ] {
        assert_eq!(passctl(args).status.code(), Some(13), "{args:?} needs a sign-in");
    }
}

/// Every way a card leaves the office's work but hand-over revokes both its
/// faces: a gate of another office, offline, refuses the printed QR (read
/// from the printed PDF) and the chip of each, with the exit as its reason,
/// after one sync; before it, both faces were valid there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exit_but_hand_over_revokes_both_faces_at_an_offline_gate() {
    let (mut lab, mut station, ids) = office().await;
    let ids = &ids[..6];
    let clerk = sign_in(&mut station, CLERK).await;
    let qrs = print_and_check(&lab, &mut station, ids, &clerk).await;
    let mut chips: Vec<VirtualCard> = (0..ids.len()).map(|n| card(0x20 + n as u8)).collect();
    for (id, chip) in ids.iter().zip(&mut chips) {
        ops::desk::encode(&mut station, &clerk, id, chip, &mut |_| {}).expect("encode");
    }
    let boss = sign_in(&mut station, BOSS).await;
    ops::supervisor::release(
        &mut station,
        &boss,
        &ids[3],
        PrintedQr::Text(qrs[&ids[3]].to_string()),
        &mut chips[3],
    )
    .expect("release");

    // A gate at another office, holding none of these passes and, of this
    // office's chip keys, the read key alone: exported sealed, imported there.
    let gate_home = pass_station::StationHome::new(lab.path("gate-station"));
    let code = lab.admin.enrolment_code("TWKHH").await.expect("an enrolment code");
    let fingerprint = lab.admin.root_fingerprint().await.expect("the published fingerprint");
    gate_home
        .enroll(&lab.url(), &code, "Kaohsiung gate", &fingerprint)
        .await
        .expect("enrolment");
    let sealed = lab.path("gate.keys");
    lab.home
        .export_chip_keys(KeySet::Gate, "harbour lights at dawn", &sealed)
        .expect("the gate set sealed");
    let set = gate_home
        .import_chip_keys(&sealed, "TWKHH", "harbour lights at dawn")
        .expect("the gate set imported");
    assert_eq!(set, KeySet::Gate);
    let cannot_write = gate_home.chip_keys().expect_err("a gate holds no master key");
    assert!(
        cannot_write.to_string().contains("only the gate's read key"),
        "{cannot_write}"
    );
    let mut gate = Station::open(gate_home).expect("the gate station");
    let at_gate = |station: &Station, id: &str| {
        let item = station.store().item(id).expect("read").expect("held").item;
        item.valid_from.with_hms(10, 0, 0).expect("time").assume_utc()
    };
    let faces = |gate: &Station,
                 station: &Station,
                 chips: &mut [VirtualCard]|
     -> Vec<(Result<(), Reason>, Result<(), Reason>)> {
        let verifier = gate.verifier().expect("verifier");
        ids.iter()
            .zip(chips.iter_mut())
            .map(|(id, chip)| {
                let now = at_gate(station, id);
                let qr = gate.verify_qr(&verifier, &qrs[id], now, None).expect("verdict").outcome;
                let reading = gate.read_card_at_gate(chip, &verifier, now, None).expect("read");
                (qr, reading.verdict.expect("one of ours").outcome)
            })
            .collect()
    };
    gate.sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("the gate syncs");
    for (id, (qr, chip)) in ids.iter().zip(faces(&gate, &station, &mut chips)) {
        assert_eq!((qr, chip), (Ok(()), Ok(())), "{id} before it left the work");
    }

    // Each exit: spoiled, voided, withdrawn, uncollected, release refused, replaced by a reprint.
    let clerk = sign_in(&mut station, CLERK).await;
    ops::desk::spoil(&mut station, &clerk, &ids[0], "QR smudged").expect("spoil");
    let boss = sign_in(&mut station, BOSS).await;
    ops::supervisor::void(&mut station, &boss, &ids[1], "company closed").expect("void");
    ops::supervisor::refuse_release(&mut station, &boss, &ids[4], "seal check failed").expect("refused");
    ops::supervisor::reprint(&mut station, &boss, &ids[5], "name misspelt")
        .await
        .expect("reprint");
    lab.admin.withdraw(&ids[2]).await.expect("withdraw");
    station.pin_clock(OffsetDateTime::now_utc() + Duration::days(31));
    let clerk = sign_in(&mut station, CLERK).await;
    ops::desk::pickups(&mut station, &clerk).expect("pick-ups");
    assert_eq!(state(&station, &ids[3]), CardState::Uncollected);
    station
        .sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("the station reports");
    assert_eq!(state(&station, &ids[2]), CardState::Voided);
    station
        .sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("the station reports again");

    gate.sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("one hotlist refresh");
    lab.stop_central();
    let expected = [
        Revocation::Spoiled,
        Revocation::Voided,
        Revocation::Withdrawn,
        Revocation::Uncollected,
        Revocation::Spoiled,
        Revocation::Replaced,
    ];
    for ((id, why), (qr, chip)) in ids.iter().zip(expected).zip(faces(&gate, &station, &mut chips)) {
        assert_eq!(qr, Err(Reason::Revoked(why)), "{id}'s printed QR");
        assert_eq!(chip, Err(Reason::Revoked(why)), "{id}'s chip");
    }
}

/// Central's feed carries a hand-over made at one desk to the office's other
/// stations: a gate station of the office refuses the card as never handed
/// over until it syncs, then lets both its faces through. With the gate's
/// key set only, that station reads chips and cannot write one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_over_at_one_desk_reaches_the_offices_gate_after_a_sync() {
    let (lab, mut desk, ids) = office().await;
    let clerk = sign_in(&mut desk, CLERK).await;
    let qrs = print_and_check(&lab, &mut desk, &ids[..1], &clerk).await;
    let mut chip = card(0x40);
    ops::desk::encode(&mut desk, &clerk, &ids[0], &mut chip, &mut |_| {}).expect("encode");
    let boss = sign_in(&mut desk, BOSS).await;
    let seal = PrintedQr::Text(qrs[&ids[0]].clone());
    ops::supervisor::release(&mut desk, &boss, &ids[0], seal, &mut chip).expect("release");
    let clerk = sign_in(&mut desk, CLERK).await;
    let to = approved_hand_over(&ids[..1], "林志明", "長榮海運", BOSS);
    ops::desk::hand_over(&mut desk, &clerk, &to).expect("hand-over");

    // The office's gate: another station of the office, with the gate's key set.
    let gate_home = pass_station::StationHome::new(lab.path("office-gate"));
    let code = lab.admin.enrolment_code(OFFICE).await.expect("an enrolment code");
    let fingerprint = lab.admin.root_fingerprint().await.expect("the published fingerprint");
    gate_home
        .enroll(&lab.url(), &code, "Keelung gate", &fingerprint)
        .await
        .expect("enrolment");
    let sealed = lab.path("gate.keys");
    lab.home
        .export_chip_keys(KeySet::Gate, "harbour lights at dawn", &sealed)
        .expect("sealed");
    gate_home
        .import_chip_keys(&sealed, OFFICE, "harbour lights at dawn")
        .expect("imported");
    let mut gate = Station::open(gate_home).expect("the gate station");
    gate.sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("the gate syncs");
    let at_gate = {
        let item = gate.store().item(&ids[0]).expect("read").expect("held").item;
        item.valid_from.with_hms(10, 0, 0).expect("time").assume_utc()
    };
    let faces = |gate: &Station, chip: &mut VirtualCard| {
        let verifier = gate.verifier().expect("verifier");
        let qr = gate
            .verify_qr(&verifier, &qrs[&ids[0]], at_gate, Some(OFFICE))
            .expect("verdict");
        let reading = gate
            .read_card_at_gate(chip, &verifier, at_gate, Some(OFFICE))
            .expect("read");
        (qr.outcome, reading.verdict.expect("a genuine card").outcome)
    };
    let not_yet = Err(Reason::NotHandedOver {
        state: "approved".to_owned(),
    });
    assert_eq!(
        faces(&gate, &mut chip),
        (not_yet.clone(), not_yet),
        "before the desk reports the hand-over, the gate's records know no card of the pass"
    );

    desk.sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("the desk reports");
    gate.sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("the gate syncs again");
    assert_eq!(state(&gate, &ids[0]), CardState::HandedOver);
    assert_eq!(faces(&gate, &mut chip), (Ok(()), Ok(())), "the card handed over passes");

    // The gate's keys read cards; they write none.
    lab.add_user("gate-clerk", &[Role::Clerk]).await;
    let gate_clerk = gate.sign_in("gate-clerk", PASSWORD).await.expect("sign-in");
    let refused = ops::desk::encode(&mut gate, &gate_clerk, &ids[1], &mut card(0x41), &mut |_| {});
    assert!(
        matches!(&refused, Err(StationError::Config { detail, .. }) if detail.contains("only the gate's read key")),
        "{refused:?}"
    );
}
