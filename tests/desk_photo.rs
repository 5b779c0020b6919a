//! Photos at the desk, end to end with a real central-sim: a person whose
//! photo central does not hold gets one taken at the desk while central is
//! down (a dark picture is warned of and not kept; a good one is), the card
//! prints at once, the upload waits in the outbox, and when central is back
//! the sync sends it: central names it in the feed at the same version, and
//! another station of the office, which held the pass without a photo,
//! takes it and fetches the same bytes. A photo central refuses (its pass was
//! withdrawn meanwhile) is reported and kept, not dropped.

mod common;

use std::net::SocketAddr;

use common::{Lab, OFFICE, cached_pass_ids, passctl, quick_sync};
use pass_central::sim::{SimConfig, SimHandle};
use pass_station::model::{CardState, Holder, Role};
use pass_station::store::{OutboxFilter, PHOTO_UPLOAD};
use pass_station::{Station, StationHome};
use serde_json::Value;
use sha2::Digest;

/// Runs a passctl command that must succeed; its JSON answer.
fn passctl_json(lab: &Lab, args: &[&str]) -> Value {
    let output = passctl(lab, args);
    assert!(
        output.status.success(),
        "passctl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("passctl {args:?}: not JSON: {e}"))
}

/// The approved people's passes the station holds.
fn people(station: &Station) -> Vec<String> {
    cached_pass_ids(station)
        .into_iter()
        .filter(|id| {
            station.item(id).is_ok_and(|record| {
                record.state == CardState::Approved && matches!(record.item.holder, Holder::Person { .. })
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_taken_offline_prints_at_once_and_reaches_central_at_the_next_sync() {
    // Central holds no photo of anyone.
    let mut lab = Lab::start(10, false).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let people = people(&station);
    assert!(people.len() >= 2, "two approved people's passes: {people:?}");
    let (pass_id, withdrawn_later) = (people[0].clone(), people[1].clone());
    assert!(!station.item(&pass_id).expect("the item").photo_cached);
    // Another desk of the office holds the pass, without a photo, too.
    let second = StationHome::new(lab.path("second-station"));
    let code = lab.admin.enrolment_code(OFFICE).await.expect("a code");
    let sim = lab.sim.as_ref().expect("central runs");
    second
        .enroll(sim.url(), &code, "second desk", &sim.root_fingerprint())
        .await
        .expect("enrolled");
    let mut other_desk = Station::open(second).expect("the second station");
    other_desk.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert_eq!(other_desk.item(&pass_id).expect("the item").item.photo_sha256, None);
    lab.login("lab-clerk", &[Role::Clerk]).await;
    // The desk claims the pass while central answers: offline, it prints only what it claimed.
    let claimed = passctl(&lab, &["claim", &pass_id]);
    assert!(claimed.status.success(), "{}", String::from_utf8_lossy(&claimed.stderr));
    let central: SocketAddr = lab
        .url()
        .trim_start_matches("http://")
        .parse()
        .expect("central's address");
    lab.stop_central();

    // Without a photo the card does not print, and says what to do.
    let pdf = lab.path("printed");
    let refused = passctl(&lab, &["print", &pass_id, "--pdf", &pdf.to_string_lossy()]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("take the photo at the desk"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // A dark picture is warned of and not kept.
    let dark = lab.path("dark.png");
    common::portrait_picture(&dark, 0.2);
    let taken = passctl_json(&lab, &["photo", &pass_id, &dark.to_string_lossy(), "--json"]);
    assert_eq!(taken["saved"], Value::Null, "{taken}");
    assert_eq!(taken["warnings"][0]["kind"], "too_dark", "{taken}");

    // A good picture, framed by the clerk, is kept: the card prints offline.
    let good = lab.path("good.png");
    common::portrait_picture(&good, 1.0);
    let taken = passctl_json(
        &lab,
        &[
            "photo",
            &pass_id,
            &good.to_string_lossy(),
            "--crop",
            "300,60,360,480",
            "--json",
        ],
    );
    assert_eq!(taken["warnings"], serde_json::json!([]), "{taken}");
    let sha = taken["saved"].as_str().expect("the photo is kept").to_owned();
    assert_eq!(taken["crop"]["height"], 480, "the clerk's frame: {taken}");
    let printed = passctl(&lab, &["print", &pass_id, "--pdf", &pdf.to_string_lossy()]);
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let record = lab.station().item(&pass_id).expect("the item");
    assert_eq!(record.state, CardState::Printed);
    assert_eq!(record.item.photo_sha256.as_deref(), Some(sha.as_str()));
    let history = passctl_json(&lab, &["show", &pass_id, "--json"]);
    assert!(history.to_string().contains("photo_taken"), "audited: {history}");

    // A second photo, for a pass central withdraws before it arrives.
    let other = passctl_json(&lab, &["photo", &withdrawn_later, &good.to_string_lossy(), "--json"]);
    assert!(other["saved"].is_string(), "{other}");
    let waiting = lab
        .station()
        .store()
        .outbox(OutboxFilter::Unsent, 100)
        .expect("the outbox");
    assert_eq!(
        waiting.iter().filter(|e| e.kind == PHOTO_UPLOAD).count(),
        2,
        "both uploads wait"
    );

    // Central is back at its address, with its data; it withdraws one pass.
    let mut config = SimConfig::new(lab.path("central.db"));
    config.office = OFFICE.to_owned();
    lab.sim = Some(SimHandle::spawn_on(config, central).expect("central-sim starts again"));
    lab.admin.withdraw(&withdrawn_later).await.expect("withdrawn");

    // The sync sends both: one taken, one refused and kept as such.
    let mut station = lab.station();
    let report = station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert_eq!(report.events.rejected, 1, "{report:?}");
    let rejected = station.store().outbox(OutboxFilter::Rejected, 100).expect("the outbox");
    let refusal = rejected
        .iter()
        .find(|e| e.kind == PHOTO_UPLOAD)
        .expect("the refused upload is kept");
    assert_eq!(refusal.payload["pass_id"], withdrawn_later.as_str());
    assert!(
        refusal
            .outcome_reason
            .as_deref()
            .unwrap_or_default()
            .contains("withdrawn"),
        "{refusal:?}"
    );
    let unsent = station.store().outbox(OutboxFilter::Unsent, 100).expect("the outbox");
    assert!(unsent.iter().all(|e| e.kind != PHOTO_UPLOAD), "nothing left to send");

    // The other desk gets the photo from central's feed, at the version it
    // held, and fetches the same bytes.
    other_desk.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let seen = other_desk.item(&pass_id).expect("the item at the other desk");
    assert_eq!(seen.item.photo_sha256.as_deref(), Some(sha.as_str()));
    assert!(seen.photo_cached, "the other desk fetched the photo");
    let bytes = other_desk.store().photo(&sha).expect("read").expect("the photo");
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), sha);
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
}
