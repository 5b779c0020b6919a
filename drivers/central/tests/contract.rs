//! Holds `central-sim` to `openapi.yaml`: every path and method of the
//! contract is called, error statuses included, and every answer's status,
//! media type and body are checked against what the contract gives for that
//! path, method and status. A path or method never called fails the test.

mod common;

use std::collections::BTreeSet;

use common::contract::{Answer, Contract};
use reqwest::Method;
use serde_json::{Value, json};

/// Calls the simulator and checks each answer against the contract.
struct Caller<'a> {
    contract: Contract,
    /// The contract's operations called so far, as (path, method).
    called: BTreeSet<(String, String)>,
    http: reqwest::Client,
    base: &'a str,
}

impl<'a> Caller<'a> {
    fn call(&mut self, method: Method, template: &str) -> Call<'_, 'a> {
        Call {
            api: self,
            method,
            template: template.to_owned(),
            params: Vec::new(),
            key: None,
            body: None,
            raw: None,
        }
    }

    fn get(&mut self, template: &str) -> Call<'_, 'a> {
        self.call(Method::GET, template)
    }

    fn post(&mut self, template: &str) -> Call<'_, 'a> {
        self.call(Method::POST, template)
    }

    fn put(&mut self, template: &str) -> Call<'_, 'a> {
        self.call(Method::PUT, template)
    }

    /// The item last in the office's feed (the one changed last).
    async fn last_in_feed(&mut self, key: Option<&str>) -> Value {
        let page = self
            .get("/v1/offices/{office}/items?limit=1000")
            .at("office", "TWKEL")
            .key(key)
            .expect(200)
            .await
            .json;
        page["items"]
            .as_array()
            .and_then(|items| items.last())
            .cloned()
            .expect("the feed's items")
    }
}

/// One request, made by [`Call::expect`].
struct Call<'c, 'a> {
    api: &'c mut Caller<'a>,
    method: Method,
    /// The contract's path, and any query.
    template: String,
    /// Path parameters: `{name}` in the template is replaced by the value.
    params: Vec<(String, String)>,
    key: Option<String>,
    body: Option<Value>,
    /// A body that is not JSON: its media type and bytes.
    raw: Option<(&'static str, Vec<u8>)>,
}

impl Call<'_, '_> {
    /// Fills in the path parameter `name`; the contract's path is kept for the checks.
    fn at(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_owned(), value.to_owned()));
        self
    }

    fn key(self, key: Option<&str>) -> Self {
        Call {
            key: key.map(str::to_owned),
            ..self
        }
    }

    fn body(self, body: Value) -> Self {
        Call {
            body: Some(body),
            ..self
        }
    }

    fn raw(self, media_type: &'static str, bytes: Vec<u8>) -> Self {
        Call {
            raw: Some((media_type, bytes)),
            ..self
        }
    }

    /// Sends the request; fails unless the answer has status `expected` and
    /// matches what the contract gives for it.
    async fn expect(self, expected: u16) -> Answer {
        let path = self.params.iter().fold(self.template.clone(), |path, (name, value)| {
            path.replace(&format!("{{{name}}}"), value)
        });
        let template = self.template.split('?').next().unwrap_or_default().to_owned();
        let method = self.method;
        let mut request = self
            .api
            .http
            .request(method.clone(), format!("{}{path}", self.api.base));
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = &self.body {
            request = request.json(body);
        }
        if let Some((media_type, bytes)) = self.raw {
            request = request.header(reqwest::header::CONTENT_TYPE, media_type).body(bytes);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let (status, content_type, answer) = Answer::read(response).await;
        let text = String::from_utf8_lossy(&answer.bytes);
        assert_eq!(status, expected, "{method} {path} answered {status}: {text}");
        if let Err(outside) = self
            .api
            .contract
            .check(&template, &method, status, &content_type, &answer)
        {
            panic!("{outside}");
        }
        self.api.called.insert((template, method.as_str().to_owned()));
        answer
    }
}

