//! Items in the cache: storing a page of the central feed, reading one item
//! back, and the photos and rejections that go with them.
//!
//! Not for moving a card (a withdrawal or a hand-over central reports is a
//! step like any other and goes through `card_events`), nor for decoding
//! shared columns (see `rows`).

use pass_central::StationEvent;
use pass_central::api::ItemStatus;
use pass_central::events::{ItemRejected, ItemsReceived};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use time::OffsetDateTime;

use super::card_events::advance_in;
use super::card_faces::card_faces_in;
use super::db::{CENTRAL_ACTOR, Cached, SqlContext, Store, StoreError, now_rfc3339, rfc3339, set_state_value};
use super::desk_photos::upload_waiting;
use super::desks::{CarriedCard, carry_on_in, held_in, note_desks_in};
use super::queue::{enqueue, enqueue_by_content};
use super::rows::{parse_date, parse_optional_time, parse_state, parse_time, split_ports, time_from_text};
use super::search::index_text;
use crate::model::{CardState, Holder, PassItem, PassKind, Rejection, Step};

/// The sync position key in `station_state`.
const CURSOR_KEY: &str = "feed_cursor";
/// When the feed was last read to its end.
const SYNCED_AT_KEY: &str = "feed_synced_at";

/// One page of the feed, after each record was checked.
#[derive(Debug, Default)]
pub struct StoredPage {
    pub items: Vec<PassItem>,
    pub rejected: Vec<(Option<String>, Rejection)>,
    pub next_cursor: String,
    /// Whether the page reaches the end of the feed.
    pub last: bool,
}

/// What storing a page changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PageSummary {
    /// Items new to this station.
    pub added: usize,
    /// Items seen before at an older version.
    pub updated: usize,
    /// Items that central withdrew and this station had not handed over.
    pub withdrawn: usize,
    /// Items already held at this version or newer (a repeated record).
    pub unchanged: usize,
    pub rejected: usize,
    /// Passes withdrawn while the office held their card, which is now void:
    /// the clerk must take these cards out of the work.
    pub voided_cards: Vec<String>,
}

/// An item as the cache holds it: the pass and where its card stands.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ItemRecord {
    #[serde(flatten)]
    pub item: PassItem,
    pub kind: PassKind,
    pub state: CardState,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub received_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub updated_at: OffsetDateTime,
    pub photo_cached: bool,
}

/// A record central sent that this station set aside.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct RejectedItem {
    pub pass_id: String,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[ts(type = "string")]
    pub seen_at: OffsetDateTime,
}

/// What the office's records say of a pass's card, for a gate to weigh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueStanding {
    pub version: u32,
    pub state: CardState,
    /// The print and chip (upper-case hex) of the card handed over, once one was.
    pub handed_over_print: Option<u32>,
    pub handed_over_uid: Option<String>,
}

impl Store {
    /// Where the pass's card stands at this office, if the station holds the pass.
    pub fn issue_standing(&self, pass_id: &str) -> Result<Option<IssueStanding>, StoreError> {
        self.conn
            .query_row(
                "SELECT version, state, handed_over_print, handed_over_uid FROM items WHERE pass_id = ?1",
                params![pass_id],
                |row| {
                    Ok(IssueStanding {
                        version: row.get(0)?,
                        state: parse_state(row, 1)?,
                        handed_over_print: row.get(2)?,
                        handed_over_uid: row.get(3)?,
                    })
                },
            )
            .optional()
            .context("reading a card's standing")
    }

    /// Where the next sync starts, if the station has synced before.
    pub fn feed_cursor(&self) -> Result<Option<String>, StoreError> {
        self.state_value(CURSOR_KEY)
    }

    /// When the feed was last read to its end.
    pub fn last_synced_at(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        self.state_value(SYNCED_AT_KEY)?
            .map(|text| time_from_text(0, &text).context("reading when the feed was last read"))
            .transpose()
    }

    /// Forgets the sync position so that the next page read starts the feed
    /// again; the items held are kept and re-checked as they come.
    pub fn forget_feed_cursor(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM station_state WHERE key = ?1", params![CURSOR_KEY])
            .context("resetting the cursor")?;
        Ok(())
    }

