//! `kill -9` of `passctl sync` at random points, many times, against a real
//! `central-sim`: the cache file must never be damaged, no item stored twice or
//! lost, no outbox event lost, and central must record each event once.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Lab, OFFICE, cached_pass_ids, crash_rng, integrity, item_receipts};
use pass_central::sim::{Fault, FaultKind};
use pass_station::model::Role;
use pass_station::store::OutboxFilter;

const ROUNDS: usize = 30;

fn passctl_sync(lab: &Lab) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passctl"));
    command
        .args(["--home"])
        .arg(lab.home.dir())
        .args(["sync", "--page-size", "50"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_points_never_corrupts_or_loses_anything() {
    let lab = Lab::start(1000, true).await;
    lab.login("lab-clerk", &[Role::Clerk]).await;
    // A little latency on every call so that kills land inside page reads,
    // photo fetches and event sends, not only between them.
    let slow = Fault {
        kind: FaultKind::Latency,
        path_prefix: "/v1/".into(),
        skip: 0,
        times: u32::MAX,
        latency_ms: Some(3),
    };
    lab.admin.arm_fault(&slow).await.expect("arm latency");

    let (seed, mut rng) = crash_rng();
    let mut expected_items = 1000;
    let mut kills = 0;
    for round in 0..ROUNDS {
        // Keep central changing, so there is always work to be interrupted.
        if round % 3 == 0 {
            expected_items += lab.admin.generate(15, OFFICE).await.expect("generate").len();
            lab.admin.edit_many(10, OFFICE).await.expect("edit");
        }
        let mut child = passctl_sync(&lab).spawn().expect("passctl starts");
        tokio::time::sleep(Duration::from_millis(rng.u64(10..900))).await;
        if child.try_wait().expect("poll passctl").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        child.wait().expect("reap passctl");
        assert_eq!(integrity(&lab.home.db_path()), "ok", "round {round}, seed {seed}");
    }
    assert!(
        kills >= ROUNDS / 3,
        "only {kills} of {ROUNDS} runs were killed mid-sync (seed {seed})"
    );

    lab.admin.clear_faults().await.expect("clear faults");
    let status = passctl_sync(&lab).status().expect("final sync");
    assert!(status.success(), "the sync after the crashes completes: {status}");

    let station = lab.station();
    assert_eq!(
        cached_pass_ids(&station).len(),
        expected_items,
        "every item once (seed {seed})"
    );
    assert!(
        station.store().missing_photos().expect("photos").is_empty(),
        "every photo fetched"
    );
    assert!(
        station
            .store()
            .outbox(OutboxFilter::Unsent, 1)
            .expect("outbox")
            .is_empty(),
        "every event sent"
    );

    // Central holds exactly one receipt per item version the station stored,
    // including the latest version of every item.
    let receipts = item_receipts(&lab.admin.events().await.expect("events"));
    let doubled: Vec<_> = receipts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        doubled.is_empty(),
        "item versions reported twice: {doubled:?} (seed {seed})"
    );
    for pass_id in cached_pass_ids(&station) {
        let record = station.store().item(&pass_id).expect("read").expect("present");
        let key = (pass_id, u64::from(record.item.version));
        assert!(
            receipts.contains_key(&key),
            "central never heard of {key:?} (seed {seed})"
        );
    }
}
