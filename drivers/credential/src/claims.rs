//! The pass as signed claims: a CWT (RFC 8392) claims map with integer keys, so any
//! COSE library can read it, and one private claim that holds the pass itself.
//!
//! ```text
//! { 1 iss: "TWKEL", 4 exp: int, 5 nbf: int, 6 iat: int, 7 cti: bstr "<pass_id>#<version>#<print>",
//!   -65537 pass: { 1 kind: uint, 2 holder: tstr, 3 company tax ID: tstr,
//!                  4 ports: [+ tstr], ? 5 card UID: bstr } }
//! ```
//!
//! `cti` names the card, not only the pass: each print of a pass version has
//! its own serial, so one misprint can be revoked without the rest, and the
//! chip written for a card carries the same `cti` as the card's printed QR.
//!
//! Reading is strict: a key this format does not define, a duplicate key or a
//! wrong type makes the credential malformed. The format is versioned by the QR
//! prefix (`PP1:`), so a later format gets a new prefix rather than extra keys.

use ciborium::value::Value;
use coset::iana::CwtClaimName;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cbor::{self, Field, IntMap};
use crate::error::{CredentialError, Result};

/// The private claim holding the pass: the first key of the CWT private-use range.
pub const PASS_CLAIM_KEY: i64 = -65537;

const KIND: i64 = 1;
const HOLDER: i64 = 2;
const COMPANY_TAX_ID: i64 = 3;
const PORTS: i64 = 4;
const CARD_UID: i64 = 5;

/// Person or vehicle, long-term or temporary. The numbers are the wire codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PassKind {
    Person = 0,
    Vehicle = 1,
    TemporaryPerson = 2,
    TemporaryVehicle = 3,
}

impl PassKind {
    pub const ALL: [PassKind; 4] = [
        PassKind::Person,
        PassKind::Vehicle,
        PassKind::TemporaryPerson,
        PassKind::TemporaryVehicle,
    ];

    /// The kind of a pass for a vehicle or a person, long-term or temporary.
    pub fn new(vehicle: bool, temporary: bool) -> PassKind {
        match (vehicle, temporary) {
            (false, false) => PassKind::Person,
            (true, false) => PassKind::Vehicle,
            (false, true) => PassKind::TemporaryPerson,
            (true, true) => PassKind::TemporaryVehicle,
        }
    }

    fn from_code(code: u8) -> Option<PassKind> {
        PassKind::ALL.into_iter().find(|kind| *kind as u8 == code)
    }
}

/// What a credential says about its pass. Times are whole seconds (CWT NumericDate);
/// sub-second parts are dropped when signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassClaims {
    /// The issuing office's port code, e.g. `TWKEL` (`iss`).
    pub issuer: String,
    pub pass_id: String,
    /// Bumped on every reissue of the same pass, so a revoked card's credential stays revoked.
    pub version: u32,
    /// The print of this pass version the credential was made for (1, 2, …):
    /// the identity of one physical card, which the hotlist can name.
    pub print: u32,
    pub kind: PassKind,
    /// Holder's name, or the vehicle's plate.
    pub holder: String,
    pub company_tax_id: String,
    /// Port codes the pass opens.
    pub ports: Vec<String>,
    /// `nbf`: the first moment the pass is valid.
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
    /// `exp`: the first moment the pass is no longer valid.
    #[serde(with = "time::serde::rfc3339")]
    pub valid_to: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// The chip's UID, only in the credential written to the chip: it binds the
    /// credential to that card, so copying it to another card is caught.
    pub card_uid: Option<Vec<u8>>,
}

impl PassClaims {
    /// Encodes the claims map (the COSE payload). Refuses claims a verifier would
    /// call malformed, so a bad pass is stopped at the office rather than the gate.
    pub fn to_cwt_bytes(&self) -> Result<Vec<u8>> {
        self.check().map_err(CredentialError::InvalidClaims)?;
        let mut pass = vec![
            (KIND, Value::Integer((self.kind as u8).into())),
            (HOLDER, Value::Text(self.holder.clone())),
            (COMPANY_TAX_ID, Value::Text(self.company_tax_id.clone())),
            (
                PORTS,
                Value::Array(self.ports.iter().cloned().map(Value::Text).collect()),
            ),
        ];
        if let Some(uid) = &self.card_uid {
            pass.push((CARD_UID, Value::Bytes(uid.clone())));
        }
        let claims = cbor::int_map([
            (CwtClaimName::Iss as i64, Value::Text(self.issuer.clone())),
            (CwtClaimName::Exp as i64, cbor::numeric_date(self.valid_to)),
            (CwtClaimName::Nbf as i64, cbor::numeric_date(self.valid_from)),
            (CwtClaimName::Iat as i64, cbor::numeric_date(self.issued_at)),
            (
                CwtClaimName::Cti as i64,
                Value::Bytes(format!("{}#{}#{}", self.pass_id, self.version, self.print).into_bytes()),
            ),
            (PASS_CLAIM_KEY, cbor::int_map(pass)),
        ]);
        cbor::encode(&claims)
    }

