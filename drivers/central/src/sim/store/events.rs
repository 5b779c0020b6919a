//! The events stations report: recorded once per idempotency key, in
//! order, with what an accepted event sets off (a retired card on the
//! hotlist, a hand-over on the item, an audit head kept), and the list of
//! everything recorded.
//!
//! What it is not for: checking an audit head (see [`super::audit_heads`])
//! or writing hotlist entries (see [`super::hotlist`]).

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use super::audit_heads::{audit_head, keep_audit_head, restore_answer, restore_point, supersede_heads};
use super::claims::follow_card_step;
use super::day_reports::keep_day_report;
use super::db::{Store, rfc3339, to_json};
use super::feed::{change_item, known_item, open_at_version};
use super::hotlist::{end_of_day, hotlist_card, hotlist_print};
use super::pickups::{issue_pickup_code, mark_pickup_code_used, remind_of_pickup};
use crate::api::{EventOutcome, EventResult, HandedOverCard, ItemStatus};
use crate::events::{CardFaces, CardStep, CardStepEvent, ItemsReceived, StationEvent};
use crate::sim::admin::StoredEvent;
use crate::sim::error::{SimError, parse_card_uid};
use crate::sim::reported::ReportedEvent;
use pass_credential::Revocation as Why;

/// How long a voided card stays on the hotlist when its pass is not known.
const UNKNOWN_PASS_CARD_HOTLISTED: time::Duration = time::Duration::days(365);

