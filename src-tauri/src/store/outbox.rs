//! The outbox: events for central, kept until central has answered for them.
//!
//! An event is written in the same transaction as the change it reports, so a
//! change and its report cannot part. Each event gets its idempotency key when
//! it is written, never when it is sent: a send whose answer was lost is sent
//! again under the same key, and central records it once.
//!
//! Here: listing the outbox and recording central's answers (an acknowledged
//! audit head among them). Not here: putting an event in the outbox, which
//! every change does through [`super::queue`].

use pass_central::api::AUDIT_HEAD_EVENT;
use rusqlite::params;
use serde::Serialize;
use time::OffsetDateTime;

use super::audit::acknowledge_head;
use super::db::{Cached, SqlContext, Store, StoreError, rfc3339};
use super::rows::{parse_optional_time, parse_time};

/// An event waiting in, or sent from, the outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub idempotency_key: String,
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub payload: serde_json::Value,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub outcome: Option<String>,
    pub outcome_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

/// Which outbox entries to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxFilter {
    /// Not yet answered by central, oldest first: what the next send takes.
    Unsent,
    /// Refused by central for good; kept for a person to look at.
    Rejected,
    All,
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let payload: String = row.get(4)?;
    Ok(OutboxEntry {
        seq: row.get(0)?,
        idempotency_key: row.get(1)?,
        kind: row.get(2)?,
        occurred_at: parse_time(row, 3)?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e)))?,
        attempts: row.get(5)?,
        last_error: row.get(6)?,
        outcome: row.get(7)?,
        outcome_reason: row.get(8)?,
        sent_at: parse_optional_time(row, 9)?,
    })
}

/// Central's answer for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxOutcome {
    Accepted,
    Duplicate,
    Rejected(String),
}

impl Store {
    /// Outbox entries in send order.
    pub fn outbox(&self, filter: OutboxFilter, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let condition = match filter {
            OutboxFilter::Unsent => "outcome IS NULL",
            OutboxFilter::Rejected => "outcome = 'rejected'",
            OutboxFilter::All => "1",
        };
        let sql = format!(
            "SELECT seq, idempotency_key, kind, occurred_at, payload, attempts, last_error, outcome, outcome_reason,
                    sent_at
             FROM outbox WHERE {condition} ORDER BY seq LIMIT ?1"
        );
        let mut stmt = self.conn.prepare_cached(&sql).context("listing the outbox")?;
        let rows = stmt
            .query_map(params![limit as i64], entry_from_row)
            .context("listing the outbox")?;
        rows.collect::<Result<_, _>>().context("listing the outbox")
    }

    /// The next batch to send: the oldest unsent entries, at most `limit`,
    /// whose payloads together stay within `max_bytes` (the first always
    /// goes, whatever its size). Bounding the bytes here keeps a run of page
    /// receipts out of memory, not only out of one request.
    pub fn next_batch(&self, limit: usize, max_bytes: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, idempotency_key, kind, occurred_at, payload, attempts, last_error, outcome,
                        outcome_reason, sent_at
                 FROM (SELECT *, sum(length(CAST(payload AS BLOB))) OVER (ORDER BY seq) AS through
                       FROM outbox WHERE outcome IS NULL)
                 WHERE through <= ?2 OR seq = (SELECT min(seq) FROM outbox WHERE outcome IS NULL)
                 ORDER BY seq LIMIT ?1",
            )
            .context("taking the next batch from the outbox")?;
        let rows = stmt
            .query_map(params![limit as i64, max_bytes as i64], entry_from_row)
            .context("taking the next batch from the outbox")?;
        rows.collect::<Result<_, _>>()
            .context("taking the next batch from the outbox")
    }

    /// How many events wait to be sent.
    pub fn unsent_count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM outbox WHERE outcome IS NULL", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(i64::unsigned_abs)
            .context("counting the outbox")
    }

    /// Records central's answers for sent events, all in one transaction; an
    /// audit head central took (accepted, or had already) becomes the head the
    /// trail is checked against.
    pub fn record_outcomes(&mut self, outcomes: &[(i64, OutboxOutcome)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("recording outcomes")?;
        let now = OffsetDateTime::now_utc();
        let now_text = rfc3339(now);
        for (seq, outcome) in outcomes {
            let (name, reason) = match outcome {
                OutboxOutcome::Accepted => ("accepted", None),
                OutboxOutcome::Duplicate => ("duplicate", None),
                OutboxOutcome::Rejected(reason) => ("rejected", Some(reason.as_str())),
            };
            let (kind, payload): (String, String) = tx
                .query_row_cached(
                    "UPDATE outbox SET outcome = ?2, outcome_reason = ?3, sent_at = ?4, attempts = attempts + 1,
                            last_error = NULL
                     WHERE seq = ?1 RETURNING kind, payload",
                    params![seq, name, reason, now_text],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .context("recording an outcome")?;
            if kind == AUDIT_HEAD_EVENT && matches!(outcome, OutboxOutcome::Accepted | OutboxOutcome::Duplicate) {
                acknowledge_head(&tx, &payload, now)?;
            }
        }
        tx.commit().context("recording outcomes")
    }

    /// Notes a failed attempt to send the given events, for the outbox screen.
    pub fn record_send_failure(&mut self, seqs: &[i64], error: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("recording a send failure")?;
        for seq in seqs {
            tx.execute_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
                params![seq, error],
            )
            .context("recording a send failure")?;
        }
        tx.commit().context("recording a send failure")
    }
}

#[cfg(test)]
mod tests {
    use pass_central::StationEvent;
    use pass_central::events::ItemRejected;

    use super::*;
    use crate::store::queue::enqueue;

    fn queue_rejections(store: &mut Store, reason_bytes: &[usize]) {
        let tx = store.conn.transaction().expect("tx");
        for (i, bytes) in reason_bytes.iter().enumerate() {
            let event = StationEvent::ItemRejected(ItemRejected {
                pass_id: format!("KEL-{i}"),
                reason: "x".repeat(*bytes),
            });
            enqueue(&tx, &event).expect("queued");
        }
        tx.commit().expect("commit");
    }

    #[test]
    fn a_batch_stays_within_its_bytes_and_its_count() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("s.db")).expect("open");
        queue_rejections(&mut store, &[300_000; 10]);
        let batch = store.next_batch(500, 1 << 20).expect("batch");
        assert_eq!(batch.len(), 3, "three payloads of 300 kB fit in 1 MiB");
        assert_eq!(
            store.next_batch(2, 1 << 20).expect("batch").len(),
            2,
            "the count bounds too"
        );
        assert_eq!(
            store.next_batch(500, 1000).expect("batch").len(),
            1,
            "the first always goes"
        );
        let seqs: Vec<i64> = batch.iter().map(|e| e.seq).collect();
        let outcomes: Vec<_> = seqs.iter().map(|seq| (*seq, OutboxOutcome::Accepted)).collect();
        store.record_outcomes(&outcomes).expect("recorded");
        let next = store.next_batch(500, 1 << 20).expect("batch");
        assert_eq!(
            next[0].seq,
            seqs[2] + 1,
            "the next batch starts after the answered ones"
        );
        assert_eq!(next.len(), 3);
    }
}
