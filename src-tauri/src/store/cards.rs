//! The chips this station wrote, recorded with the step and the event that tells central.
//!
//! Not for reading which card a pass has now (see `card_faces`), nor for the
//! state change itself, which goes through `card_events` like every step.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use time::OffsetDateTime;

use super::card_events::advance_in;
use super::card_faces::{CardFaces, card_faces_in};
use super::db::{SqlContext, Store, StoreError, now_rfc3339};
use super::rows::parse_time;
use crate::model::{CardState, Step};

/// A chip and the pass version written to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncodedCard {
    /// The chip's UID in upper-case hex.
    pub card_uid: String,
    pub pass_id: String,
    pub version: u32,
    /// The print of the card whose chip this is.
    pub print: Option<u32>,
    #[serde(with = "time::serde::rfc3339")]
    pub encoded_at: OffsetDateTime,
}

impl Store {
    /// Records that `card_uid` now carries the pass's current version, written for `print`, and
    /// moves the card to `encoded` (state, audit entry and `card_encoded`
    /// event), in one transaction; refused unless the step may start from
    /// the card's state.
    pub fn record_encoded_card(
        &mut self,
        card_uid: &[u8],
        pass_id: &str,
        print: u32,
        actor: &str,
    ) -> Result<Result<(), CardState>, StoreError> {
        let tx = self.conn.transaction().context("recording an encoded card")?;
        let detail = serde_json::json!({ "card_uid": hex::encode_upper(card_uid), "print": print });
        let moved = advance_in(&tx, pass_id, &Step::ENCODE, actor, &detail)?;
        if moved.is_err() {
            return Ok(moved);
        }
        tx.execute(
            "INSERT INTO cards (card_uid, pass_id, version, encoded_at, print, encoded_by)
             SELECT ?1, pass_id, version, ?3, ?4, ?5 FROM items WHERE pass_id = ?2
             ON CONFLICT (card_uid) DO UPDATE SET pass_id = excluded.pass_id, version = excluded.version,
                encoded_at = excluded.encoded_at, print = excluded.print, encoded_by = excluded.encoded_by",
            params![card_uid, pass_id, now_rfc3339(), print, actor],
        )
        .context("recording an encoded card")?;
        tx.commit().context("recording an encoded card")?;
        Ok(moved)
    }

    /// Whether this station ever wrote a chip with this UID (for any pass):
    /// a "blank" card with such a UID is a copy or an emulator.
    pub fn card_ever_issued(&self, card_uid: &[u8]) -> Result<bool, StoreError> {
        self.conn
            .query_row("SELECT 1 FROM cards WHERE card_uid = ?1", params![card_uid], |_| Ok(()))
            .optional()
            .context("looking up a card")
            .map(|found| found.is_some())
    }

    /// The pass's card as it stands: its print and its chip, if one was made.
    pub fn card_faces(&self, pass_id: &str) -> Result<Option<CardFaces>, StoreError> {
        card_faces_in(&self.conn, pass_id)
    }

    /// The card this station last wrote for a pass, if any.
    pub fn encoded_card(&self, pass_id: &str) -> Result<Option<EncodedCard>, StoreError> {
        self.conn
            .query_row(
                "SELECT card_uid, pass_id, version, encoded_at, print FROM cards WHERE pass_id = ?1
                 ORDER BY encoded_at DESC LIMIT 1",
                params![pass_id],
                |row| {
                    Ok(EncodedCard {
                        card_uid: hex::encode_upper(&row.get::<_, Vec<u8>>(0)?),
                        pass_id: row.get(1)?,
                        version: row.get(2)?,
                        encoded_at: parse_time(row, 3)?,
                        print: row.get(4)?,
                    })
                },
            )
            .optional()
            .context("reading an encoded card")
    }
}