    /// Stores a checked page in one transaction: the items, one
    /// `items_received` receipt naming the item versions new to the station
    /// (keyed by what it names, so a station restored from a backup that
    /// reads the page again reports nothing twice), an `item_rejected` event
    /// for each rejection, and the cursor after the page. A crash leaves either
    /// all of it or none, so the page is simply read again.
    pub fn store_page(&mut self, page: &StoredPage) -> Result<PageSummary, StoreError> {
        let tx = self.conn.transaction().context("starting a page transaction")?;
        let mut summary = PageSummary::default();
        let mut received = ItemsReceived::default();
        let now = now_rfc3339();
        for item in &page.items {
            // The card made for the version held is retired by the withdrawal,
            // so it is closed before the new version replaces the old.
            let closed = if item.withdrawn {
                close_withdrawn(&tx, &item.pass_id, item.version)?
            } else {
                None
            };
            if let Some(card) = &item.handed_over {
                record_hand_over_elsewhere(&tx, &item.pass_id, card)?;
            }
            let upserted = upsert_item(&tx, item, &now)?;
            note_desks_in(&tx, item)?;
            match upserted {
                Upsert::Unchanged => {
                    summary.unchanged += 1;
                    continue;
                }
                Upsert::Added => summary.added += 1,
                Upsert::Updated => summary.updated += 1,
            }
            let status = if item.withdrawn {
                ItemStatus::Withdrawn
            } else {
                ItemStatus::Approved
            };
            received.add(&item.pass_id, item.version, status);
            if item.withdrawn {
                summary.withdrawn += 1;
                if closed == Some(CardState::Voided) {
                    summary.voided_cards.push(item.pass_id.clone());
                }
            }
        }
        if !received.versions.is_empty() {
            let receipt = StationEvent::ItemsReceived(received);
            // Keyed by what it names: read again after a restore, it is the same event.
            enqueue_by_content(&tx, &receipt)?;
        }
        for (pass_id, Rejection(reason)) in &page.rejected {
            summary.rejected += 1;
            let pass_id = pass_id.as_deref().unwrap_or_default();
            tx.execute(
                "INSERT INTO rejected_items (pass_id, reason, seen_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (pass_id) DO UPDATE SET reason = excluded.reason, seen_at = excluded.seen_at",
                params![pass_id, reason, now],
            )
            .context("recording a rejected item")?;
            let event = StationEvent::ItemRejected(ItemRejected {
                pass_id: pass_id.to_owned(),
                reason: reason.clone(),
            });
            enqueue(&tx, &event)?;
        }
        set_state_value(&tx, CURSOR_KEY, &page.next_cursor)?;
        if page.last {
            set_state_value(&tx, SYNCED_AT_KEY, &now)?;
        }
        tx.commit().context("committing a page")?;
        Ok(summary)
    }

    /// One item by pass number.
    pub fn item(&self, pass_id: &str) -> Result<Option<ItemRecord>, StoreError> {
        self.conn
            .query_row(
                "SELECT pass_id, version, application_id, holder_kind, holder_name, holder_name_latin,
                        national_id_masked, plate, vehicle_type, temporary, company_name, company_tax_id,
                        ports, valid_from, valid_to, pickup_office, photo_sha256, state, received_at, updated_at,
                        photo_sha256 IN (SELECT sha256 FROM photos), handed_over_print, handed_over_uid,
                        handed_over_at, holder_id_hash
                 FROM items WHERE pass_id = ?1",
                params![pass_id],
                item_from_row,
            )
            .optional()
            .context("reading an item")
    }

    /// How many items the cache holds in each state.
    pub fn state_counts(&self) -> Result<Vec<(CardState, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM items GROUP BY state")
            .context("counting items")?;
        let rows = stmt
            .query_map([], |row| {
                Ok((parse_state(row, 0)?, row.get::<_, i64>(1)?.unsigned_abs()))
            })
            .context("counting items")?;
        rows.collect::<Result<_, _>>().context("counting items")
    }

