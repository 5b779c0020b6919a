//! The cache's side of a backup and a restore: a consistent copy of the live
//! file through SQLite's online backup API, and the restore's own record (a
//! note in the station's state, an audit entry and a `station_restored`
//! event for central) written in one transaction.
//!
//! Why the online backup API and not a file copy: the cache runs in WAL
//! mode and a sync may be writing; a copy of `station.db` alone misses what
//! is still in the WAL and can catch a page half written. The API copies
//! every page under one read transaction, so the copy is the cache as one
//! committed state, whatever other processes do meanwhile.
//!
//! Not here: the archive, its sealing, or the files around the cache (see
//! [`crate::backup`]); checking the chain (see [`super::audit`]).

use std::path::Path;

use pass_central::StationEvent;
use pass_central::api::{AUDIT_HEAD_EVENT, AuditHeadPayload};
use pass_central::events::StationRestored;
use rusqlite::backup::StepResult;
use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{RESTORED_KEY, RestoreNote, append};
use super::db::{SqlContext, Store, StoreError, now_rfc3339, set_state_value};
use super::queue::enqueue;

/// How long a backup waits for a writer that holds the cache.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The audit action of a restore from a backup.
pub const STATION_RESTORED: &str = "station_restored";

impl Store {
    /// Copies the whole cache, as one committed state, into a new file at `to`.
    pub fn snapshot_to(&self, to: &Path) -> Result<(), StoreError> {
        let mut copy = Connection::open(to).map_err(|source| StoreError::Open {
            path: to.to_owned(),
            source,
        })?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy).context("starting the cache's backup")?;
        // All pages in one step (-1): one read transaction, so one consistent
        // state. A writer holding the file a moment makes the step wait and try again.
        let mut waited = std::time::Duration::ZERO;
        loop {
            match backup.step(-1).context("copying the cache")? {
                StepResult::Done => break,
                StepResult::Busy | StepResult::Locked | StepResult::More if waited < BUSY_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    waited += std::time::Duration::from_millis(20);
                }
                _ => {
                    return Err(StoreError::Sql {
                        context: "copying the cache: it stayed busy",
                        source: rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                            None,
                        ),
                    });
                }
            }
        }
        drop(backup);
        copy.pragma_update(None, "journal_mode", "delete")
            .context("closing the cache's copy")?;
        copy.close().map_err(|(_, source)| StoreError::Sql {
            context: "closing the cache's copy",
            source,
        })
    }

    /// The trail's last entry (number and hash), if it has one.
    pub(crate) fn audit_trail_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        self.conn
            .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .context("reading the audit trail's end")
    }

    /// Records that this cache was restored from a backup taken at
    /// `backup_taken_at`, whose trail ended at `backup_head` (signed for
    /// central): the note, the audit entry by `actor`, and the event that
    /// tells central. Heads still waiting to be sent are dropped: the
    /// event carries the backup's head, which is at or past each of them,
    /// and central would refuse them as going back from heads the failed
    /// machine sent after the backup.
    pub(crate) fn record_restore(
        &mut self,
        backup_taken_at: &str,
        backup_head: Option<AuditHeadPayload>,
        actor: &str,
    ) -> Result<RestoreNote, StoreError> {
        let tx = self.conn.transaction().context("recording the restore")?;
        tx.execute(
            "DELETE FROM outbox WHERE outcome IS NULL AND kind = ?1",
            params![AUDIT_HEAD_EVENT],
        )
        .context("recording the restore")?;
        let note = RestoreNote {
            backup_taken_at: backup_taken_at.to_owned(),
            restored_at: now_rfc3339(),
            backup_seq: backup_head.as_ref().map_or(0, |head| head.seq as i64),
            entries_lost: None,
        };
        let entry = append(
            &tx,
            actor,
            STATION_RESTORED,
            None,
            &serde_json::json!({ "backup_taken_at": note.backup_taken_at, "backup_seq": note.backup_seq }),
        )?;
        enqueue(
            &tx,
            &StationEvent::StationRestored(StationRestored {
                backup_head,
                backup_taken_at: backup_taken_at.to_owned(),
                audit_seq: entry.seq.unsigned_abs(),
            }),
        )?;
        let json = serde_json::to_string(&note).expect("a restore note always encodes");
        set_state_value(&tx, RESTORED_KEY, &json)?;
        tx.commit().context("recording the restore")?;
        Ok(note)
    }

    /// Notes central's answer to the restore: how many entries past the
    /// backup it had kept heads for.
    pub(crate) fn record_restore_answer(&mut self, entries_lost: u64) -> Result<(), StoreError> {
        let Some(mut note) = self.restore_note()? else {
            return Ok(());
        };
        note.entries_lost = Some(entries_lost);
        let tx = self
            .conn
            .transaction()
            .context("recording central's answer to the restore")?;
        let json = serde_json::to_string(&note).expect("a restore note always encodes");
        set_state_value(&tx, RESTORED_KEY, &json)?;
        tx.commit().context("recording central's answer to the restore")
    }
}

#[cfg(test)]
mod tests {
    use pass_central::api::AUDIT_HEAD_EVENT;

    use super::*;
    use crate::store::OutboxFilter;

    #[test]
    fn a_restore_is_noted_audited_and_queued_in_place_of_unsent_heads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("s.db")).expect("open");
        let tx = store.conn.transaction().expect("tx");
        append(&tx, "clerk", "printed", Some("KEL-1"), &serde_json::json!({})).expect("append");
        tx.commit().expect("commit");
        let head = AuditHeadPayload {
            seq: 1,
            hash: "ab".repeat(32),
            signature: "signed".to_owned(),
        };
        store.queue_audit_head(&head.hash, &head).expect("queued");
        let note = store
            .record_restore("2026-12-01T08:00:00Z", Some(head), "station:ST-1")
            .expect("recorded");
        assert_eq!((note.backup_seq, note.entries_lost), (1, None));
        let queued = store.outbox(OutboxFilter::Unsent, 10).expect("outbox");
        let kinds: Vec<&str> = queued.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["station_restored"], "the unsent head gave way to the restore's");
        assert!(!kinds.contains(&AUDIT_HEAD_EVENT));
        assert_eq!(queued[0].payload["audit_seq"], 2);
        let check = store.check_audit().expect("check");
        assert_eq!((check.entries, check.broken_at), (2, None));
        assert_eq!(store.audit(None, None, None).expect("read")[1].action, STATION_RESTORED);
        store.record_restore_answer(5).expect("answered");
        assert_eq!(
            store.restore_note().expect("read").expect("noted").entries_lost,
            Some(5)
        );
    }
}
