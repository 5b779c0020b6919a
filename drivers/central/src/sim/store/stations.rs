//! Stations and what vouches for them: one-time enrolment codes, enrolled
//! stations and their keys (kept as SHA-256 only), the signing keys central
//! certified for them, and the trust list of those keys signed by the
//! authority's root key.
//!
//! What it is not for: the audit heads stations sign (see
//! [`super::audit_heads`]) or their users (see [`super::users`]).

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::db::{Store, credential_error, meta, next_counter, parse_time, random_bytes, rfc3339};
use crate::api::{Enrolment, EnrolmentRequest, decode_key, encode_key};
use crate::sim::error::SimError;
use pass_credential::{PublicKey, SignerEntry, SignerStatus, TrustList};

/// The station a request is signed by (`Authorization: Bearer <station_key>`).
#[derive(Debug, Clone)]
pub(crate) struct Station {
    pub id: String,
    pub office: String,
}

/// Enrolment code letters: no 0/O or 1/I, which clerks mistype.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

impl Store {
    /// Accepts `code` for `office` from now on (kept as it is if it exists).
    pub(crate) fn add_enrolment_code(&mut self, office: &str, code: &str) -> Result<(), SimError> {
        self.write("adding an enrolment code", |tx| {
            tx.execute(
                "INSERT OR IGNORE INTO enrolment_codes (code, office, created_at) VALUES (?1, ?2, ?3)",
                params![code, office, rfc3339(OffsetDateTime::now_utc())],
            )?;
            Ok(())
        })
    }

    /// Makes a new one-time code for `office`, such as `7KQ4-M2XA`.
    pub(crate) fn new_enrolment_code(&mut self, office: &str) -> Result<String, SimError> {
        let chars: String = random_bytes(8)
            .iter()
            .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
            .collect();
        let code = format!("{}-{}", &chars[..4], &chars[4..]);
        self.add_enrolment_code(office, &code)?;
        Ok(code)
    }

    pub(crate) fn unused_enrolment_code(&self, office: &str) -> Result<Option<String>, SimError> {
        self.read("looking up an enrolment code", |conn| {
            let sql = "SELECT code FROM enrolment_codes WHERE office = ?1 AND used_by IS NULL ORDER BY rowid LIMIT 1";
            Ok(conn.query_row(sql, [office], |r| r.get(0)).optional()?)
        })
    }

