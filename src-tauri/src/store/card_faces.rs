//! Which card a pass has, read inside any connection or transaction: the
//! print that came out for its current version, the prints given to a
//! printer and never confirmed, and the chip written for the print. Together
//! they are the card's faces, which central's events name.
//!
//! Not for writing prints or chips, nor for moving a card: the steps that do
//! (in [`super::cards`], [`super::credentials`] and [`super::card_events`])
//! read the card through this module.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::db::{SqlContext, StoreError};
use crate::model::Revocation;

/// One print of a card: the credential signed for it and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintRecord {
    pub pass_id: String,
    pub version: u32,
    pub print: u32,
    pub qr_text: String,
}

/// The card of the pass's current version that the office holds or handed
/// over: its print, and its chip if one was written for that print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CardFaces {
    pub print: u32,
    /// The chip's UID in upper-case hex.
    pub card_uid: Option<String>,
}

impl CardFaces {
    /// The faces as central's events carry them (`retired_card`, `handed_over_card`).
    pub(super) fn to_json(&self, why: Option<Revocation>) -> serde_json::Value {
        let faces = pass_central::events::CardFaces {
            print: self.print,
            card_uid: self.card_uid.clone(),
            reason: why,
        };
        serde_json::to_value(faces).expect("card faces always encode as JSON")
    }
}

/// The pass's card as it stands: the print that came out for its current
/// version, and the chip written for that print.
pub(super) fn card_faces_in(conn: &Connection, pass_id: &str) -> Result<Option<CardFaces>, StoreError> {
    let Some(printed) = printed_in(conn, pass_id)? else {
        return Ok(None);
    };
    let chip: Option<Vec<u8>> = conn
        .query_row(
            "SELECT card_uid FROM cards WHERE pass_id = ?1 AND version = ?2 AND print = ?3
             ORDER BY encoded_at DESC LIMIT 1",
            params![pass_id, printed.version, printed.print],
            |row| row.get(0),
        )
        .optional()
        .context("reading a pass's card")?;
    Ok(Some(CardFaces {
        print: printed.print,
        card_uid: chip.map(hex::encode_upper),
    }))
}

/// The print that came out for the pass's current version, if one did.
pub(super) fn printed_in(conn: &Connection, pass_id: &str) -> Result<Option<PrintRecord>, StoreError> {
    conn.query_row(
        "SELECT p.pass_id, p.version, p.print, p.qr_text FROM prints p
         JOIN items i ON i.pass_id = p.pass_id AND i.version = p.version
         WHERE p.pass_id = ?1 AND p.status = 'printed' ORDER BY p.print DESC LIMIT 1",
        params![pass_id],
        print_from_row,
    )
    .optional()
    .context("reading a printed card")
}

fn print_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PrintRecord> {
    Ok(PrintRecord {
        pass_id: row.get(0)?,
        version: row.get(1)?,
        print: row.get(2)?,
        qr_text: row.get(3)?,
    })
}

/// Prints of the pass given to a printer and never confirmed.
pub(super) fn unfinished_prints_in(tx: &Transaction<'_>, pass_id: &str) -> Result<Vec<PrintRecord>, StoreError> {
    let mut stmt = tx
        .prepare_cached("SELECT pass_id, version, print, qr_text FROM prints WHERE pass_id = ?1 AND status = 'sending'")
        .context("listing prints")?;
    let rows = stmt
        .query_map(params![pass_id], print_from_row)
        .context("listing prints")?;
    rows.collect::<Result<_, _>>().context("listing prints")
}