    /// Records set aside by earlier syncs and not since replaced by a good version.
    pub fn rejected_items(&self) -> Result<Vec<RejectedItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT pass_id, reason, seen_at FROM rejected_items ORDER BY seen_at, pass_id")
            .context("listing rejected items")?;
        let rows = stmt
            .query_map([], |row| {
                Ok(RejectedItem {
                    pass_id: row.get(0)?,
                    reason: row.get(1)?,
                    seen_at: parse_time(row, 2)?,
                })
            })
            .context("listing rejected items")?;
        rows.collect::<Result<_, _>>().context("listing rejected items")
    }

    /// Photo hashes that items name but the cache does not hold yet.
    pub fn missing_photos(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT DISTINCT photo_sha256 FROM items
                 WHERE photo_sha256 IS NOT NULL AND photo_sha256 NOT IN (SELECT sha256 FROM photos)",
            )
            .context("listing missing photos")?;
        let rows = stmt.query_map([], |row| row.get(0)).context("listing missing photos")?;
        rows.collect::<Result<_, _>>().context("listing missing photos")
    }

    /// Stores a photo whose bytes were checked against `sha256` by the caller.
    pub fn put_photo(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO photos (sha256, bytes) VALUES (?1, ?2)",
                params![sha256, bytes],
            )
            .context("storing a photo")?;
        Ok(())
    }

    /// A cached photo's bytes.
    pub fn photo(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row("SELECT bytes FROM photos WHERE sha256 = ?1", params![sha256], |row| {
                row.get(0)
            })
            .optional()
            .context("reading a photo")
    }
}

pub(super) enum Upsert {
    Added,
    Updated,
    Unchanged,
}

/// Inserts an item or moves it to a newer version, keeping its card state
/// (except that a withdrawal closes a card not yet handed over).
pub(super) fn upsert_item(tx: &Transaction<'_>, item: &PassItem, now: &str) -> Result<Upsert, StoreError> {
    let existing: Option<(i64, u32, String)> = tx
        .query_row_cached(
            "SELECT id, version, state FROM items WHERE pass_id = ?1",
            params![item.pass_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .context("looking up an item")?;
    let (person_name, person_latin, national_id, plate, vehicle_type) = match &item.holder {
        Holder::Person {
            name,
            name_latin,
            national_id_masked,
        } => (
            Some(name.as_str()),
            name_latin.as_deref(),
            Some(national_id_masked.as_str()),
            None,
            None,
        ),
        Holder::Vehicle { plate, vehicle_type } => {
            (None, None, None, Some(plate.as_str()), Some(vehicle_type.as_str()))
        }
    };
    let holder_kind = match item.holder {
        Holder::Person { .. } => "person",
        Holder::Vehicle { .. } => "vehicle",
    };
    let (id, outcome, state) = match existing {
        Some((_, version, _)) if version == item.version => {
            take_desk_photo(tx, item)?;
            return Ok(Upsert::Unchanged);
        }
        Some((_, version, _)) if version > item.version => return Ok(Upsert::Unchanged),
        Some((id, _, state)) => {
            tx.execute_cached("DELETE FROM item_search WHERE rowid = ?1", params![id])
                .context("re-indexing an item")?;
            (Some(id), Upsert::Updated, state)
        }
        None => {
            let state = match (item.withdrawn, &item.handed_over) {
                (true, _) => CardState::Withdrawn,
                (false, Some(_)) => CardState::HandedOver,
                (false, None) => CardState::Approved,
            };
            (None, Upsert::Added, state.as_str().to_owned())
        }
    };
    // A new item gets a fresh id; a known one is updated in place (its id and
    // received_at stay, as the search index and the clerk rely on them).
    tx.execute_cached(
        "INSERT INTO items (id, pass_id, version, application_id, holder_kind, holder_name, holder_name_latin,
            national_id_masked, plate, vehicle_type, temporary, company_name, company_tax_id, ports,
            valid_from, valid_to, pickup_office, photo_sha256, state, received_at, updated_at, holder_id_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20, ?21)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, application_id = excluded.application_id,
            holder_kind = excluded.holder_kind, holder_name = excluded.holder_name,
            holder_name_latin = excluded.holder_name_latin, national_id_masked = excluded.national_id_masked,
            plate = excluded.plate, vehicle_type = excluded.vehicle_type, temporary = excluded.temporary,
            company_name = excluded.company_name, company_tax_id = excluded.company_tax_id, ports = excluded.ports,
            valid_from = excluded.valid_from, valid_to = excluded.valid_to, pickup_office = excluded.pickup_office,
            photo_sha256 = excluded.photo_sha256, state = excluded.state, updated_at = excluded.updated_at,
            holder_id_hash = excluded.holder_id_hash",
        params![
            id,
            item.pass_id,
            item.version,
            item.application_id,
            holder_kind,
            person_name,
            person_latin,
            national_id,
            plate,
            vehicle_type,
            item.temporary,
            item.company_name,
            item.company_tax_id,
            item.ports.join(" "),
            item.valid_from.to_string(),
            item.valid_to.to_string(),
            item.pickup_office,
            item.photo_sha256,
            state,
            now,
            item.holder_id_hash
        ],
    )
    .context("storing an item")?;
    let id = id.unwrap_or_else(|| tx.last_insert_rowid());
    if let Some(card) = item.handed_over.as_ref().filter(|card| card.version == item.version) {
        set_handed_over_card(
            tx,
            &item.pass_id,
            card.print,
            card.card_uid.as_deref(),
            &rfc3339(card.at),
        )?;
    }
    let search_name = match &item.holder {
        Holder::Person { name, name_latin, .. } => format!("{name} {}", name_latin.as_deref().unwrap_or_default()),
        Holder::Vehicle { .. } => String::new(),
    };
    tx.execute_cached(
        "INSERT INTO item_search (rowid, name, company, pass_id, plate) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id,
            index_text(&search_name),
            index_text(&item.company_name),
            index_text(&item.pass_id),
            index_text(plate.unwrap_or_default()),
        ],
    )
    .context("indexing an item")?;
    tx.execute_cached("DELETE FROM rejected_items WHERE pass_id = ?1", params![item.pass_id])
        .context("clearing an earlier rejection")?;
    Ok(outcome)
}