#[tokio::test]
async fn central_sim_keeps_to_the_contract_on_every_path() {
    let (sim, _dir) = common::start_sim(60, true);
    let mut api = Caller {
        contract: Contract::load(),
        called: BTreeSet::new(),
        http: common::http(),
        base: sim.url(),
    };
    let code = sim.enrolment_code("TWKEL").expect("a code made at start");

    // Enrolment: a good code once, then it is used; an unknown code; a malformed body.
    let body = json!(common::enrolment_request(&code, "基隆港製證櫃檯 1"));
    let enrolment = api.post("/v1/enrolments").body(body.clone()).expect(201).await.json;
    let key = enrolment["station_key"].as_str().map(str::to_owned);
    let key = key.as_deref();
    api.post("/v1/enrolments").body(body).expect(409).await;
    let unknown = json!(common::enrolment_request("NOPE-NOPE", "x"));
    let answer = api.post("/v1/enrolments").body(unknown).expect(404).await;
    assert_eq!(answer.json["code"], "enrolment_code_unknown");
    api.post("/v1/enrolments")
        .body(json!({"station_name": "x"}))
        .expect(400)
        .await;

    // A station of another office, for 403.
    let codes = "/admin/enrolment-codes";
    let other = api.post(codes).body(json!({"office": "TWKHH"})).expect(200).await.json;
    api.post(codes).body(json!({"office": "XXXXX"})).expect(400).await;
    let other_code = other["code"].as_str().expect("a code");
    let other_body = json!(common::enrolment_request(other_code, "高雄港製證櫃檯"));
    let other_enrolment = api.post("/v1/enrolments").body(other_body).expect(201).await.json;
    let other_key = other_enrolment["station_key"].as_str();

    // The feed: every page, then the errors.
    let items = "/v1/offices/{office}/items";
    let mut cursor = String::new();
    let mut seen = 0;
    let mut a_person = None;
    loop {
        let query = if cursor.is_empty() {
            "?limit=25".to_owned()
        } else {
            format!("?limit=25&after={cursor}")
        };
        let page = api
            .get(&format!("{items}{query}"))
            .at("office", "TWKEL")
            .key(key)
            .expect(200)
            .await
            .json;
        seen += page["items"].as_array().map_or(0, Vec::len);
        a_person = a_person.or_else(|| {
            let items = page["items"].as_array()?;
            let person = items.iter().find(|item| item["holder"]["type"] == "person")?;
            assert!(
                person["holder_id_hash"]
                    .as_str()
                    .is_some_and(|h| h.starts_with("$argon2id$")),
                "a person's item carries the ID hash: {person}"
            );
            person["pass_id"].as_str().map(str::to_owned)
        });
        cursor = page["next_cursor"].as_str().expect("a cursor").to_owned();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(seen, 60);
    api.get(items).at("office", "TWKEL").expect(401).await;
    api.get(items)
        .at("office", "TWKEL")
        .key(Some("not-a-station-key"))
        .expect(401)
        .await;
    let answer = api.get(items).at("office", "TWKEL").key(other_key).expect(403).await;
    assert_eq!(answer.json["code"], "wrong_office");
    for query in ["?after=garbage", "?limit=0", "?limit=1001", "?limit=ten"] {
        api.get(&format!("{items}{query}"))
            .at("office", "TWKEL")
            .key(key)
            .expect(400)
            .await;
    }

    // Photos.
    let first = api
        .get(&format!("{items}?limit=60"))
        .at("office", "TWKEL")
        .key(key)
        .expect(200)
        .await
        .json;
    let sha = first["items"]
        .as_array()
        .and_then(|items| items.iter().find_map(|i| i["photo_sha256"].as_str()))
        .expect("a person with a photo")
        .to_owned();
    let no_photo = "0".repeat(64);
    let photo = "/v1/photos/{sha256}";
    api.get(photo).at("sha256", &sha).key(key).expect(200).await;
    api.get(photo).at("sha256", &no_photo).key(key).expect(404).await;
    api.get(photo).at("sha256", &sha).expect(401).await;

    // Events: accepted, rejected, duplicate; an empty batch; no key; an injected failure.
    let event = |key: &str, kind: &str, payload: Value| json!({"idempotency_key": key, "kind": kind, "occurred_at": "2026-11-20T08:00:00+08:00", "payload": payload});
    let received = json!({"versions": {"KEL-2026-000001": 1}, "withdrawn": []});
    let batch = json!({"events": [
        event("e-1", "items_received", received.clone()),
        event("e-1", "items_received", received.clone()),
    ]});
    let results = api.post("/v1/events").key(key).body(batch).expect(200).await.json;
    let results = results["results"].as_array().expect("results");
    let outcomes: Vec<&str> = results.iter().filter_map(|r| r["outcome"].as_str()).collect();
    assert_eq!(outcomes, ["accepted", "duplicate"]);
    // A batch with one event that breaks the schema is refused whole; nothing of it is recorded.
    for malformed in [
        event("e-2", "Card Printed", json!({})),
        event("e-3", "card_printed", json!([1, 2])),
        event("e-5", "card_lost", json!({})),
        event(
            "e-6",
            "items_received",
            json!({"versions": {"KEL-2026-000001": -1}, "withdrawn": []}),
        ),
        event("e-7", "items_received", json!({"versions": {}, "withdrawn": []})),
        event("", "items_received", received.clone()),
    ] {
        let batch = json!({"events": [event("e-4", "items_received", received.clone()), malformed]});
        let answer = api.post("/v1/events").key(key).body(batch).expect(400).await;
        assert_eq!(answer.json["code"], "bad_request");
    }
    // An audit head the station's key did not sign is refused with a reason.
    let forged = json!({"seq": 1, "hash": "ab".repeat(32), "signature": "0oRDoQEnoEBA"});
    let batch = json!({"events": [event("e-head", "audit_head", forged.clone())]});
    let results = api.post("/v1/events").key(key).body(batch).expect(200).await.json;
    assert_eq!(results["results"][0]["outcome"], "rejected", "{results}");
    // A station restored from a backup: central answers how many entries past
    // the backup's head it had heads for; a head the station did not sign is refused.
    let restored = json!({"backup_head": null, "backup_taken_at": "2026-12-01T08:00:00Z", "audit_seq": 1});
    let batch = json!({"events": [event("e-restored", "station_restored", restored.clone())]});
    let results = api.post("/v1/events").key(key).body(batch).expect(200).await.json;
    assert_eq!(results["results"][0]["outcome"], "accepted", "{results}");
    assert_eq!(results["results"][0]["audit_entries_lost"], 0, "{results}");
    let batch = json!({"events": [event("e-restored", "station_restored", restored.clone())]});
    let again = api.post("/v1/events").key(key).body(batch).expect(200).await.json;
    assert_eq!(again["results"][0]["outcome"], "duplicate", "{again}");
    assert_eq!(
        again["results"][0]["audit_entries_lost"], 0,
        "a restore sent again is answered the same"
    );
    let restored = json!({"backup_head": forged, "backup_taken_at": "2026-12-01T08:00:00Z", "audit_seq": 2});
    let batch = json!({"events": [event("e-restored-forged", "station_restored", restored)]});
    let results = api.post("/v1/events").key(key).body(batch).expect(200).await.json;
    assert_eq!(results["results"][0]["outcome"], "rejected", "{results}");
    api.post("/v1/events")
        .key(key)
        .body(json!({"events": []}))
        .expect(400)
        .await;
    api.post("/v1/events").body(json!({"events": []})).expect(401).await;
    let fault = json!({"kind": "status_500", "path_prefix": "/v1/events", "times": 1});
    api.post("/admin/faults").body(fault).expect(200).await;
    let printed = json!({"pass_id": "KEL-2026-000001", "version": 1, "actor": "chen", "audit_seq": 1});
    let batch = json!({"events": [event("e-9", "card_printed", printed)]});
    api.post("/v1/events").key(key).body(batch).expect(500).await;

    // The trust list and hotlist: signed bytes, only for enrolled stations.
    api.get("/v1/trust-list").key(key).expect(200).await;
    api.get("/v1/trust-list").expect(401).await;
    api.get("/v1/hotlist").key(key).expect(200).await;
    api.get("/v1/hotlist?after=0").expect(401).await;
    api.get("/v1/hotlist?after=99").key(key).expect(410).await;
    api.get("/v1/hotlist?after=soon").key(key).expect(400).await;
    let station_id = enrolment["station_id"].as_str().expect("a station id");
    let revoke_signer = "/admin/stations/{station_id}/revoke-signer";
    api.post(revoke_signer).at("station_id", station_id).expect(200).await;
    api.post(revoke_signer).at("station_id", "nobody").expect(404).await;
    let cards = "/admin/hotlist/cards";
    let voided = api
        .post(cards)
        .body(json!({"card_uid": "04A1B2C3D4E5F6", "expires": "2027-12-31T23:59:59+08:00"}))
        .expect(200)
        .await;
    assert_eq!(voided.json["sequence"], 1);
    api.post(cards)
        .body(json!({"card_uid": "not hex", "expires": "2027-12-31T23:59:59+08:00"}))
        .expect(400)
        .await;

    // Admin: generated and pending items, approvals, edits, revocations, withdrawals.
    let made = api
        .post("/admin/generate")
        .body(json!({"count": 5, "office": "TWKEL"}))
        .expect(200)
        .await;
    assert_eq!(made.json["pass_ids"].as_array().map(Vec::len), Some(5));
    api.post("/admin/generate")
        .body(json!({"count": 0, "office": "TWKEL"}))
        .expect(400)
        .await;
    let request = json!({"office": "TWKEL", "ports": ["TWKHH"], "items": 8, "temporary": true});
    let application = api.post("/admin/applications").body(request).expect(200).await.json;
    let pending = application["pass_ids"][0].as_str().expect("a pass ID").to_owned();
    let bad = json!({"office": "TWKEL", "ports": ["NOWHERE"], "items": 1, "temporary": false});
    api.post("/admin/applications").body(bad).expect(400).await;

    let approve = "/admin/items/{pass_id}/approve";
    let port = |code: &str| json!({"port": code});
    let state = api
        .post(approve)
        .at("pass_id", &pending)
        .body(port("TWKEL"))
        .expect(200)
        .await
        .json;
    assert_eq!(state["waiting_for"], json!(["TWKHH"]));
    api.post(approve)
        .at("pass_id", &pending)
        .body(port("TWTXG"))
        .expect(400)
        .await;
    let state = api
        .post(approve)
        .at("pass_id", &pending)
        .body(port("TWKHH"))
        .expect(200)
        .await
        .json;
    assert_eq!(state["state"], "approved");
    api.post(approve)
        .at("pass_id", &pending)
        .body(port("TWKHH"))
        .expect(409)
        .await;
    api.post(approve)
        .at("pass_id", "KEL-1999-000001")
        .body(port("TWKEL"))
        .expect(404)
        .await;

    let edit = "/admin/items/{pass_id}/edit";
    let state = api.post(edit).at("pass_id", &pending).expect(200).await.json;
    assert_eq!(state["version"], 2);
    api.post(edit).at("pass_id", "nothing").expect(404).await;
    let many = api
        .post("/admin/edit-many")
        .body(json!({"count": 3, "office": "TWKEL"}))
        .expect(200)
        .await;
    assert_eq!(many.json["pass_ids"].as_array().map(Vec::len), Some(3));
    api.post("/admin/edit-many").body(json!({"count": 3})).expect(400).await;

    let revoke = "/admin/items/{pass_id}/revoke";
    let revocation = api
        .post(revoke)
        .at("pass_id", &pending)
        .body(json!({"reason": "遺失"}))
        .expect(200)
        .await
        .json;
    assert_eq!(revocation["version"], 2);
    api.post(revoke)
        .at("pass_id", &pending)
        .body(json!({"reason": " "}))
        .expect(400)
        .await;
    api.post(revoke)
        .at("pass_id", "nothing")
        .body(json!({"reason": "x"}))
        .expect(404)
        .await;

    // Generated crews come with one person refused (withdrawn) each; this withdrawal adds one.
    let refused_at_generation = api.get("/admin/stats").expect(200).await.json["items_withdrawn"].clone();
    let withdraw = "/admin/items/{pass_id}/withdraw";
    let state = api.post(withdraw).at("pass_id", &pending).expect(200).await.json;
    assert_eq!(state["state"], "withdrawn");
    api.post(withdraw).at("pass_id", &pending).expect(409).await;
    api.post(edit).at("pass_id", &pending).expect(409).await;
    api.post(withdraw).at("pass_id", "nothing").expect(404).await;

    // The withdrawn item is the feed's newest change, in the contract's shape.
    let after = format!("{items}?after={cursor}");
    let page = api.get(&after).at("office", "TWKEL").key(key).expect(200).await.json;
    let last = page["items"]
        .as_array()
        .and_then(|items| items.last())
        .expect("changes after the cursor");
    assert_eq!(last["pass_id"].as_str(), Some(pending.as_str()));
    assert_eq!(
        (last["status"].as_str(), last["version"].as_u64()),
        (Some("withdrawn"), Some(3))
    );

    // Bad data goes to another office's feed, so the pages checked above stay in the contract.
    let raw = json!({"office": "TWKHH", "items": [{"pass_id": "KHH-2026-000001"}, "garbage"]});
    let appended = api.post("/admin/raw-items").body(raw).expect(200).await.json;
    assert_eq!(appended["appended"], 2);
    api.post("/admin/raw-items")
        .body(json!({"office": "TWKHH"}))
        .expect(400)
        .await;

    let corrupt = "/admin/photos/{sha256}/corrupt";
    api.post(corrupt).at("sha256", &sha).expect(200).await;
    api.post(corrupt).at("sha256", &no_photo).expect(404).await;

    let slow = json!({"kind": "latency", "path_prefix": "/v1/x", "times": 2, "latency_ms": 5});
    let armed = api.post("/admin/faults").body(slow).expect(200).await.json;
    assert_eq!(armed["armed"][0]["times"], 2);
    let unknown = json!({"kind": "earthquake", "path_prefix": "/", "times": 1});
    api.post("/admin/faults").body(unknown).expect(400).await;
    let cleared = api.call(Method::DELETE, "/admin/faults").expect(200).await.json;
    assert_eq!(cleared["armed"], json!([]));

    let events = api.get("/admin/events").expect(200).await.json;
    let stored = events["events"].as_array().expect("events");
    assert_eq!(stored.len(), 2, "only the accepted events are stored: {stored:#?}");
    assert_eq!(stored[0]["times_received"], 2);
    assert_eq!(stored[1]["kind"], "station_restored");

    // A new feed epoch: the old cursor is refused.
    api.post("/admin/feed/reset").expect(200).await;
    let answer = api.get(&after).at("office", "TWKEL").key(key).expect(410).await;
    assert_eq!(answer.json["code"], "cursor_expired");

    let fingerprint = api.get("/admin/root-fingerprint").expect(200).await.json;
    assert_eq!(fingerprint["fingerprint"].as_str().map(str::len), Some(64));

    let stats = api.get("/admin/stats").expect(200).await.json;
    assert_eq!(stats["stations"], 2);
    assert_eq!(
        stats["items_withdrawn"].as_u64(),
        refused_at_generation.as_u64().map(|n| n + 1)
    );

    // Central's own view: the outbox (nothing released yet) and a holder's whole document.
    let sent = api.get("/admin/notifications").expect(200).await.json;
    assert_eq!(sent["notifications"], json!([]), "no card was released");
    let closed = api.get("/admin/day-reports").expect(200).await.json;
    assert_eq!(closed["reports"], json!([]), "no day was closed");
    let a_person = a_person.expect("the feed holds a person");
    let holder_document = "/admin/items/{pass_id}/holder-document";
    let held = api.get(holder_document).at("pass_id", &a_person).expect(200).await.json;
    assert!(
        held["document"]["number"].as_str().is_some_and(|n| n.len() == 10),
        "{held}"
    );
    api.get(holder_document)
        .at("pass_id", "KEL-1999-000000")
        .expect(404)
        .await;

    // Users: made by the admin, signed in by a station of their office, locked, frozen, unfrozen.
    let users = "/admin/users";
    let user = |username: &str, password: &str| {
        json!({"username": username, "display_name": "陳美玲", "roles": ["clerk", "gate_officer"],
               "office": "TWKEL", "password": password})
    };
    api.post(users).body(user("chen", "Keelung#2026")).expect(201).await;
    api.post(users).body(user("chen", "Keelung#2026")).expect(409).await;
    let answer = api.post(users).body(user("lin", "keelungport")).expect(422).await;
    assert_eq!(answer.json["code"], "weak_password");
    api.post(users).body(user("lin lin", "Keelung#2026")).expect(400).await;
    api.post(users).body(user("wang", "Keelung#2026")).expect(201).await;

    let sign_in = "/v1/sign-in";
    let credentials = |username: &str, password: &str| json!({"username": username, "password": password});
    let profile = api
        .post(sign_in)
        .key(key)
        .body(credentials("chen", "Keelung#2026"))
        .expect(200)
        .await
        .json;
    assert_eq!(profile["roles"], json!(["clerk", "gate_officer"]));
    api.post(sign_in)
        .body(credentials("chen", "Keelung#2026"))
        .expect(401)
        .await;
    api.post(sign_in)
        .key(key)
        .body(json!({"username": "chen"}))
        .expect(400)
        .await;
    for _ in 0..4 {
        let answer = api
            .post(sign_in)
            .key(key)
            .body(credentials("chen", "wrong"))
            .expect(401)
            .await;
        assert_eq!(answer.json["code"], "bad_credentials");
    }
    let answer = api
        .post(sign_in)
        .key(key)
        .body(credentials("chen", "wrong"))
        .expect(423)
        .await;
    assert_eq!(answer.json["code"], "account_locked");

    let last_sign_in = "/admin/users/{username}/last-sign-in";
    let long_ago = json!({"at": "2020-01-01T08:00:00+08:00"});
    api.post(last_sign_in)
        .at("username", "wang")
        .body(long_ago.clone())
        .expect(200)
        .await;
    api.post(last_sign_in)
        .at("username", "nobody")
        .body(long_ago)
        .expect(404)
        .await;
    api.post(last_sign_in)
        .at("username", "wang")
        .body(json!({"at": "then"}))
        .expect(400)
        .await;
    let answer = api
        .post(sign_in)
        .key(key)
        .body(credentials("wang", "Keelung#2026"))
        .expect(403)
        .await;
    assert_eq!(answer.json["code"], "account_frozen");

    let password = "/v1/password";
    let change =
        |username: &str, old: &str, new: &str| json!({"username": username, "old_password": old, "new_password": new});
    api.post(password)
        .key(key)
        .body(change("wang", "wrong", "Taipei@2027"))
        .expect(401)
        .await;
    api.post(password)
        .key(key)
        .body(change("wang", "Keelung#2026", "Taipeiport"))
        .expect(422)
        .await;
    api.post(password)
        .key(key)
        .body(json!({"username": "wang"}))
        .expect(400)
        .await;
    api.post(password)
        .key(key)
        .body(change("chen", "Keelung#2026", "Taipei@2027"))
        .expect(423)
        .await;
    api.post(password)
        .key(key)
        .body(change("wang", "Keelung#2026", "Taipei@2027"))
        .expect(204)
        .await;
    api.post(sign_in)
        .key(key)
        .body(credentials("wang", "Taipei@2027"))
        .expect(200)
        .await;

    // A reprint: the new record; refused without a reason, for another office, for no approved item.
    let reprint = "/v1/items/{pass_id}/reprint";
    let reason = json!({"reason": "卡片損壞", "approved_by": "chen", "card_uid": "04A1B2C3D4E5F6"});
    let approved = made.json["pass_ids"][0].as_str().expect("a generated pass ID");
    let item = api
        .post(reprint)
        .at("pass_id", approved)
        .key(key)
        .body(reason.clone())
        .expect(200)
        .await
        .json;
    assert_eq!(item["version"], 2);
    let no_reason = json!({"reason": " ", "approved_by": "chen", "card_uid": null});
    api.post(reprint)
        .at("pass_id", approved)
        .key(key)
        .body(no_reason)
        .expect(400)
        .await;
    api.post(reprint)
        .at("pass_id", approved)
        .body(reason.clone())
        .expect(401)
        .await;
    let answer = api
        .post(reprint)
        .at("pass_id", approved)
        .key(other_key)
        .body(reason.clone())
        .expect(403)
        .await;
    assert_eq!(answer.json["code"], "wrong_office");
    api.post(reprint)
        .at("pass_id", "nothing")
        .key(key)
        .body(reason.clone())
        .expect(404)
        .await;
    api.post(reprint)
        .at("pass_id", &pending)
        .key(key)
        .body(reason.clone())
        .expect(409)
        .await;
    let waiting = application["pass_ids"][1].as_str().expect("a pending pass ID");
    api.post(reprint)
        .at("pass_id", waiting)
        .key(key)
        .body(reason)
        .expect(409)
        .await;

    // A desk's photo: refused when it is no whole JPEG, too large, not sent as
    // a JPEG, for another office or no approved person's pass; then stored,
    // named in the record at the same version, served, and last in the feed.
    let put_photo = "/v1/items/{pass_id}/photo";
    let person = first["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["holder"]["type"] == "person"))
        .expect("a person's pass")
        .clone();
    let person_id = person["pass_id"].as_str().expect("a pass ID");
    let jpeg = common::jpeg(300, 400);
    let refusals: [(&'static str, Vec<u8>, u16, &str); 5] = [
        ("image/jpeg", jpeg[..jpeg.len() / 2].to_vec(), 400, "bad_request"),
        ("image/jpeg", Vec::new(), 400, "bad_request"),
        ("image/jpeg", common::jpeg(60, 80), 400, "bad_request"),
        (
            "image/jpeg",
            vec![0xFF; pass_central::api::MAX_PHOTO_BYTES + 1],
            413,
            "photo_too_large",
        ),
        ("image/png", jpeg.clone(), 415, "unsupported_media_type"),
    ];
    for (media_type, bytes, status, code) in refusals {
        let answer = api
            .put(put_photo)
            .at("pass_id", person_id)
            .key(key)
            .raw(media_type, bytes)
            .expect(status)
            .await;
        assert_eq!(answer.json["code"], code, "{}", answer.json);
    }
    api.put(put_photo)
        .at("pass_id", person_id)
        .raw("image/jpeg", jpeg.clone())
        .expect(401)
        .await;
    let answer = api
        .put(put_photo)
        .at("pass_id", person_id)
        .key(other_key)
        .raw("image/jpeg", jpeg.clone())
        .expect(403)
        .await;
    assert_eq!(answer.json["code"], "wrong_office");
    api.put(put_photo)
        .at("pass_id", "nothing")
        .key(key)
        .raw("image/jpeg", jpeg.clone())
        .expect(404)
        .await;
    api.put(put_photo)
        .at("pass_id", &pending)
        .key(key)
        .raw("image/jpeg", jpeg.clone())
        .expect(409)
        .await;
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&jpeg))
    };
    let item = api
        .put(put_photo)
        .at("pass_id", person_id)
        .key(key)
        .raw("image/jpeg", jpeg.clone())
        .expect(200)
        .await
        .json;
    assert_eq!(item["photo_sha256"], sha.as_str());
    let served = api.get(photo).at("sha256", &sha).key(key).expect(200).await;
    assert_eq!(served.bytes, jpeg);
    let last = api.last_in_feed(key).await;
    assert_eq!(last["pass_id"], person_id);
    assert_eq!(last["photo_sha256"], sha.as_str());
    assert_eq!(last["version"], item["version"]);

    // Claims between two desks of one office: granted to the first, held
    // elsewhere for the second (naming the first), extended when asked again;
    // a take-over moves it with a reason; a release ends it; the feed carries it.
    let second_code = api.post(codes).body(json!({"office": "TWKEL"})).expect(200).await.json;
    let second_body = json!(common::enrolment_request(
        second_code["code"].as_str().expect("a code"),
        "基隆港製證櫃檯 2"
    ));
    let second = api.post("/v1/enrolments").body(second_body).expect(201).await.json;
    let second_key = second["station_key"].as_str();
    let claims = "/v1/claims";
    let claimed = made.json["pass_ids"][1].as_str().expect("a generated pass ID");
    let asked = json!({"pass_ids": [claimed, "nothing", &pending]});
    let first_claim = api.post(claims).key(key).body(asked).expect(200).await.json;
    let outcomes: Vec<_> = first_claim["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(outcomes, ["granted", "not_claimable", "not_claimable"]);
    assert_eq!(first_claim["results"][0]["claim"]["desk"], "基隆港製證櫃檯 1");
    assert_eq!(first_claim["results"][0]["claim"]["first_print"], 1);
    let held = api
        .post(claims)
        .key(second_key)
        .body(json!({"pass_ids": [claimed]}))
        .expect(200)
        .await
        .json;
    assert_eq!(held["results"][0]["outcome"], "held_elsewhere");
    assert_eq!(held["results"][0]["claim"]["desk"], "基隆港製證櫃檯 1");
    let again = api
        .post(claims)
        .key(key)
        .body(json!({"pass_ids": [claimed]}))
        .expect(200)
        .await
        .json;
    assert_eq!(
        again["results"][0]["claim"]["since"],
        first_claim["results"][0]["claim"]["since"]
    );
    api.post(claims)
        .key(key)
        .body(json!({"pass_ids": []}))
        .expect(400)
        .await;
    api.post(claims).body(json!({"pass_ids": [claimed]})).expect(401).await;
    let release = "/v1/claims/{pass_id}";
    let refused = api
        .call(Method::DELETE, release)
        .at("pass_id", claimed)
        .key(second_key)
        .expect(409)
        .await;
    assert_eq!(refused.json["code"], "conflict");
    let take_over = "/v1/claims/{pass_id}/take-over";
    let why = json!({"reason": "櫃檯 1 的電腦故障", "approved_by": "lin"});
    let taken = api
        .post(take_over)
        .at("pass_id", claimed)
        .key(second_key)
        .body(why.clone())
        .expect(200)
        .await
        .json;
    assert_eq!(taken["desk"], "基隆港製證櫃檯 2");
    assert_eq!(
        taken["first_print"], 1001,
        "a new holder's prints start past the last one's"
    );
    let no_reason = json!({"reason": "", "approved_by": "lin"});
    let refusals = [
        (second_key, claimed, &no_reason, 400, "bad_request"),
        (None, claimed, &why, 401, "unauthorized"),
        (other_key, claimed, &why, 403, "wrong_office"),
        (key, "nothing", &why, 404, "not_found"),
        (key, pending.as_str(), &why, 409, "conflict"),
    ];
    for (who, pass_id, body, status, code) in refusals {
        let answer = api
            .post(take_over)
            .at("pass_id", pass_id)
            .key(who)
            .body(body.clone())
            .expect(status)
            .await;
        assert_eq!(answer.json["code"], code, "{}", answer.json);
    }
    api.call(Method::DELETE, release)
        .at("pass_id", claimed)
        .key(second_key)
        .expect(204)
        .await;
    api.call(Method::DELETE, release)
        .at("pass_id", claimed)
        .key(second_key)
        .expect(204)
        .await;
    api.call(Method::DELETE, release)
        .at("pass_id", claimed)
        .expect(401)
        .await;
    let answer = api
        .call(Method::DELETE, release)
        .at("pass_id", claimed)
        .key(other_key)
        .expect(403)
        .await;
    assert_eq!(answer.json["code"], "wrong_office");
    api.call(Method::DELETE, release)
        .at("pass_id", "nothing")
        .key(key)
        .expect(404)
        .await;
    let regained = api
        .post(claims)
        .key(key)
        .body(json!({"pass_ids": [claimed]}))
        .expect(200)
        .await
        .json;
    assert_eq!(
        regained["results"][0]["outcome"], "granted",
        "an ended claim binds no one"
    );
    let last = api.last_in_feed(key).await;
    assert_eq!(last["pass_id"], claimed);
    assert_eq!(last["claim"]["desk"], "基隆港製證櫃檯 1");

    let missing: Vec<_> = api.contract.operations().difference(&api.called).cloned().collect();
    assert!(missing.is_empty(), "never called: {missing:?}");
    sim.stop();
}

#[test]
fn the_contract_documents_every_error_code_the_crate_names() {
    use pass_central::api::error_code::*;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).expect("readable");
    let codes = [
        CURSOR_EXPIRED,
        ENROLMENT_CODE_UNKNOWN,
        ENROLMENT_CODE_USED,
        UNAUTHORIZED,
        WRONG_OFFICE,
        NOT_FOUND,
        BAD_REQUEST,
        CONFLICT,
        INTERNAL,
        BAD_CREDENTIALS,
        ACCOUNT_LOCKED,
        ACCOUNT_FROZEN,
        WEAK_PASSWORD,
        PHOTO_TOO_LARGE,
        UNSUPPORTED_MEDIA_TYPE,
    ];
    for code in codes {
        assert!(
            text.contains(&format!("`{code}`")),
            "openapi.yaml does not document `{code}`"
        );
    }
}

