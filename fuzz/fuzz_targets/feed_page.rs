//! A page of central's item feed (JSON) → the station's ingest: the page
//! decoded as the central client decodes it, each record checked by
//! `check_wire_item`, and the checked page stored in a fresh in-memory cache
//! as a sync stores it. Must not panic; a record that passes the checks must
//! store (a page that cannot be stored would stop every later sync at it),
//! read back, and storing the same page twice must change nothing the second time.
//!
//! Input that is not a page is taken as one record.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pass_central::api::{Holder, ItemPage};
use pass_central::model::port;
use pass_station::model::{PassItem, check_wire_item};
use pass_station::store::{Store, StoredPage};

const OFFICE: &str = "TWKEL";

fuzz_target!(|data: &[u8]| {
    match serde_json::from_slice::<ItemPage>(data) {
        Ok(page) => ingest(page),
        Err(_) => {
            if let Ok(raw) = serde_json::from_slice::<serde_json::Value>(data)
                && let Ok(item) = check_wire_item(&raw, OFFICE)
            {
                check_item(&item);
            }
        }
    }
});

fn ingest(page: ItemPage) {
    let mut stored = StoredPage {
        next_cursor: page.next_cursor,
        last: !page.has_more,
        ..StoredPage::default()
    };
    for raw in &page.items {
        match check_wire_item(raw, OFFICE) {
            Ok(item) => {
                check_item(&item);
                stored.items.push(item);
            }
            Err(rejection) => stored.rejected.push(rejection),
        }
    }
    let mut store = open_in_memory();
    let first = store
        .store_page(&stored)
        .unwrap_or_else(|e| panic!("a checked page must store: {e}\n{stored:#?}"));
    assert_eq!(first.rejected, stored.rejected.len());
    for item in &stored.items {
        let held = store
            .item(&item.pass_id)
            .unwrap_or_else(|e| panic!("a stored item must read back: {e}\n{item:#?}"))
            .unwrap_or_else(|| panic!("a stored item is held: {item:#?}"));
        assert!(held.item.version >= item.version, "{held:#?} for {item:#?}");
    }
    let again = store.store_page(&stored).expect("the same page stores again");
    assert_eq!(
        (again.added, again.updated, again.withdrawn),
        (0, 0, 0),
        "a page read twice adds nothing twice: {again:?}"
    );
    assert_eq!(
        store.feed_cursor().expect("the cursor reads"),
        Some(stored.next_cursor.clone())
    );
}

/// A fresh cache in memory. `Store::open` first makes its file owner-only,
/// which leaves an empty file named `:memory:` in the working directory
/// although SQLite keeps this cache in memory: it is removed again.
fn open_in_memory() -> Store {
    const IN_MEMORY: &str = ":memory:";
    let store = Store::open(Path::new(IN_MEMORY)).expect("an in-memory cache opens");
    if std::fs::metadata(IN_MEMORY).is_ok_and(|file| file.len() == 0) {
        let _ = std::fs::remove_file(IN_MEMORY);
    }
    store
}

/// What every accepted record is, whatever central sent.
fn check_item(item: &PassItem) {
    assert!(!item.pass_id.is_empty() && item.pass_id.len() <= 40, "{item:?}");
    assert_eq!(item.pass_id.trim(), item.pass_id);
    assert!(!item.pass_id.chars().any(char::is_control));
    assert!(item.version > 0);
    assert!(item.valid_from <= item.valid_to);
    assert!(!item.ports.is_empty() && item.ports.iter().all(|code| port(code).is_some()));
    assert_eq!(item.pickup_office, OFFICE);
    assert!(!item.company_name.trim().is_empty());
    assert_eq!(item.company_tax_id.len(), 8);
    if let Some(card) = &item.handed_over {
        assert_eq!(
            card.version, item.version,
            "a hand-over of another version is not this item's"
        );
    }
    if let Holder::Person { national_id_masked, .. } = &item.holder {
        let chars: Vec<char> = national_id_masked.chars().collect();
        assert_eq!(chars.len(), 10, "{national_id_masked:?}");
        assert!(
            chars[3..7].iter().all(|c| *c == '*'),
            "a full ID is never kept: {national_id_masked:?}"
        );
    }
}
