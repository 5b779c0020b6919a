//! Signed credentials and trust documents in the cache.

use rusqlite::{OptionalExtension, params};

use super::{SqlContext, Store, StoreError};

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
    /// The QR credential signed for this pass version, if one was.
    pub fn credential(&self, pass_id: &str, version: u32) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT qr_text FROM credentials WHERE pass_id = ?1 AND version = ?2",
                params![pass_id, version],
                |row| row.get(0),
            )
            .optional()
            .context("reading a credential")
    }

    /// Keeps a newly signed credential; the first one kept for a version wins.
    pub fn put_credential(
        &self,
        pass_id: &str,
        version: u32,
        qr_text: &str,
        issued_at: &str,
    ) -> Result<String, StoreError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO credentials (pass_id, version, qr_text, issued_at) VALUES (?1, ?2, ?3, ?4)",
                params![pass_id, version, qr_text, issued_at],
            )
            .context("storing a credential")?;
        self.credential(pass_id, version)?.ok_or(StoreError::Sql {
            context: "reading back a credential",
            source: rusqlite::Error::QueryReturnedNoRows,
        })
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
