//! The audit trail: one entry per thing done, hash-chained, and the heads of
//! the trail central has acknowledged.
//!
//! Each entry's hash covers its own fields and the hash of the entry before,
//! so changing, deleting or reordering any row breaks the chain from there
//! on. The chain alone cannot show its last rows deleted, nor stop someone who
//! rewrites every later hash too. For that the trail's head (its last entry's
//! number and hash, signed with the station key) goes to central with each
//! outbox send, where the station cannot take it back: central refuses a head
//! that goes back, and the station keeps the last head central acknowledged,
//! so [`Store::check_audit`] finds a trail that ends before it or holds
//! another entry at its place. Someone who also deletes that record still
//! meets central, which refuses the shorter head the station sends next.
//!
//! A station restored from a backup ([`crate::backup`]) holds the trail as
//! the backup had it, and with it the last head central had acknowledged
//! then, so the check above holds for it unchanged. What the failed machine
//! wrote after the backup is gone; central had kept heads for part of it.
//! The restore leaves a note in the station's state ([`RestoreNote`]) and an
//! entry in the trail, and central answers the restore with the number of
//! entries past the backup it had heads for; [`AuditCheck::restored`]
//! reports both, so the loss is told as what it is. The note excuses
//! nothing: the chain and the acknowledged head are checked as on any
//! station, so a trail cut after the restore is still found.
//!
//! Not here: signing the head and sending it (see [`crate::sync`]).

use pass_central::StationEvent;
use pass_central::api::AuditHeadPayload;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::db::{SqlContext, Store, StoreError, rfc3339, set_state_value};
use super::queue::enqueue;
use super::rows::parse_time;

/// The hash of the last head queued for central, in `station_state`.
const HEAD_QUEUED_KEY: &str = "audit_head_queued";
/// The last head central acknowledged, as JSON, in `station_state`.
const HEAD_ACKNOWLEDGED_KEY: &str = "audit_head_acknowledged";
/// The station's last restore from a backup, as JSON, in `station_state`.
pub(super) const RESTORED_KEY: &str = "restored_from_backup";

/// One entry of the trail.
///
/// Its hash covers the time as the cache stores it (RFC 3339 text); the chain
/// is checked against that text, never against `at` written out again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub pass_id: Option<String>,
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// Where the chain breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditCheck {
    pub entries: u64,
    /// The first entry that does not follow from the one before, or the
    /// first missing or different from the head central acknowledged, and why.
    pub broken_at: Option<(i64, String)>,
    /// The last head central acknowledged, which the trail must reach.
    pub acknowledged: Option<AcknowledgedHead>,
    /// When the station was restored from a backup, and what was lost.
    pub restored: Option<RestoreNote>,
}

/// A restore of the station from a backup, as the station notes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreNote {
    /// When the backup was taken, and when it was restored (RFC 3339).
    pub backup_taken_at: String,
    pub restored_at: String,
    /// The last entry of the trail the backup held (0 for an empty trail).
    pub backup_seq: i64,
    /// How many entries past it central had kept heads for, made by the
    /// failed machine and lost with it; `None` until central answers.
    pub entries_lost: Option<u64>,
}

/// The head of the trail (its last entry's number and hash) as central
/// acknowledged it with an `audit_head` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcknowledgedHead {
    pub seq: i64,
    pub hash: String,
    /// When central's answer came (RFC 3339, UTC, in the station's state).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What the station reads back from an `audit_head` event it queued.
#[derive(Deserialize)]
struct SentHead {
    seq: i64,
    hash: String,
}

/// The hash of an entry: SHA-256 over its fields, length-prefixed, and the previous hash.
fn entry_hash(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    pass_id: Option<&str>,
    detail: &str,
    prev: &str,
) -> String {
    let mut hasher = Sha256::new();
    for field in [&seq.to_string(), at, actor, action, pass_id.unwrap_or(""), detail, prev] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends an entry inside the caller's transaction; returns it.
pub(crate) fn append(
    tx: &Transaction<'_>,
    actor: &str,
    action: &str,
    pass_id: Option<&str>,
    detail: &serde_json::Value,
) -> Result<AuditEntry, StoreError> {
    let last: Option<(i64, String)> = tx
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .context("reading the audit trail's end")?;
    let (seq, prev_hash) = last.map_or((1, String::new()), |(seq, hash)| (seq + 1, hash));
    let at = OffsetDateTime::now_utc();
    let at_text = rfc3339(at);
    let detail_text = detail.to_string();
    let hash = entry_hash(seq, &at_text, actor, action, pass_id, &detail_text, &prev_hash);
    tx.execute(
        "INSERT INTO audit (seq, at, actor, action, pass_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at_text, actor, action, pass_id, detail_text, prev_hash, hash],
    )
    .context("appending to the audit trail")?;
    Ok(AuditEntry {
        seq,
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        pass_id: pass_id.map(str::to_owned),
        detail: detail.clone(),
        prev_hash,
        hash,
    })
}

/// Notes, inside the caller's transaction, that central accepted the head an
/// `audit_head` event carried (`payload`, as queued) when its answer came `at`.
pub(crate) fn acknowledge_head(tx: &Transaction<'_>, payload: &str, at: OffsetDateTime) -> Result<(), StoreError> {
    let sent: SentHead = serde_json::from_str(payload).map_err(|e| StoreError::Sql {
        context: "reading an audit head sent to central",
        source: rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)),
    })?;
    let acknowledged = AcknowledgedHead {
        seq: sent.seq,
        hash: sent.hash,
        at,
    };
    let json = serde_json::to_string(&acknowledged).expect("an acknowledged head always encodes");
    set_state_value(tx, HEAD_ACKNOWLEDGED_KEY, &json)
}

