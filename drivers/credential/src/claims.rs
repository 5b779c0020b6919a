//! The pass as signed claims: a CWT (RFC 8392) claims map with integer keys, so any
//! COSE library can read it, and one private claim that holds the pass itself.
//!
//! ```text
//! { 4 exp: int, 5 nbf: int, 6 iat: int, 7 cti: bstr "<pass_id>#<version>#<print>",
//!   -65537 pass: [kind: uint, holder: tstr, company tax ID: tstr,
//!                 ports: [+ tstr], ? card UID: bstr, ? photo SHA-256: bstr .size 32] }
//! ```
//!
//! The card UID and the photo's hash are on the chip only: the UID binds the
//! credential to its card, the hash to the holder's photo in the chip's
//! second file (a gate elsewhere has no other photo to show).
//!
//! Every byte here is a module of the printed QR code, and a smaller code reads
//! from farther and in worse light; so the format carries nothing twice:
//! - No `iss`: the issuing office is the office the trust list certifies the
//!   signer's key for. A key certified for one office can issue for no other,
//!   so a claimed issuer could only ever agree with it or be refused.
//! - The pass is an array, each field in its fixed place, as in the hotlist.
//! - A port in the authority's own country ([`HOME_COUNTRY`]) is written by its
//!   three-letter location (`KEL` for UN/LOCODE `TWKEL`); any other in full.
//!
//! A 20-character CJK name, six ports and version and print up to 999 fit
//! QR version 13 at level Q (the printed QR's budget, DESIGN §3).
//!
//! `cti` names the card, not only the pass: each print of a pass version has
//! its own serial, so one misprint can be revoked without the rest, and the
//! chip written for a card carries the same `cti` as the card's printed QR.
//!
//! Cards printed before this format carry format 1: `1 iss` and the pass as a
//! map (`1 kind, 2 holder, 3 company tax ID, 4 ports` in full, `? 5 card UID`).
//! They are read until they expire, never written.
//!
//! Reading is strict: a key this format does not define, a duplicate key, a
//! wrong type or a port written the long way where the short one applies makes
//! the credential malformed, so one card has one encoding.

use ciborium::value::Value;
use coset::iana::CwtClaimName;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use crate::cbor::{self, Field, IntMap};
use crate::error::{CredentialError, Result};

/// The private claim holding the pass: the first key of the CWT private-use range.
pub const PASS_CLAIM_KEY: i64 = -65537;

/// The country whose ports a credential writes by their location alone: the
/// authority's own. Its offices are the issuers.
pub const HOME_COUNTRY: &str = "TW";

/// The pass map's keys in format 1.
const FORMAT1_KIND: i64 = 1;
const FORMAT1_HOLDER: i64 = 2;
const FORMAT1_COMPANY_TAX_ID: i64 = 3;
const FORMAT1_PORTS: i64 = 4;
const FORMAT1_CARD_UID: i64 = 5;
/// `iss`, in format 1 only.
const FORMAT1_ISSUER: i64 = CwtClaimName::Iss as i64;

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
    /// SHA-256 of the holder's photo in the chip's photo file, on a chip that
    /// carries one (never without `card_uid`).
    pub photo_sha256: Option<Vec<u8>>,
}

impl PassClaims {
    /// The hash a chip credential carries for the holder's photo on its chip.
    pub fn photo_hash(photo: &[u8]) -> Vec<u8> {
        Sha256::digest(photo).to_vec()
    }

    /// Whether `photo` is the one these claims sign for (never, for claims without a photo's hash).
    pub fn signs_photo(&self, photo: &[u8]) -> bool {
        self.photo_sha256.as_deref() == Some(Sha256::digest(photo).as_slice())
    }

