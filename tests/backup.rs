//! Backing a station up and restoring it onto a new home, with the real
//! parts: `passctl` processes, central-sim on loopback, SQLite files. A
//! backup taken while a sync runs restores into the same station with a
//! whole audit trail; its outbox goes out again with nothing recorded twice
//! at central; central learns of the restore and `audit verify` tells the
//! entries lost with the old PC. A restore refuses an enrolled home, a wrong
//! passphrase and a damaged file; a backup killed at any instant leaves a
//! whole archive at its path or none.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Lab, cached_pass_ids, crash_rng, integrity, item_receipts, login, quick_sync};
use pass_central::sim::{Fault, FaultKind};
use pass_station::model::Role;
use pass_station::store::OutboxFilter;
use pass_station::{Station, StationHome};

const PASSPHRASE: &str = "harbour lights at dawn";
const ADMIN: &str = "lab-admin";

/// `passctl --home HOME ARGS` with `passphrase` on its standard input.
fn passctl_with_passphrase(home: &Path, args: &[&str], passphrase: &str) -> Output {
    spawn_with_passphrase(home, args, passphrase)
        .wait_with_output()
        .expect("passctl ends")
}

fn spawn_with_passphrase(home: &Path, args: &[&str], passphrase: &str) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passctl"));
    command.arg("--home").arg(home).args(args);
    let (stdin, stdout, stderr) = (Stdio::piped(), Stdio::piped(), Stdio::piped());
    let mut child = command
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("passctl runs");
    let mut input = child.stdin.take().expect("stdin");
    writeln!(input, "{passphrase}").expect("passphrase sent");
    child
}

fn create(home: &Path, to: &Path) -> Output {
    let to = to.to_str().expect("UTF-8 path");
    passctl_with_passphrase(
        home,
        &["backup", "create", "--to", to, "--passphrase-stdin"],
        PASSPHRASE,
    )
}