    /// Decodes a claims map, strictly; never panics on any input.
    pub fn from_cwt_bytes(bytes: &[u8]) -> Result<PassClaims> {
        const CONTEXT: &str = "credential claims";
        let mut claims = IntMap::new(cbor::decode(bytes, CONTEXT)?, CONTEXT)?;
        let issuer = claims.required(CwtClaimName::Iss as i64, "iss")?.text()?;
        let valid_to = claims.required(CwtClaimName::Exp as i64, "exp")?.numeric_date()?;
        let valid_from = claims.required(CwtClaimName::Nbf as i64, "nbf")?.numeric_date()?;
        let issued_at = claims.required(CwtClaimName::Iat as i64, "iat")?.numeric_date()?;
        let cti = claims.required(CwtClaimName::Cti as i64, "cti")?.bytes()?;
        let mut pass = claims.required(PASS_CLAIM_KEY, "pass")?.map("pass claim")?;
        claims.finish()?;

        let (pass_id, version, print) = split_cti(&cti).ok_or_else(|| {
            CredentialError::Malformed(format!("{CONTEXT}: cti is not \"<pass_id>#<version>#<print>\""))
        })?;
        let kind_code: u8 = pass.required(KIND, "kind")?.uint()?;
        let kind = PassKind::from_code(kind_code)
            .ok_or_else(|| CredentialError::Malformed(format!("pass claim: unknown pass kind {kind_code}")))?;
        let claims = PassClaims {
            issuer,
            pass_id,
            version,
            print,
            kind,
            holder: pass.required(HOLDER, "holder")?.text()?,
            company_tax_id: pass.required(COMPANY_TAX_ID, "company tax ID")?.text()?,
            ports: pass.required(PORTS, "ports")?.array_of(Field::text)?,
            valid_from,
            valid_to,
            issued_at,
            card_uid: pass.optional(CARD_UID, "card UID").map(|uid| uid.bytes()).transpose()?,
        };
        pass.finish()?;
        claims
            .check()
            .map_err(|detail| CredentialError::Malformed(format!("{CONTEXT}: {detail}")))?;
        Ok(claims)
    }

    /// The rules both signing and reading enforce beyond the wire types.
    fn check(&self) -> Result<(), String> {
        let empty = [
            ("issuer", self.issuer.is_empty()),
            ("pass number", self.pass_id.is_empty()),
            ("holder", self.holder.is_empty()),
            ("company tax ID", self.company_tax_id.is_empty()),
            (
                "ports",
                self.ports.is_empty() || self.ports.iter().any(String::is_empty),
            ),
            ("card UID", self.card_uid.as_ref().is_some_and(Vec::is_empty)),
        ];
        if let Some((field, _)) = empty.iter().find(|(_, is_empty)| *is_empty) {
            return Err(format!("{field} is empty"));
        }
        if self.print == 0 {
            return Err("print serial 0 names no card: prints count from 1".to_owned());
        }
        if self.valid_to < self.valid_from {
            return Err(format!(
                "valid-to {} is before valid-from {}",
                self.valid_to, self.valid_from
            ));
        }
        Ok(())
    }
}

