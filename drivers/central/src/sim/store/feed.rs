//! Pass items and the per-office change feed: an item's state and record,
//! the port approvals it waits for, every change central makes to it
//! (approve, withdraw, edit, reprint, revoke), and the compacted feed a
//! station pages through with a cursor, with its epochs.
//!
//! What it is not for: making new applications (see [`super::applications`])
//! or the hotlist entries a change causes, which it asks
//! [`super::hotlist`] to write.

use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::db::{Store, meta, rfc3339, set_meta, to_json};
use super::hotlist::{end_of_day, hotlist_card, hotlist_pass};
use super::stations::Station;
use crate::api::{ItemStatus, ReprintRequest, WireItem};
use crate::sim::admin::{ItemState, ItemStateName, Revocation};
use crate::sim::cursor::Cursor;
use crate::sim::error::SimError;
use crate::sim::generate::add_months;
use pass_credential::Revocation as Why;

/// One page of a feed, items as stored JSON text.
#[derive(Debug)]
pub(crate) struct FeedPage {
    pub items: Vec<String>,
    pub next_cursor: Cursor,
    pub has_more: bool,
}

/// An item as the database holds it.
pub(super) struct ItemRow {
    pub(super) state: ItemStateName,
    pub(super) item: WireItem,
    pub(super) in_feed: bool,
}

pub(super) fn state_name(state: ItemStateName) -> &'static str {
    match state {
        ItemStateName::Pending => "pending",
        ItemStateName::Approved => "approved",
        ItemStateName::Withdrawn => "withdrawn",
    }
}

pub(super) fn parse_state(text: &str) -> Result<ItemStateName, SimError> {
    match text {
        "pending" => Ok(ItemStateName::Pending),
        "approved" => Ok(ItemStateName::Approved),
        "withdrawn" => Ok(ItemStateName::Withdrawn),
        other => Err(SimError::Internal(format!(
            "the database holds an unknown item state {other:?}"
        ))),
    }
}

impl Store {
    /// Starts a new feed epoch: every cursor made before is refused from now on.
    pub(crate) fn new_epoch(&mut self) -> Result<u32, SimError> {
        self.write("starting a new feed epoch", |tx| {
            let epoch = fresh_epoch(epoch(tx)?);
            set_meta(tx, "epoch", i64::from(epoch))?;
            Ok(epoch)
        })
    }

    /// Records `port`'s approval; the last port's approval puts the item in its office's feed.
    pub(crate) fn approve(&mut self, pass_id: &str, port: &str) -> Result<ItemState, SimError> {
        self.write("approving an item", |tx| {
            let row = load_item(tx, pass_id)?;
            if row.state != ItemStateName::Pending {
                return Err(SimError::Conflict(format!(
                    "{pass_id} is {} already",
                    state_name(row.state)
                )));
            }
            let sql = "SELECT approved_at FROM approvals WHERE pass_id = ?1 AND port = ?2";
            let approval: Option<Option<String>> =
                tx.query_row(sql, params![pass_id, port], |r| r.get(0)).optional()?;
            match approval {
                None => {
                    return Err(SimError::BadRequest(format!("{pass_id} does not cover port {port}")));
                }
                Some(Some(_)) => {} // Approved before: the same answer again.
                Some(None) => {
                    tx.execute(
                        "UPDATE approvals SET approved_at = ?1 WHERE pass_id = ?2 AND port = ?3",
                        params![rfc3339(OffsetDateTime::now_utc()), pass_id, port],
                    )?;
                }
            }
            if waiting_for(tx, pass_id)?.is_empty() {
                change_item(tx, pass_id, |row| {
                    row.state = ItemStateName::Approved;
                    Ok(())
                })
            } else {
                item_state(tx, pass_id, &row)
            }
        })
    }

    /// Takes an item back: its version rises and its feed row moves to the end.
    pub(crate) fn withdraw(&mut self, pass_id: &str) -> Result<ItemState, SimError> {
        self.write("withdrawing an item", |tx| {
            let withdrawn = load_item(tx, pass_id)?.item;
            let state = change_item(tx, pass_id, |row| {
                row.state = ItemStateName::Withdrawn;
                row.item.status = ItemStatus::Withdrawn;
                row.item.version += 1;
                Ok(())
            })?;
            // A card already made of it, handed over or not, must fail at every gate.
            hotlist_pass(tx, pass_id, withdrawn.version, withdrawn.valid_to, Why::Withdrawn)?;
            Ok(state)
        })
    }

    /// Changes an item (valid one month longer): its version rises and its
    /// feed row moves to the end.
    pub(crate) fn edit(&mut self, pass_id: &str) -> Result<ItemState, SimError> {
        self.write("editing an item", |tx| change_item(tx, pass_id, extend))
    }

