//! The heads of stations' audit trails that central keeps: an `audit_head`
//! event's payload is kept only if the station's certified key signed it
//! for that station, and it never goes back from, nor rewrites, the last
//! head kept.
//!
//!
//! A station restored from a backup (`station_restored`) starts again from
//! the head its backup holds: heads kept past it name entries the failed
//! machine made and took with it, so they move aside (kept in
//! `audit_heads_superseded`, with when; the restore itself in
//! `station_restores`) and the restored trail goes on from
//! the backup's head. That head must be signed by the station and agree with
//! any head central kept at its place, so a restore cannot rewrite what
//! central holds below it.
//!
//! What it is not for: recording the event that carries a head (see
//! [`super::events`]) or the keys themselves (see [`super::stations`]).

use rusqlite::{Connection, OptionalExtension, params};

use super::db::credential_error;
use crate::api::AuditHeadPayload;
use crate::sim::error::SimError;
use pass_credential::PublicKey;

/// An audit head central keeps for a station, with the signature that vouches for it.
#[derive(Debug)]
pub(super) struct KeptHead {
    pub(super) seq: i64,
    hash: String,
    signature: String,
}

/// The head an `audit_head` event carries if central keeps it, or why not:
/// it must be signed for this station under the key central certified for
/// it (and has not revoked), and its entry number must not go below the last
/// head kept for the station, nor name that entry with another hash.
pub(super) fn audit_head(
    conn: &Connection,
    station_id: &str,
    payload: &AuditHeadPayload,
) -> Result<Result<KeptHead, String>, SimError> {
    let head = match signed_head(conn, station_id, payload)? {
        Ok(head) => head,
        Err(reason) => return Ok(Err(reason)),
    };
    let seq = head.seq;
    if let Some((last_seq, last_hash)) = last_head(conn, station_id)? {
        if seq < last_seq {
            return Ok(Err(format!(
                "audit head {seq} goes back from entry {last_seq}, which central holds: the station's audit \
                 trail lost entries"
            )));
        }
        if seq == last_seq && payload.hash != last_hash {
            return Ok(Err(format!(
                "audit head {seq} names that entry with another hash than central holds: the station's audit \
                 trail was rewritten"
            )));
        }
    }
    Ok(Ok(head))
}

