//! Sync against a real `central-sim` on loopback when things go wrong: bad data,
//! broken answers, a forgotten cursor, central gone. In every case the station
//! says what happened, keeps what it had, and a later sync completes.

mod common;

use std::collections::BTreeMap;

use common::{Lab, OFFICE, cached_pass_ids, item_receipts, quick_sync};
use pass_central::client::CentralError;
use pass_central::sim::{Fault, FaultKind};
use pass_station::StationError;
use pass_station::model::CardState;
use pass_station::store::OutboxFilter;

/// How many times central was told of each pass number's receipt.
async fn receipts_by_pass(lab: &Lab) -> BTreeMap<String, usize> {
    let events = lab.admin.events().await.expect("events");
    let mut counts = BTreeMap::new();
    for ((pass_id, _), times) in item_receipts(&events) {
        *counts.entry(pass_id).or_insert(0) += times;
    }
    counts
}

/// A fault on the office's item feed for `times` requests after the first `skip`.
fn feed_fault(kind: FaultKind, skip: u32, times: u32) -> Fault {
    Fault {
        kind,
        path_prefix: format!("/v1/offices/{OFFICE}/items"),
        skip,
        times,
        latency_ms: None,
    }
}

/// Arms `kind` on the item feed after two good pages, syncs into it, and checks
/// that the sync stops with `expect`, keeps the pages it had, and completes later.
async fn fault_mid_feed(kind: FaultKind, expect: fn(&CentralError) -> bool) {
    let lab = Lab::start(300, false).await;
    lab.admin.arm_fault(&feed_fault(kind, 2, 20)).await.expect("arm fault");
    let mut station = lab.station();

    let err = station
        .sync(&quick_sync(50, 1), &mut |_| {})
        .await
        .expect_err("the fault stops the sync");
    match &err {
        StationError::Central { stage, source } => {
            assert!(expect(source), "unexpected error for {kind:?}: {source:?}");
            assert!(stage.contains("reading the item feed"), "the stage is named: {stage}");
        }
        other => panic!("expected a central error, got {other:?}"),
    }
    assert_eq!(err.exit_code(), 5, "{err}");
    assert_eq!(
        cached_pass_ids(&station).len(),
        100,
        "the two pages stored before the fault are kept"
    );

    lab.admin.clear_faults().await.expect("clear faults");
    let report = station
        .sync(&quick_sync(50, 1), &mut |_| {})
        .await
        .expect("a later sync completes");
    assert_eq!(report.items.added, 200, "the later sync resumes after the stored pages");
    let ids = cached_pass_ids(&station);
    assert_eq!(ids.len(), 300);
    let receipts = receipts_by_pass(&lab).await;
    assert_eq!(receipts.len(), 300);
    assert!(receipts.values().all(|n| *n == 1), "each item reported to central once");
}

#[tokio::test]
async fn a_500_in_the_middle_of_a_sync() {
    fault_mid_feed(FaultKind::Status500, |e| {
        matches!(e, CentralError::Api { status: 500, .. })
    })
    .await;
}

#[tokio::test]
async fn malformed_json_in_the_middle_of_a_sync() {
    fault_mid_feed(FaultKind::MalformedJson, |e| {
        matches!(e, CentralError::Malformed { .. })
    })
    .await;
}

#[tokio::test]
async fn a_page_cut_short_in_the_middle_of_a_sync() {
    fault_mid_feed(FaultKind::CutBody, |e| {
        matches!(e, CentralError::Malformed { .. } | CentralError::Unreachable { .. })
    })
    .await;
}

#[tokio::test]
async fn a_single_transient_failure_is_retried_and_reported() {
    let lab = Lab::start(120, false).await;
    lab.admin
        .arm_fault(&feed_fault(FaultKind::Status500, 1, 1))
        .await
        .expect("arm fault");
    let mut station = lab.station();
    let report = station
        .sync(&quick_sync(50, 2), &mut |_| {})
        .await
        .expect("a retry gets past one 500");
    assert_eq!(report.items.added, 120);
    assert_eq!(report.retried.len(), 1, "the retry is reported: {:?}", report.retried);
    assert!(report.retried[0].contains("500"), "{}", report.retried[0]);
}

