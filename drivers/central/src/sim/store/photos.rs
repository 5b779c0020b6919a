//! Holder photos, addressed by the SHA-256 of their bytes, and the
//! corruption a test can order for one.
//!
//! What it is not for: drawing portraits (see `sim::portrait`) or storing
//! them, which happens with the application that brings them.

use rusqlite::OptionalExtension;

use super::db::Store;
use crate::sim::error::SimError;

impl Store {
    /// The photo's bytes, or wrong ones if it was corrupted on purpose.
    pub(crate) fn photo(&self, sha256: &str) -> Result<Vec<u8>, SimError> {
        let found: Option<(Vec<u8>, bool)> = self.read("reading a photo", |conn| {
            let sql = "SELECT bytes, corrupt FROM photos WHERE sha256 = ?1";
            Ok(conn
                .query_row(sql, [sha256], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })?;
        let (mut bytes, corrupt) = found.ok_or_else(|| SimError::NotFound(format!("no photo has SHA-256 {sha256}")))?;
        if corrupt {
            let middle = bytes.len() / 2;
            match bytes.get_mut(middle) {
                Some(byte) => *byte ^= 0x5A,
                None => bytes.push(0),
            }
        }
        Ok(bytes)
    }

    pub(crate) fn corrupt_photo(&mut self, sha256: &str) -> Result<(), SimError> {
        let changed = self.write("marking a photo corrupt", |tx| {
            Ok(tx.execute("UPDATE photos SET corrupt = 1 WHERE sha256 = ?1", [sha256])?)
        })?;
        if changed == 0 {
            return Err(SimError::NotFound(format!("no photo has SHA-256 {sha256}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::api::WireItem;

    #[test]
    fn a_photo_hashes_to_its_address_until_it_is_corrupted() {
        let mut store = Store::in_memory();
        store.generate(2026, true, "TWKEL", 8).expect("generated");
        let page = store.feed_page("TWKEL", None, 100).expect("a page");
        let sha = page
            .items
            .iter()
            .filter_map(|text| serde_json::from_str::<WireItem>(text).expect("an item").photo_sha256)
            .next()
            .expect("a person with a photo");
        let hash = |bytes: &[u8]| hex::encode(Sha256::digest(bytes));
        assert_eq!(hash(&store.photo(&sha).expect("the photo")), sha);
        store.corrupt_photo(&sha).expect("corrupted");
        assert_ne!(hash(&store.photo(&sha).expect("the photo")), sha);

        let nothing = "0".repeat(64);
        assert!(matches!(store.photo(&nothing), Err(SimError::NotFound(_))));
        assert!(matches!(store.corrupt_photo(&nothing), Err(SimError::NotFound(_))));
    }
}
