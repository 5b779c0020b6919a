//! The head of a station's audit trail, signed with the station's own key, so
//! that central can keep it and a trail later cut short at the station is
//! found: the station cannot take back a head central holds.
//!
//! ```text
//! payload      = { 1 station_id: tstr, 2 seq: uint, 3 hash: tstr }
//! external_aad = "PP1 audit head"
//! ```
//!
//! `seq` is the number of the trail's last entry and `hash` that entry's hash
//! as the trail writes it (lower-case hex SHA-256), so a head compares with an
//! exported trail character for character.
//!
//! Why COSE_Sign1 under the station's credential key, not a bare signature:
//! central already holds that key, as the COSE_Key it certified into the trust
//! list at enrolment, and needs nothing else to check a head; the protected
//! header names the algorithm and key, so an ES256 station's head is checked
//! the same way as an Ed25519 one's, by any COSE library. The payload names
//! the station, so one station's head cannot be passed off as another's.
//!
//! Why the external AAD: the same key signs pass credentials. A head's
//! signature covers a Sig_structure that carries these bytes and no
//! credential's does, so a head never verifies as a credential, nor a
//! credential as a head.
//!
//! Not here: the trail itself and its hash chain (the station), sending heads
//! and keeping them (the central API and central).

use ciborium::value::Value;

use crate::error::Result;
use crate::keys::{PublicKey, SigningKey};
use crate::sign::{Signed, sign_map_bound};

const WHAT: &str = "audit head";
/// Binds a head's signature to its purpose (RFC 9052 §4.3).
const EXTERNAL_AAD: &[u8] = b"PP1 audit head";

/// The last entry of a station's audit trail, as the station signs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    /// The station whose trail it is, as central named it at enrolment.
    pub station_id: String,
    /// The number of the trail's last entry.
    pub seq: u64,
    /// That entry's hash, as the trail writes it.
    pub hash: String,
}

impl AuditHead {
    /// Signs the head with the station's credential key: tagged COSE_Sign1 bytes.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>> {
        let payload = [
            (1, Value::Text(self.station_id.clone())),
            (2, Value::Integer(self.seq.into())),
            (3, Value::Text(self.hash.clone())),
        ];
        sign_map_bound(payload, key, EXTERNAL_AAD)
    }

    /// Reads a signed head, accepting it only if `station_key` signed it as a head.
    pub fn verify(bytes: &[u8], station_key: &PublicKey) -> Result<AuditHead> {
        let mut map = Signed::open_station_signed(bytes, station_key, EXTERNAL_AAD, WHAT)?;
        let head = AuditHead {
            station_id: map.required(1, "station_id")?.text()?,
            seq: map.required(2, "seq")?.uint()?,
            hash: map.required(3, "hash")?.text()?,
        };
        map.finish()?;
        Ok(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CredentialError;
    use crate::claims::PassClaims;
    use crate::keys::Algorithm;

    fn head() -> AuditHead {
        AuditHead {
            station_id: "st-1".to_owned(),
            seq: 42,
            hash: "ab".repeat(32),
        }
    }

    #[test]
    fn a_head_verifies_under_its_station_key_with_either_algorithm() {
        for algorithm in [Algorithm::EdDsa, Algorithm::Es256] {
            let key = SigningKey::generate(algorithm).expect("key");
            let signed = head().sign(&key).expect("signed");
            assert_eq!(AuditHead::verify(&signed, &key.public()).expect("verifies"), head());
        }
    }

    #[test]
    fn another_key_or_an_altered_head_is_refused() {
        let key = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let other = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let signed = head().sign(&other).expect("signed");
        assert!(matches!(
            AuditHead::verify(&signed, &key.public()),
            Err(CredentialError::NotSignedByStation { .. })
        ));

        let mut signed = head().sign(&key).expect("signed");
        // The hash's last character: the payload's last byte, before the
        // signature's 2-byte header and 64 bytes.
        let at = signed.len() - 64 - 2 - 1;
        signed[at] ^= 0x01;
        assert!(matches!(
            AuditHead::verify(&signed, &key.public()),
            Err(CredentialError::BadSignature { .. })
        ));
    }

    #[test]
    fn a_head_and_a_credential_never_stand_for_each_other() {
        let key = SigningKey::generate(Algorithm::EdDsa).expect("key");
        // The same payload signed without the head's binding, as credentials are.
        let unbound = crate::sign::sign_map(
            [
                (1, Value::Text("st-1".to_owned())),
                (2, Value::Integer(42.into())),
                (3, Value::Text("ab".repeat(32))),
            ],
            &key,
        )
        .expect("signed");
        assert!(matches!(
            AuditHead::verify(&unbound, &key.public()),
            Err(CredentialError::BadSignature { .. })
        ));
        let signed = head().sign(&key).expect("signed");
        let parsed = Signed::parse(&signed, "credential").expect("a COSE_Sign1");
        assert!(!parsed.is_signed_by(&key.public()), "a head is no credential");
        assert!(PassClaims::from_cwt_bytes(parsed.payload(), "TWKEL").is_err());
    }
}