#[tokio::test]
async fn bad_records_are_set_aside_and_the_rest_of_the_page_is_stored() {
    let lab = Lab::start(10, false).await;
    let mut station = lab.station();
    station
        .sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("first sync");
    let good = station
        .store()
        .item(&cached_pass_ids(&station)[0])
        .expect("read")
        .expect("an item");

    // Records as central might send them by mistake, next to good ones.
    let template = serde_json::json!({
        "pass_id": "KEL-2026-900001", "version": 1, "status": "approved", "application_id": "A-2026-900001",
        "holder": {"type": "person", "name": "林志明", "name_latin": null, "national_id_masked": "F12****456"},
        "temporary": false, "company": {"name": "測試報關行", "tax_id": "04595257"},
        "ports": [OFFICE], "valid_from": "2026-12-01", "valid_to": "2027-05-31",
        "pickup_office": OFFICE, "photo_sha256": null, "changed_at": "2026-11-20T08:00:00Z"
    });
    let mut bad_tax_id = template.clone();
    bad_tax_id["pass_id"] = "KEL-2026-900002".into();
    bad_tax_id["company"]["tax_id"] = "04595258".into();
    let mut backwards = template.clone();
    backwards["pass_id"] = "KEL-2026-900003".into();
    backwards["valid_to"] = "2026-06-01".into();
    let garbage = serde_json::json!({"hello": "world"});
    let records = vec![
        template.clone(),
        bad_tax_id,
        backwards.clone(),
        garbage,
        template.clone(),
    ];
    lab.admin.raw_items(OFFICE, &records).await.expect("raw items");

    let report = station
        .sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("a bad record does not stop the sync");
    assert_eq!(report.items.added, 1, "the good record is stored once");
    assert_eq!(report.items.unchanged, 1, "its duplicate changes nothing");
    assert_eq!(report.items.rejected, 3);
    let rejected = station.store().rejected_items().expect("rejected");
    let reasons: BTreeMap<&str, &str> = rejected
        .iter()
        .map(|r| (r.pass_id.as_str(), r.reason.as_str()))
        .collect();
    assert!(reasons["KEL-2026-900002"].contains("check digit"), "{reasons:?}");
    assert!(reasons["KEL-2026-900003"].contains("before valid-from"), "{reasons:?}");
    assert!(reasons[""].contains("API contract"), "{reasons:?}");
    assert!(
        station.store().item(&good.item.pass_id).expect("read").is_some(),
        "earlier items are kept"
    );

    let rejections: Vec<_> = lab
        .admin
        .events()
        .await
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == "item_rejected")
        .collect();
    assert_eq!(rejections.len(), 3, "central hears of every record set aside");

    // Central corrects the record: the rejection clears.
    backwards["version"] = 2.into();
    backwards["valid_to"] = "2027-06-01".into();
    lab.admin
        .raw_items(OFFICE, &[backwards])
        .await
        .expect("corrected record");
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let left: Vec<String> = station
        .store()
        .rejected_items()
        .expect("rejected")
        .into_iter()
        .map(|r| r.pass_id)
        .collect();
    assert_eq!(left, ["", "KEL-2026-900002"]);
}

