//! The trust list: which station keys may sign credentials, for which office,
//! during which period, and whether they are revoked; and which of central's
//! keys may sign pick-up codes (see [`crate::pickup`]), a list apart, so a
//! pick-up key never signs a credential. The authority signs it with
//! its root key, and verifiers accept it only under that pinned root, so a stolen
//! station is shut out by publishing one new list.
//!
//! ```text
//! payload = { 1 sequence: uint, 2 issued_at: int, 3 signers: [* signer],
//!             ? 4 pickup signers: [* signer] }
//! signer  = { 1 kid: bstr, 2 public key: bstr .cbor COSE_Key, 3 office: tstr,
//!             4 valid_from: int, 5 valid_to: int, 6 status: 0 active / 1 revoked }
//! ```

use ciborium::value::Value;
use time::OffsetDateTime;

use crate::cbor::{self, Field};
use crate::error::{CredentialError, Result};
use crate::keys::{Kid, PublicKey, SigningKey};
use crate::sign::{Signed, sign_map};

const WHAT: &str = "trust list";

/// Whether a signer may still be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerStatus {
    Active = 0,
    /// Every credential this key signed is refused, whenever it was signed.
    Revoked = 1,
}

/// One station signing key certified by the authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerEntry {
    pub public_key: PublicKey,
    /// Port code of the office the station belongs to; credentials it signs carry it as `iss`.
    pub office: String,
    /// Credentials must have been issued (`iat`) within `valid_from..=valid_to`.
    pub valid_from: OffsetDateTime,
    pub valid_to: OffsetDateTime,
    pub status: SignerStatus,
}

impl SignerEntry {
    pub fn kid(&self) -> Kid {
        self.public_key.kid()
    }

    fn to_value(&self) -> Result<Value> {
        Ok(cbor::int_map([
            (1, Value::Bytes(self.kid().0.to_vec())),
            (2, Value::Bytes(self.public_key.to_cose_key()?)),
            (3, Value::Text(self.office.clone())),
            (4, cbor::numeric_date(self.valid_from)),
            (5, cbor::numeric_date(self.valid_to)),
            (6, Value::Integer((self.status as u8).into())),
        ]))
    }

    fn from_field(field: Field) -> Result<SignerEntry> {
        let mut map = field.map("trust list signer")?;
        let kid = map.required(1, "kid")?.bytes()?;
        let public_key = PublicKey::from_cose_key(&map.required(2, "public key")?.bytes()?)
            .map_err(|e| CredentialError::Malformed(format!("{WHAT}: {e}")))?;
        if kid != public_key.kid().0 {
            return Err(CredentialError::Malformed(format!(
                "{WHAT}: kid {} is not its key's",
                hex::encode(&kid)
            )));
        }
        let entry = SignerEntry {
            public_key,
            office: map.required(3, "office")?.text()?,
            valid_from: map.required(4, "valid_from")?.numeric_date()?,
            valid_to: map.required(5, "valid_to")?.numeric_date()?,
            status: match map.required(6, "status")?.uint::<u8>()? {
                0 => SignerStatus::Active,
                1 => SignerStatus::Revoked,
                other => {
                    return Err(CredentialError::Malformed(format!(
                        "{WHAT}: unknown signer status {other}"
                    )));
                }
            },
        };
        map.finish()?;
        Ok(entry)
    }
}

/// The authority's list of certified signers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustList {
    /// Grows with every list published; a verifier never goes back to a lower one.
    pub sequence: u64,
    pub issued_at: OffsetDateTime,
    pub signers: Vec<SignerEntry>,
    /// Central's keys for pick-up codes; `office` is the office whose cards
    /// a key's codes may release, or `*` for every office.
    pub pickup_signers: Vec<SignerEntry>,
}

impl TrustList {
    /// Signs the list with the authority's root key.
    pub fn sign(&self, root: &SigningKey) -> Result<Vec<u8>> {
        let entries = |list: &[SignerEntry]| list.iter().map(SignerEntry::to_value).collect::<Result<Vec<_>>>();
        let mut payload = vec![
            (1, Value::Integer(self.sequence.into())),
            (2, cbor::numeric_date(self.issued_at)),
            (3, Value::Array(entries(&self.signers)?)),
        ];
        // Left out when empty, so a list without pick-up keys reads as lists did before them.
        if !self.pickup_signers.is_empty() {
            payload.push((4, Value::Array(entries(&self.pickup_signers)?)));
        }
        sign_map(payload, root)
    }

    /// Reads a signed list, accepting it only if the pinned root key signed it.
    pub fn verify(bytes: &[u8], root: &PublicKey) -> Result<TrustList> {
        let mut map = Signed::open_root_signed(bytes, root, WHAT)?;
        let list = TrustList {
            sequence: map.required(1, "sequence")?.uint()?,
            issued_at: map.required(2, "issued_at")?.numeric_date()?,
            signers: map.required(3, "signers")?.array_of(SignerEntry::from_field)?,
            pickup_signers: match map.optional(4, "pickup signers") {
                Some(field) => field.array_of(SignerEntry::from_field)?,
                None => Vec::new(),
            },
        };
        map.finish()?;
        Ok(list)
    }

    /// The credential signer with this kid.
    pub fn find(&self, kid: &Kid) -> Option<&SignerEntry> {
        self.signers.iter().find(|signer| signer.kid() == *kid)
    }

    /// The pick-up code signer with this kid.
    pub fn find_pickup_signer(&self, kid: &Kid) -> Option<&SignerEntry> {
        self.pickup_signers.iter().find(|signer| signer.kid() == *kid)
    }
}
