//! The audit trail: one entry per thing done, hash-chained.
//!
//! Each entry's hash covers its own fields and the hash of the entry before,
//! so changing, deleting or reordering any row breaks the chain from there
//! on. The chain cannot stop someone who rewrites every later hash too; for
//! that the entries also travel to central in the outbox, where the station
//! cannot reach them.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{SqlContext, Store, StoreError, now_rfc3339};

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
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
    /// The first entry that does not follow from the one before, and why.
    pub broken_at: Option<(i64, String)>,
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
    let at = now_rfc3339();
    let detail_text = detail.to_string();
    let hash = entry_hash(seq, &at, actor, action, pass_id, &detail_text, &prev_hash);
    tx.execute(
        "INSERT INTO audit (seq, at, actor, action, pass_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, actor, action, pass_id, detail_text, prev_hash, hash],
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

impl Store {
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
                    at: row.get(1)?,
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

    /// Walks the whole chain and reports the first entry that does not follow.
    pub fn check_audit(&self) -> Result<AuditCheck, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, actor, action, pass_id, detail, prev_hash, hash FROM audit ORDER BY rowid")
            .context("checking the audit trail")?;
        let mut rows = stmt.query([]).context("checking the audit trail")?;
        let (mut expected_seq, mut prev, mut entries) = (1i64, String::new(), 0u64);
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
                });
            }
            expected_seq += 1;
            prev = hash;
        }
        Ok(AuditCheck {
            entries,
            broken_at: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn an_untouched_chain_checks_out() {
        let (_dir, store) = trail();
        assert_eq!(
            store.check_audit().expect("check"),
            AuditCheck {
                entries: 3,
                broken_at: None
            }
        );
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
