//! The client against a real `central-sim` on loopback: enrolment, paging,
//! photos, events, users' sign-in and passwords, reprints, and every failure
//! a station must tell apart (faults, an expired cursor, a corrupted photo, a
//! locked or frozen account, a server that is gone).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use pass_central::api::{
    Enrolment, Event, EventBatch, EventOutcome, PasswordChange, ReprintRequest, Role, SignInRequest, WireItem,
    decode_key,
};
use pass_central::sim::{AdminClient, SimHandle};
use pass_central::{CentralClient, CentralError};
use pass_credential::{Hotlist, HotlistDelta, Revocation};
use reqwest::Method;
use serde_json::{Value, json};

/// Calls an admin endpoint; anything but 200 fails the test.
async fn admin(sim: &SimHandle, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut request = common::http().request(method, format!("{}{path}", sim.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let text = response.text().await.expect("a whole answer");
    assert_eq!(status, reqwest::StatusCode::OK, "{path} answered {status}: {text}");
    serde_json::from_str(&text).expect("a JSON answer")
}

async fn arm(sim: &SimHandle, kind: &str, path_prefix: &str, latency_ms: Option<u64>) {
    let fault = json!({"kind": kind, "path_prefix": path_prefix, "times": 1, "latency_ms": latency_ms});
    admin(sim, Method::POST, "/admin/faults", Some(fault)).await;
}

/// A client signed in as a newly enrolled TWKEL station, and its enrolment.
async fn enrolment(sim: &SimHandle) -> (CentralClient, Enrolment) {
    let client = CentralClient::new(sim.url()).expect("the simulator's URL");
    let code = sim.enrolment_code("TWKEL").expect("an enrolment code");
    let request = common::enrolment_request(&code, "基隆港製證櫃檯 1");
    let enrolment = client.enrol(&request).await.expect("enrolled");
    assert_eq!(enrolment.office, "TWKEL");
    (client.with_station_key(enrolment.station_key.clone()), enrolment)
}

/// A client signed in as a newly enrolled TWKEL station.
async fn enrolled(sim: &SimHandle) -> CentralClient {
    enrolment(sim).await.0
}

/// The whole hotlist, its signature checked with the authority key from enrolment.
async fn signed_hotlist(client: &CentralClient, enrolment: &Enrolment) -> Hotlist {
    let root = decode_key(&enrolment.authority_key).expect("the authority key");
    let bytes = client.hotlist(0).await.expect("the hotlist");
    let delta = HotlistDelta::verify(&bytes, &root).expect("signed by the authority");
    let mut hotlist = Hotlist::new();
    hotlist.apply(&delta).expect("a delta from 0");
    hotlist
}

const PASSWORD: &str = "Keelung#2026";

fn sign_in(username: &str, password: &str) -> SignInRequest {
    SignInRequest {
        username: username.to_owned(),
        password: password.to_owned(),
    }
}

/// Whether `result` is the API's refusal with this status and code.
fn refused<T: std::fmt::Debug>(result: Result<T, CentralError>, status: u16, code: &str) -> CentralError {
    let err = result.expect_err(code);
    assert!(
        matches!(&err, CentralError::Api { status: s, code: c, .. } if *s == status && c == code),
        "expected {status} {code}: {err:?}"
    );
    err
}

/// Every page after `after`; returns the items and the last cursor.
async fn sync(
    client: &CentralClient,
    after: Option<String>,
    limit: u32,
) -> Result<(Vec<WireItem>, String), CentralError> {
    let mut cursor = after;
    let mut items = Vec::new();
    loop {
        let page = client.items_page("TWKEL", cursor.as_deref(), limit).await?;
        assert!(page.items.len() <= limit as usize);
        items.extend(
            page.items
                .into_iter()
                .map(|v| serde_json::from_value::<WireItem>(v).expect("a wire item")),
        );
        cursor = Some(page.next_cursor);
        if !page.has_more {
            let cursor = cursor.expect("set just above");
            return Ok((items, cursor));
        }
    }
}

/// An event of `kind` for KEL-2026-000001, with the least payload that kind carries.
fn event(key: &str, kind: &str) -> Event {
    let payload = match kind {
        "items_received" => json!({"versions": {"KEL-2026-000001": 1}, "withdrawn": []}),
        _ => json!({"pass_id": "KEL-2026-000001", "version": 1, "actor": "chen", "audit_seq": 1}),
    };
    Event {
        idempotency_key: key.to_owned(),
        kind: kind.to_owned(),
        occurred_at: time::OffsetDateTime::now_utc(),
        payload,
    }
}

#[tokio::test]
async fn enrolment_takes_a_code_once_and_refuses_unknown_ones() {
    let (sim, _dir) = common::start_sim(0, false);
    let client = CentralClient::new(sim.url()).expect("the simulator's URL");
    let code = sim.enrolment_code("TWKEL").expect("an enrolment code");
    let request = common::enrolment_request(&code, "基隆港製證櫃檯 1");
    let enrolment = client.enrol(&request).await.expect("enrolled");
    assert!(enrolment.station_key.len() >= 32);
    assert_eq!(sim.enrolment_code("TWKEL"), None, "the code is used up");

    let again = client.enrol(&request).await.expect_err("a used code");
    assert!(
        matches!(&again, CentralError::Api { status: 409, code, .. } if code == "enrolment_code_used"),
        "{again:?}"
    );
    assert!(!again.is_transient());
    let unknown = common::enrolment_request("ZZZZ-ZZZZ", "x");
    let err = client.enrol(&unknown).await.expect_err("an unknown code");
    assert!(
        matches!(&err, CentralError::Api { status: 404, code, .. } if code == "enrolment_code_unknown"),
        "{err:?}"
    );

    // The key signs requests in; without it, or for another office, the API refuses.
    let signed_in = client.clone().with_station_key(enrolment.station_key.clone());
    signed_in.items_page("TWKEL", None, 10).await.expect("a page");
    let err = client.items_page("TWKEL", None, 10).await.expect_err("no key");
    assert!(matches!(err, CentralError::Api { status: 401, .. }), "{err:?}");
    assert!(!err.to_string().contains(&enrolment.station_key));
    let err = signed_in
        .items_page("TWKHH", None, 10)
        .await
        .expect_err("another office");
    assert!(
        matches!(&err, CentralError::Api { status: 403, code, .. } if code == "wrong_office"),
        "{err:?}"
    );
    assert!(!format!("{signed_in:?}").contains(&enrolment.station_key));
}

#[tokio::test]
async fn paging_returns_every_item_once_and_then_only_what_changed() {
    let (sim, _dir) = common::start_sim(320, false);
    let client = enrolled(&sim).await;
    let (items, cursor) = sync(&client, None, 50).await.expect("a full sync");
    let ids: BTreeSet<&str> = items.iter().map(|i| i.pass_id.as_str()).collect();
    assert_eq!(items.len(), 320);
    assert_eq!(ids.len(), 320, "no item twice");
    let year = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .year();
    let expected: BTreeSet<String> = (1..=320).map(|n| format!("KEL-{year}-{n:06}")).collect();
    assert_eq!(ids, expected.iter().map(String::as_str).collect(), "no gaps");

    // Nothing new: an empty page at the same cursor.
    let page = client.items_page("TWKEL", Some(&cursor), 50).await.expect("a page");
    assert!(page.items.is_empty() && !page.has_more);
    assert_eq!(page.next_cursor, cursor);

    // Edits and a withdrawal come back once each, at their new version.
    let edited = admin(
        &sim,
        Method::POST,
        "/admin/edit-many",
        Some(json!({"count": 12, "office": "TWKEL"})),
    )
    .await;
    let withdrawn = items[200].pass_id.clone();
    admin(&sim, Method::POST, &format!("/admin/items/{withdrawn}/withdraw"), None).await;
    let (changes, _) = sync(&client, Some(cursor), 5).await.expect("an incremental sync");
    let changed: Vec<&str> = changes.iter().map(|i| i.pass_id.as_str()).collect();
    let mut expected: Vec<&str> = edited["pass_ids"]
        .as_array()
        .expect("pass IDs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    expected.push(&withdrawn);
    assert_eq!(changed, expected);
    assert!(changes[..12].iter().all(|i| i.version == 2));
    let before = items
        .iter()
        .find(|i| i.pass_id == changes[0].pass_id)
        .expect("the edited item was synced");
    assert!(changes[0].valid_to > before.valid_to, "an edit extends the pass");
    assert_eq!(changes[12].status, pass_central::api::ItemStatus::Withdrawn);
}

#[tokio::test]
async fn photos_are_checked_against_their_hash() {
    let (sim, _dir) = common::start_sim(30, true);
    let client = enrolled(&sim).await;
    let page = client.items_page("TWKEL", None, 100).await.expect("a page");
    let shas: Vec<String> = page
        .items
        .iter()
        .filter_map(|i| i["photo_sha256"].as_str().map(str::to_owned))
        .collect();
    assert!(shas.len() >= 2, "people have photos");
    let photo = client.photo(&shas[0]).await.expect("a photo");
    assert!(photo.starts_with(b"\x89PNG"));

    admin(&sim, Method::POST, &format!("/admin/photos/{}/corrupt", shas[1]), None).await;
    let err = client.photo(&shas[1]).await.expect_err("a corrupted photo");
    assert!(
        matches!(&err, CentralError::PhotoHashMismatch { expected, actual } if *expected == shas[1] && *actual != shas[1]),
        "{err:?}"
    );
    let err = client.photo(&"0".repeat(64)).await.expect_err("no such photo");
    assert!(matches!(err, CentralError::Api { status: 404, .. }), "{err:?}");
}

#[tokio::test]
async fn each_fault_is_the_right_error_and_worth_retrying() {
    let (sim, _dir) = common::start_sim(40, false);
    let client = enrolled(&sim).await;
    let items = "/v1/offices/TWKEL/items";

    type Check = fn(&CentralError) -> bool;
    let cases: [(&str, Check); 3] = [
        (
            "status_500",
            |e| matches!(e, CentralError::Api { status: 500, code, .. } if code == "internal"),
        ),
        ("cut_body", |e| matches!(e, CentralError::Malformed { .. })),
        ("malformed_json", |e| matches!(e, CentralError::Malformed { .. })),
    ];
    for (kind, expected) in cases {
        arm(&sim, kind, items, None).await;
        let err = client.items_page("TWKEL", None, 40).await.expect_err(kind);
        assert!(expected(&err), "{kind}: {err:?}");
        assert!(err.is_transient(), "{kind}: {err:?}");
    }

    arm(&sim, "latency", items, Some(1500)).await;
    let impatient = client.clone().with_request_timeout(Duration::from_millis(300));
    let err = impatient.items_page("TWKEL", None, 10).await.expect_err("too slow");
    assert!(matches!(err, CentralError::Unreachable { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(
        err.to_string().contains("cache"),
        "the clerk is told the station keeps working: {err}"
    );

    arm(&sim, "latency", items, Some(100)).await;
    let page = client.items_page("TWKEL", None, 10).await.expect("slow but in time");
    assert_eq!(page.items.len(), 10);

    // A fault is used up: the same request works again.
    let page = client.items_page("TWKEL", None, 40).await.expect("no fault left");
    assert_eq!(page.items.len(), 40);
}

#[tokio::test]
async fn a_rebuilt_feed_expires_old_cursors() {
    let (sim, _dir) = common::start_sim(10, false);
    let client = enrolled(&sim).await;
    let page = client.items_page("TWKEL", None, 5).await.expect("a page");
    admin(&sim, Method::POST, "/admin/feed/reset", None).await;
    let err = client
        .items_page("TWKEL", Some(&page.next_cursor), 5)
        .await
        .expect_err("an old cursor");
    assert!(matches!(err, CentralError::CursorExpired), "{err:?}");
    assert!(!err.is_transient());
    let err = client
        .items_page("TWKEL", Some("not a cursor"), 5)
        .await
        .expect_err("no cursor at all");
    assert!(matches!(err, CentralError::Api { status: 400, .. }), "{err:?}");
    let (items, _) = sync(&client, None, 5).await.expect("a new start");
    assert_eq!(items.len(), 10);
}

#[tokio::test]
async fn events_are_recorded_once_however_often_they_are_sent() {
    let (sim, _dir) = common::start_sim(0, false);
    let client = enrolled(&sim).await;
    for kind in ["Bad Kind", "card_lost"] {
        let malformed = EventBatch {
            events: vec![event("k-1", "items_received"), event("k-3", kind)],
        };
        let err = client
            .send_events(&malformed)
            .await
            .expect_err("a kind central does not know");
        assert!(
            matches!(&err, CentralError::Api { status: 400, message, .. } if message.contains(kind)),
            "{err:?}"
        );
        assert!(!err.is_transient(), "{err:?}");
    }
    let batch = EventBatch {
        events: vec![event("k-1", "items_received"), event("k-2", "card_printed")],
    };
    let results = client.send_events(&batch).await.expect("results");
    let outcomes: Vec<EventOutcome> = results.results.iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, [EventOutcome::Accepted, EventOutcome::Accepted]);

    // The answer is lost (cut off) after central recorded the batch; the resend is a duplicate.
    arm(&sim, "cut_body", "/v1/events", None).await;
    let lost = EventBatch {
        events: vec![event("k-4", "card_encoded")],
    };
    let err = client.send_events(&lost).await.expect_err("a cut answer");
    assert!(err.is_transient(), "{err:?}");
    let results = client
        .send_events(&EventBatch {
            events: [batch.events.clone(), lost.events].concat(),
        })
        .await
        .expect("results");
    let outcomes: Vec<EventOutcome> = results.results.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            EventOutcome::Duplicate,
            EventOutcome::Duplicate,
            EventOutcome::Duplicate
        ]
    );

    let stored = admin(&sim, Method::GET, "/admin/events", None).await;
    let stored: Vec<(&str, u64)> = stored["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["idempotency_key"].as_str().unwrap_or_default(),
                e["times_received"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(stored, [("k-1", 2), ("k-2", 2), ("k-4", 2)]);
}

#[tokio::test]
async fn a_stopped_server_is_unreachable_and_a_bad_address_is_refused_at_once() {
    let (sim, _dir) = common::start_sim(0, false);
    let client = enrolled(&sim).await;
    client
        .items_page("TWKEL", None, 10)
        .await
        .expect("a page while it runs");
    sim.stop();
    let err = client.items_page("TWKEL", None, 10).await.expect_err("nobody listens");
    assert!(matches!(err, CentralError::Unreachable { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(err.to_string().contains("cannot reach the central pass API"), "{err}");

    let err = CentralClient::new("htp:/central").expect_err("not an address");
    assert!(
        matches!(err, CentralError::BadUrl { .. }) && !err.is_transient(),
        "{err:?}"
    );
}

#[tokio::test]
async fn users_sign_in_and_five_wrong_passwords_lock_the_account() {
    let (sim, _dir) = common::start_sim(0, false);
    let client = enrolled(&sim).await;
    let admin = AdminClient::new(sim.url()).expect("the simulator's URL");
    let roles = [Role::Clerk, Role::Supervisor];
    let made = admin
        .create_user("chen", "陳美玲", &roles, "TWKEL", PASSWORD)
        .await
        .expect("a user");
    admin
        .create_user("kao", "高志明", &[Role::Clerk], "TWKHH", PASSWORD)
        .await
        .expect("a user of another office");

    let profile = client.sign_in(&sign_in("chen", PASSWORD)).await.expect("signed in");
    assert_eq!(profile, made);
    assert_eq!(profile.roles, roles);

    // A wrong password, an unknown user and another office's user get the same answer.
    let wrong = refused(
        client.sign_in(&sign_in("chen", "Wrong#2026")).await,
        401,
        "bad_credentials",
    );
    let unknown = refused(
        client.sign_in(&sign_in("nobody", PASSWORD)).await,
        401,
        "bad_credentials",
    );
    let elsewhere = refused(client.sign_in(&sign_in("kao", PASSWORD)).await, 401, "bad_credentials");
    assert_eq!(wrong.to_string(), unknown.to_string());
    assert_eq!(wrong.to_string(), elsewhere.to_string());
    assert!(
        wrong.to_string().contains("check the user name and password"),
        "{wrong}"
    );
    assert!(!wrong.to_string().contains("enrolled again"), "{wrong}");

    for _ in 0..3 {
        refused(
            client.sign_in(&sign_in("chen", "Wrong#2026")).await,
            401,
            "bad_credentials",
        );
    }
    let locked = refused(
        client.sign_in(&sign_in("chen", "Wrong#2026")).await,
        423,
        "account_locked",
    );
    assert!(locked.to_string().contains("ask an administrator"), "{locked}");
    assert!(!locked.is_transient());
    refused(client.sign_in(&sign_in("chen", PASSWORD)).await, 423, "account_locked");
}

#[tokio::test]
async fn a_frozen_account_signs_in_again_once_its_password_is_changed() {
    let (sim, _dir) = common::start_sim(0, false);
    let client = enrolled(&sim).await;
    let admin = AdminClient::new(sim.url()).expect("the simulator's URL");
    admin
        .create_user("wang", "王大同", &[Role::GateOfficer], "TWKEL", PASSWORD)
        .await
        .expect("a user");
    let long_ago = time::OffsetDateTime::now_utc() - time::Duration::days(91);
    admin.backdate_sign_in("wang", long_ago).await.expect("backdated");
    let frozen = refused(client.sign_in(&sign_in("wang", PASSWORD)).await, 403, "account_frozen");
    assert!(frozen.to_string().contains("change the password"), "{frozen}");
    // A wrong password is not told the account is frozen.
    refused(
        client.sign_in(&sign_in("wang", "Wrong#2026")).await,
        401,
        "bad_credentials",
    );

    let change = |new: &str| PasswordChange {
        username: "wang".to_owned(),
        old_password: PASSWORD.to_owned(),
        new_password: new.to_owned(),
    };
    let weak = refused(
        client.change_password(&change("Taipeiport")).await,
        422,
        "weak_password",
    );
    assert!(
        weak.to_string()
            .contains("the password needs at least 8 characters, an upper-case letter, a lower-case letter, a digit and a special character; this one lacks a digit and a special character"),
        "{weak}"
    );
    assert!(weak.to_string().contains("meets the rules"), "{weak}");
    refused(client.change_password(&change(PASSWORD)).await, 422, "weak_password");

    client.change_password(&change("Taipei@2027")).await.expect("changed");
    let profile = client.sign_in(&sign_in("wang", "Taipei@2027")).await.expect("unfrozen");
    assert_eq!(profile.roles, [Role::GateOfficer]);
    refused(client.sign_in(&sign_in("wang", PASSWORD)).await, 401, "bad_credentials");
}

#[tokio::test]
async fn a_reprint_raises_the_version_and_hotlists_the_old_version_and_card() {
    let (sim, _dir) = common::start_sim(5, false);
    let (client, enrolment) = enrolment(&sim).await;
    let (items, cursor) = sync(&client, None, 10).await.expect("a full sync");
    let old = &items[2];
    let request = ReprintRequest {
        reason: "卡片損壞".to_owned(),
        approved_by: "chen".to_owned(),
        card_uid: Some("04A1B2C3D4E5F6".to_owned()),
    };
    let new = client.reprint(&old.pass_id, &request).await.expect("reprinted");
    assert_eq!(
        (new.pass_id.as_str(), new.version),
        (old.pass_id.as_str(), old.version + 1)
    );
    assert_eq!(new.valid_to, old.valid_to, "a reprint changes nothing but the version");
    assert!(new.changed_at > old.changed_at);

    // The feed carries the new record, as after any change.
    let (changes, _) = sync(&client, Some(cursor), 10).await.expect("an incremental sync");
    assert_eq!(changes, std::slice::from_ref(&new));

    let hotlist = signed_hotlist(&client, &enrolment).await;
    assert_eq!(
        hotlist.pass_revocation(&old.pass_id, old.version),
        Some(Revocation::Replaced)
    );
    assert_eq!(hotlist.pass_revocation(&new.pass_id, new.version), None);
    assert_eq!(
        hotlist.card_revocation(&[0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6]),
        Some(Revocation::Replaced)
    );

    let err = client
        .reprint("KEL-1999-000001", &request)
        .await
        .expect_err("no such pass");
    assert!(matches!(err, CentralError::Api { status: 404, .. }), "{err:?}");
}

#[tokio::test]
async fn a_retired_card_puts_both_its_faces_on_the_hotlist_once() {
    let (sim, _dir) = common::start_sim(1, false);
    let (client, enrolment) = enrolment(&sim).await;
    let (items, _) = sync(&client, None, 10).await.expect("a sync");
    let item = &items[0];
    let spoiled = Event {
        payload: json!({
            "pass_id": item.pass_id, "version": item.version, "actor": "chen", "audit_seq": 2,
            "retired_card": {"print": 2, "card_uid": "04AABBCCDDEE01", "reason": "spoiled"},
        }),
        ..event("spoiled-1", "card_spoiled")
    };
    let batch = EventBatch { events: vec![spoiled] };
    let results = client.send_events(&batch).await.expect("results");
    assert_eq!(results.results[0].outcome, EventOutcome::Accepted);
    let hotlist = signed_hotlist(&client, &enrolment).await;
    assert_eq!(
        hotlist.card_revocation(&[0x04, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x01]),
        Some(Revocation::Spoiled)
    );
    assert_eq!(
        hotlist.print_revocation(&item.pass_id, item.version, 2),
        Some(Revocation::Spoiled)
    );
    assert_eq!(
        hotlist.print_revocation(&item.pass_id, item.version, 1),
        None,
        "another print of the same version stays valid"
    );
    assert_eq!(hotlist.pass_revocation(&item.pass_id, item.version), None);
    let sequence = hotlist.sequence();

    let results = client.send_events(&batch).await.expect("results");
    assert_eq!(results.results[0].outcome, EventOutcome::Duplicate);
    assert_eq!(
        signed_hotlist(&client, &enrolment).await.sequence(),
        sequence,
        "no second entry"
    );

    for (key, card) in [
        (
            "voided-1",
            json!({"print": 1, "card_uid": "not hex", "reason": "voided"}),
        ),
        ("voided-2", json!({"print": 0, "reason": "voided"})),
        ("voided-3", json!({"print": 1, "reason": "lost"})),
    ] {
        let bad = EventBatch {
            events: vec![Event {
                payload: json!({"pass_id": item.pass_id, "version": item.version, "actor": "chen",
                                "audit_seq": 3, "retired_card": card}),
                ..event(key, "card_voided")
            }],
        };
        let err = client.send_events(&bad).await.expect_err("a card that is no CardFaces");
        assert!(matches!(err, CentralError::Api { status: 400, .. }), "{key}: {err:?}");
    }
}

#[tokio::test]
async fn a_hand_over_reaches_the_feed_and_a_withdrawal_revokes_the_version() {
    let (sim, _dir) = common::start_sim(2, false);
    let (client, enrolment) = enrolment(&sim).await;
    let (items, cursor) = sync(&client, None, 10).await.expect("a full sync");
    let item = &items[0];
    let handed = Event {
        payload: json!({
            "pass_id": item.pass_id, "version": item.version, "actor": "chen", "audit_seq": 2,
            "handed_over_card": {"print": 1, "card_uid": "04AABBCCDDEE02"},
        }),
        ..event("handed-1", "card_handed_over")
    };
    let results = client
        .send_events(&EventBatch { events: vec![handed] })
        .await
        .expect("results");
    assert_eq!(results.results[0].outcome, EventOutcome::Accepted);
    let (changes, _) = sync(&client, Some(cursor), 10).await.expect("an incremental sync");
    let card = changes[0].handed_over.as_ref().expect("the feed carries the hand-over");
    assert_eq!(
        (
            changes[0].pass_id.as_str(),
            card.version,
            card.print,
            card.card_uid.as_deref()
        ),
        (item.pass_id.as_str(), item.version, 1, Some("04AABBCCDDEE02"))
    );

    let withdrawn = &items[1].pass_id;
    admin(&sim, Method::POST, &format!("/admin/items/{withdrawn}/withdraw"), None).await;
    let hotlist = signed_hotlist(&client, &enrolment).await;
    assert_eq!(
        hotlist.pass_revocation(&items[1].pass_id, items[1].version),
        Some(Revocation::Withdrawn)
    );
}

#[tokio::test]
async fn a_release_sends_the_delegate_a_code_the_trust_list_vouches_for_and_a_hand_over_uses_it() {
    let (sim, _dir) = common::start_sim(1, false);
    let (client, enrolment) = enrolment(&sim).await;
    let (items, _) = sync(&client, None, 10).await.expect("a full sync");
    let item = &items[0];
    let step = |key: &str, kind: &str, extra: Value| {
        let mut payload = json!({"pass_id": item.pass_id, "version": item.version, "actor": "chen", "audit_seq": 3});
        payload
            .as_object_mut()
            .expect("a map")
            .extend(extra.as_object().cloned().unwrap_or_default());
        Event {
            payload,
            ..event(key, kind)
        }
    };
    let released = step("released-1", "card_released", json!({"print": 1}));
    let results = client
        .send_events(&EventBatch {
            events: vec![released.clone(), released],
        })
        .await
        .expect("results");
    assert_eq!(results.results[1].outcome, EventOutcome::Duplicate);
    let admin = AdminClient::new(sim.url()).expect("admin");
    let sent = admin.notifications().await.expect("the outbox");
    assert_eq!(sent.len(), 2, "one SMS and one e-mail, once: {sent:#?}");
    assert_eq!((sent[0].channel.as_str(), sent[1].channel.as_str()), ("sms", "email"));
    assert!(sent[0].recipient.starts_with("09") && sent[1].recipient.contains('@'));
    let text = sent[0].pickup_code.clone().expect("the code");
    assert!(sent[0].body.ends_with(&text), "the message carries the code");

    let root = decode_key(&enrolment.authority_key).expect("the root key");
    let signed = client.trust_list().await.expect("the trust list");
    let trust = pass_credential::TrustList::verify(&signed, &root).expect("signed by the root");
    let code = pass_credential::PickupCode::verify(&text, &trust, time::OffsetDateTime::now_utc())
        .expect("the trust list vouches for the code");
    assert_eq!(
        (code.pass_id.as_str(), code.version),
        (item.pass_id.as_str(), item.version)
    );
    assert_eq!(code.company_tax_id, item.company.tax_id);
    assert!(
        trust.find(&trust.pickup_signers[0].kid()).is_none(),
        "a pick-up key is no credential signer"
    );

    let handed = step(
        "handed-1",
        "card_handed_over",
        json!({"authorised_by": "pickup_code", "pickup_code_id": code.id_hex()}),
    );
    client
        .send_events(&EventBatch { events: vec![handed] })
        .await
        .expect("results");
    let sent = admin.notifications().await.expect("the outbox");
    assert!(
        sent.iter().all(|n| n.code_used_at.is_some()),
        "central marks the code used"
    );
}

#[tokio::test]
async fn an_answer_larger_than_the_limit_is_refused_unread() {
    let (sim, _dir) = common::start_sim(50, false);
    let (client, _) = enrolment(&sim).await;
    let (items, _) = sync(&client, None, 50).await.expect("the default limit reads a page");
    assert_eq!(items.len(), 50);
    let small = client.with_answer_limit(2048);
    match sync(&small, None, 50).await {
        Err(CentralError::Malformed { detail, .. }) => assert!(detail.contains("larger than"), "{detail}"),
        other => panic!("expected a refusal of the oversized page, got {other:?}"),
    }
}

#[tokio::test]
async fn an_audit_head_is_kept_only_if_its_station_signed_it_and_it_never_goes_back() {
    use base64::Engine as _;
    use pass_central::api::{AUDIT_HEAD_EVENT, AuditHeadPayload, EnrolmentRequest, encode_key};
    use pass_credential::{Algorithm, AuditHead, SigningKey};

    let (sim, _dir) = common::start_sim(0, false);
    let client = CentralClient::new(sim.url()).expect("the simulator's URL");
    let signer = SigningKey::generate(Algorithm::EdDsa).expect("a signing key");
    let request = EnrolmentRequest {
        code: sim.enrolment_code("TWKEL").expect("an enrolment code"),
        station_name: "基隆港製證櫃檯 1".to_owned(),
        signer_key: encode_key(&signer.public()).expect("a COSE_Key"),
    };
    let enrolment = client.enrol(&request).await.expect("enrolled");
    let client = client.with_station_key(enrolment.station_key.clone());
    let station = enrolment.station_id.as_str();

    let head = |station_id: &str, seq: u64, hash: char| AuditHead {
        station_id: station_id.to_owned(),
        seq,
        hash: hash.to_string().repeat(64),
    };
    let signed = |head: &AuditHead, key: &SigningKey| AuditHeadPayload::sign(head, key).expect("signed");
    let mut sent = 0;
    let mut send = async |payload: AuditHeadPayload| {
        sent += 1;
        let event = Event {
            payload: serde_json::to_value(payload).expect("JSON"),
            ..event(&format!("head-{sent}"), AUDIT_HEAD_EVENT)
        };
        let results = client
            .send_events(&EventBatch { events: vec![event] })
            .await
            .expect("results");
        let result = results.results.into_iter().next().expect("one result");
        (result.outcome, result.reason.unwrap_or_default())
    };

    assert_eq!(
        send(signed(&head(station, 5, 'a'), &signer)).await.0,
        EventOutcome::Accepted
    );
    assert_eq!(
        send(signed(&head(station, 5, 'a'), &signer)).await.0,
        EventOutcome::Accepted,
        "the same head again changes nothing"
    );

    let (outcome, reason) = send(signed(&head(station, 4, 'b'), &signer)).await;
    assert_eq!(outcome, EventOutcome::Rejected);
    assert!(reason.contains("goes back from entry 5"), "{reason}");
    let (outcome, reason) = send(signed(&head(station, 5, 'b'), &signer)).await;
    assert_eq!(outcome, EventOutcome::Rejected);
    assert!(reason.contains("another hash"), "{reason}");

    let stranger = SigningKey::generate(Algorithm::EdDsa).expect("another key");
    let (outcome, reason) = send(signed(&head(station, 6, 'c'), &stranger)).await;
    assert_eq!(outcome, EventOutcome::Rejected);
    assert!(reason.contains("not by its station's certified key"), "{reason}");

    let mut altered = signed(&head(station, 6, 'c'), &signer);
    let mut cose = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&altered.signature)
        .expect("base64url");
    // The signed hash's last character: 'c' becomes 'b'.
    let last_of_payload = cose.len() - 64 - 2 - 1;
    cose[last_of_payload] ^= 0x01;
    altered.signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&cose);
    let (outcome, reason) = send(altered).await;
    assert_eq!(outcome, EventOutcome::Rejected);
    assert!(reason.contains("does not verify"), "{reason}");

    let mut claimed = signed(&head(station, 6, 'c'), &signer);
    claimed.seq = 60;
    let (outcome, reason) = send(claimed).await;
    assert_eq!(outcome, EventOutcome::Rejected);
    assert!(reason.contains("not the signed ones"), "{reason}");
    let (outcome, reason) = send(signed(&head("another-station", 6, 'c'), &signer)).await;
    assert_eq!(outcome, EventOutcome::Rejected);
    assert!(reason.contains("signed for station another-station"), "{reason}");

    assert_eq!(
        send(signed(&head(station, 6, 'c'), &signer)).await.0,
        EventOutcome::Accepted
    );

    // A revoked station key vouches for nothing more.
    let revoke = format!("/admin/stations/{station}/revoke-signer");
    admin(&sim, Method::POST, &revoke, None).await;
    let (outcome, reason) = send(signed(&head(station, 7, 'd'), &signer)).await;
    assert_eq!(outcome, EventOutcome::Rejected);
    assert!(reason.contains("revoked"), "{reason}");

    let stored = admin(&sim, Method::GET, "/admin/events", None).await;
    let kept: Vec<u64> = stored["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["payload"]["seq"].as_u64())
        .collect();
    assert_eq!(kept, [5, 5, 6], "refused heads are not recorded");
}
