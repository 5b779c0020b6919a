//! Holder photos, addressed by the SHA-256 of their bytes: a desk's photo
//! of a holder set on the item, and the corruption a test can order for one.
//!
//! What it is not for: drawing portraits (see `sim::portrait`) or storing
//! them, which happens with the application that brings them; checking that
//! a desk's bytes are a JPEG (the handler does, with `api::check_photo`).

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::db::Store;
use super::feed::{change_item, load_item, station_may_change};
use super::stations::Station;
use crate::api::{Holder, WireItem};
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

    /// Sets the photo a desk of the station's office took on an approved
    /// person's pass: stored under its hash, named in the item, the item
    /// moved to the feed's end at the same version. The same photo again
    /// changes nothing. Answers the item's record.
    pub(crate) fn set_photo(&mut self, station: &Station, pass_id: &str, bytes: &[u8]) -> Result<WireItem, SimError> {
        let sha = hex::encode(Sha256::digest(bytes));
        self.write("setting a photo", |tx| {
            let row = load_item(tx, pass_id)?;
            station_may_change(station, pass_id, &row, "given a photo")?;
            if !matches!(row.item.holder, Holder::Person { .. }) {
                return Err(SimError::Conflict(format!(
                    "{pass_id} is a vehicle's pass; only a person's pass takes a holder photo"
                )));
            }
            if row.item.photo_sha256.as_deref() == Some(sha.as_str()) {
                return Ok(row.item);
            }
            tx.execute(
                "INSERT OR IGNORE INTO photos (sha256, bytes) VALUES (?1, ?2)",
                params![sha, bytes],
            )?;
            change_item(tx, pass_id, |row| {
                row.item.photo_sha256 = Some(sha.clone());
                Ok(())
            })?;
            Ok(load_item(tx, pass_id)?.item)
        })
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

    #[test]
    fn a_desk_photo_is_named_at_the_same_version_and_moves_the_item_to_the_feed_end() {
        let mut store = Store::in_memory();
        store.generate(2026, false, "TWKEL", 8).expect("generated");
        let page = store.feed_page("TWKEL", None, 100).expect("a page");
        let items: Vec<WireItem> = page
            .items
            .iter()
            .map(|t| serde_json::from_str(t).expect("an item"))
            .collect();
        let person = items
            .iter()
            .find(|i| matches!(i.holder, Holder::Person { .. }))
            .expect("a person");
        let station = Station {
            id: "s1".to_owned(),
            office: "TWKEL".to_owned(),
        };
        let jpeg = b"\xFF\xD8 a desk's photo \xFF\xD9".to_vec();
        let item = store.set_photo(&station, &person.pass_id, &jpeg).expect("set");
        let sha = hex::encode(Sha256::digest(&jpeg));
        assert_eq!(item.photo_sha256.as_deref(), Some(sha.as_str()));
        assert_eq!(item.version, person.version, "no credential carries the photo");
        assert_eq!(store.photo(&sha).expect("stored"), jpeg);
        let after = store.feed_page("TWKEL", Some(page.next_cursor), 100).expect("the rest");
        assert_eq!(after.items.len(), 1, "the item moved to the feed's end");
        let again = store.set_photo(&station, &person.pass_id, &jpeg).expect("again");
        assert_eq!(
            again.changed_at, item.changed_at,
            "the same photo again changes nothing"
        );

        let elsewhere = Station {
            id: "s2".to_owned(),
            office: "TWKHH".to_owned(),
        };
        assert!(matches!(
            store.set_photo(&elsewhere, &person.pass_id, &jpeg),
            Err(SimError::WrongOffice { .. })
        ));
        if let Some(vehicle) = items.iter().find(|i| matches!(i.holder, Holder::Vehicle { .. })) {
            assert!(matches!(
                store.set_photo(&station, &vehicle.pass_id, &jpeg),
                Err(SimError::Conflict(_))
            ));
        }
    }
}
