//! The audit trail cannot be cut short unseen: a sync sends its head, signed
//! with the station key, central acknowledges it, and `passctl audit verify`
//! then finds the trail's last rows deleted; central refuses the shorter head
//! the station sends next.

mod common;

use std::process::Output;

use common::{Lab, login, quick_sync};
use pass_station::model::Role;
use pass_station::store::{OutboxFilter, rfc3339};

const AUDITOR: &str = "auditor";

fn passctl(lab: &Lab, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_passctl"))
        .arg("--home")
        .arg(lab.home.dir())
        .args(args)
        .output()
        .expect("passctl runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trail_cut_after_central_acknowledged_its_head_is_found() {
    let lab = Lab::start(3, true).await;
    lab.add_user(AUDITOR, &[Role::Supervisor]).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let ids = common::cached_pass_ids(&station);
    // A few steps: a clerk signs in and prints two cards, each with its audit entry.
    for pass_id in &ids[..2] {
        lab.print_card(&mut station, pass_id).await;
    }
    let steps = station.store().audit(None, None, None).expect("the trail");
    let last = steps.last().expect("entries").clone();
    assert!(last.seq >= 3, "{steps:?}");

    // The sync sends the head; central acknowledges it.
    let report = station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert_eq!(report.events.rejected, 0, "{report:?}");
    let acknowledged = station
        .store()
        .acknowledged_audit_head()
        .expect("read")
        .expect("central acknowledged the head");
    assert_eq!((acknowledged.seq, &acknowledged.hash), (last.seq, &last.hash));
    let heads: Vec<_> = lab
        .admin
        .events()
        .await
        .expect("central's events")
        .into_iter()
        .filter(|e| e.kind == "audit_head")
        .collect();
    let head = heads.last().expect("central holds the head");
    assert_eq!(
        (head.payload["seq"].as_i64(), head.payload["hash"].as_str()),
        (Some(last.seq), Some(last.hash.as_str()))
    );

    login(lab.home.dir(), AUDITOR);
    let intact = passctl(&lab, &["audit", "verify"]);
    assert!(intact.status.success(), "{}", text(&intact.stderr));
    assert!(
        text(&intact.stdout).contains(&format!("central acknowledged it up to entry {}", last.seq)),
        "{}",
        text(&intact.stdout)
    );

    // Someone deletes the trail's last rows: what is left still chains.
    let cut_after = last.seq - 2;
    let conn = rusqlite::Connection::open(lab.home.db_path()).expect("the cache");
    let deleted = conn
        .execute("DELETE FROM audit WHERE seq > ?1", [cut_after])
        .expect("rows deleted");
    assert!(deleted >= 2);
    drop(conn);

    let cut = passctl(&lab, &["audit", "verify"]);
    let said = text(&cut.stdout);
    assert_eq!(cut.status.code(), Some(10), "{said}{}", text(&cut.stderr));
    assert!(said.contains(&format!("cut after entry {cut_after}")), "{said}");
    assert!(
        said.contains(&format!(
            "central acknowledged it up to entry {} at {}",
            acknowledged.seq,
            rfc3339(acknowledged.at)
        )),
        "{said}"
    );

    // The next sync sends the shorter head, and central refuses it.
    let sync = passctl(&lab, &["sync"]);
    assert!(sync.status.success(), "{}", text(&sync.stderr));
    let station = lab.station();
    let rejected = station.store().outbox(OutboxFilter::Rejected, 10).expect("outbox");
    let head = rejected
        .iter()
        .find(|e| e.kind == "audit_head")
        .expect("the shorter head is refused");
    let reason = head.outcome_reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains(&format!("goes back from entry {}", last.seq)),
        "{reason}"
    );
    assert_eq!(
        station.store().acknowledged_audit_head().expect("read"),
        Some(acknowledged),
        "a refused head is not acknowledged"
    );
}