#[tokio::test]
async fn a_photo_whose_hash_does_not_match_is_refused() {
    let lab = Lab::start(12, true).await;
    let mut station = lab.station();
    let first = station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert!(first.photos_fetched > 0, "generated people have photos");

    // A new person whose photo central serves with the wrong bytes.
    let added = lab.admin.generate(1, OFFICE).await.expect("generate");
    // Read the new record as the station will, to learn its photo's hash.
    let cursor = station.store().feed_cursor().expect("cursor");
    let page = station
        .client()
        .expect("client")
        .items_page(OFFICE, cursor.as_deref(), 10)
        .await
        .expect("page");
    assert_eq!(page.items.len(), 1);
    let Some(sha) = page.items[0]["photo_sha256"].as_str().map(str::to_owned) else {
        panic!("the generated person has no photo: {}", page.items[0])
    };
    lab.admin.corrupt_photo(&sha).await.expect("corrupt");

    let report = station
        .sync(&quick_sync(100, 0), &mut |_| {})
        .await
        .expect("a bad photo does not stop the sync");
    assert_eq!(report.items.added, 1, "the item is stored without its photo");
    assert_eq!(report.photo_problems.len(), 1, "{:?}", report.photo_problems);
    assert!(report.photo_problems[0].contains(&sha));
    let record = station.store().item(&added[0]).expect("read").expect("stored");
    assert!(!record.photo_cached);
    assert_eq!(
        station.store().missing_photos().expect("missing"),
        std::slice::from_ref(&sha),
        "the next sync asks again"
    );
    assert!(
        station.store().photo(&sha).expect("read").is_none(),
        "wrong bytes are never stored"
    );
}

#[tokio::test]
async fn a_cursor_central_no_longer_knows_leads_to_a_full_resync() {
    let lab = Lab::start(150, false).await;
    let mut station = lab.station();
    station.sync(&quick_sync(40, 0), &mut |_| {}).await.expect("first sync");
    lab.admin.reset_feed().await.expect("reset feed");
    lab.admin.generate(25, OFFICE).await.expect("more items");

    let report = station.sync(&quick_sync(40, 0), &mut |_| {}).await.expect("resync");
    assert!(report.full_resync);
    assert_eq!((report.items.added, report.items.unchanged), (25, 150));
    assert_eq!(cached_pass_ids(&station).len(), 175, "no duplicate, none lost");
    let receipts = receipts_by_pass(&lab).await;
    assert!(
        receipts.values().all(|n| *n == 1),
        "items already held are not reported again"
    );
}

#[tokio::test]
async fn a_withdrawal_closes_the_item() {
    let lab = Lab::start(5, false).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    let pass_id = cached_pass_ids(&station)[2].clone();
    lab.admin.withdraw(&pass_id).await.expect("withdraw");
    let report = station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    assert_eq!((report.items.updated, report.items.withdrawn), (1, 1));
    let record = station.store().item(&pass_id).expect("read").expect("kept");
    assert_eq!(record.state, CardState::Withdrawn);
}

#[tokio::test]
async fn with_central_gone_for_good_the_cache_is_all_there() {
    let mut lab = Lab::start(200, false).await;
    let mut station = lab.station();
    station.sync(&quick_sync(100, 0), &mut |_| {}).await.expect("sync");
    lab.stop_central();

    let err = station
        .sync(&quick_sync(100, 1), &mut |_| {})
        .await
        .expect_err("central is gone");
    assert!(
        matches!(
            err,
            StationError::Central {
                source: CentralError::Unreachable { .. },
                ..
            }
        ),
        "expected unreachable, got {err:?}"
    );
    assert_eq!(err.exit_code(), 4);
    assert!(err.to_string().contains("cannot reach"), "{err}");
    assert_eq!(cached_pass_ids(&station).len(), 200);
    assert_eq!(
        station.store().outbox(OutboxFilter::Unsent, 10).expect("outbox").len(),
        0
    );
}

#[tokio::test]
async fn a_transient_failure_of_the_trust_list_is_retried() {
    let lab = Lab::start(5, false).await;
    let fault = Fault {
        kind: FaultKind::Status500,
        path_prefix: "/v1/trust-list".into(),
        skip: 0,
        times: 1,
        latency_ms: None,
    };
    lab.admin.arm_fault(&fault).await.expect("arm fault");
    let mut station = lab.station();
    let report = station
        .sync(&quick_sync(100, 2), &mut |_| {})
        .await
        .expect("a retry gets past one 500");
    assert_eq!(report.retried.len(), 1, "{:?}", report.retried);
    assert_eq!(report.trust.signers, 1, "the trust list arrived after the retry");
}