#[test]
fn the_checks_refuse_what_breaks_the_contract() {
    let contract = Contract::load();
    let schema = json!({"$ref": "#/components/schemas/WireItem"});
    let good = json!({
        "pass_id": "KEL-2026-000001", "version": 1, "status": "approved", "application_id": "A-2026-000001",
        "holder": {"type": "person", "name": "王小明", "name_latin": null, "national_id_masked": "A12****789"},
        "temporary": false, "company": {"name": "港泰海運股份有限公司", "tax_id": "22099131"},
        "ports": ["TWKEL"], "valid_from": "2026-12-01", "valid_to": "2027-11-30", "pickup_office": "TWKEL",
        "photo_sha256": null, "changed_at": "2026-11-20T08:00:00Z"
    });
    assert_eq!(contract.errors(&schema, &good), Vec::<String>::new());
    // The same item serialised by the wire type is in the contract too.
    let typed: pass_central::api::WireItem = serde_json::from_value(good.clone()).expect("a wire item");
    let typed = serde_json::to_value(typed).expect("JSON");
    assert_eq!(contract.errors(&schema, &typed), Vec::<String>::new());

    let broken = [
        ("/valid_to", json!("2027-02-30")),
        ("/changed_at", json!("yesterday")),
        ("/status", json!("pending")),
        ("/holder/type", json!("animal")),
        ("/holder/national_id_masked", json!("A123456789")),
        ("/photo_sha256", json!("not-a-hash")),
        ("/ports", json!([])),
        ("/version", json!(-1)),
    ];
    for (pointer, value) in broken {
        let mut item = good.clone();
        *item.pointer_mut(pointer).expect("a field") = value;
        assert!(!contract.errors(&schema, &item).is_empty(), "{pointer} broken passes");
    }
    let mut missing = good.clone();
    missing.as_object_mut().expect("an object").remove("photo_sha256");
    assert!(
        !contract.errors(&schema, &missing).is_empty(),
        "a missing nullable field passes"
    );

    // An audit head as the station signs it is in the contract.
    let key = pass_credential::SigningKey::generate(pass_credential::Algorithm::EdDsa).expect("a key");
    let head = pass_credential::AuditHead {
        station_id: "station-1".to_owned(),
        seq: 3,
        hash: "ab".repeat(32),
    };
    let payload = pass_central::api::AuditHeadPayload::sign(&head, &key).expect("signed");
    let payload = serde_json::to_value(payload).expect("JSON");
    let schema = json!({"$ref": "#/components/schemas/AuditHeadPayload"});
    assert_eq!(contract.errors(&schema, &payload), Vec::<String>::new());
}

