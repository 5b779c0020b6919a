//! Putting an event for central in the outbox, inside the transaction of the
//! change it reports, so the change and its report cannot part.
//!
//! Not for reading the outbox or recording central's answers (see
//! [`super::outbox`]); this module depends on the cache's handle only, so every
//! part of the cache that changes something can queue its report.

use pass_central::StationEvent;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::db::{Cached, SqlContext, StoreError, now_rfc3339, set_state_value};

/// Queues an event inside the caller's transaction, under the kind it is.
pub(crate) fn enqueue(tx: &Transaction<'_>, event: &StationEvent) -> Result<(), StoreError> {
    tx.execute_cached(
        "INSERT INTO outbox (idempotency_key, kind, occurred_at, payload) VALUES (?1, ?2, ?3, ?4)",
        params![
            uuid::Uuid::new_v4().to_string(),
            event.kind(),
            now_rfc3339(),
            event.payload().to_string()
        ],
    )
    .context("queueing an event")?;
    Ok(())
}

/// The cache's own scope for keys made from what an event says, in
/// `station_state`: a random value made once, kept by backups, so the keys
/// stay the same on a station restored from a backup and differ from every
/// other station's.
const KEY_SCOPE: &str = "event_key_scope";

/// Queues an event whose idempotency key is made from what it says (the
/// SHA-256 of its payload), once: the same event made again, by this cache
/// or by the same station restored from a backup, carries the same key, so
/// central records it once.
pub(crate) fn enqueue_by_content(tx: &Transaction<'_>, event: &StationEvent) -> Result<(), StoreError> {
    let scope: Option<String> = tx
        .query_row_cached(
            "SELECT value FROM station_state WHERE key = ?1",
            params![KEY_SCOPE],
            |row| row.get(0),
        )
        .optional()
        .context("reading the event key scope")?;
    let scope = match scope {
        Some(scope) => scope,
        None => {
            let scope = uuid::Uuid::new_v4().simple().to_string();
            set_state_value(tx, KEY_SCOPE, &scope)?;
            scope
        }
    };
    let payload = event.payload().to_string();
    let content = hex::encode(Sha256::digest(&payload));
    tx.execute_cached(
        "INSERT INTO outbox (idempotency_key, kind, occurred_at, payload) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (idempotency_key) DO NOTHING",
        params![
            format!("{scope}:{}:{content}", event.kind()),
            event.kind(),
            now_rfc3339(),
            payload
        ],
    )
    .context("queueing an event")?;
    Ok(())
}

/// An event that could not be made from what the station holds (a name the
/// contract does not know), as the error of the step that queues it.
pub(crate) fn unqueueable(context: &'static str, error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Sql {
        context,
        source: rusqlite::Error::ToSqlConversionFailure(Box::new(error)),
    }
}

#[cfg(test)]
mod tests {
    use pass_central::api::ItemStatus;
    use pass_central::events::ItemsReceived;

    use super::*;
    use crate::store::{OutboxFilter, Store};

    #[test]
    fn a_fact_queued_twice_is_one_event_under_a_key_made_from_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("s.db")).expect("open");
        let receipt = |version: u32| {
            let mut receipt = ItemsReceived::default();
            receipt.add("KEL-1", version, ItemStatus::Approved);
            StationEvent::ItemsReceived(receipt)
        };
        for event in [receipt(1), receipt(1), receipt(2)] {
            let tx = store.conn.transaction().expect("tx");
            enqueue_by_content(&tx, &event).expect("queued");
            tx.commit().expect("commit");
        }
        let queued = store.outbox(OutboxFilter::All, 10).expect("outbox");
        assert_eq!(queued.len(), 2, "the same fact once");
        let scope = queued[0].idempotency_key.split(':').next().expect("a scope");
        assert!(queued.iter().all(|e| e.idempotency_key.starts_with(scope)));
        let content = hex::encode(Sha256::digest(receipt(1).payload().to_string()));
        assert!(
            queued[0]
                .idempotency_key
                .ends_with(&format!("items_received:{content}"))
        );
    }
}