impl Store {
    /// Records each event whose key is new; one result per event, in order.
    /// The first time it arrives, a card step's `retired_card` goes on the
    /// hotlist (its print and its chip), its `handed_over_card` is recorded on
    /// the item, for the office's other desks to see in the feed, the card in
    /// work and the claim follow the step (see [`follow_card_step`]), and an
    /// audit head is kept once its signature and sequence check out (see
    /// [`audit_head`]); a head that does not is rejected and not recorded.
    /// A `station_restored` moves the heads past the backup's aside and
    /// answers how many entries that were (see [`restore_point`]).
    /// A release issues the card's pick-up code to the company's delegate; a
    /// hand-over that used one marks it used; a reminder sends the delegate
    /// the code again. A closed day's report is kept once its signature
    /// checks out (see [`keep_day_report`]); one that does not is rejected
    /// and not recorded.
    pub(crate) fn record_events(
        &mut self,
        station_id: &str,
        events: &[ReportedEvent],
    ) -> Result<Vec<EventResult>, SimError> {
        let pickup_key = self.pickup_key.clone();
        self.write("recording events", |tx| {
            let received_at = rfc3339(OffsetDateTime::now_utc());
            let mut again =
                tx.prepare("UPDATE events SET times_received = times_received + 1 WHERE idempotency_key = ?1")?;
            let mut insert = tx.prepare(
                "INSERT INTO events (idempotency_key, station_id, kind, occurred_at, payload, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut results = Vec::with_capacity(events.len());
            for ReportedEvent { wire, event } in events {
                let result = |outcome, reason| EventResult {
                    idempotency_key: wire.idempotency_key.clone(),
                    outcome,
                    reason,
                    audit_entries_lost: None,
                };
                if again.execute([&wire.idempotency_key])? > 0 {
                    // A restore sent again is answered as it was the first time.
                    results.push(EventResult {
                        audit_entries_lost: restore_answer(tx, &wire.idempotency_key)?,
                        ..result(EventOutcome::Duplicate, None)
                    });
                    continue;
                }
                let head = match event {
                    StationEvent::AuditHead(payload) => match audit_head(tx, station_id, payload)? {
                        Ok(head) => Some(head),
                        Err(reason) => {
                            results.push(result(EventOutcome::Rejected, Some(reason)));
                            continue;
                        }
                    },
                    _ => None,
                };
                if let StationEvent::DayClosed(closed) = event
                    && let Err(reason) = keep_day_report(tx, station_id, closed, &received_at)?
                {
                    results.push(result(EventOutcome::Rejected, Some(reason)));
                    continue;
                }
                let restored = match event {
                    StationEvent::StationRestored(restored) => {
                        match restore_point(tx, station_id, restored.backup_head.as_ref())? {
                            Ok(point) => Some(point),
                            Err(reason) => {
                                results.push(result(EventOutcome::Rejected, Some(reason)));
                                continue;
                            }
                        }
                    }
                    _ => None,
                };
                insert.execute(params![
                    wire.idempotency_key,
                    station_id,
                    wire.kind,
                    rfc3339(wire.occurred_at),
                    to_json(&wire.payload)?,
                    received_at
                ])?;
                if let StationEvent::ItemsReceived(receipt) = event {
                    record_receipts(tx, station_id, receipt)?;
                }
                if let StationEvent::PickupReminder(reminder) = event {
                    remind_of_pickup(tx, reminder, wire.occurred_at)?;
                }
                if let StationEvent::CardStep(kind, step) = event {
                    if let Some(card) = &step.retired_card {
                        hotlist_retired_card(tx, step, card)?;
                    }
                    if let Some(card) = &step.handed_over_card {
                        record_hand_over(tx, step, card, wire.occurred_at)?;
                    }
                    follow_card_step(tx, station_id, *kind, step, wire.occurred_at)?;
                    if *kind == CardStep::Released && open_at_version(tx, &step.pass_id, step.version)? {
                        issue_pickup_code(tx, &pickup_key, &step.pass_id, step.version, wire.occurred_at)?;
                    }
                    if let Some(code_id) = step.detail.get("pickup_code_id").and_then(serde_json::Value::as_str) {
                        mark_pickup_code_used(tx, code_id, wire.occurred_at)?;
                    }
                }
                if let Some(head) = head {
                    keep_audit_head(tx, station_id, &head, &received_at)?;
                }
                if let Some((backup_head, lost)) = restored {
                    let from = backup_head.as_ref().map_or(0, |head| head.seq);
                    supersede_heads(tx, station_id, (&wire.idempotency_key, from, lost), &received_at)?;
                    if let Some(head) = backup_head {
                        keep_audit_head(tx, station_id, &head, &received_at)?;
                    }
                    results.push(EventResult {
                        audit_entries_lost: Some(lost),
                        ..result(EventOutcome::Accepted, None)
                    });
                    continue;
                }
                results.push(result(EventOutcome::Accepted, None));
            }
            Ok(results)
        })
    }

    pub(crate) fn events(&self) -> Result<Vec<StoredEvent>, SimError> {
        self.read("listing events", |conn| {
            let mut stmt = conn.prepare(
                "SELECT idempotency_key, station_id, kind, occurred_at, payload, received_at, times_received
                 FROM events ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get::<_, String>(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?;
            rows.map(|row| {
                let (idempotency_key, station_id, kind, occurred_at, payload, received_at, times_received) = row?;
                let payload = serde_json::from_str(&payload).map_err(|e| {
                    SimError::Internal(format!("the payload of event {idempotency_key} is damaged: {e}"))
                })?;
                Ok(StoredEvent {
                    idempotency_key,
                    station_id,
                    kind,
                    occurred_at,
                    payload,
                    received_at,
                    times_received,
                })
            })
            .collect()
        })
    }
}

/// Keeps each item version a page receipt names, once per station: a station
/// restored from a backup may read a page again cut at other places, and
/// names again items its lost self had reported.
fn record_receipts(conn: &Connection, station_id: &str, receipt: &ItemsReceived) -> Result<(), SimError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO item_receipts (station_id, pass_id, version, status) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
    )?;
    for (pass_id, version, status) in receipt.items() {
        let status = match status {
            ItemStatus::Approved => "approved",
            ItemStatus::Withdrawn => "withdrawn",
        };
        insert.execute(params![station_id, pass_id, version, status])?;
    }
    Ok(())
}

/// Puts both faces of a card a station took out of its work on the hotlist:
/// its print, and its chip if one was written.
fn hotlist_retired_card(conn: &Connection, step: &CardStepEvent, card: &CardFaces) -> Result<(), SimError> {
    let why = card.reason.unwrap_or(Why::Voided);
    let expires = card_hotlisted_until(conn, &step.pass_id)?;
    hotlist_print(conn, &step.pass_id, step.version, card.print, expires, why)?;
    if let Some(uid) = &card.card_uid {
        hotlist_card(conn, &parse_card_uid(uid)?, expires, why)?;
    }
    Ok(())
}

/// Notes on the item which card of it was handed over, and moves it to the
/// end of the feed, so the office's other desks learn of it at their next sync.
fn record_hand_over(
    conn: &Connection,
    step: &CardStepEvent,
    card: &CardFaces,
    at: OffsetDateTime,
) -> Result<(), SimError> {
    if !open_at_version(conn, &step.pass_id, step.version)? {
        return Ok(());
    }
    change_item(conn, &step.pass_id, |row| {
        row.item.handed_over = Some(HandedOverCard {
            version: step.version,
            print: card.print,
            card_uid: card.card_uid.clone(),
            at,
        });
        Ok(())
    })?;
    Ok(())
}

/// How long a card of this pass stays on the hotlist: until the pass would
/// have expired, or a year when the pass is not known.
fn card_hotlisted_until(conn: &Connection, pass_id: &str) -> Result<OffsetDateTime, SimError> {
    match known_item(conn, pass_id)? {
        Some(row) => end_of_day(row.item.valid_to),
        None => Ok(OffsetDateTime::now_utc() + UNKNOWN_PASS_CARD_HOTLISTED),
    }
}
#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::api::{Event, WireItem};