    /// Encodes the claims map (the COSE payload), in the current format. Refuses
    /// claims a verifier would call malformed, so a bad pass is stopped at the
    /// office rather than the gate.
    pub fn to_cwt_bytes(&self) -> Result<Vec<u8>> {
        self.check().map_err(CredentialError::InvalidClaims)?;
        let mut pass = vec![
            Value::Integer((self.kind as u8).into()),
            Value::Text(self.holder.clone()),
            Value::Text(self.company_tax_id.clone()),
            Value::Array(
                self.ports
                    .iter()
                    .map(|port| Value::Text(short_port(port).to_owned()))
                    .collect(),
            ),
        ];
        if let Some(uid) = &self.card_uid {
            pass.push(Value::Bytes(uid.clone()));
        }
        if let Some(photo) = &self.photo_sha256 {
            pass.push(Value::Bytes(photo.clone()));
        }
        let claims = cbor::int_map([
            (CwtClaimName::Exp as i64, cbor::numeric_date(self.valid_to)),
            (CwtClaimName::Nbf as i64, cbor::numeric_date(self.valid_from)),
            (CwtClaimName::Iat as i64, cbor::numeric_date(self.issued_at)),
            (
                CwtClaimName::Cti as i64,
                Value::Bytes(format!("{}#{}#{}", self.pass_id, self.version, self.print).into_bytes()),
            ),
            (PASS_CLAIM_KEY, Value::Array(pass)),
        ]);
        cbor::encode(&claims)
    }

