//! The heads of stations' audit trails that central keeps: an `audit_head`
//! event's payload is kept only if the station's certified key signed it
//! for that station, and it never goes back from, nor rewrites, the last
//! head kept.
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
    seq: i64,
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
    let signer: Option<(Vec<u8>, bool)> = conn
        .query_row(
            "SELECT cose_key, revoked FROM signers WHERE station_id = ?1",
            [station_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let key = match signer {
        None => return Ok(Err("central holds no signing key for this station".to_owned())),
        Some((_, true)) => {
            return Ok(Err(
                "the station's signing key is revoked: central keeps no head signed with it".to_owned(),
            ));
        }
        Some((cose_key, false)) => PublicKey::from_cose_key(&cose_key).map_err(credential_error)?,
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
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_heads WHERE station_id = ?1 ORDER BY seq DESC LIMIT 1",
            [station_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((last_seq, last_hash)) = last {
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
}