#[tokio::test]
async fn what_the_framework_refuses_by_itself_is_an_api_error_too() {
    let (sim, _dir) = common::start_sim(0, false);
    let contract = Contract::load();
    let api_error = json!({"$ref": "#/components/schemas/ApiError"});
    let http = common::http();
    let code = sim.enrolment_code("TWKEL").expect("a code made at start");
    let enrolment = http
        .post(format!("{}/v1/enrolments", sim.url()))
        .json(&common::enrolment_request(&code, "基隆港製證櫃檯 1"))
        .send()
        .await
        .expect("enrolled");
    let key = enrolment.json::<Value>().await.expect("an enrolment")["station_key"]
        .as_str()
        .expect("a station key")
        .to_owned();
    let base = sim.url();
    let cases = [
        (Method::GET, "/v1/nothing-here", None, 404),
        (Method::DELETE, "/v1/events", None, 405),
        (Method::GET, "/v1/hotlist?after=1&after=2", None, 400),
        (Method::GET, "/v1/offices/TWKEL/items?limit=5&limit=6", None, 400),
        (Method::GET, "/v1/offices/twkel/items", None, 400),
        (Method::GET, "/v1/photos/%FF", None, 400),
        (Method::GET, "/v1/photos/not-a-hash", None, 400),
        (Method::POST, "/v1/sign-in", Some("text/plain"), 400),
        (Method::POST, "/v1/sign-in", Some("application/json"), 400),
    ];
    for (method, path, content_type, expected) in cases {
        let mut request = http.request(method.clone(), format!("{base}{path}")).bearer_auth(&key);
        if let Some(content_type) = content_type {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body("{not json");
        }
        let (status, media, answer) = Answer::read(request.send().await.expect("an answer")).await;
        let text = String::from_utf8_lossy(&answer.bytes);
        assert_eq!(status, expected, "{method} {path}: {text}");
        assert!(
            media.starts_with("application/json"),
            "{method} {path} came as {media:?}: {text}"
        );
        assert_eq!(
            contract.errors(&api_error, &answer.json),
            Vec::<String>::new(),
            "{text}"
        );
    }
    sim.stop();
}