/// The last head central keeps for the station.
fn last_head(conn: &Connection, station_id: &str) -> Result<Option<(i64, String)>, SimError> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit_heads WHERE station_id = ?1 ORDER BY seq DESC LIMIT 1",
            [station_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Where a restored station's trail picks up, if central takes it: the
/// backup's head (`None` for an empty trail) signed by the station and,
/// where central kept a head at its place, the same. Returns how many
/// entries past it central had kept heads for, now lost with the old
/// machine; or why the restore point is refused.
pub(super) fn restore_point(
    conn: &Connection,
    station_id: &str,
    backup_head: Option<&AuditHeadPayload>,
) -> Result<Result<(Option<KeptHead>, u64), String>, SimError> {
    let head = match backup_head
        .map(|payload| signed_head(conn, station_id, payload))
        .transpose()?
    {
        None => None,
        Some(Ok(head)) => Some(head),
        Some(Err(reason)) => return Ok(Err(format!("the backup's {reason}"))),
    };
    let from = head.as_ref().map_or(0, |head| head.seq);
    if let Some(head) = &head {
        let kept: Option<String> = conn
            .query_row(
                "SELECT hash FROM audit_heads WHERE station_id = ?1 AND seq = ?2",
                params![station_id, head.seq],
                |r| r.get(0),
            )
            .optional()?;
        if kept.is_some_and(|hash| hash != head.hash) {
            return Ok(Err(format!(
                "the backup's audit head {} names that entry with another hash than central holds: it is not a \
                 backup of this station's trail",
                head.seq
            )));
        }
    }
    let last = last_head(conn, station_id)?.map_or(0, |(seq, _)| seq);
    Ok(Ok((head, u64::try_from(last - from).unwrap_or(0))))
}

/// Moves the heads past `from` aside, for a station restored from a backup
/// whose trail ends at `from`, and keeps the restore (the event's key, and
/// how many entries were lost) to answer it the same when it comes again.
pub(super) fn supersede_heads(
    conn: &Connection,
    station_id: &str,
    restore: (&str, i64, u64),
    received_at: &str,
) -> Result<(), SimError> {
    let (key, from, lost) = restore;
    conn.execute(
        "INSERT INTO station_restores (idempotency_key, station_id, backup_seq, entries_lost, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![key, station_id, from, lost as i64, received_at],
    )?;
    conn.execute(
        "INSERT INTO audit_heads_superseded (station_id, seq, hash, signature, received_at, superseded_at)
         SELECT station_id, seq, hash, signature, received_at, ?3 FROM audit_heads WHERE station_id = ?1 AND seq > ?2",
        params![station_id, from, received_at],
    )?;
    conn.execute(
        "DELETE FROM audit_heads WHERE station_id = ?1 AND seq > ?2",
        params![station_id, from],
    )?;
    Ok(())
}

/// How many entries the restore recorded under `key` lost, if it is one.
pub(super) fn restore_answer(conn: &Connection, key: &str) -> Result<Option<u64>, SimError> {
    let lost: Option<i64> = conn
        .query_row(
            "SELECT entries_lost FROM station_restores WHERE idempotency_key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    Ok(lost.map(i64::unsigned_abs))
}

/// The head an event carries, if the station's certified key signed it for
/// that station; or why not.
/// The station's certified signing key, unless central holds none or revoked
/// it (then why central keeps no `what` signed with it).
pub(super) fn station_signer(
    conn: &Connection,
    station_id: &str,
    what: &str,
) -> Result<Result<PublicKey, String>, SimError> {
    let signer: Option<(Vec<u8>, bool)> = conn
        .query_row(
            "SELECT cose_key, revoked FROM signers WHERE station_id = ?1",
            [station_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match signer {
        None => Err("central holds no signing key for this station".to_owned()),
        Some((_, true)) => Err(format!(
            "the station's signing key is revoked: central keeps no {what} signed with it"
        )),
        Some((cose_key, false)) => Ok(PublicKey::from_cose_key(&cose_key).map_err(credential_error)?),
    })
}

fn signed_head(
    conn: &Connection,
    station_id: &str,
    payload: &AuditHeadPayload,
) -> Result<Result<KeptHead, String>, SimError> {
    let key = match station_signer(conn, station_id, "head")? {
        Ok(key) => key,
        Err(reason) => return Ok(Err(reason)),
    };
    if let Err(reason) = payload.open(station_id, &key) {
        return Ok(Err(format!("audit head {}: {reason}", payload.seq)));
    }
    let Ok(seq) = i64::try_from(payload.seq) else {
        return Ok(Err(format!(
            "audit head {} is past the last entry number central keeps",
            payload.seq
        )));
    };
    Ok(Ok(KeptHead {
        seq,
        hash: payload.hash.clone(),
        signature: payload.signature.clone(),
    }))
}

/// Keeps an accepted head (once: the same head again under a new key adds nothing).
pub(super) fn keep_audit_head(
    conn: &Connection,
    station_id: &str,
    head: &KeptHead,
    received_at: &str,
) -> Result<(), SimError> {
    conn.execute(
        "INSERT OR IGNORE INTO audit_heads (station_id, seq, hash, signature, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![station_id, head.seq, head.hash, head.signature, received_at],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use pass_credential::{Algorithm, AuditHead, SigningKey};

    use super::super::Store;
    use super::*;
    use crate::api::{EnrolmentRequest, encode_key};

    /// An enrolled station's ID and its signing key.
    fn enrolled(store: &mut Store) -> (String, SigningKey) {
        let signer = SigningKey::generate(Algorithm::EdDsa).expect("a key");
        let code = store.new_enrolment_code("TWKEL").expect("a code");
        let request = EnrolmentRequest {
            code,
            station_name: "基隆港製證櫃檯 1".to_owned(),
            signer_key: encode_key(&signer.public()).expect("a COSE_Key"),
        };
        (store.enrol(&request).expect("enrolled").station_id, signer)
    }

    fn signed_head(station_id: &str, seq: u64, hash: char, key: &SigningKey) -> AuditHeadPayload {
        let head = AuditHead {
            station_id: station_id.to_owned(),
            seq,
            hash: hash.to_string().repeat(64),
        };
        AuditHeadPayload::sign(&head, key).expect("signed")
    }

    #[test]
    fn a_head_is_kept_only_when_its_station_signed_it_and_it_goes_on() {
        let mut store = Store::in_memory();
        let (station, key) = enrolled(&mut store);
        let check = |store: &Store, payload: &AuditHeadPayload| {
            audit_head(&store.conn, &station, payload).expect("no database error")
        };

        let head = check(&store, &signed_head(&station, 5, 'a', &key)).expect("kept");
        keep_audit_head(&store.conn, &station, &head, "2026-12-01T00:00:00Z").expect("stored");
        assert_eq!(store.count("audit_heads"), 1);

        let back = check(&store, &signed_head(&station, 4, 'b', &key)).expect_err("goes back");
        assert!(back.contains("goes back from entry 5"), "{back}");
        let rewritten = check(&store, &signed_head(&station, 5, 'b', &key)).expect_err("rewritten");
        assert!(rewritten.contains("another hash"), "{rewritten}");
        let stranger = SigningKey::generate(Algorithm::EdDsa).expect("another key");
        let forged = check(&store, &signed_head(&station, 6, 'c', &stranger)).expect_err("forged");
        assert!(forged.contains("not by its station's certified key"), "{forged}");
        assert!(check(&store, &signed_head(&station, 6, 'c', &key)).is_ok());
    }

    #[test]
    fn a_restore_goes_on_from_the_backups_head_and_counts_what_was_lost() {
        let mut store = Store::in_memory();
        let (station, key) = enrolled(&mut store);
        for (seq, hash) in [(5, 'a'), (8, 'b')] {
            let head = audit_head(&store.conn, &station, &signed_head(&station, seq, hash, &key))
                .expect("no database error")
                .expect("kept");
            keep_audit_head(&store.conn, &station, &head, "2026-12-01T00:00:00Z").expect("stored");
        }
        let point = |payload: &AuditHeadPayload| {
            restore_point(&store.conn, &station, Some(payload)).expect("no database error")
        };
        let other = point(&signed_head(&station, 5, 'c', &key)).expect_err("another trail");
        assert!(other.contains("not a backup of this station's trail"), "{other}");
        let stranger = SigningKey::generate(Algorithm::EdDsa).expect("another key");
        assert!(
            point(&signed_head(&station, 6, 'c', &stranger)).is_err(),
            "a forged head"
        );
        let (head, lost) = point(&signed_head(&station, 5, 'a', &key)).expect("the backup's head");
        assert_eq!(lost, 3, "entries 6 to 8 were lost with the old machine");
        let from = head.expect("a head").seq;
        supersede_heads(&store.conn, &station, ("e-restore", from, lost), "2026-12-02T00:00:00Z").expect("moved");
        assert_eq!(restore_answer(&store.conn, "e-restore").expect("read"), Some(3));
        assert_eq!(
            (store.count("audit_heads"), store.count("audit_heads_superseded")),
            (1, 1)
        );
        let next = audit_head(&store.conn, &station, &signed_head(&station, 6, 'd', &key)).expect("no db error");
        assert!(next.is_ok(), "the restored trail goes on from the backup's head");
    }
}