/// Takes the photo a desk of the office set at central on an item held at
/// the same version (central does not raise the version for a photo), unless
/// this desk's own photo of it still waits to go up.
fn take_desk_photo(tx: &Transaction<'_>, item: &PassItem) -> Result<(), StoreError> {
    let Some(sha256) = &item.photo_sha256 else {
        return Ok(());
    };
    if upload_waiting(tx, &item.pass_id)? {
        return Ok(());
    }
    tx.execute_cached(
        "UPDATE items SET photo_sha256 = ?2 WHERE pass_id = ?1 AND photo_sha256 IS NOT ?2",
        params![item.pass_id, sha256],
    )
    .context("taking a photo a desk set")?;
    Ok(())
}

/// Closes a pass central withdrew at `version`, if the station holds an
/// older version and its card was still in the office's work: `withdrawn`
/// before a card was made, `voided` once one was (its faces go to central for
/// the hotlist). Returns the new state.
fn close_withdrawn(tx: &Transaction<'_>, pass_id: &str, version: u32) -> Result<Option<CardState>, StoreError> {
    let Some(state) = held_in(tx, pass_id)?
        .filter(|(held, _)| *held < version)
        .map(|(_, state)| state)
    else {
        return Ok(None);
    };
    let step = if Step::WITHDRAW.from.contains(&state) {
        Step::WITHDRAW
    } else if Step::WITHDRAW_CARD.from.contains(&state) {
        Step::WITHDRAW_CARD
    } else {
        return Ok(None);
    };
    let detail = serde_json::json!({ "reason": "withdrawn by central" });
    Ok(advance_in(tx, pass_id, &step, CENTRAL_ACTOR, &detail)?
        .ok()
        .map(|()| step.to))
}

