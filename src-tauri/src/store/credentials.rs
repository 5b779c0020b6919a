//! Prints of cards with the credentials signed for them, and the trust
//! documents the station verifies against.
//!
//! Why a credential lives with a print: a valid credential must exist only on
//! a card the station recorded as printed. It is signed as the print job
//! starts, kept here, and every print that does not become the pass's card
//! (a jam, a crash mid-job) is abandoned and revoked at central.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{SqlContext, Store, StoreError, now_rfc3339};
use crate::model::{CardState, Revocation, Step};

/// The documents verification rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustDocument {
    TrustList,
    Hotlist,
}

impl TrustDocument {
    fn name(self) -> &'static str {
        match self {
            TrustDocument::TrustList => "trust_list",
            TrustDocument::Hotlist => "hotlist",
        }
    }
}

/// One print of a card: the credential signed for it and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintRecord {
    pub pass_id: String,
    pub version: u32,
    pub print: u32,
    pub qr_text: String,
}

impl Store {
    /// The serial the next print of this pass version gets.
    pub fn next_print_serial(&self, pass_id: &str, version: u32) -> Result<u32, StoreError> {
        self.conn
            .query_row(
                "SELECT coalesce(max(print), 0) + 1 FROM prints WHERE pass_id = ?1 AND version = ?2",
                params![pass_id, version],
                |row| row.get(0),
            )
            .context("numbering a print")
    }

    /// The credential on the card printed for the pass's current version, if one came out.
    pub fn printed_card(&self, pass_id: &str) -> Result<Option<PrintRecord>, StoreError> {
        printed_in(&self.conn, pass_id)
    }

    /// Records prints about to go to the printer, each with its signed
    /// credential, in one transaction. A print of the same pass left
    /// `sending` by an earlier job that never finished (a crash, a jam) is
    /// abandoned first: its credential may be on a half-printed card.
    pub fn begin_prints(&mut self, prints: &[PrintRecord], actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("recording prints")?;
        for print in prints {
            for stale in unfinished_prints_in(&tx, &print.pass_id)? {
                abandon_in(&tx, &stale, actor, "the print job never finished")?;
            }
            tx.execute(
                "INSERT INTO prints (pass_id, version, print, qr_text, signed_at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'sending')",
                params![print.pass_id, print.version, print.print, print.qr_text, now_rfc3339()],
            )
            .context("recording a print")?;
        }
        tx.commit().context("recording prints")
    }

    /// The printer delivered the card: the print is the card's, and the card
    /// moves to `printed`, in one transaction.
    pub fn finish_print(
        &mut self,
        print: &PrintRecord,
        actor: &str,
        detail: &serde_json::Value,
    ) -> Result<Result<(), CardState>, StoreError> {
        let tx = self.conn.transaction().context("recording a printed card")?;
        tx.execute(
            "UPDATE prints SET status = 'printed' WHERE pass_id = ?1 AND version = ?2 AND print = ?3",
            params![print.pass_id, print.version, print.print],
        )
        .context("recording a printed card")?;
        let moved = super::items::advance_in(&tx, &print.pass_id, &Step::PRINT, actor, detail)?;
        if moved.is_ok() {
            tx.commit().context("recording a printed card")?;
        }
        Ok(moved)
    }

    /// Gives up prints that did not come out whole (the printer failed): each
    /// goes to central for the hotlist, in case part of a card came out.
    pub fn abandon_prints(&mut self, prints: &[PrintRecord], actor: &str, why: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().context("abandoning prints")?;
        for print in prints {
            abandon_in(&tx, print, actor, why)?;
        }
        tx.commit().context("abandoning prints")
    }

    /// A trust document's bytes and when they were fetched.
    pub fn trust_document(&self, which: TrustDocument) -> Result<Option<(Vec<u8>, String)>, StoreError> {
        self.conn
            .query_row(
                "SELECT bytes, fetched_at FROM trust_documents WHERE name = ?1",
                params![which.name()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .context("reading a trust document")
    }

    pub fn put_trust_document(&self, which: TrustDocument, bytes: &[u8], fetched_at: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO trust_documents (name, bytes, fetched_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes, fetched_at = excluded.fetched_at",
                params![which.name(), bytes, fetched_at],
            )
            .context("storing a trust document")?;
        Ok(())
    }
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

/// Marks a print abandoned, with its audit entry and a `print_abandoned`
/// event whose `retired_card` central puts on the hotlist.
pub(super) fn abandon_in(tx: &Transaction<'_>, print: &PrintRecord, actor: &str, why: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE prints SET status = 'abandoned' WHERE pass_id = ?1 AND version = ?2 AND print = ?3",
        params![print.pass_id, print.version, print.print],
    )
    .context("abandoning a print")?;
    let retired = serde_json::json!({ "print": print.print, "reason": Revocation::Spoiled.as_str() });
    let detail = serde_json::json!({ "reason": why, "retired_card": retired });
    let abandoned = "print_abandoned";
    super::items::record_card_event(tx, abandoned, abandoned, &print.pass_id, print.version, actor, &detail)
}