impl Store {
    /// The trail's head (its last entry's number and hash) if it moved since
    /// the last head queued for central; `None` when it did not, or the trail
    /// is empty.
    pub(crate) fn unsent_audit_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        let last: Option<(i64, String)> = self
            .conn
            .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .context("reading the audit trail's end")?;
        let queued = self.state_value(HEAD_QUEUED_KEY)?;
        Ok(last.filter(|(_, hash)| queued.as_deref() != Some(hash.as_str())))
    }

    /// Queues the signed head for central and notes its hash as the last
    /// head queued, in one transaction.
    pub(crate) fn queue_audit_head(&mut self, hash: &str, head: &AuditHeadPayload) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("queueing the audit trail's head")?;
        enqueue(&tx, &StationEvent::AuditHead(head.clone()))?;
        set_state_value(&tx, HEAD_QUEUED_KEY, hash)?;
        tx.commit().context("queueing the audit trail's head")
    }

    /// The last head of the trail central acknowledged, if it acknowledged one.
    pub fn acknowledged_audit_head(&self) -> Result<Option<AcknowledgedHead>, StoreError> {
        self.state_json(HEAD_ACKNOWLEDGED_KEY, "reading the audit head central acknowledged")
    }

    /// A value of `station_state` kept as JSON, if it is there.
    fn state_json<T: for<'de> Deserialize<'de>>(
        &self,
        key: &str,
        context: &'static str,
    ) -> Result<Option<T>, StoreError> {
        let Some(json) = self.state_value(key)? else {
            return Ok(None);
        };
        serde_json::from_str(&json).map(Some).map_err(|e| StoreError::Sql {
            context,
            source: rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)),
        })
    }

    /// Audit entries in order, for one pass or all, from `since` (inclusive)
    /// to `before` (exclusive), both RFC 3339 UTC times; `None` leaves that end open.
    pub fn audit(
        &self,
        pass_id: Option<&str>,
        since: Option<&str>,
        before: Option<&str>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, at, actor, action, pass_id, detail, prev_hash, hash FROM audit
                 WHERE (?1 IS NULL OR pass_id = ?1) AND (?2 IS NULL OR at >= ?2) AND (?3 IS NULL OR at < ?3)
                 ORDER BY seq",
            )
            .context("reading the audit trail")?;
        let rows = stmt
            .query_map(params![pass_id, since, before], |row| {
                let detail: String = row.get(5)?;
                Ok(AuditEntry {
                    seq: row.get(0)?,
                    at: parse_time(row, 1)?,
                    actor: row.get(2)?,
                    action: row.get(3)?,
                    pass_id: row.get(4)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
                    prev_hash: row.get(6)?,
                    hash: row.get(7)?,
                })
            })
            .context("reading the audit trail")?;
        rows.collect::<Result<_, _>>().context("reading the audit trail")
    }

    /// Walks the whole chain and reports the first entry that does not follow;
    /// then checks that the trail still reaches the head central last
    /// acknowledged, with the same entry there.
    pub fn check_audit(&self) -> Result<AuditCheck, StoreError> {
        let acknowledged = self.acknowledged_audit_head()?;
        let restored = self.restore_note()?;
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, actor, action, pass_id, detail, prev_hash, hash FROM audit ORDER BY rowid")
            .context("checking the audit trail")?;
        let mut rows = stmt.query([]).context("checking the audit trail")?;
        let (mut expected_seq, mut prev, mut entries) = (1i64, String::new(), 0u64);
        // The trail's hash at the acknowledged head's place, once the walk passes it.
        let mut at_head = None;
        while let Some(row) = rows.next().context("checking the audit trail")? {
            let seq: i64 = row.get(0).context("checking the audit trail")?;
            let fields: (String, String, String, Option<String>, String, String, String) = (
                row.get(1).context("audit")?,
                row.get(2).context("audit")?,
                row.get(3).context("audit")?,
                row.get(4).context("audit")?,
                row.get(5).context("audit")?,
                row.get(6).context("audit")?,
                row.get(7).context("audit")?,
            );
            let (at, actor, action, pass_id, detail, prev_hash, hash) = fields;
            entries += 1;
            let problem = if seq != expected_seq {
                Some(format!("entry {expected_seq} is missing or out of order (found {seq})"))
            } else if prev_hash != prev {
                Some("it does not name the entry before it (an entry was removed or reordered)".to_owned())
            } else if entry_hash(seq, &at, &actor, &action, pass_id.as_deref(), &detail, &prev_hash) != hash {
                Some("its content does not match its hash (it was edited)".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                return Ok(AuditCheck {
                    entries,
                    broken_at: Some((seq, problem)),
                    acknowledged,
                    restored,
                });
            }
            if acknowledged.as_ref().is_some_and(|head| head.seq == seq) {
                at_head = Some(hash.clone());
            }
            expected_seq += 1;
            prev = hash;
        }
        let broken_at = acknowledged.as_ref().and_then(|head| {
            let last = expected_seq - 1;
            let acknowledged_at = rfc3339(head.at);
            match at_head {
                None if last == 0 => Some((
                    1,
                    format!(
                        "the trail was emptied; central acknowledged it up to entry {} at {}",
                        head.seq, acknowledged_at
                    ),
                )),
                None => Some((
                    last + 1,
                    format!(
                        "the trail was cut after entry {last}; central acknowledged it up to entry {} at {}",
                        head.seq, acknowledged_at
                    ),
                )),
                Some(hash) if hash != head.hash => Some((
                    head.seq,
                    format!(
                        "it is not the entry {} central acknowledged at {} (another hash): the trail was cut and \
                         written again",
                        head.seq, acknowledged_at
                    ),
                )),
                Some(_) => None,
            }
        });
        Ok(AuditCheck {
            entries,
            broken_at,
            acknowledged,
            restored,
        })
    }

    /// The station's last restore from a backup, if it was restored.
    pub fn restore_note(&self) -> Result<Option<RestoreNote>, StoreError> {
        self.state_json(RESTORED_KEY, "reading the note of the station's restore")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OutboxFilter, OutboxOutcome};
    use pass_central::api::AUDIT_HEAD_EVENT;

    /// A store with three audit entries.
    fn trail() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("s.db")).expect("open");
        let tx = store.conn.transaction().expect("tx");
        for (i, action) in ["printed", "encoded", "released"].into_iter().enumerate() {
            append(&tx, "clerk", action, Some("KEL-1"), &serde_json::json!({ "n": i })).expect("append");
        }
        tx.commit().expect("commit");
        (dir, store)
    }

    fn broken_at(store: &Store) -> Option<i64> {
        store.check_audit().expect("check").broken_at.map(|(seq, _)| seq)
    }

    /// Appends one more entry, as a step would.
    fn step(store: &mut Store, action: &str) {
        let tx = store.conn.transaction().expect("tx");
        append(&tx, "clerk", action, Some("KEL-1"), &serde_json::json!({})).expect("append");
        tx.commit().expect("commit");
    }

    /// Queues the trail's head, as a send does, and records central's answer
    /// for it; returns the head.
    fn send_head(store: &mut Store, answer: OutboxOutcome) -> (i64, String) {
        let (seq, hash) = store.unsent_audit_head().expect("read").expect("the head moved");
        let head = AuditHeadPayload {
            seq: seq.unsigned_abs(),
            hash: hash.clone(),
            signature: "signed".to_owned(),
        };
        store.queue_audit_head(&hash, &head).expect("queued");
        let queued = store.outbox(OutboxFilter::Unsent, 10).expect("outbox");
        assert_eq!(queued.len(), 1);
        let payload = serde_json::json!({ "seq": seq, "hash": hash, "signature": "signed" });
        assert_eq!(
            (queued[0].kind.as_str(), &queued[0].payload),
            (AUDIT_HEAD_EVENT, &payload)
        );
        store.record_outcomes(&[(queued[0].seq, answer)]).expect("answered");
        (seq, hash)
    }

    fn problem(store: &Store) -> (i64, String) {
        store.check_audit().expect("check").broken_at.expect("a broken trail")
    }

    #[test]
    fn an_untouched_chain_checks_out() {
        let (_dir, store) = trail();
        assert_eq!(
            store.check_audit().expect("check"),
            AuditCheck {
                entries: 3,
                broken_at: None,
                acknowledged: None,
                restored: None,
            }
        );
    }

    #[test]
    fn an_entry_read_back_writes_its_time_as_it_was_hashed() {
        let (_dir, store) = trail();
        for entry in store.audit(None, None, None).expect("read") {
            let detail = entry.detail.to_string();
            let at = rfc3339(entry.at);
            let hash = entry_hash(
                entry.seq,
                &at,
                &entry.actor,
                &entry.action,
                entry.pass_id.as_deref(),
                &detail,
                &entry.prev_hash,
            );
            assert_eq!(hash, entry.hash, "entry {} at {at}", entry.seq);
        }
    }

    #[test]
    fn the_head_is_queued_only_when_it_moved() {
        let (_dir, mut store) = trail();
        assert_eq!(send_head(&mut store, OutboxOutcome::Accepted).0, 3);
        assert_eq!(store.unsent_audit_head().expect("read"), None, "nothing new since");
        step(&mut store, "handed_over");
        assert_eq!(store.unsent_audit_head().expect("read").map(|(seq, _)| seq), Some(4));
    }

    #[test]
    fn a_trail_that_grew_past_the_acknowledged_head_checks_out() {
        let (_dir, mut store) = trail();
        let (seq, hash) = send_head(&mut store, OutboxOutcome::Accepted);
        step(&mut store, "handed_over");
        let check = store.check_audit().expect("check");
        assert_eq!((check.entries, check.broken_at), (4, None));
        let acknowledged = check.acknowledged.expect("central's head");
        assert_eq!((acknowledged.seq, acknowledged.hash), (seq, hash));
        let since = OffsetDateTime::now_utc() - acknowledged.at;
        assert!(
            since >= time::Duration::ZERO && since < time::Duration::minutes(1),
            "{since}"
        );
    }

    #[test]
    fn a_trail_cut_below_the_acknowledged_head_is_found() {
        let (_dir, mut store) = trail();
        send_head(&mut store, OutboxOutcome::Duplicate);
        let at = rfc3339(store.acknowledged_audit_head().expect("read").expect("acknowledged").at);
        // The chain of what is left is whole: only the head shows the cut.
        store
            .conn
            .execute("DELETE FROM audit WHERE seq >= 2", [])
            .expect("delete");
        let (seq, why) = problem(&store);
        assert_eq!(seq, 2, "{why}");
        assert!(why.contains("cut after entry 1"), "{why}");
        assert!(why.contains(&format!("up to entry 3 at {at}")), "{why}");

        store.conn.execute("DELETE FROM audit", []).expect("delete");
        let (seq, why) = problem(&store);
        assert_eq!(seq, 1);
        assert!(why.contains("emptied"), "{why}");
    }

    #[test]
    fn an_entry_written_again_in_the_acknowledged_place_is_found() {
        let (_dir, mut store) = trail();
        send_head(&mut store, OutboxOutcome::Accepted);
        store
            .conn
            .execute("DELETE FROM audit WHERE seq = 3", [])
            .expect("delete");
        step(&mut store, "spoiled");
        step(&mut store, "printed");
        let (seq, why) = problem(&store);
        assert_eq!(seq, 3, "{why}");
        assert!(why.contains("written again"), "{why}");
    }

    #[test]
    fn a_head_central_rejected_is_not_acknowledged() {
        let (_dir, mut store) = trail();
        send_head(&mut store, OutboxOutcome::Rejected("forged".to_owned()));
        assert_eq!(store.acknowledged_audit_head().expect("read"), None);
        store
            .conn
            .execute("DELETE FROM audit WHERE seq = 3", [])
            .expect("delete");
        assert_eq!(broken_at(&store), None, "only an acknowledged head binds the trail");
    }

    #[test]
    fn an_edit_is_found() {
        let (_dir, store) = trail();
        store
            .conn
            .execute("UPDATE audit SET actor = 'someone else' WHERE seq = 2", [])
            .expect("edit");
        assert_eq!(broken_at(&store), Some(2));
    }

    #[test]
    fn a_deletion_is_found() {
        let (_dir, store) = trail();
        store
            .conn
            .execute("DELETE FROM audit WHERE seq = 2", [])
            .expect("delete");
        assert_eq!(broken_at(&store), Some(3));
    }

    #[test]
    fn a_reordering_is_found() {
        let (_dir, store) = trail();
        // Move entry 1 to the end of the file, renumbered to look in place.
        store
            .conn
            .execute_batch(
                "CREATE TEMP TABLE moved AS SELECT * FROM audit WHERE seq = 1;
                 DELETE FROM audit WHERE seq = 1;
                 UPDATE audit SET seq = seq - 1;
                 INSERT INTO audit SELECT 3, at, actor, action, pass_id, detail, prev_hash, hash FROM moved;",
            )
            .expect("reorder");
        assert_eq!(broken_at(&store), Some(1));
    }
}
