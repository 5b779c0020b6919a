//! Putting an event for central in the outbox, inside the transaction of the
//! change it reports, so the change and its report cannot part.
//!
//! Not for reading the outbox or recording central's answers (see
//! [`super::outbox`]); this module depends on the cache's handle only, so every
//! part of the cache that changes something can queue its report.

use pass_central::StationEvent;
use rusqlite::{Transaction, params};

use super::db::{SqlContext, StoreError, now_rfc3339};

/// Queues an event inside the caller's transaction, under the kind it is.
pub(crate) fn enqueue(tx: &Transaction<'_>, event: &StationEvent) -> Result<(), StoreError> {
    tx.execute(
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

/// An event that could not be made from what the station holds (a name the
/// contract does not know), as the error of the step that queues it.
pub(crate) fn unqueueable(context: &'static str, error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Sql {
        context,
        source: rusqlite::Error::ToSqlConversionFailure(Box::new(error)),
    }
}