/// Splits `cti` at its last two `#` (a pass number may contain one); version
/// and print must be canonical decimal so one card has exactly one encoding
/// (the hotlist matches on it).
fn split_cti(cti: &[u8]) -> Option<(String, u32, u32)> {
    let canonical = |text: &str| -> Option<u32> {
        let number: u32 = text.parse().ok()?;
        (number.to_string() == text).then_some(number)
    };
    let text = std::str::from_utf8(cti).ok()?;
    let (rest, print_text) = text.rsplit_once('#')?;
    let (pass_id, version_text) = rest.rsplit_once('#')?;
    Some((pass_id.to_owned(), canonical(version_text)?, canonical(print_text)?))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn sample() -> PassClaims {
        PassClaims {
            issuer: "TWKEL".into(),
            pass_id: "KEL-2026-000001".into(),
            version: 3,
            print: 2,
            kind: PassKind::Vehicle,
            holder: "ABC-1234".into(),
            company_tax_id: "22099131".into(),
            ports: vec!["TWKEL".into()],
            valid_from: datetime!(2026-01-01 00:00 UTC),
            valid_to: datetime!(2027-01-01 00:00 UTC),
            issued_at: datetime!(2025-12-20 00:00 UTC),
            card_uid: None,
        }
    }

    /// The sample's claims map with `edit` applied to its top-level entries.
    fn edited(edit: impl FnOnce(&mut Vec<(Value, Value)>)) -> Vec<u8> {
        let bytes = sample().to_cwt_bytes().expect("encodes");
        let Ok(Value::Map(mut entries)) = ciborium::from_reader::<Value, _>(bytes.as_slice()) else {
            panic!("map")
        };
        edit(&mut entries);
        cbor::encode(&Value::Map(entries)).expect("encodes")
    }

    fn assert_malformed(bytes: &[u8], expected: &str) {
        match PassClaims::from_cwt_bytes(bytes) {
            Err(CredentialError::Malformed(detail)) => assert!(detail.contains(expected), "{detail}"),
            other => panic!("expected malformed ({expected}), got {other:?}"),
        }
    }

    #[test]
    fn the_wire_keys_are_the_cwt_ones() {
        let bytes = sample().to_cwt_bytes().expect("encodes");
        let Ok(Value::Map(entries)) = ciborium::from_reader::<Value, _>(bytes.as_slice()) else {
            panic!("map")
        };
        let keys: Vec<i128> = entries
            .iter()
            .filter_map(|(key, _)| key.as_integer().map(i128::from))
            .collect();
        assert_eq!(keys, [1, 4, 5, 6, 7, -65537]);
        assert_eq!(entries[4].1, Value::Bytes(b"KEL-2026-000001#3#2".to_vec()));
    }

    #[test]
    fn reading_is_strict() {
        assert_malformed(
            &edited(|map| map.push((Value::Integer(8.into()), Value::Null))),
            "unknown key 8",
        );
        assert_malformed(&edited(|map| map.push(map[0].clone())), "appears twice");
        assert_malformed(&edited(|map| map[0].1 = Value::Integer(1.into())), "iss must be text");
        assert_malformed(&edited(|map| map[1].1 = Value::Float(1.8e9)), "exp must be an integer");
        assert_malformed(
            &edited(|map| map[2].1 = Value::Integer(i64::MAX.into())),
            "not a usable date",
        );
        assert_malformed(&edited(|map| map[4].1 = Value::Bytes(b"KEL-1#03#1".to_vec())), "cti");
        assert_malformed(&edited(|map| map[4].1 = Value::Bytes(b"KEL-1#3#01".to_vec())), "cti");
        assert_malformed(&edited(|map| map[4].1 = Value::Bytes(b"KEL-1#3".to_vec())), "cti");
        assert_malformed(
            &edited(|map| map[4].1 = Value::Bytes(b"KEL-1#3#0".to_vec())),
            "print serial 0",
        );
        assert_malformed(&edited(|map| map[0].0 = Value::Text("iss".into())), "integers");
        assert_malformed(&edited(|map| drop(map.remove(5))), "pass (key -65537) is missing");
        assert_malformed(
            &edited(|map| {
                if let Value::Map(pass) = &mut map[5].1 {
                    pass[0].1 = Value::Integer(7.into());
                }
            }),
            "unknown pass kind 7",
        );
        assert_malformed(
            &edited(|map| {
                if let Value::Map(pass) = &mut map[5].1 {
                    pass[3].1 = Value::Array(vec![]);
                }
            }),
            "ports is empty",
        );
        let mut trailing = sample().to_cwt_bytes().expect("encodes");
        trailing.push(0);
        assert_malformed(&trailing, "stray bytes");
    }

    #[test]
    fn a_pass_number_may_contain_the_separator() {
        let claims = PassClaims {
            pass_id: "KEL#7".into(),
            ..sample()
        };
        let bytes = claims.to_cwt_bytes().expect("encodes");
        assert_eq!(PassClaims::from_cwt_bytes(&bytes).expect("decodes"), claims);
    }
}
