//! `kill -9` of every issuing step, at random instants, across the whole
//! pipeline: `passctl print`, `check-print`, `encode` (through a real pcscd
//! with our virtual card), `release` and `handover`, for several passes.
//! After each kill the station restarts and the cache must agree with
//! itself: each card's state is the one its last audit entry says, every
//! audit entry has its one outbox event, the chain is intact, and no pass has
//! two chips. At the end central must hold every event exactly once.

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{Lab, cached_pass_ids, crash_rng, integrity, login, quick_sync};
use pass_central::identity::IdDocument;
use pass_station::model::{CardState, Role};
use pass_station::store::OutboxFilter;
use pass_vcard::lab::{Pcscd, card_inserted, card_removed, present, wait_for};
use pass_vcard::{CardMemory, Cipher, VirtualCard};

const PASSES: usize = 4;
/// How many runs of a step are killed, at most, before one runs to its end.
const KILLS_PER_STEP: usize = 3;
const CLERK: &str = "crash-clerk";
const BOSS: &str = "crash-boss";

/// The state a card is in after a step named `action` in the audit trail.
fn state_after(action: &str) -> CardState {
    match action {
        "printed" => CardState::Printed,
        "print_verified" => CardState::PrintVerified,
        "encoded" => CardState::Encoded,
        "released" => CardState::Released,
        "handed_over" => CardState::HandedOver,
        other => panic!("no step {other} in this pipeline"),
    }
}

fn passctl(lab: &Lab, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passctl"));
    command.arg("--home").arg(lab.home.dir()).args(args);
    command
}

fn run(lab: &Lab, args: &[&str]) -> Output {
    passctl(lab, args).output().expect("passctl runs")
}