    fn event(key: &str, kind: &str, payload: serde_json::Value) -> ReportedEvent {
        let wire = Event {
            idempotency_key: key.to_owned(),
            kind: kind.to_owned(),
            occurred_at: OffsetDateTime::now_utc(),
            payload,
        };
        ReportedEvent::read(wire).expect("an event of the contract")
    }

    fn outcomes(results: &[EventResult]) -> Vec<EventOutcome> {
        results.iter().map(|r| r.outcome).collect()
    }

    #[test]
    fn an_event_is_recorded_once_however_often_it_comes() {
        let mut store = Store::in_memory();
        let received = json!({"versions": {"KEL-2026-000001": 1}, "withdrawn": []});
        let batch = [
            event("k-1", "items_received", received.clone()),
            event("k-1", "items_received", received),
        ];
        let results = store.record_events("station-1", &batch).expect("recorded");
        assert_eq!(outcomes(&results), [EventOutcome::Accepted, EventOutcome::Duplicate]);
        let stored = store.events().expect("listed");
        assert_eq!((stored.len(), stored[0].times_received), (1, 2));
    }

    #[test]
    fn an_item_version_named_by_two_receipts_is_received_once() {
        let mut store = Store::in_memory();
        let receipt = |versions: Value, withdrawn: Value| json!({"versions": versions, "withdrawn": withdrawn});
        let batch = [
            event(
                "k-1",
                "items_received",
                receipt(json!({"KEL-1": 1, "KEL-2": 1}), json!([])),
            ),
            // The same station, restored, cuts its pages elsewhere.
            event(
                "k-2",
                "items_received",
                receipt(json!({"KEL-2": 1, "KEL-3": 1}), json!(["KEL-3"])),
            ),
        ];
        let results = store.record_events("station-1", &batch).expect("recorded");
        assert_eq!(outcomes(&results), [EventOutcome::Accepted, EventOutcome::Accepted]);
        assert_eq!(store.stats().expect("stats").item_receipts, 3);
    }

    #[test]
    fn a_retired_card_goes_on_the_hotlist_and_a_hand_over_into_the_feed() {
        let mut store = Store::in_memory();
        let made = store.generate(2026, false, "TWKEL", 2).expect("generated");
        let card = |print: u32, uid: &str| json!({"print": print, "card_uid": uid});
        let spoiled = json!({"pass_id": made[0], "version": 1, "actor": "chen", "audit_seq": 3,
                             "retired_card": {"print": 1, "card_uid": "04AA01", "reason": "spoiled"}});
        let handed = json!({"pass_id": made[1], "version": 1, "actor": "chen", "audit_seq": 4,
                            "handed_over_card": card(2, "04AA02")});
        let batch = [
            event("k-1", "card_spoiled", spoiled),
            event("k-2", "card_handed_over", handed),
        ];
        let results = store.record_events("station-1", &batch).expect("recorded");
        assert_eq!(outcomes(&results), [EventOutcome::Accepted, EventOutcome::Accepted]);
        assert_eq!(store.count("hotlist"), 2, "the spoiled card's print and chip");

        let page = store.feed_page("TWKEL", None, 10).expect("a page");
        let last: WireItem = serde_json::from_str(page.items.last().expect("items")).expect("an item");
        let handed_over = last.handed_over.expect("the hand-over is on the item");
        assert_eq!(
            (
                last.pass_id.as_str(),
                handed_over.print,
                handed_over.card_uid.as_deref()
            ),
            (made[1].as_str(), 2, Some("04AA02"))
        );
    }
}
