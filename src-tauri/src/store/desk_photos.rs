//! Holder photos taken at the desk: kept in the cache with the item naming
//! them, audited, and their upload to central waiting in the outbox, in one
//! transaction; and whether a pass still has such an upload waiting.
//!
//! Why in the outbox: the photo must reach central whatever the network
//! does, in order with the events around it; the sync sends an outbox entry
//! of kind [`PHOTO_UPLOAD`] as its own request (a JPEG, not an event) and
//! records central's answer on it as on an event (a refusal stays, listed
//! with the rejected events). The photo itself stays in `photos`, addressed
//! by its SHA-256, the one place every photo is kept.
//!
//! Not for making the photo (see `crate::desk_photo`) or sending it (see
//! `crate::sync`).

use rusqlite::{Transaction, params};

use super::audit::append;
use super::db::{SqlContext, Store, StoreError, now_rfc3339};
use super::rows::parse_state;
use crate::model::CardState;

/// The outbox kind of a photo upload, payload `{"pass_id", "sha256"}`: not
/// an event of central's, a request of its own.
pub const PHOTO_UPLOAD: &str = "photo_upload";
/// The audit action of a photo taken at the desk.
pub const PHOTO_TAKEN: &str = "photo_taken";

impl Store {
    /// Keeps a desk photo for a pass whose card stands at `approved`: the
    /// bytes in `photos`, the item naming them, the audit entry and the
    /// upload queued. `Ok(Err(state))` when the card is at another state
    /// (nothing changed).
    pub(crate) fn set_desk_photo(
        &mut self,
        pass_id: &str,
        sha256: &str,
        jpeg: &[u8],
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<Result<(), CardState>, StoreError> {
        let tx = self.conn.transaction().context("keeping a desk photo")?;
        let state = tx
            .query_row("SELECT state FROM items WHERE pass_id = ?1", params![pass_id], |row| {
                parse_state(row, 0)
            })
            .context("reading the card's state")?;
        if state != CardState::Approved {
            return Ok(Err(state));
        }
        tx.execute(
            "INSERT OR IGNORE INTO photos (sha256, bytes) VALUES (?1, ?2)",
            params![sha256, jpeg],
        )
        .context("keeping a desk photo")?;
        tx.execute(
            "UPDATE items SET photo_sha256 = ?2, updated_at = ?3 WHERE pass_id = ?1",
            params![pass_id, sha256, now_rfc3339()],
        )
        .context("naming the desk photo")?;
        append(&tx, actor, PHOTO_TAKEN, Some(pass_id), detail)?;
        tx.execute(
            "INSERT INTO outbox (idempotency_key, kind, occurred_at, payload) VALUES (?1, ?2, ?3, ?4)",
            params![
                uuid::Uuid::new_v4().to_string(),
                PHOTO_UPLOAD,
                now_rfc3339(),
                serde_json::json!({ "pass_id": pass_id, "sha256": sha256 }).to_string()
            ],
        )
        .context("queueing the photo's upload")?;
        tx.commit().context("keeping a desk photo")?;
        Ok(Ok(()))
    }
}

/// Whether a desk photo of `pass_id` still waits to go to central: until it
/// has, the desk's photo stands over the one the feed names.
pub(super) fn upload_waiting(tx: &Transaction<'_>, pass_id: &str) -> Result<bool, StoreError> {
    tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = ?1 AND outcome IS NULL
                        AND json_extract(payload, '$.pass_id') = ?2)",
        params![PHOTO_UPLOAD, pass_id],
        |row| row.get(0),
    )
    .context("looking for a photo upload waiting")
}
