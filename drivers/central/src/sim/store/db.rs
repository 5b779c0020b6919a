//! The simulator's database handle and what every part of the store shares:
//! the connection and the authority's root key, running work in one read or
//! one transaction, the `meta` table of counters and values, and the forms
//! times and JSON take in the file.
//!
//! Not for the schema or opening the file (see the parent module), nor for
//! any one concern's rows; every part of the store depends on this module,
//! and it depends on none of them.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use time::{Date, OffsetDateTime, macros::offset};

use crate::sim::error::{SimError, during};
use pass_credential::{CredentialError, SigningKey};

/// Connection to the simulator's database.
#[derive(Debug)]
pub(crate) struct Store {
    pub(super) conn: Connection,
    /// The pass authority's root key: signs the trust list and the hotlist.
    pub(super) root: SigningKey,
    /// Central's key for pick-up codes, certified in the trust list; shared
    /// so a transaction can sign with it while the store is borrowed.
    pub(super) pickup_key: std::sync::Arc<SigningKey>,
    /// The cost holder ID documents are hashed at.
    pub(crate) id_hash_params: argon2::Params,
}

/// The card office's calendar day (Taiwan, UTC+8).
pub(super) fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(offset!(+8)).date()
}

pub(super) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, SimError> {
    serde_json::to_string(value).map_err(|e| SimError::Internal(format!("writing JSON: {e}")))
}

/// Bytes from the system's random source (through UUID v4, 122 random bits each).
pub(super) fn random_bytes(count: usize) -> Vec<u8> {
    std::iter::repeat_with(|| uuid::Uuid::new_v4().into_bytes())
        .flatten()
        .take(count)
        .collect()
}

impl Store {
    /// Runs `work` on the database; `what` names it in a database error.
    pub(super) fn read<T>(
        &self,
        what: &'static str,
        work: impl FnOnce(&Connection) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        work(&self.conn).map_err(during(what))
    }

    /// Runs `work` in one transaction, committed only if it succeeds.
    pub(super) fn write<T>(
        &mut self,
        what: &'static str,
        work: impl FnOnce(&Transaction) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        let run = || -> Result<T, SimError> {
            let tx = self.conn.transaction()?;
            let done = work(&tx)?;
            tx.commit()?;
            Ok(done)
        };
        run().map_err(during(what))
    }
}

pub(super) fn meta(conn: &Connection, key: &str) -> Result<Option<i64>, SimError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(super) fn set_meta(conn: &Connection, key: &str, value: i64) -> Result<(), SimError> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

pub(super) fn credential_error(e: CredentialError) -> SimError {
    SimError::Internal(format!("credential format: {e}"))
}

pub(super) fn parse_time(text: &str) -> Result<OffsetDateTime, SimError> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| SimError::Internal(format!("the database holds a bad time {text:?}: {e}")))
}

/// Adds `by` to a named counter and returns its new value.
pub(super) fn next_counter(tx: &Transaction, name: &str, by: u64) -> Result<u64, SimError> {
    let by = i64::try_from(by).map_err(|_| SimError::Internal(format!("counter {name} cannot grow by {by}")))?;
    let key = format!("counter:{name}");
    let value: i64 = tx.query_row(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = value + excluded.value RETURNING value",
        params![key, by],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(value).unwrap_or_default())
}