fn restore(home: &Path, from: &Path, passphrase: &str) -> Output {
    let from = from.to_str().expect("UTF-8 path");
    passctl_with_passphrase(
        home,
        &["backup", "restore", "--from", from, "--passphrase-stdin", "--json"],
        passphrase,
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn passctl(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_passctl"))
        .arg("--home")
        .arg(home)
        .args(args)
        .output()
        .expect("passctl runs")
}

/// Each queued pass and its card's state.
fn queue(station: &Station) -> BTreeMap<String, String> {
    let all = pass_station::store::QueueQuery {
        states: pass_station::model::CardState::ALL.to_vec(),
        limit: 1_000_000,
        ..Default::default()
    };
    station
        .store()
        .queue(&all)
        .expect("queue")
        .into_iter()
        .map(|row| (row.pass_id, format!("{:?}", row.state)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_sync_restores_the_station_and_sends_nothing_twice() {
    let lab = Lab::start(600, false).await;
    lab.login(ADMIN, &[Role::Admin]).await;
    // A slow central, so the backup lands inside the sync.
    let slow = Fault {
        kind: FaultKind::Latency,
        path_prefix: "/v1/".into(),
        skip: 0,
        times: u32::MAX,
        latency_ms: Some(150),
    };
    lab.admin.arm_fault(&slow).await.expect("arm latency");
    let sync = Command::new(env!("CARGO_BIN_EXE_passctl"))
        .arg("--home")
        .arg(lab.home.dir())
        .args(["sync", "--page-size", "50"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("passctl sync starts");
    // The backup starts once the sync has stored its first pages.
    let started = Instant::now();
    while cached_pass_ids(&lab.station()).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "the sync stores no page");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let archive = lab.path("during-sync.ppbackup");
    let made = create(lab.home.dir(), &archive);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let synced = sync.wait_with_output().expect("the sync ends");
    assert!(synced.status.success(), "{}", text(&synced.stderr));
    lab.admin.clear_faults().await.expect("clear faults");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&archive).expect("written").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the backup is its owner's only");
    let sealed = std::fs::read(&archive).expect("read");
    let key = std::fs::read_to_string(lab.home.dir().join("station.key")).expect("key");
    assert!(
        !sealed.windows(key.trim().len()).any(|w| w == key.trim().as_bytes()),
        "the station key is not in the clear"
    );

    // After the backup the old PC goes on: it prints a card (audit entries,
    // events) and sends it all; central acknowledges a head past the backup.
    let mut old = lab.station();
    let (pass_id, _) = queue(&old).into_iter().next().expect("an item");
    lab.print_card(&mut old, &pass_id).await;
    old.sync(&quick_sync(200, 2), &mut |_| {})
        .await
        .expect("the old station syncs");
    let old_head = old
        .store()
        .acknowledged_audit_head()
        .expect("read")
        .expect("acknowledged");
    let old_queue = queue(&old);
    drop(old);

    // The PC dies. Restore into a new home on another PC.
    let new_home = lab.path("new-pc/station");
    let restored = restore(&new_home, &archive, PASSPHRASE);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    let report: serde_json::Value = serde_json::from_slice(&restored.stdout).expect("JSON");
    let backup_seq = report["note"]["backup_seq"].as_i64().expect("backup_seq");
    assert!(backup_seq < old_head.seq, "the old PC went on past the backup");
    assert_eq!(integrity(&new_home.join("station.db")), "ok");
    let mode = std::fs::metadata(&new_home).expect("there").permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the restored home is its owner's only");
    for file in ["station.json", "station.key", "signer.key", "station.db"] {
        let mode = std::fs::metadata(new_home.join(file)).expect(file).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}");
    }
    let mut station = Station::open(StationHome::new(&new_home)).expect("the restored station opens");
    let at_backup = cached_pass_ids(&station).len();
    assert!(
        at_backup > 0 && at_backup < 600,
        "the backup was taken while the sync ran ({at_backup} items held)"
    );
    assert_eq!(station.config(), lab.station().config(), "the same station");
    let check = station.store().check_audit().expect("check");
    assert_eq!(check.broken_at, None, "the restored chain is whole");
    let unsent = station.store().outbox(OutboxFilter::Unsent, 10_000).expect("outbox");
    assert!(
        unsent.iter().any(|e| e.kind == "station_restored"),
        "the outbox was kept, with the restore's event for central"
    );

    // The restored station syncs: its outbox goes out, central records each
    // event once, learns of the restore, and the station ends with the same
    // queue as the old one had (but for the print lost with the old PC).
    let before = lab.admin.events().await.expect("central's events");
    let stats_before = lab.admin.stats().await.expect("stats");
    station
        .sync(&quick_sync(200, 2), &mut |_| {})
        .await
        .expect("the restored station syncs");
    assert!(
        station
            .store()
            .outbox(OutboxFilter::Rejected, 100)
            .expect("rejected")
            .is_empty(),
        "central refused nothing: {:?}",
        station.store().outbox(OutboxFilter::Rejected, 100)
    );
    let events = lab.admin.events().await.expect("central's events");
    let mut keys: Vec<&str> = events.iter().map(|e| e.idempotency_key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), events.len(), "each event recorded once");
    let resent = events.iter().filter(|e| e.times_received > 1).count();
    assert!(
        resent > 0,
        "the restored outbox sent events the old PC had sent already"
    );
    // Receipts the restored station sends again name only items central
    // already knew it had.
    assert_eq!(
        item_receipts(&events).len(),
        item_receipts(&before).len(),
        "no item version new to central"
    );
    assert_eq!(
        lab.admin.stats().await.expect("stats").item_receipts,
        stats_before.item_receipts,
        "central records each item received once"
    );
    let restores: Vec<_> = events.iter().filter(|e| e.kind == "station_restored").collect();
    assert_eq!(restores.len(), 1, "central learnt of the restore");
    assert_eq!(restores[0].payload["backup_head"]["seq"].as_i64(), Some(backup_seq));
    // The card the old PC printed after the backup comes back too: central's
    // feed carries each card in work with the desk that holds it.
    assert_eq!(old_queue.get(&pass_id).map(String::as_str), Some("Printed"));
    assert_eq!(queue(&station), old_queue, "the same queue as the old station's");
    assert_eq!(cached_pass_ids(&station).len(), 600);

    // `audit verify` tells the restore and what was lost, not a cut trail.
    login(&new_home, ADMIN);
    let verify = passctl(&new_home, &["audit", "verify"]);
    let said = text(&verify.stdout);
    assert!(verify.status.success(), "{said}{}", text(&verify.stderr));
    let lost = old_head.seq - backup_seq;
    assert!(said.contains("restored at"), "{said}");
    assert!(
        said.contains(&format!("{lost} entries after it were lost with the old station")),
        "{said}"
    );
    // The restore excuses nothing else: a trail cut below the head central
    // acknowledged after the restore (its own entry) is found.
    let acknowledged = station
        .store()
        .acknowledged_audit_head()
        .expect("read")
        .expect("acknowledged");
    let db = rusqlite::Connection::open(new_home.join("station.db")).expect("open");
    let removed = db
        .execute("DELETE FROM audit WHERE seq >= ?1", [acknowledged.seq])
        .expect("cut");
    assert!(removed > 0);
    drop(db);
    let cut = passctl(&new_home, &["audit", "verify"]);
    assert_eq!(cut.status.code(), Some(10), "{}", text(&cut.stdout));
    assert!(text(&cut.stdout).contains("BROKEN"), "{}", text(&cut.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_refuses_an_enrolled_home_a_wrong_passphrase_and_a_damaged_file() {
    let lab = Lab::start(50, false).await;
    lab.login(ADMIN, &[Role::Admin]).await;
    let archive = lab.path("station.ppbackup");
    let made = create(lab.home.dir(), &archive);
    assert!(made.status.success(), "{}", text(&made.stderr));

    let over = restore(lab.home.dir(), &archive, PASSPHRASE);
    assert_eq!(over.status.code(), Some(3), "{}", text(&over.stderr));
    assert!(
        text(&over.stderr).contains("never over a station"),
        "{}",
        text(&over.stderr)
    );

    let target = lab.path("new-pc");
    let wrong = restore(&target, &archive, "harbour lights at dusk");
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong.stderr));
    assert!(
        text(&wrong.stderr).contains("wrong passphrase"),
        "{}",
        text(&wrong.stderr)
    );
    assert!(!target.exists(), "a refused restore leaves nothing");

    let bytes = std::fs::read(&archive).expect("read");
    let truncated = lab.path("truncated.ppbackup");
    std::fs::write(&truncated, &bytes[..bytes.len() - 1000]).expect("write");
    let cut = restore(&target, &truncated, PASSPHRASE);
    assert_eq!(cut.status.code(), Some(1), "{}", text(&cut.stderr));
    assert!(text(&cut.stderr).contains("cut short"), "{}", text(&cut.stderr));

    let mut altered = bytes.clone();
    let at = altered.len() - 500;
    altered[at] ^= 0x40;
    let tampered = lab.path("tampered.ppbackup");
    std::fs::write(&tampered, &altered).expect("write");
    let refused = restore(&target, &tampered, PASSPHRASE);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("altered"), "{}", text(&refused.stderr));
    assert!(!target.exists(), "a refused restore leaves nothing");
    let leftovers: Vec<_> = std::fs::read_dir(lab.dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("restoring"))
        .collect();
    assert!(leftovers.is_empty(), "no half-restored folder is left");

    // Only an administrator backs up.
    lab.login("lab-clerk", &[Role::Clerk]).await;
    let clerk = create(lab.home.dir(), &lab.path("clerk.ppbackup"));
    assert_eq!(clerk.status.code(), Some(13), "{}", text(&clerk.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_killed_at_any_instant_leaves_a_whole_archive_or_none() {
    // Holders' photos make the cache large enough for kills to land while the archive is written.
    let lab = Lab::start(300, true).await;
    lab.login(ADMIN, &[Role::Admin]).await;
    lab.station()
        .sync(&quick_sync(200, 2), &mut |_| {})
        .await
        .expect("the station syncs");
    let archive = lab.path("killed.ppbackup");
    let timed = Instant::now();
    assert!(create(lab.home.dir(), &archive).status.success());
    let whole = timed.elapsed();
    std::fs::remove_file(&archive).expect("remove");

    let (seed, mut rng) = crash_rng();
    let (mut killed, mut kept, mut partials) = (0, 0, 0);
    for run in 0..8 {
        let to = archive.to_str().expect("UTF-8");
        let mut child = spawn_with_passphrase(
            lab.home.dir(),
            &["backup", "create", "--to", to, "--passphrase-stdin"],
            PASSPHRASE,
        );
        let partial = lab.path(".killed.ppbackup.partial");
        // Half the runs at a random instant; half as soon as the archive is being written.
        let at = if run % 2 == 0 {
            let at = rng.u64(0..whole.as_millis() as u64 + 50);
            tokio::time::sleep(Duration::from_millis(at)).await;
            at
        } else {
            let start = Instant::now();
            while !partial.exists() && start.elapsed() < whole * 3 {
                std::thread::sleep(Duration::from_micros(200));
            }
            start.elapsed().as_millis() as u64
        };
        if child.try_wait().expect("poll").is_none() {
            child.kill().expect("SIGKILL");
            killed += 1;
        }
        child.wait().expect("reap");
        let home = lab.path(&format!("restored-{run}"));
        if archive.exists() {
            let restored = restore(&home, &archive, PASSPHRASE);
            assert!(
                restored.status.success(),
                "run {run} (seed {seed}, {at} ms): the archive at the path restores: {}",
                text(&restored.stderr)
            );
            kept += 1;
            std::fs::remove_file(&archive).expect("remove");
        }
        // A partial file, if the kill left one, is never at the path; opened,
        // it is refused as cut short, unless the kill came between its flush
        // and its rename, when it is whole.
        if partial.exists() {
            partials += 1;
            let opened = restore(&lab.path(&format!("partial-{run}")), &partial, PASSPHRASE);
            assert!(
                opened.status.success() || text(&opened.stderr).contains("cut short"),
                "run {run} (seed {seed}): {}",
                text(&opened.stderr)
            );
        }
    }
    eprintln!("{killed} of 8 backups killed, {kept} archives whole, {partials} partial files left (seed {seed})");
    assert!(killed > 0, "some backups were killed mid-way (seed {seed})");
}
