//! The simulator's SQLite file: its schema, opening it, and what it holds
//! in all. The handle, the transactions every change runs in and the helpers
//! the parts share are in `db`, below every part. Each concern has its
//! module: [`applications`], [`feed`] (items and the change feed),
//! [`photos`], [`events`], [`hotlist`], [`stations`] (enrolment and the
//! trust list), [`audit_heads`], [`day_reports`], [`users`] and [`pickups`]
//! (holder documents, pick-up codes and the notification outbox).
//!
//! It exists so that the simulator behaves like a real central system across
//! restarts, and so that a page of 1,000 items is one indexed range read: each
//! feed row holds its item's whole JSON, written when the item changes.
//!
//! What it is not for: HTTP (see `station_api` and `admin_api`) or the rules of
//! any one concern, which live in that concern's module.

mod applications;
mod audit_heads;
mod claims;
mod day_reports;
mod db;
mod events;
mod feed;
mod hotlist;
mod photos;
mod pickups;
mod stations;
mod users;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use super::admin::Stats;
use super::error::SimError;
pub(crate) use db::Store;
use db::{credential_error, meta, set_meta};
use pass_credential::{Algorithm, SigningKey};
pub(crate) use stations::Station;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY, company_name TEXT NOT NULL, company_tax_id TEXT NOT NULL,
    temporary INTEGER NOT NULL, pickup_office TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    pass_id TEXT PRIMARY KEY, application_id TEXT NOT NULL REFERENCES applications (id),
    pickup_office TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'withdrawn')),
    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS approvals (
    pass_id TEXT NOT NULL REFERENCES items (pass_id), port TEXT NOT NULL, approved_at TEXT,
    PRIMARY KEY (pass_id, port)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, office TEXT NOT NULL, pass_id TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feed_by_office ON feed (office, seq);
CREATE UNIQUE INDEX IF NOT EXISTS feed_by_item ON feed (pass_id) WHERE pass_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS photos (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL, corrupt INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS revocations (
    id INTEGER PRIMARY KEY, pass_id TEXT NOT NULL REFERENCES items (pass_id), version INTEGER NOT NULL,
    reason TEXT NOT NULL, revoked_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrolment_codes (
    code TEXT PRIMARY KEY, office TEXT NOT NULL, created_at TEXT NOT NULL, used_by TEXT);
CREATE TABLE IF NOT EXISTS stations (
    id TEXT PRIMARY KEY, office TEXT NOT NULL, name TEXT NOT NULL, key_sha256 TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, bytes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signers (
    station_id TEXT PRIMARY KEY REFERENCES stations (id), cose_key BLOB NOT NULL, office TEXT NOT NULL,
    valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS hotlist (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, pass_id TEXT, version INTEGER, print INTEGER, card_uid BLOB,
    expires TEXT NOT NULL, why INTEGER NOT NULL,
    CHECK ((pass_id IS NULL) <> (card_uid IS NULL)));
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL UNIQUE, station_id TEXT NOT NULL,
    kind TEXT NOT NULL, occurred_at TEXT NOT NULL, payload TEXT NOT NULL, received_at TEXT NOT NULL,
    times_received INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS item_receipts (
    station_id TEXT NOT NULL, pass_id TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
    PRIMARY KEY (station_id, pass_id, version, status)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_heads (
    station_id TEXT NOT NULL REFERENCES stations (id), seq INTEGER NOT NULL, hash TEXT NOT NULL,
    signature TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (station_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_heads_superseded (
    station_id TEXT NOT NULL REFERENCES stations (id), seq INTEGER NOT NULL, hash TEXT NOT NULL,
    signature TEXT NOT NULL, received_at TEXT NOT NULL, superseded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS station_restores (
    idempotency_key TEXT PRIMARY KEY, station_id TEXT NOT NULL REFERENCES stations (id),
    backup_seq INTEGER NOT NULL, entries_lost INTEGER NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reprints (
    id INTEGER PRIMARY KEY, pass_id TEXT NOT NULL REFERENCES items (pass_id), old_version INTEGER NOT NULL,
    reason TEXT NOT NULL, approved_by TEXT NOT NULL, old_card_uid BLOB, station_id TEXT NOT NULL,
    reprinted_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claim_takeovers (
    id INTEGER PRIMARY KEY, pass_id TEXT NOT NULL REFERENCES items (pass_id), version INTEGER NOT NULL,
    from_station TEXT, to_station TEXT NOT NULL, reason TEXT NOT NULL, approved_by TEXT NOT NULL,
    taken_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, roles TEXT NOT NULL, office TEXT NOT NULL,
    password_hash TEXT NOT NULL, failed_attempts INTEGER NOT NULL DEFAULT 0, locked_until TEXT,
    last_sign_in_at TEXT, password_changed_at TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS holder_documents (pass_id TEXT PRIMARY KEY REFERENCES items (pass_id), document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pickup_codes (
    code_id TEXT PRIMARY KEY, pass_id TEXT NOT NULL REFERENCES items (pass_id), version INTEGER NOT NULL,
    issued_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT, UNIQUE (pass_id, version));
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL,
    company_tax_id TEXT NOT NULL, pass_id TEXT, kind TEXT NOT NULL, body TEXT NOT NULL, pickup_code TEXT,
    pickup_code_id TEXT, days_waiting INTEGER);
CREATE TABLE IF NOT EXISTS day_reports (
    station_id TEXT NOT NULL REFERENCES stations (id), day TEXT NOT NULL, office TEXT NOT NULL,
    report TEXT NOT NULL, signed_report TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (station_id, day));
";

impl Store {
    /// Opens (or creates) the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Store, SimError> {
        let open = || -> Result<Store, SimError> {
            let conn = Connection::open(path)?;
            conn.execute_batch(SCHEMA)?;
            if meta(&conn, "epoch")?.is_none() {
                set_meta(&conn, "epoch", i64::from(feed::fresh_epoch(0)))?;
            }
            let root = stored_key(&conn, "authority_root")?;
            let pickup_key = std::sync::Arc::new(stored_key(&conn, "pickup_signer")?);
            Ok(Store {
                conn,
                root,
                pickup_key,
                id_hash_params: holder_hash_params(false),
            })
        };
        open().map_err(|e| match e {
            SimError::Db { source, .. } => SimError::Db {
                context: format!("opening {}", path.display()),
                source,
            },
            other => other,
        })
    }

    /// Counts of what the database holds (`faults_armed` is left at 0).
    pub(crate) fn stats(&self) -> Result<Stats, SimError> {
        self.read("counting", |conn| {
            let count = |sql: &str| -> Result<u64, SimError> {
                let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
                Ok(u64::try_from(n).unwrap_or_default())
            };
            Ok(Stats {
                applications: count("SELECT count(*) FROM applications")?,
                items_pending: count("SELECT count(*) FROM items WHERE state = 'pending'")?,
                items_approved: count("SELECT count(*) FROM items WHERE state = 'approved'")?,
                items_withdrawn: count("SELECT count(*) FROM items WHERE state = 'withdrawn'")?,
                feed_rows: count("SELECT count(*) FROM feed")?,
                last_seq: u64::try_from(feed::last_seq(conn)?).unwrap_or_default(),
                epoch: feed::epoch(conn)?,
                photos: count("SELECT count(*) FROM photos")?,
                events: count("SELECT count(*) FROM events")?,
                item_receipts: count("SELECT count(*) FROM item_receipts")?,
                stations: count("SELECT count(*) FROM stations")?,
                unused_enrolment_codes: count("SELECT count(*) FROM enrolment_codes WHERE used_by IS NULL")?,
                revocations: count("SELECT count(*) FROM revocations")?,
                faults_armed: 0,
            })
        })
    }
}

/// The Argon2id cost of holder ID hashes: the least a station compares
/// against, or, `cheap`, one it refuses (for generating 100,000 holders in
/// seconds, where no card is handed over).
pub(crate) fn holder_hash_params(cheap: bool) -> argon2::Params {
    let (memory_kib, passes) = if cheap {
        (argon2::Params::MIN_M_COST, argon2::Params::MIN_T_COST)
    } else {
        crate::identity::HOLDER_HASH_FLOOR
    };
    argon2::Params::new(memory_kib, passes, 1, None).unwrap_or_default()
}

/// One of central's keys (`authority_root`, `pickup_signer`), made when the database is new.
fn stored_key(conn: &Connection, name: &str) -> Result<SigningKey, SimError> {
    let stored: Option<Vec<u8>> = conn
        .query_row("SELECT bytes FROM secrets WHERE name = ?1", [name], |r| r.get(0))
        .optional()?;
    if let Some(der) = stored {
        return SigningKey::from_pkcs8_der(&der).map_err(credential_error);
    }
    let key = SigningKey::generate(Algorithm::EdDsa).map_err(credential_error)?;
    let der = key.to_pkcs8_der().map_err(credential_error)?;
    conn.execute(
        "INSERT INTO secrets (name, bytes) VALUES (?1, ?2)",
        rusqlite::params![name, der.as_slice()],
    )?;
    Ok(key)
}

#[cfg(test)]
impl Store {
    /// A new database in memory, for the unit tests of each concern.
    fn in_memory() -> Store {
        Store::open(Path::new(":memory:")).expect("an in-memory database")
    }

    /// How many rows `table` holds.
    fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        self.conn.query_row(&sql, [], |r| r.get(0)).expect("a count")
    }
}
