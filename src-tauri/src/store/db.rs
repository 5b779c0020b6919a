//! The cache's handle and what every part of it shares: opening the file and
//! bringing its schema up to date, the error type, the `station_state` table
//! of single values, and the timestamp form the cache stores.
//!
//! Not for any table's own reads or writes: those live in the modules above
//! this one, which all depend on it and on which it depends on none.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

/// Schema migrations, in order. Never edit one that has shipped: add another.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_items_outbox_search.sql"),
    include_str!("migrations/0002_credentials_trust.sql"),
    include_str!("migrations/0003_cards.sql"),
    include_str!("migrations/0004_audit.sql"),
    include_str!("migrations/0005_checks.sql"),
    include_str!("migrations/0006_users_handover.sql"),
    include_str!("migrations/0007_prints.sql"),
    include_str!("migrations/0008_desks.sql"),
    include_str!("migrations/0009_who_may_collect.sql"),
    include_str!("migrations/0010_office_day.sql"),
];

/// Who the audit trail names for what central decided or reported (a
/// withdrawal, a step taken at another desk).
pub(super) const CENTRAL_ACTOR: &str = "central";
/// A failure of the cache file, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the station cache {path}: {source} (check the folder exists and is writable)")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error(
        "the station cache {path} was written by a newer Port Pass Station (schema {found}, this one knows {known}); \
         update the station software"
    )]
    TooNew { path: PathBuf, found: i64, known: usize },
    #[error(
        "cannot make the station cache {path} readable by its owner only: {source} (run the station as the \
         user who owns its home folder)"
    )]
    Permissions { path: PathBuf, source: std::io::Error },
    #[error("station cache: {context}: {source}")]
    Sql {
        context: &'static str,
        source: rusqlite::Error,
    },
}

/// Statements through the connection's cache of prepared statements. A page
/// of the feed runs the same few statements for each of its items, and
/// parsing a statement again for every row cost more than running it.
pub(crate) trait Cached {
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    fn query_row_cached<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, row)
    }
}

/// Room for every statement a page runs per item, and the screens' own.
const CACHED_STATEMENTS: usize = 64;

/// Adds what the cache was doing to a SQLite error.
pub(crate) trait SqlContext<T> {
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sql { context, source })
    }
}

/// An open station cache.
#[derive(Debug)]
pub struct Store {
    pub(super) conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the cache file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        owner_only(path)?;
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(open_err)?;
        // WAL keeps readers (the queue screen) going while a sync writes;
        // synchronous=FULL makes every committed step survive a power cut.
        conn.pragma_update(None, "journal_mode", "wal").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "full").map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        migrate(&mut conn, MIGRATIONS).map_err(|e| match e {
            MigrateError::TooNew(found) => StoreError::TooNew {
                path: path.to_owned(),
                found,
                known: MIGRATIONS.len(),
            },
            MigrateError::Sql(source) => StoreError::Sql {
                context: "migrating the schema",
                source,
            },
        })?;
        Ok(Store { conn })
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .context("reading the schema version")
    }

    /// A value kept in the `station_state` table, such as the sync cursor.
    pub(super) fn state_value(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM station_state WHERE key = ?1", params![key], |row| {
                row.get(0)
            })
            .optional()
            .context("reading station state")
    }
}

/// Sets a value in the `station_state` table inside the caller's transaction.
pub(super) fn set_state_value(tx: &rusqlite::Transaction<'_>, key: &str, value: &str) -> Result<(), StoreError> {
    tx.execute_cached(
        "INSERT INTO station_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )
    .context("saving station state")?;
    Ok(())
}

enum MigrateError {
    TooNew(i64),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sql(e)
    }
}

/// Makes the cache file (created empty if new) and its WAL and shared-memory
/// files readable by their owner only. SQLite creates the WAL with the
/// database file's permissions, so a file made here keeps them.
fn owner_only(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let denied = |file: &Path, source: std::io::Error| StoreError::Permissions {
        path: file.to_owned(),
        source,
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| denied(path, e))?;
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other.map_err(|e| denied(&file, e))?,
        }
    }
    Ok(())
}

/// Runs the migrations the file has not seen, each in its own transaction with
/// the version bump, so a crash mid-migration leaves the previous version.
fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), MigrateError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current > migrations.len() as i64 {
        return Err(MigrateError::TooNew(current));
    }
    for (index, sql) in migrations.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Current UTC time as RFC 3339, the form every timestamp in the cache takes.
pub(crate) fn now_rfc3339() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

/// A timestamp as the cache stores it, or `None` if it is not one.
pub fn parse_rfc3339(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC timestamp always formats as RFC 3339")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
            .expect("prepare");
        stmt.query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn every_earlier_version_migrates_to_the_same_schema_as_a_new_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fresh = Store::open(&dir.path().join("fresh.db")).expect("fresh");
        assert_eq!(fresh.schema_version().expect("version"), MIGRATIONS.len() as i64);
        let want = schema_of(&fresh.conn);
        for applied in 0..MIGRATIONS.len() {
            let path = dir.path().join(format!("from-{applied}.db"));
            let mut old = Connection::open(&path).expect("open");
            migrate(&mut old, &MIGRATIONS[..applied])
                .map_err(|_| "migrate")
                .expect("old version");
            drop(old);
            let upgraded = Store::open(&path).expect("upgrade");
            assert_eq!(schema_of(&upgraded.conn), want, "upgrading from version {applied}");
        }
    }

    #[test]
    fn the_cache_and_its_write_ahead_log_are_the_owners_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("station.db");
        let mut store = Store::open(&path).expect("open");
        store.forget_feed_cursor().expect("a write");
        store
            .conn
            .execute("CREATE TABLE scratch (x)", [])
            .expect("a write that keeps the log");
        for file in ["station.db", "station.db-wal", "station.db-shm"] {
            let mode = std::fs::metadata(dir.path().join(file))
                .expect(file)
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600, "{file}");
        }
    }

    #[test]
    fn a_file_from_a_newer_station_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("newer.db");
        let conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", 99).expect("set version");
        drop(conn);
        let err = Store::open(&path).expect_err("must refuse");
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("update the station software"));
    }

    #[test]
    fn the_cache_runs_in_wal_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("s.db")).expect("open");
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
    }
}