    /// Makes a new card for an approved pass of the station's office: the
    /// item's version rises and its feed row moves to the end, as with an
    /// edit; the old version, and the old card when named, go on the hotlist
    /// until the pass would have expired; the reason and approver are kept.
    pub(crate) fn reprint(
        &mut self,
        station: &Station,
        pass_id: &str,
        request: &ReprintRequest,
        old_card: Option<&[u8]>,
    ) -> Result<WireItem, SimError> {
        self.write("reprinting an item", |tx| {
            let mut old_version = 0;
            change_item(tx, pass_id, |row| {
                station_may_change(station, pass_id, row, "reprinted")?;
                old_version = row.item.version;
                row.item.version += 1;
                Ok(())
            })?;
            let item = load_item(tx, pass_id)?.item;
            hotlist_pass(tx, pass_id, old_version, item.valid_to, Why::Replaced)?;
            if let Some(uid) = old_card {
                hotlist_card(tx, uid, end_of_day(item.valid_to)?, Why::Replaced)?;
            }
            tx.execute(
                "INSERT INTO reprints (pass_id, old_version, reason, approved_by, old_card_uid, station_id, reprinted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    pass_id,
                    old_version,
                    request.reason.trim(),
                    request.approved_by.trim(),
                    old_card,
                    station.id,
                    rfc3339(item.changed_at)
                ],
            )?;
            Ok(item)
        })
    }

    /// Edits the approved items at the oldest feed positions of `office`.
    pub(crate) fn edit_oldest(&mut self, office: &str, count: u32) -> Result<Vec<String>, SimError> {
        self.write("editing items", |tx| {
            let pass_ids: Vec<String> = {
                let mut stmt = tx.prepare(
                    "SELECT f.pass_id FROM feed f JOIN items i ON i.pass_id = f.pass_id
                     WHERE f.office = ?1 AND i.state = 'approved' ORDER BY f.seq LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![office, count], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            for pass_id in &pass_ids {
                change_item(tx, pass_id, extend)?;
            }
            Ok(pass_ids)
        })
    }

    /// Revokes the item's current version (for the hotlist).
    pub(crate) fn revoke(&mut self, pass_id: &str, reason: &str) -> Result<Revocation, SimError> {
        self.write("revoking an item", |tx| {
            let item = load_item(tx, pass_id)?;
            let version = item.item.version;
            let revoked_at = OffsetDateTime::now_utc();
            tx.execute(
                "INSERT INTO revocations (pass_id, version, reason, revoked_at) VALUES (?1, ?2, ?3, ?4)",
                params![pass_id, version, reason, rfc3339(revoked_at)],
            )?;
            hotlist_pass(tx, pass_id, version, item.item.valid_to, Why::Revoked)?;
            Ok(Revocation {
                pass_id: pass_id.to_owned(),
                version,
                reason: reason.to_owned(),
                revoked_at,
            })
        })
    }

    /// Appends JSON values to `office`'s feed as they are: no checks, no compaction.
    pub(crate) fn append_raw_items(&mut self, office: &str, items: &[serde_json::Value]) -> Result<usize, SimError> {
        self.write("appending raw items", |tx| {
            let mut stmt = tx.prepare("INSERT INTO feed (office, pass_id, body) VALUES (?1, NULL, ?2)")?;
            for item in items {
                stmt.execute(params![office, to_json(item)?])?;
            }
            Ok(items.len())
        })
    }

    /// The page of `office`'s feed after `after` (from the start when `None`).
    pub(crate) fn feed_page(&self, office: &str, after: Option<Cursor>, limit: u32) -> Result<FeedPage, SimError> {
        self.read("reading the feed", |conn| {
            let epoch = epoch(conn)?;
            let after_seq = match after {
                None => 0,
                Some(cursor) if cursor.epoch != epoch || cursor.seq > last_seq(conn)? => {
                    return Err(SimError::CursorExpired);
                }
                Some(cursor) => cursor.seq,
            };
            let sql = "SELECT seq, body FROM feed WHERE office = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
            let mut rows: Vec<(i64, String)> = conn
                .prepare_cached(sql)?
                .query_map(params![office, after_seq, i64::from(limit) + 1], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<Result<_, _>>()?;
            let has_more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            let seq = rows.last().map_or(after_seq, |(seq, _)| *seq);
            let items = rows.into_iter().map(|(_, body)| body).collect();
            Ok(FeedPage {
                items,
                next_cursor: Cursor { epoch, seq },
                has_more,
            })
        })
    }
}

pub(super) fn epoch(conn: &Connection) -> Result<u32, SimError> {
    let epoch = meta(conn, "epoch")?.unwrap_or_default();
    u32::try_from(epoch).map_err(|_| SimError::Internal(format!("the database holds a bad feed epoch {epoch}")))
}

/// A feed epoch other than `old`.
pub(super) fn fresh_epoch(old: u32) -> u32 {
    std::iter::repeat_with(|| fastrand::u32(1..))
        .find(|e| *e != old)
        .unwrap_or(old.wrapping_add(1))
}

/// The last sequence number the feed ever gave (0 when none).
pub(super) fn last_seq(conn: &Connection) -> Result<i64, SimError> {
    let seq = conn
        .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'feed'", [], |r| r.get(0))
        .optional()?;
    Ok(seq.unwrap_or(0))
}

/// An item with its state, and whether it is in its office's feed.
pub(super) fn load_item(conn: &Connection, pass_id: &str) -> Result<ItemRow, SimError> {
    let found: Option<(String, String, bool)> = conn
        .query_row(
            "SELECT state, record, EXISTS (SELECT 1 FROM feed WHERE pass_id = ?1) FROM items WHERE pass_id = ?1",
            [pass_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (state, record, in_feed) =
        found.ok_or_else(|| SimError::NotFound(format!("there is no pass item {pass_id}")))?;
    let item = serde_json::from_str(&record)
        .map_err(|e| SimError::Internal(format!("the stored record of {pass_id} is damaged: {e}")))?;
    Ok(ItemRow {
        state: parse_state(&state)?,
        item,
        in_feed,
    })
}

/// The item, or none when central does not know the pass (a station may
/// report one it never had: its event is kept, there is no item to mark).
pub(super) fn known_item(conn: &Connection, pass_id: &str) -> Result<Option<ItemRow>, SimError> {
    match load_item(conn, pass_id) {
        Ok(row) => Ok(Some(row)),
        Err(SimError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether central holds the pass at `version` and has not withdrawn it: a
/// card step a station reports for another version, or for a pass central
/// does not know or took back, moves nothing on the item.
pub(super) fn open_at_version(conn: &Connection, pass_id: &str, version: u32) -> Result<bool, SimError> {
    Ok(known_item(conn, pass_id)?
        .is_some_and(|row| row.item.version == version && row.state != ItemStateName::Withdrawn))
}

/// Applies `change` to an item that is not withdrawn, stamps the time, and
/// moves its feed row to the end when it is (or was) in the feed.
pub(super) fn change_item(
    conn: &Connection,
    pass_id: &str,
    change: impl FnOnce(&mut ItemRow) -> Result<(), SimError>,
) -> Result<ItemState, SimError> {
    let mut row = load_item(conn, pass_id)?;
    if row.state == ItemStateName::Withdrawn {
        return Err(SimError::Conflict(format!(
            "{pass_id} is withdrawn; it cannot change any more"
        )));
    }
    change(&mut row)?;
    row.item.changed_at = OffsetDateTime::now_utc();
    let record = to_json(&row.item)?;
    conn.execute(
        "UPDATE items SET state = ?1, record = ?2 WHERE pass_id = ?3",
        params![state_name(row.state), record, pass_id],
    )?;
    if row.state == ItemStateName::Approved || row.in_feed {
        conn.execute("DELETE FROM feed WHERE pass_id = ?1", [pass_id])?;
        conn.execute(
            "INSERT INTO feed (office, pass_id, body) VALUES (?1, ?2, ?3)",
            params![row.item.pickup_office, pass_id, record],
        )?;
    }
    item_state(conn, pass_id, &row)
}

/// Refuses a station's change (`what`, as in "only an approved pass can be
/// {what}") to an item of another office, or one not approved by every port.
pub(super) fn station_may_change(station: &Station, pass_id: &str, row: &ItemRow, what: &str) -> Result<(), SimError> {
    if row.item.pickup_office != station.office {
        return Err(SimError::WrongOffice {
            own: station.office.clone(),
            asked: row.item.pickup_office.clone(),
        });
    }
    match row.state {
        ItemStateName::Approved => Ok(()),
        ItemStateName::Withdrawn => Err(SimError::Conflict(format!(
            "{pass_id} is withdrawn; only an approved pass can be {what}"
        ))),
        ItemStateName::Pending => Err(SimError::Conflict(format!(
            "{pass_id} is not approved by every port yet; only an approved pass can be {what}"
        ))),
    }
}

/// The edit the simulator makes: valid one month longer, a new version.
fn extend(row: &mut ItemRow) -> Result<(), SimError> {
    row.item.valid_to = add_months(row.item.valid_to, 1);
    row.item.version += 1;
    Ok(())
}

fn item_state(conn: &Connection, pass_id: &str, row: &ItemRow) -> Result<ItemState, SimError> {
    Ok(ItemState {
        pass_id: pass_id.to_owned(),
        state: row.state,
        version: row.item.version,
        waiting_for: waiting_for(conn, pass_id)?,
    })
}

/// The ports that have not approved the item yet.
fn waiting_for(conn: &Connection, pass_id: &str) -> Result<Vec<String>, SimError> {
    let mut stmt =
        conn.prepare_cached("SELECT port FROM approvals WHERE pass_id = ?1 AND approved_at IS NULL ORDER BY port")?;
    let ports = stmt.query_map([pass_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ports)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(office: &str) -> Station {
        Station {
            id: "station-1".to_owned(),
            office: office.to_owned(),
        }
    }

    fn pass_ids(page: &FeedPage) -> Vec<String> {
        page.items
            .iter()
            .map(|text| serde_json::from_str::<WireItem>(text).expect("a stored item").pass_id)
            .collect()
    }

    #[test]
    fn pages_follow_the_cursor_and_a_change_moves_the_item_to_the_end() {
        let mut store = Store::in_memory();
        let made = store.generate(2026, false, "TWKEL", 5).expect("generated");
        let first = store.feed_page("TWKEL", None, 3).expect("a page");
        assert_eq!((pass_ids(&first), first.has_more), (made[..3].to_vec(), true));
        let rest = store.feed_page("TWKEL", Some(first.next_cursor), 3).expect("a page");
        assert_eq!((pass_ids(&rest), rest.has_more), (made[3..].to_vec(), false));
        assert!(store.feed_page("TWKHH", None, 3).expect("a page").items.is_empty());

        let edited = store.edit(&made[0]).expect("edited");
        assert_eq!(edited.version, 2);
        let changes = store.feed_page("TWKEL", Some(rest.next_cursor), 10).expect("a page");
        assert_eq!(pass_ids(&changes), [made[0].clone()]);
        assert_eq!(store.count("feed"), 5, "the feed is compacted: one row per item");
    }

    #[test]
    fn a_new_epoch_or_a_cursor_never_given_expires() {
        let mut store = Store::in_memory();
        store.generate(2026, false, "TWKEL", 2).expect("generated");
        let page = store.feed_page("TWKEL", None, 10).expect("a page");
        let beyond = Cursor {
            seq: page.next_cursor.seq + 1,
            ..page.next_cursor
        };
        assert!(matches!(
            store.feed_page("TWKEL", Some(beyond), 10),
            Err(SimError::CursorExpired)
        ));
        store.new_epoch().expect("a new epoch");
        assert!(matches!(
            store.feed_page("TWKEL", Some(page.next_cursor), 10),
            Err(SimError::CursorExpired)
        ));
    }

    #[test]
    fn a_withdrawn_item_is_hotlisted_and_changes_no_more() {
        let mut store = Store::in_memory();
        let made = store.generate(2026, false, "TWKEL", 1).expect("generated");
        let state = store.withdraw(&made[0]).expect("withdrawn");
        assert_eq!((state.state, state.version), (ItemStateName::Withdrawn, 2));
        assert_eq!(store.count("hotlist"), 1);
        assert!(matches!(store.edit(&made[0]), Err(SimError::Conflict(_))));
        assert!(matches!(store.withdraw("KEL-1999-000001"), Err(SimError::NotFound(_))));
    }

    #[test]
    fn a_reprint_raises_the_version_and_hotlists_the_old_card_for_its_own_office_only() {
        let mut store = Store::in_memory();
        let made = store.generate(2026, false, "TWKEL", 1).expect("generated");
        let request = ReprintRequest {
            reason: "卡片損壞".to_owned(),
            approved_by: "chen".to_owned(),
            card_uid: None,
        };
        let elsewhere = store.reprint(&station("TWKHH"), &made[0], &request, None);
        assert!(matches!(elsewhere, Err(SimError::WrongOffice { .. })), "{elsewhere:?}");
        let item = store
            .reprint(&station("TWKEL"), &made[0], &request, Some(&[0x04, 0xA1]))
            .expect("reprinted");
        assert_eq!(item.version, 2);
        assert_eq!(store.count("hotlist"), 2, "the old version and the old card");
        assert_eq!(store.count("reprints"), 1);
    }

    #[test]
    fn a_revocation_hotlists_the_current_version() {
        let mut store = Store::in_memory();
        let made = store.generate(2026, false, "TWKEL", 1).expect("generated");
        let revocation = store.revoke(&made[0], "遺失").expect("revoked");
        assert_eq!((revocation.version, revocation.reason.as_str()), (1, "遺失"));
        assert_eq!((store.count("revocations"), store.count("hotlist")), (1, 1));
    }
}
