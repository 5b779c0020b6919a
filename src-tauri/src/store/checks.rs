//! The verification log: each check of a card, kept and reported to central.
//!
//! Not for deciding whether a card passes (the gate does that); a check
//! changes no card, so it writes no card event.

use pass_central::StationEvent;
use rusqlite::params;

use super::db::{SqlContext, Store, StoreError};
use super::queue::enqueue;
use super::rows::{parse_name, parse_time};

/// One check of a card: the log keeps what central receives.
pub use pass_central::events::CardCheck as Check;

impl Store {
    /// Logs a check and queues a `card_checked` event, in one transaction.
    pub fn record_check(&mut self, check: &Check) -> Result<(), StoreError> {
        let at = super::db::rfc3339(check.at);
        let tx = self.conn.transaction().context("logging a check")?;
        tx.execute(
            "INSERT INTO checks (at, actor, source, pass_id, version, card_uid, port, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                at,
                check.actor,
                check.source.as_str(),
                check.pass_id,
                check.version,
                check.card_uid,
                check.port,
                check.outcome.as_str()
            ],
        )
        .context("logging a check")?;
        let event = StationEvent::CardChecked(check.clone());
        enqueue(&tx, &event)?;
        tx.commit().context("logging a check")
    }

    /// The checks from `since` (inclusive) to `before` (exclusive), RFC 3339 UTC, oldest first.
    pub fn checks(&self, since: &str, before: &str) -> Result<Vec<Check>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT at, actor, source, pass_id, version, card_uid, port, outcome FROM checks
                 WHERE at >= ?1 AND at < ?2 ORDER BY id",
            )
            .context("listing checks")?;
        let rows = stmt
            .query_map(params![since, before], |row| {
                Ok(Check {
                    at: parse_time(row, 0)?,
                    actor: row.get(1)?,
                    source: parse_name(row, 2)?,
                    pass_id: row.get(3)?,
                    version: row.get(4)?,
                    card_uid: row.get(5)?,
                    port: row.get(6)?,
                    outcome: parse_name(row, 7)?,
                })
            })
            .context("listing checks")?;
        rows.collect::<Result<_, _>>().context("listing checks")
    }
}