/// Takes in a hand-over central reports for the version held: a card of it
/// made here and still in the office is void, and the card handed over is
/// the only one a gate here lets through.
fn record_hand_over_elsewhere(
    tx: &Transaction<'_>,
    pass_id: &str,
    card: &crate::model::HandedOverCard,
) -> Result<(), StoreError> {
    let Some((version, state)) = held_in(tx, pass_id)? else {
        // New to this station: the item arrives handed over (see upsert_item).
        return Ok(());
    };
    if version != card.version {
        return Ok(());
    }
    let ours = card_faces_in(tx, pass_id)?;
    let same_card = ours.is_some_and(|ours| ours.print == card.print && ours.card_uid == card.card_uid);
    let carried = CarriedCard {
        version: card.version,
        print: card.print,
        card_uid: card.card_uid.as_deref(),
        encoded_by: None,
        desk: None,
        at: card.at,
    };
    if same_card && carry_on_in(tx, pass_id, &carried, CardState::HandedOver)? {
        // This desk's own card left with its holder from another desk: nothing to revoke.
    } else if Step::HANDED_OVER_ELSEWHERE.from.contains(&state) {
        let detail = serde_json::json!({ "handed_over_print": card.print, "handed_over_uid": card.card_uid });
        // The step may start from this state: it cannot be refused.
        let _ = advance_in(tx, pass_id, &Step::HANDED_OVER_ELSEWHERE, CENTRAL_ACTOR, &detail)?;
    }
    if matches!(state, CardState::HandedOver) || Step::HANDED_OVER_ELSEWHERE.from.contains(&state) {
        set_handed_over_card(tx, pass_id, card.print, card.card_uid.as_deref(), &rfc3339(card.at))?;
    }
    Ok(())
}