/// Checks that the cache agrees with itself after a crash.
fn check_consistency(lab: &Lab, ids: &[String], seed: u64) {
    assert_eq!(integrity(&lab.home.db_path()), "ok", "seed {seed}");
    let station = lab.station();
    let store = station.store();
    assert_eq!(store.check_audit().expect("check").broken_at, None, "seed {seed}");
    let outbox = store.outbox(OutboxFilter::All, 100_000).expect("outbox");
    for pass_id in ids {
        let trail = store.audit(Some(pass_id), None, None).expect("audit");
        let expected = trail.last().map_or(CardState::Approved, |e| state_after(&e.action));
        let held = store.item(pass_id).expect("read").expect("held").state;
        assert_eq!(held, expected, "{pass_id}: state and audit trail agree (seed {seed})");
        for entry in &trail {
            let events = outbox
                .iter()
                .filter(|e| e.payload["audit_seq"].as_i64() == Some(entry.seq))
                .count();
            assert_eq!(events, 1, "audit entry {} has its one event (seed {seed})", entry.seq);
        }
        let encodes = trail.iter().filter(|e| e.action == "encoded").count();
        assert!(encodes <= 1, "{pass_id} encoded {encodes} times (seed {seed})");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_inside_and_between_every_step_loses_and_doubles_nothing() {
    // Vehicles come among the generated passes; the first PASSES people are followed.
    let lab = Lab::start(PASSES as u32 * 3, true).await;
    lab.add_user(CLERK, &[Role::Clerk]).await;
    lab.add_user(BOSS, &[Role::Supervisor]).await;
    lab.login("crash-admin", &[Role::Admin]).await;
    assert!(run(&lab, &["chip-keys", "generate"]).status.success());
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    // Each card goes to its holder, who shows their own ID document.
    let mut holders = Vec::new();
    for pass_id in cached_pass_ids(&station) {
        if holders.len() == PASSES {
            break;
        }
        if let Ok(document) = lab.admin.holder_document(&pass_id).await {
            let name = station
                .item(&pass_id)
                .expect("held")
                .item
                .holder
                .display_name()
                .to_owned();
            let (flag, number) = match document {
                IdDocument::NationalId { number } => ("--id-number", number),
                IdDocument::ResidentCertificate { number } => ("--resident-certificate", number),
                IdDocument::Passport { .. } => panic!("central-sim generates no passport holders"),
            };
            holders.push((pass_id, name, flag, number));
        }
    }
    assert_eq!(holders.len(), PASSES, "enough people among the generated passes");
    let ids: Vec<String> = holders.iter().map(|(pass_id, ..)| pass_id.clone()).collect();
    drop(station);
    let (seed, mut rng) = crash_rng();

    let _pcscd = Pcscd::start();
    let readers = pass_reader::pcsc_reader::Readers::connect().expect("pcscd answers");
    let watcher = readers.watch().expect("watch readers");
    let folder = lab.path("printed");
    std::fs::create_dir_all(&folder).expect("printer folder");
    let folder_arg = folder.to_str().expect("UTF-8").to_owned();
    let (mut kills, mut runs) = (0, 0);

    for (n, (pass_id, holder, id_flag, id_number)) in holders.iter().enumerate() {
        let uid = [0x04, 0xC0, 0, 0, 0, 0, n as u8 + 1];
        let presented = present(VirtualCard::new(CardMemory::blank(uid, Cipher::Aes)));
        wait_for(watcher.events(), "a blank card", card_inserted);
        let picture = lab.path(&format!("{pass_id}-back.png"));
        let picture_arg = picture.to_str().expect("UTF-8").to_owned();
        let steps: [(&str, CardState, Vec<&str>); 5] = [
            (CLERK, CardState::Printed, vec!["print", pass_id, "--pdf", &folder_arg]),
            (
                CLERK,
                CardState::PrintVerified,
                vec!["check-print", pass_id, "--image", &picture_arg],
            ),
            (CLERK, CardState::Encoded, vec!["encode", pass_id]),
            (
                BOSS,
                CardState::Released,
                vec!["release", pass_id, "--image", &picture_arg],
            ),
            (
                CLERK,
                CardState::HandedOver,
                vec![
                    "handover",
                    pass_id,
                    "--to",
                    holder,
                    "--company",
                    "長榮",
                    id_flag,
                    id_number,
                ],
            ),
        ];
        for (user, reaches, args) in &steps {
            login(lab.home.dir(), user);
            if *reaches == CardState::PrintVerified {
                // The webcam's picture of the printed card's back.
                let pdf = std::fs::read(folder.join(format!("pass-{pass_id}-v1.pdf"))).expect("the printed card");
                let pages = pass_printer::rasterise(&pdf, pass_printer::PRINT_DPI).expect("rasterise");
                std::fs::write(&picture, &pages[1]).expect("the picture");
            }
            // Killed at a random instant, as often as it takes to land one
            // inside the step; then run to its end.
            for attempt in 0.. {
                let state = lab.station().store().item(pass_id).expect("read").expect("held").state;
                if state == *reaches {
                    break;
                }
                assert!(attempt < 20, "{pass_id} never reached {reaches} (seed {seed})");
                runs += 1;
                let mut child = passctl(&lab, args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("passctl starts");
                if attempt < KILLS_PER_STEP {
                    tokio::time::sleep(Duration::from_millis(rng.u64(0..150))).await;
                    if child.try_wait().expect("poll").is_none() {
                        child.kill().expect("SIGKILL");
                        kills += 1;
                    }
                }
                let output = child.wait_with_output().expect("reap passctl");
                if attempt >= KILLS_PER_STEP {
                    assert!(
                        output.status.success(),
                        "{args:?} after the crashes (seed {seed}): {}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
                check_consistency(&lab, &ids, seed);
            }
        }
        presented.remove();
        wait_for(watcher.events(), "the card leaving", card_removed);
    }
    assert!(
        kills >= PASSES * 3,
        "only {kills} of {runs} runs were killed (seed {seed})"
    );

    // Everything reaches central, each event once.
    login(lab.home.dir(), CLERK);
    let sync = run(&lab, &["sync"]);
    assert!(sync.status.success(), "{}", String::from_utf8_lossy(&sync.stderr));
    let station = lab.station();
    let outbox = station.store().outbox(OutboxFilter::All, 100_000).expect("outbox");
    assert!(
        outbox.iter().all(|e| e.outcome.is_some()),
        "every event answered (seed {seed})"
    );
    let mut central: BTreeMap<String, u32> = BTreeMap::new();
    for event in lab.admin.events().await.expect("central's events") {
        *central.entry(event.idempotency_key).or_default() += 1;
    }
    for event in &outbox {
        assert_eq!(
            central.get(&event.idempotency_key),
            Some(&1),
            "{} once at central",
            event.kind
        );
    }
    for pass_id in &ids {
        assert_eq!(
            station.store().item(pass_id).expect("read").expect("held").state,
            CardState::HandedOver
        );
    }
}
