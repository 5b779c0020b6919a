//! The chips this station wrote, recorded with the event that tells central.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{SqlContext, Store, StoreError, now_rfc3339};

/// A chip and the pass version written to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncodedCard {
    /// The chip's UID in upper-case hex.
    pub card_uid: String,
    pub pass_id: String,
    pub version: u32,
    pub encoded_at: String,
}

impl Store {
    /// Records that `card_uid` now carries this pass version, and queues a
    /// `card_encoded` event for central, in one transaction.
    pub fn record_encoded_card(&mut self, card_uid: &[u8], pass_id: &str, version: u32) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("recording an encoded card")?;
        let now = now_rfc3339();
        tx.execute(
            "INSERT INTO cards (card_uid, pass_id, version, encoded_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (card_uid) DO UPDATE SET pass_id = excluded.pass_id, version = excluded.version,
                encoded_at = excluded.encoded_at",
            params![card_uid, pass_id, version, now],
        )
        .context("recording an encoded card")?;
        let payload = serde_json::json!({
            "pass_id": pass_id, "version": version, "card_uid": hex::encode_upper(card_uid),
        });
        super::outbox::enqueue(&tx, "card_encoded", &payload)?;
        tx.commit().context("recording an encoded card")
    }

    /// The card this station last wrote for a pass, if any.
    pub fn encoded_card(&self, pass_id: &str) -> Result<Option<EncodedCard>, StoreError> {
        self.conn
            .query_row(
                "SELECT card_uid, pass_id, version, encoded_at FROM cards WHERE pass_id = ?1
                 ORDER BY encoded_at DESC LIMIT 1",
                params![pass_id],
                |row| {
                    Ok(EncodedCard {
                        card_uid: hex::encode_upper(&row.get::<_, Vec<u8>>(0)?),
                        pass_id: row.get(1)?,
                        version: row.get(2)?,
                        encoded_at: row.get(3)?,
                    })
                },
            )
            .optional()
            .context("reading an encoded card")
    }
}