    pub(crate) fn unused_enrolment_codes(&self) -> Result<Vec<(String, String)>, SimError> {
        self.read("listing enrolment codes", |conn| {
            let mut stmt =
                conn.prepare("SELECT office, code FROM enrolment_codes WHERE used_by IS NULL ORDER BY rowid")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Trades a one-time code for a new station and its key; only the key's
    /// SHA-256 is kept.
    pub(crate) fn enrol(&mut self, request: &EnrolmentRequest) -> Result<Enrolment, SimError> {
        let signer = decode_key(&request.signer_key).map_err(|e| SimError::BadRequest(format!("signer_key: {e}")))?;
        let authority_key = encode_key(&self.root.public()).map_err(credential_error)?;
        let (code, station_name) = (request.code.as_str(), request.station_name.as_str());
        self.write("enrolling a station", |tx| {
            let found: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT office, used_by FROM enrolment_codes WHERE code = ?1",
                    [code],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let office = match found {
                None => return Err(SimError::EnrolmentCodeUnknown),
                Some((_, Some(_))) => return Err(SimError::EnrolmentCodeUsed),
                Some((office, None)) => office,
            };
            let station_id = uuid::Uuid::new_v4().to_string();
            let station_key = hex::encode(random_bytes(32));
            tx.execute(
                "INSERT INTO stations (id, office, name, key_sha256, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    station_id,
                    office,
                    station_name,
                    key_hash(&station_key),
                    rfc3339(OffsetDateTime::now_utc())
                ],
            )?;
            tx.execute(
                "UPDATE enrolment_codes SET used_by = ?1 WHERE code = ?2",
                params![station_id, code],
            )?;
            // Certified for three years, like the office's other credentials.
            let now = OffsetDateTime::now_utc();
            tx.execute(
                "INSERT INTO signers (station_id, cose_key, office, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    station_id,
                    signer.to_cose_key().map_err(credential_error)?,
                    office,
                    rfc3339(now),
                    rfc3339(now + time::Duration::days(3 * 365))
                ],
            )?;
            next_counter(tx, "trust_list", 1)?;
            Ok(Enrolment {
                station_id,
                office,
                station_key,
                authority_key,
            })
        })
    }

    pub(crate) fn station_by_key(&self, key: &str) -> Result<Option<Station>, SimError> {
        self.read("checking a station key", |conn| {
            let sql = "SELECT id, office FROM stations WHERE key_sha256 = ?1";
            Ok(conn
                .query_row(sql, [key_hash(key)], |r| {
                    Ok(Station {
                        id: r.get(0)?,
                        office: r.get(1)?,
                    })
                })
                .optional()?)
        })
    }

    /// Revokes a station's signing key: every credential it signed fails from
    /// the next trust list on (a stolen station is shut out this way).
    pub(crate) fn revoke_signer(&mut self, station_id: &str) -> Result<(), SimError> {
        self.write("revoking a signer", |tx| {
            let changed = tx.execute("UPDATE signers SET revoked = 1 WHERE station_id = ?1", [station_id])?;
            if changed == 0 {
                return Err(SimError::NotFound(format!(
                    "no station {station_id} with a signing key"
                )));
            }
            next_counter(tx, "trust_list", 1)?;
            Ok(())
        })
    }

    /// The fingerprint of the authority's root public key, as the authority
    /// publishes it for stations to check at enrolment.
    pub(crate) fn root_fingerprint(&self) -> String {
        self.root.public().fingerprint()
    }

    /// The trust list as it stands, signed by the root key.
    pub(crate) fn signed_trust_list(&self) -> Result<Vec<u8>, SimError> {
        let trust_list = self.read("reading the trust list", |conn| {
            let mut stmt = conn.prepare("SELECT cose_key, office, valid_from, valid_to, revoked FROM signers")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get(4)?,
                ))
            })?;
            let mut signers = Vec::new();
            for row in rows {
                let (cose_key, office, valid_from, valid_to, revoked): (_, String, _, _, bool) = row?;
                signers.push(SignerEntry {
                    public_key: PublicKey::from_cose_key(&cose_key).map_err(credential_error)?,
                    office,
                    valid_from: parse_time(&valid_from)?,
                    valid_to: parse_time(&valid_to)?,
                    status: if revoked {
                        SignerStatus::Revoked
                    } else {
                        SignerStatus::Active
                    },
                });
            }
            let sequence = meta(conn, "counter:trust_list")?.unwrap_or_default().unsigned_abs();
            let now = OffsetDateTime::now_utc();
            Ok(TrustList {
                sequence,
                issued_at: now,
                signers,
                pickup_signers: vec![SignerEntry {
                    public_key: self.pickup_key.public(),
                    office: "*".to_owned(),
                    valid_from: OffsetDateTime::UNIX_EPOCH,
                    valid_to: now + time::Duration::days(3650),
                    status: SignerStatus::Active,
                }],
            })
        })?;
        trust_list.sign(&self.root).map_err(credential_error)
    }
}

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pass_credential::{Algorithm, SigningKey};

    fn request(code: &str) -> EnrolmentRequest {
        let signer = SigningKey::generate(Algorithm::EdDsa).expect("a key");
        EnrolmentRequest {
            code: code.to_owned(),
            station_name: "基隆港製證櫃檯 1".to_owned(),
            signer_key: encode_key(&signer.public()).expect("a COSE_Key"),
        }
    }

    #[test]
    fn a_code_enrols_one_station_whose_key_then_signs_it_in() {
        let mut store = Store::in_memory();
        let code = store.new_enrolment_code("TWKEL").expect("a code");
        assert_eq!(store.unused_enrolment_code("TWKEL").expect("read"), Some(code.clone()));
        let enrolment = store.enrol(&request(&code)).expect("enrolled");
        let station = store
            .station_by_key(&enrolment.station_key)
            .expect("read")
            .expect("the station");
        assert_eq!((station.id, station.office), (enrolment.station_id, "TWKEL".to_owned()));
        assert!(store.station_by_key("another key").expect("read").is_none());
        assert!(matches!(store.enrol(&request(&code)), Err(SimError::EnrolmentCodeUsed)));
        assert!(matches!(
            store.enrol(&request("NOPE-NOPE")),
            Err(SimError::EnrolmentCodeUnknown)
        ));
        assert_eq!(store.unused_enrolment_codes().expect("read"), []);
    }

    #[test]
    fn the_trust_list_carries_each_station_key_and_its_revocation() {
        let mut store = Store::in_memory();
        let code = store.new_enrolment_code("TWKEL").expect("a code");
        let enrolment = store.enrol(&request(&code)).expect("enrolled");
        let root = store.root.public();
        let list = TrustList::verify(&store.signed_trust_list().expect("signed"), &root).expect("verifies");
        assert_eq!((list.sequence, list.signers.len()), (1, 1));
        assert_eq!(list.signers[0].status, SignerStatus::Active);

        store.revoke_signer(&enrolment.station_id).expect("revoked");
        let list = TrustList::verify(&store.signed_trust_list().expect("signed"), &root).expect("verifies");
        assert_eq!((list.sequence, list.signers[0].status), (2, SignerStatus::Revoked));
        assert!(matches!(store.revoke_signer("nobody"), Err(SimError::NotFound(_))));
    }
}