/// Notes which card of the pass's current version left with its holder.
pub(super) fn set_handed_over_card(
    tx: &Transaction<'_>,
    pass_id: &str,
    print: u32,
    card_uid: Option<&str>,
    at: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE items SET handed_over_print = ?2, handed_over_uid = ?3, handed_over_at = ?4 WHERE pass_id = ?1",
        params![pass_id, print, card_uid, at],
    )
    .context("recording the card handed over")?;
    Ok(())
}

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<ItemRecord> {
    let holder_kind: String = row.get(3)?;
    let holder = if holder_kind == "vehicle" {
        Holder::Vehicle {
            plate: row.get(7)?,
            vehicle_type: row.get(8)?,
        }
    } else {
        Holder::Person {
            name: row.get(4)?,
            name_latin: row.get(5)?,
            national_id_masked: row.get(6)?,
        }
    };
    let temporary: bool = row.get(9)?;
    let state = parse_state(row, 17)?;
    let version = row.get(1)?;
    let handed_over = match (row.get::<_, Option<u32>>(21)?, parse_optional_time(row, 23)?) {
        (Some(print), Some(at)) => Some(crate::model::HandedOverCard {
            version,
            print,
            card_uid: row.get(22)?,
            at,
        }),
        _ => None,
    };
    let item = PassItem {
        pass_id: row.get(0)?,
        version,
        withdrawn: state == CardState::Withdrawn,
        application_id: row.get(2)?,
        holder,
        temporary,
        company_name: row.get(10)?,
        company_tax_id: row.get(11)?,
        ports: split_ports(&row.get::<_, String>(12)?),
        valid_from: parse_date(row, 13)?,
        valid_to: parse_date(row, 14)?,
        pickup_office: row.get(15)?,
        photo_sha256: row.get(16)?,
        holder_id_hash: row.get(24)?,
        handed_over,
        claim: None,
        card_in_work: None,
    };
    Ok(ItemRecord {
        kind: item.kind(),
        item,
        state,
        received_at: parse_time(row, 18)?,
        updated_at: parse_time(row, 19)?,
        photo_cached: row.get::<_, Option<bool>>(20)?.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{check_wire_item, sample_wire};
    use crate::store::QueueQuery;

    fn page(records: &[serde_json::Value], cursor: &str) -> StoredPage {
        let mut page = StoredPage {
            next_cursor: cursor.to_owned(),
            last: true,
            ..StoredPage::default()
        };
        for raw in records {
            match check_wire_item(raw, "TWKEL") {
                Ok(item) => page.items.push(item),
                Err(rejected) => page.rejected.push(rejected),
            }
        }
        page
    }

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("s.db")).expect("open");
        (dir, store)
    }

    fn search(store: &Store, text: &str) -> Vec<String> {
        let query = QueueQuery {
            text: Some(text.to_owned()),
            limit: 100,
            ..QueueQuery::default()
        };
        store
            .queue(&query)
            .expect("queue")
            .into_iter()
            .map(|r| r.pass_id)
            .collect()
    }

    #[test]
    fn a_page_is_stored_with_its_events_and_cursor() {
        let (_dir, mut store) = open();
        let mut bad = sample_wire("KEL-3", "李");
        bad["company"]["tax_id"] = "12345678".into();
        let summary = store
            .store_page(&page(
                &[sample_wire("KEL-1", "王小明"), sample_wire("KEL-2", "陳美玲"), bad],
                "c1",
            ))
            .expect("store");
        assert_eq!((summary.added, summary.rejected), (2, 1));
        assert_eq!(store.feed_cursor().expect("cursor").as_deref(), Some("c1"));
        let queued = store.outbox(crate::store::OutboxFilter::Unsent, 10).expect("outbox");
        let kinds: Vec<&str> = queued.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["items_received", "item_rejected"], "one receipt for the page");
        assert_eq!(
            queued[0].payload,
            serde_json::json!({"versions": {"KEL-1": 1, "KEL-2": 1}, "withdrawn": []})
        );
        assert_eq!(store.rejected_items().expect("rejected")[0].pass_id, "KEL-3");
    }

    #[test]
    fn the_queue_count_stops_where_it_is_told() {
        let (_dir, mut store) = open();
        let wire = [
            sample_wire("KEL-1", "王小明"),
            sample_wire("KEL-2", "王大明"),
            sample_wire("KEL-3", "陳美玲"),
        ];
        store.store_page(&page(&wire, "c1")).expect("store");
        let named_wang = QueueQuery {
            text: Some("王".into()),
            ..QueueQuery::default()
        };
        assert_eq!(store.queue_count(&named_wang, 10).expect("count"), 2);
        assert_eq!(store.queue_count(&named_wang, 1).expect("count"), 1);
        assert_eq!(store.queue_count(&QueueQuery::default(), 10).expect("count"), 3);
    }

    #[test]
    fn a_repeated_record_changes_nothing_and_a_newer_one_replaces_it() {
        let (_dir, mut store) = open();
        store
            .store_page(&page(&[sample_wire("KEL-1", "王小明")], "c1"))
            .expect("first");
        let again = store
            .store_page(&page(&[sample_wire("KEL-1", "王小明")], "c2"))
            .expect("again");
        assert_eq!((again.added, again.unchanged), (0, 1));
        let receipts = store
            .outbox(crate::store::OutboxFilter::Unsent, 10)
            .expect("outbox")
            .len();
        assert_eq!(receipts, 1, "a page with nothing new sends no receipt");

        let mut newer = sample_wire("KEL-1", "王大明");
        newer["version"] = 2.into();
        newer["status"] = "withdrawn".into();
        let summary = store.store_page(&page(&[newer], "c3")).expect("newer");
        assert_eq!((summary.updated, summary.withdrawn), (1, 1));
        let record = store.item("KEL-1").expect("read").expect("present");
        assert_eq!((record.item.version, record.state), (2, CardState::Withdrawn));
        assert!(
            search(&store, "大明").is_empty(),
            "a withdrawn item leaves the open queue"
        );
        let all = QueueQuery {
            text: Some("大明".into()),
            states: vec![CardState::Withdrawn],
            limit: 10,
            ..QueueQuery::default()
        };
        assert_eq!(store.queue(&all).expect("queue")[0].pass_id, "KEL-1");
        let old_name = QueueQuery {
            text: Some("小明".into()),
            states: vec![CardState::Withdrawn],
            limit: 10,
            ..QueueQuery::default()
        };
        assert!(
            store.queue(&old_name).expect("queue").is_empty(),
            "the old name left the index"
        );
    }

    #[test]
    fn a_step_moves_the_card_with_an_audit_entry_and_an_event() {
        let (_dir, mut store) = open();
        store
            .store_page(&page(&[sample_wire("KEL-1", "王小明")], "c1"))
            .expect("store");
        let printed = CardState::Printed;
        let detail = serde_json::json!({"job": 7});
        assert_eq!(
            store.advance("KEL-1", &Step::PRINT, "clerk", &detail).expect("step"),
            Ok(())
        );
        assert_eq!(store.item("KEL-1").expect("read").map(|r| r.state), Some(printed));
        assert_eq!(
            store.advance("KEL-1", &Step::PRINT, "clerk", &detail).expect("step"),
            Err(printed),
            "a step from the wrong state is refused with the state the card is in"
        );
        let trail = store.audit(Some("KEL-1"), None, None).expect("audit");
        assert_eq!(trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["printed"]);
        let events = store.outbox(crate::store::OutboxFilter::Unsent, 10).expect("outbox");
        let printed_event = events
            .iter()
            .find(|e| e.kind == "card_printed")
            .expect("a card_printed event");
        assert_eq!(
            (
                printed_event.payload["job"].as_i64(),
                printed_event.payload["actor"].as_str()
            ),
            (Some(7), Some("clerk"))
        );
    }

    #[test]
    fn every_step_is_taken_from_its_states_and_refused_from_all_others() {
        let (_dir, mut store) = open();
        store
            .store_page(&page(&[sample_wire("KEL-1", "王小明")], "c1"))
            .expect("store");
        let steps = Step::ALL;
        for step in steps {
            for from in CardState::ALL {
                store
                    .conn
                    .execute("UPDATE items SET state = ?1", params![from.as_str()])
                    .expect("set the state");
                let trail_before = store.audit(None, None, None).expect("audit").len();
                let moved = store
                    .advance("KEL-1", &step, "clerk", &serde_json::json!({}))
                    .expect("step");
                let now = store.item("KEL-1").expect("read").map(|r| r.state);
                let trail_after = store.audit(None, None, None).expect("audit").len();
                if step.from.contains(&from) {
                    assert_eq!((moved, now), (Ok(()), Some(step.to)), "{} from {from}", step.action);
                    assert_eq!(trail_after, trail_before + 1, "{} from {from} is audited", step.action);
                } else {
                    assert_eq!((moved, now), (Err(from), Some(from)), "{} from {from}", step.action);
                    assert_eq!(trail_after, trail_before, "a refused step leaves no trace");
                }
            }
        }
        // Nothing leaves a handed-over card but a void; nothing leaves a closed one but a reprint.
        let leaving = |state: CardState| {
            steps
                .iter()
                .filter(|s| s.from.contains(&state))
                .map(|s| s.action)
                .collect::<Vec<_>>()
        };
        assert_eq!(leaving(CardState::HandedOver), ["voided", "reprinted"]);
        assert!(leaving(CardState::Withdrawn).is_empty());
        assert!(leaving(CardState::Voided).is_empty());
    }

    #[test]
    fn search_finds_cjk_substrings_plates_and_pass_numbers() {
        let (_dir, mut store) = open();
        let mut truck = sample_wire("KEL-2026-000003", "");
        truck["holder"] = serde_json::json!({"type": "vehicle", "plate": "KLA-1234", "vehicle_type": "曳引車"});
        truck["company"]["name"] = "陽明海運股份有限公司".into();
        let records = [
            sample_wire("KEL-2026-000001", "王小明"),
            sample_wire("KEL-2026-000002", "歐陽明月"),
            truck,
        ];
        store.store_page(&page(&records, "c1")).expect("store");
        assert_eq!(search(&store, "小明"), ["KEL-2026-000001"]);
        assert_eq!(search(&store, "王"), ["KEL-2026-000001"]);
        assert_eq!(
            search(&store, "月"),
            ["KEL-2026-000002"],
            "a field's last character is found too"
        );
        assert_eq!(search(&store, "陽明"), ["KEL-2026-000002", "KEL-2026-000003"]);
        assert_eq!(search(&store, "kla1234"), ["KEL-2026-000003"]);
        assert_eq!(search(&store, "０００００２"), ["KEL-2026-000002"]);
        assert_eq!(search(&store, "長榮").len(), 2);
        assert!(search(&store, "明小").is_empty());
    }
}