    /// Decodes a claims map, strictly, signed by a key the trust list certifies
    /// for `signer_office`; never panics on any input. A format-1 map that names
    /// another issuer is [`CredentialError::IssuerNotSigner`].
    pub fn from_cwt_bytes(bytes: &[u8], signer_office: &str) -> Result<PassClaims> {
        const CONTEXT: &str = "credential claims";
        let mut claims = IntMap::new(cbor::decode(bytes, CONTEXT)?, CONTEXT)?;
        let named_issuer = claims.optional(FORMAT1_ISSUER, "iss").map(Field::text).transpose()?;
        let valid_to = claims.required(CwtClaimName::Exp as i64, "exp")?.numeric_date()?;
        let valid_from = claims.required(CwtClaimName::Nbf as i64, "nbf")?.numeric_date()?;
        let issued_at = claims.required(CwtClaimName::Iat as i64, "iat")?.numeric_date()?;
        let cti = claims.required(CwtClaimName::Cti as i64, "cti")?.bytes()?;
        let pass = claims.required(PASS_CLAIM_KEY, "pass")?;
        claims.finish()?;

        let (pass_id, version, print) = split_cti(&cti).ok_or_else(|| {
            CredentialError::Malformed(format!("{CONTEXT}: cti is not \"<pass_id>#<version>#<print>\""))
        })?;
        let fields = match &named_issuer {
            Some(issuer) if issuer != signer_office => {
                return Err(CredentialError::IssuerNotSigner {
                    issuer: issuer.clone(),
                    signer_office: signer_office.to_owned(),
                });
            }
            Some(_) => PassFields::read_format1(pass)?,
            None => PassFields::read(pass)?,
        };
        let claims = PassClaims {
            issuer: signer_office.to_owned(),
            pass_id,
            version,
            print,
            kind: fields.kind,
            holder: fields.holder,
            company_tax_id: fields.company_tax_id,
            ports: fields.ports,
            valid_from,
            valid_to,
            issued_at,
            card_uid: fields.card_uid,
            photo_sha256: fields.photo_sha256,
        };
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
        if self.photo_sha256.as_ref().is_some_and(|hash| hash.len() != 32) {
            return Err("the photo's hash is not 32 bytes (SHA-256)".to_owned());
        }
        if self.photo_sha256.is_some() && self.card_uid.is_none() {
            return Err("a photo's hash belongs to a chip credential, which carries a card UID".to_owned());
        }
        if let Some((field, _)) = empty.iter().find(|(_, is_empty)| *is_empty) {
            return Err(format!("{field} is empty"));
        }
        if let Some(port) = self.ports.iter().find(|port| !is_un_locode(port)) {
            return Err(format!(
                "port {port} is not a UN/LOCODE (two-letter country, three-character location)"
            ));
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

/// The private claim's fields, however the format wrote them.
struct PassFields {
    kind: PassKind,
    holder: String,
    company_tax_id: String,
    ports: Vec<String>,
    card_uid: Option<Vec<u8>>,
    photo_sha256: Option<Vec<u8>>,
}

impl PassFields {
    /// The current format: `[kind, holder, company tax ID, ports, ? card UID, ? photo SHA-256]`.
    fn read(pass: Field) -> Result<PassFields> {
        let mut items = pass.array()?.into_iter();
        let mut next = |name| items.next().map(|item| item.named(name));
        let missing = |name| CredentialError::Malformed(format!("pass claim: {name} is missing"));
        let kind = next("kind").ok_or_else(|| missing("kind"))?.uint()?;
        let holder = next("holder").ok_or_else(|| missing("holder"))?.text()?;
        let company_tax_id = next("company tax ID")
            .ok_or_else(|| missing("company tax ID"))?
            .text()?;
        let ports = next("ports")
            .ok_or_else(|| missing("ports"))?
            .array_of(|port| full_port(port.text()?))?;
        let card_uid = next("card UID").map(Field::bytes).transpose()?;
        let photo_sha256 = next("photo SHA-256").map(Field::bytes).transpose()?;
        if items.len() > 0 {
            return Err(CredentialError::Malformed(format!(
                "pass claim: {} items after the photo's hash",
                items.len()
            )));
        }
        Ok(PassFields {
            kind: kind_of(kind)?,
            holder,
            company_tax_id,
            ports,
            card_uid,
            photo_sha256,
        })
    }

    /// Format 1: `{1 kind, 2 holder, 3 company tax ID, 4 ports, ? 5 card UID}`.
    fn read_format1(pass: Field) -> Result<PassFields> {
        let mut pass = pass.map("pass claim")?;
        let fields = PassFields {
            kind: kind_of(pass.required(FORMAT1_KIND, "kind")?.uint()?)?,
            holder: pass.required(FORMAT1_HOLDER, "holder")?.text()?,
            company_tax_id: pass.required(FORMAT1_COMPANY_TAX_ID, "company tax ID")?.text()?,
            ports: pass.required(FORMAT1_PORTS, "ports")?.array_of(Field::text)?,
            card_uid: pass
                .optional(FORMAT1_CARD_UID, "card UID")
                .map(Field::bytes)
                .transpose()?,
            photo_sha256: None,
        };
        pass.finish()?;
        Ok(fields)
    }
}

fn kind_of(code: u8) -> Result<PassKind> {
    PassKind::from_code(code).ok_or_else(|| CredentialError::Malformed(format!("pass claim: unknown pass kind {code}")))
}

/// A UN/LOCODE: a two-letter country and a three-character location (letters, digits 2–9).
fn is_un_locode(port: &str) -> bool {
    let bytes = port.as_bytes();
    bytes.len() == 5
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'9').contains(b))
}

/// A port as the current format writes it: a home-country port by its location.
fn short_port(port: &str) -> &str {
    port.strip_prefix(HOME_COUNTRY).unwrap_or(port)
}

/// A port as written back to its UN/LOCODE; a home-country port written in
/// full is refused, as a second encoding of the same card.
fn full_port(written: String) -> Result<String> {
    if written.len() == 3 {
        return Ok(format!("{HOME_COUNTRY}{written}"));
    }
    // check() refuses what is neither three characters nor a UN/LOCODE.
    if short_port(&written) != written {
        return Err(CredentialError::Malformed(format!(
            "pass claim: port {written} is written in full; a {HOME_COUNTRY} port is written by its location"
        )));
    }
    Ok(written)
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
            photo_sha256: None,
        }
    }

    const OFFICE: &str = "TWKEL";

    /// The sample's claims map with `edit` applied to its top-level entries.
    fn edited(edit: impl FnOnce(&mut Vec<(Value, Value)>)) -> Vec<u8> {
        let bytes = sample().to_cwt_bytes().expect("encodes");
        let Ok(Value::Map(mut entries)) = ciborium::from_reader::<Value, _>(bytes.as_slice()) else {
            panic!("map")
        };
        edit(&mut entries);
        cbor::encode(&Value::Map(entries)).expect("encodes")
    }

    /// The sample with `edit` applied to the items of its pass claim.
    fn edited_pass(edit: impl FnOnce(&mut Vec<Value>)) -> Vec<u8> {
        edited(|map| {
            if let Value::Array(pass) = &mut map[4].1 {
                edit(pass);
            }
        })
    }

    fn assert_malformed(bytes: &[u8], expected: &str) {
        match PassClaims::from_cwt_bytes(bytes, OFFICE) {
            Err(CredentialError::Malformed(detail)) => assert!(detail.contains(expected), "{detail}"),
            other => panic!("expected malformed ({expected}), got {other:?}"),
        }
    }

    /// The sample as a card printed before the current format carries it.
    fn format1(issuer: &str) -> Vec<u8> {
        let claims = sample();
        let pass = cbor::int_map([
            (FORMAT1_KIND, Value::Integer((claims.kind as u8).into())),
            (FORMAT1_HOLDER, Value::Text(claims.holder.clone())),
            (FORMAT1_COMPANY_TAX_ID, Value::Text(claims.company_tax_id.clone())),
            (
                FORMAT1_PORTS,
                Value::Array(claims.ports.iter().cloned().map(Value::Text).collect()),
            ),
        ]);
        cbor::encode(&cbor::int_map([
            (FORMAT1_ISSUER, Value::Text(issuer.into())),
            (4, cbor::numeric_date(claims.valid_to)),
            (5, cbor::numeric_date(claims.valid_from)),
            (6, cbor::numeric_date(claims.issued_at)),
            (7, Value::Bytes(b"KEL-2026-000001#3#2".to_vec())),
            (PASS_CLAIM_KEY, pass),
        ]))
        .expect("encodes")
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
        assert_eq!(keys, [4, 5, 6, 7, -65537]);
        assert_eq!(entries[3].1, Value::Bytes(b"KEL-2026-000001#3#2".to_vec()));
        let short = |text: &str| Value::Text(text.into());
        assert_eq!(
            entries[4].1,
            Value::Array(vec![
                Value::Integer(1.into()),
                short("ABC-1234"),
                short("22099131"),
                Value::Array(vec![short("KEL")]),
            ])
        );
        assert_eq!(PassClaims::from_cwt_bytes(&bytes, OFFICE).expect("decodes"), sample());
    }

    #[test]
    fn the_issuer_is_the_signers_office() {
        let bytes = sample().to_cwt_bytes().expect("encodes");
        let read = PassClaims::from_cwt_bytes(&bytes, "TWKHH").expect("decodes");
        assert_eq!(read.issuer, "TWKHH");
    }

    #[test]
    fn a_card_of_format_1_is_still_read_and_must_name_its_signers_office() {
        assert_eq!(
            PassClaims::from_cwt_bytes(&format1(OFFICE), OFFICE).expect("decodes"),
            sample()
        );
        assert!(matches!(
            PassClaims::from_cwt_bytes(&format1("TWKHH"), OFFICE),
            Err(CredentialError::IssuerNotSigner { .. })
        ));
    }

    #[test]
    fn home_ports_are_written_by_their_location_and_others_in_full() {
        let claims = PassClaims {
            ports: vec!["TWKEL".into(), "JPTYO".into(), "TWKHH".into()],
            ..sample()
        };
        let bytes = claims.to_cwt_bytes().expect("encodes");
        assert_eq!(PassClaims::from_cwt_bytes(&bytes, OFFICE).expect("decodes"), claims);
        assert!(
            bytes.windows(5).any(|w| w == b"JPTYO") && !bytes.windows(5).any(|w| w == b"TWKEL"),
            "only the foreign port is written in full"
        );
        assert_malformed(
            &edited_pass(|pass| pass[3] = Value::Array(vec![Value::Text("TWKEL".into())])),
            "written in full",
        );
    }

    #[test]
    fn reading_is_strict() {
        assert_malformed(
            &edited(|map| map.push((Value::Integer(8.into()), Value::Null))),
            "unknown key 8",
        );
        assert_malformed(&edited(|map| map.push(map[0].clone())), "appears twice");
        assert_malformed(
            &edited(|map| map.insert(0, (Value::Integer(1.into()), Value::Integer(1.into())))),
            "iss must be text",
        );
        assert_malformed(&edited(|map| map[0].1 = Value::Float(1.8e9)), "exp must be an integer");
        assert_malformed(
            &edited(|map| map[1].1 = Value::Integer(i64::MAX.into())),
            "not a usable date",
        );
        assert_malformed(&edited(|map| map[3].1 = Value::Bytes(b"KEL-1#03#1".to_vec())), "cti");
        assert_malformed(&edited(|map| map[3].1 = Value::Bytes(b"KEL-1#3#01".to_vec())), "cti");
        assert_malformed(&edited(|map| map[3].1 = Value::Bytes(b"KEL-1#3".to_vec())), "cti");
        assert_malformed(
            &edited(|map| map[3].1 = Value::Bytes(b"KEL-1#3#0".to_vec())),
            "print serial 0",
        );
        assert_malformed(&edited(|map| map[0].0 = Value::Text("exp".into())), "integers");
        assert_malformed(&edited(|map| drop(map.remove(4))), "pass (key -65537) is missing");
        assert_malformed(&edited(|map| map[4].1 = Value::Map(vec![])), "pass must be an array");
        assert_malformed(
            &edited_pass(|pass| pass[0] = Value::Integer(7.into())),
            "unknown pass kind 7",
        );
        assert_malformed(&edited_pass(|pass| pass[1] = Value::Null), "holder must be text");
        assert_malformed(&edited_pass(|pass| pass.truncate(3)), "ports is missing");
        assert_malformed(&edited_pass(|pass| pass[3] = Value::Array(vec![])), "ports is empty");
        assert_malformed(
            &edited_pass(|pass| pass.extend([Value::Bytes(vec![1]), Value::Bytes(vec![2; 32]), Value::Null])),
            "1 items after the photo's hash",
        );
        assert_malformed(
            &edited_pass(|pass| pass.extend([Value::Bytes(vec![1]), Value::Bytes(vec![2; 31])])),
            "not 32 bytes",
        );
        let mut trailing = sample().to_cwt_bytes().expect("encodes");
        trailing.push(0);
        assert_malformed(&trailing, "stray bytes");
    }

    #[test]
    fn a_chip_credential_carries_its_photo_hash_after_the_card_uid() {
        let claims = PassClaims {
            card_uid: Some(vec![4, 1, 2, 3, 4, 5, 6]),
            photo_sha256: Some(vec![9; 32]),
            ..sample()
        };
        let bytes = claims.to_cwt_bytes().expect("encodes");
        assert_eq!(PassClaims::from_cwt_bytes(&bytes, OFFICE).expect("decodes"), claims);
        let without_card = PassClaims {
            card_uid: None,
            ..claims
        };
        assert!(matches!(
            without_card.to_cwt_bytes(),
            Err(CredentialError::InvalidClaims(detail)) if detail.contains("chip credential")
        ));
    }

    #[test]
    fn a_pass_number_may_contain_the_separator() {
        let claims = PassClaims {
            pass_id: "KEL#7".into(),
            ..sample()
        };
        let bytes = claims.to_cwt_bytes().expect("encodes");
        assert_eq!(PassClaims::from_cwt_bytes(&bytes, OFFICE).expect("decodes"), claims);
    }
}
