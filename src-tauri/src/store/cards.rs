//! The chips this station wrote, recorded with the step and the event that tells central.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{SqlContext, Store, StoreError, now_rfc3339};
use crate::model::{CardState, Step};

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
    /// Records that `card_uid` now carries the pass's current version and
    /// moves the card to `encoded` (state, audit entry and `card_encoded`
    /// event), in one transaction; refused unless the step may start from
    /// the card's state.
    pub fn record_encoded_card(
        &mut self,
        card_uid: &[u8],
        pass_id: &str,
        actor: &str,
    ) -> Result<Result<(), CardState>, StoreError> {
        let tx = self.conn.transaction().context("recording an encoded card")?;
        let detail = serde_json::json!({ "card_uid": hex::encode_upper(card_uid) });
        let moved = super::items::advance_in(&tx, pass_id, &Step::ENCODE, actor, &detail)?;
        if moved.is_err() {
            return Ok(moved);
        }
        tx.execute(
            "INSERT INTO cards (card_uid, pass_id, version, encoded_at)
             SELECT ?1, pass_id, version, ?3 FROM items WHERE pass_id = ?2
             ON CONFLICT (card_uid) DO UPDATE SET pass_id = excluded.pass_id, version = excluded.version,
                encoded_at = excluded.encoded_at",
            params![card_uid, pass_id, now_rfc3339()],
        )
        .context("recording an encoded card")?;
        tx.commit().context("recording an encoded card")?;
        Ok(moved)
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

/// The UID (upper-case hex) of the chip written with the pass's current
/// version, if there is one: the card a void or spoil takes out of use.
pub(super) fn live_card_in(tx: &Transaction<'_>, pass_id: &str) -> Result<Option<String>, StoreError> {
    tx.query_row(
        "SELECT c.card_uid FROM cards c JOIN items i ON i.pass_id = c.pass_id AND i.version = c.version
         WHERE c.pass_id = ?1 ORDER BY c.encoded_at DESC LIMIT 1",
        params![pass_id],
        |row| row.get::<_, Vec<u8>>(0),
    )
    .optional()
    .context("reading a pass's card")
    .map(|uid| uid.map(hex::encode_upper))
}
