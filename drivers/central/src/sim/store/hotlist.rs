//! The hotlist: revoked pass versions, prints and chips, each until the
//! pass would have expired, under sequence numbers that are never reused,
//! and its deltas signed by the authority's root key.
//!
//! What it is not for: deciding that something is revoked; the item
//! changes, the admin and the stations' events decide, and write here.

use rusqlite::{Connection, OptionalExtension, params};
use time::{Date, OffsetDateTime, macros::offset};

use super::db::{Store, credential_error, parse_time, rfc3339};
use crate::sim::error::SimError;
use pass_credential::{HotlistDelta, Revocation as Why, RevokedPass, RevokedPrint, VoidedCard};

impl Store {
    /// Puts a card on the hotlist until `expires`, whatever credential it carries.
    pub(crate) fn void_card(&mut self, card_uid: &[u8], expires: OffsetDateTime) -> Result<u64, SimError> {
        self.write("voiding a card", |tx| hotlist_card(tx, card_uid, expires, Why::Voided))
    }

    /// The hotlist entries after sequence `after`, signed by the root key.
    /// A sequence central never gave means the station's copy belongs to
    /// another hotlist: it must start again from 0.
    pub(crate) fn signed_hotlist(&self, after: u64) -> Result<Vec<u8>, SimError> {
        let delta = self.read("reading the hotlist", |conn| {
            let last: u64 = conn
                .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'hotlist'", [], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
                .unwrap_or_default()
                .unsigned_abs();
            if after > last {
                return Err(SimError::CursorExpired);
            }
            let mut delta = HotlistDelta {
                from_sequence: after,
                to_sequence: last,
                issued_at: OffsetDateTime::now_utc(),
                revoked_passes: Vec::new(),
                voided_cards: Vec::new(),
                revoked_prints: Vec::new(),
            };
            let mut stmt = conn.prepare(
                "SELECT pass_id, version, print, card_uid, expires, why FROM hotlist WHERE seq > ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([i64::try_from(after).unwrap_or(i64::MAX)], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<u32>>(1)?,
                    r.get::<_, Option<u32>>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, u8>(5)?,
                ))
            })?;
            for row in rows {
                let (pass_id, version, print, card_uid, expires, why) = row?;
                let expires = parse_time(&expires)?;
                let why = Why::from_code(why)
                    .ok_or_else(|| SimError::Internal(format!("a hotlist row has unknown reason {why}")))?;
                match (pass_id, version, print, card_uid) {
                    (Some(pass_id), Some(version), Some(print), _) => delta.revoked_prints.push(RevokedPrint {
                        pass_id,
                        version,
                        print,
                        expires,
                        why,
                    }),
                    (Some(pass_id), Some(version), None, _) => delta.revoked_passes.push(RevokedPass {
                        pass_id,
                        version,
                        expires,
                        why,
                    }),
                    (_, _, _, Some(card_uid)) => delta.voided_cards.push(VoidedCard { card_uid, expires, why }),
                    _ => {
                        return Err(SimError::Internal(
                            "a hotlist row names neither a pass nor a card".to_owned(),
                        ));
                    }
                }
            }
            Ok(delta)
        })?;
        delta.sign(&self.root).map_err(credential_error)
    }
}

/// The last second of `date` at the card offices (UTC+8).
pub(super) fn end_of_day(date: Date) -> Result<OffsetDateTime, SimError> {
    let end = date
        .with_hms(23, 59, 59)
        .map_err(|e| SimError::Internal(e.to_string()))?;
    Ok(end.assume_offset(offset!(+8)))
}

/// Puts a pass version (every print of it) on the hotlist until the pass would have expired.
pub(super) fn hotlist_pass(
    conn: &Connection,
    pass_id: &str,
    version: u32,
    valid_to: Date,
    why: Why,
) -> Result<(), SimError> {
    conn.execute(
        "INSERT INTO hotlist (pass_id, version, expires, why) VALUES (?1, ?2, ?3, ?4)",
        params![pass_id, version, rfc3339(end_of_day(valid_to)?), why as u8],
    )?;
    Ok(())
}

/// Puts one print of a pass version (one printed card) on the hotlist until `expires`.
pub(super) fn hotlist_print(
    conn: &Connection,
    pass_id: &str,
    version: u32,
    print: u32,
    expires: OffsetDateTime,
    why: Why,
) -> Result<(), SimError> {
    conn.execute(
        "INSERT INTO hotlist (pass_id, version, print, expires, why) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![pass_id, version, print, rfc3339(expires), why as u8],
    )?;
    Ok(())
}

/// Puts a card on the hotlist until `expires`; returns the hotlist's new sequence.
pub(super) fn hotlist_card(
    conn: &Connection,
    card_uid: &[u8],
    expires: OffsetDateTime,
    why: Why,
) -> Result<u64, SimError> {
    conn.execute(
        "INSERT INTO hotlist (card_uid, expires, why) VALUES (?1, ?2, ?3)",
        params![card_uid, rfc3339(expires), why as u8],
    )?;
    Ok(u64::try_from(conn.last_insert_rowid()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_entry_takes_the_next_sequence_and_a_sequence_never_given_expires() {
        let mut store = Store::in_memory();
        let expires = OffsetDateTime::now_utc() + time::Duration::days(30);
        assert_eq!(store.void_card(&[0x04, 0x01], expires).expect("voided"), 1);
        assert_eq!(store.void_card(&[0x04, 0x02], expires).expect("voided"), 2);

        let bytes = store.signed_hotlist(1).expect("the delta after 1");
        let delta = HotlistDelta::verify(&bytes, &store.root.public()).expect("signed by the root key");
        assert_eq!((delta.from_sequence, delta.to_sequence), (1, 2));
        assert_eq!(delta.voided_cards.len(), 1);
        assert_eq!(delta.voided_cards[0].card_uid, [0x04, 0x02]);
        assert!(matches!(store.signed_hotlist(3), Err(SimError::CursorExpired)));
    }

    #[test]
    fn a_pass_and_a_print_are_told_apart() {
        let store = Store::in_memory();
        let valid_to = time::macros::date!(2027 - 06 - 30);
        hotlist_pass(&store.conn, "KEL-2026-000001", 1, valid_to, Why::Revoked).expect("a pass");
        hotlist_print(
            &store.conn,
            "KEL-2026-000001",
            2,
            3,
            end_of_day(valid_to).expect("a day"),
            Why::Spoiled,
        )
        .expect("a print");
        let bytes = store.signed_hotlist(0).expect("the whole hotlist");
        let delta = HotlistDelta::verify(&bytes, &store.root.public()).expect("signed");
        assert_eq!(delta.revoked_passes.len(), 1);
        assert_eq!((delta.revoked_prints[0].version, delta.revoked_prints[0].print), (2, 3));
        assert_eq!(delta.revoked_passes[0].expires, end_of_day(valid_to).expect("a day"));
    }
}
