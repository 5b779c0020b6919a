//! Prints of cards with the credentials signed for them, and the trust
//! documents the station verifies against.
//!
//! Why a credential lives with a print: a valid credential must exist only on
//! a card the station recorded as printed. It is signed as the print job
//! starts, kept here, and every print that does not become the pass's card
//! (a jam, a crash mid-job) is abandoned and revoked at central.
//!
//! Not for signing (see [`crate::credentials`]), for reading the card a pass
//! has (see `card_faces`), nor for writing the `print_abandoned` and
//! `card_printed` events, which `card_events` writes for every step.

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::card_events::{abandon_in, advance_in};
use super::card_faces::{PrintRecord, printed_in, unfinished_prints_in};
use super::db::{SqlContext, Store, StoreError, now_rfc3339};
use super::rows::parse_time;
use crate::model::{CardState, Step};

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

impl Store {
    /// The serial the next print of this pass version gets: past every print
    /// of it this station knows, and no lower than `from` (where this desk's
    /// claim numbers its prints from).
    pub fn next_print_serial(&self, pass_id: &str, version: u32, from: u32) -> Result<u32, StoreError> {
        self.conn
            .query_row(
                "SELECT max(coalesce(max(print), 0) + 1, ?3) FROM prints WHERE pass_id = ?1 AND version = ?2",
                params![pass_id, version, from],
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
        let moved = advance_in(&tx, &print.pass_id, &Step::PRINT, actor, detail)?;
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
    pub fn trust_document(&self, which: TrustDocument) -> Result<Option<(Vec<u8>, OffsetDateTime)>, StoreError> {
        self.conn
            .query_row(
                "SELECT bytes, fetched_at FROM trust_documents WHERE name = ?1",
                params![which.name()],
                |row| Ok((row.get(0)?, parse_time(row, 1)?)),
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
