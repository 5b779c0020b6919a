//! The ID documents a person shows at the card office, and the check value
//! central sends so a station can tell whether the person at the counter is
//! the pass's holder without ever holding the holder's ID number.
//!
//! Why it works this way:
//! - Three documents are accepted, each with its own format check: the
//!   national ID card (國民身分證), the resident certificate (居留證, old and
//!   new numbers) and a passport (issuing country and number). National ID
//!   and resident certificate numbers share one numbering (統一證號) and one
//!   check digit, so one person never has two of them at once.
//! - Central hashes each person's document with Argon2id, a per-person salt
//!   and a deliberately high cost, and sends the PHC string
//!   (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), never the number. A stolen
//!   station then holds no ID numbers, and guessing one back costs an
//!   attacker a full Argon2id per guess per person. A station refuses to
//!   compare against a hash cheaper than [`HOLDER_HASH_FLOOR`], since
//!   comparing would vouch for a hash that does not protect the number.
//! - What the hash covers is [`IdDocument::canonical`]: the kind's namespace
//!   and the number in capitals, so `a123456789` typed and `A123456789`
//!   scanned are the same person.
//!
//! What it is not for: deciding who may take a card (the station's
//! hand-over rules), or the masked ID a pass shows ([`crate::model`]).

use std::fmt;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

/// The least Argon2id cost a station compares against: memory in KiB and
/// passes, OWASP's recommended minimum (also the `argon2` crate's default).
pub const HOLDER_HASH_FLOOR: (u32, u32) = (19 * 1024, 2);

/// A document a person shows to prove who they are, as typed or scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum IdDocument {
    /// 國民身分證: a letter, 1 or 2, seven digits and a check digit.
    NationalId { number: String },
    /// 居留證: since 2021 like a national ID with 8 or 9 second; before, two
    /// letters and eight digits. Both carry the same check digit.
    ResidentCertificate { number: String },
    /// A passport: the issuing country's three-letter code (as in its
    /// machine-readable zone) and the document number.
    Passport { country: String, number: String },
}

/// Why a document's number cannot be right. The message names what to check
/// and never shows the whole number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdDocumentError {
    #[error("national ID {0} is not a capital letter, 1 or 2, and 8 more digits; check it against the ID card")]
    NationalIdFormat(String),
    #[error(
        "resident certificate number {0} is not a capital letter, 8 or 9 and 8 more digits, nor two capital letters \
         and 8 digits; check it against the certificate"
    )]
    ResidentFormat(String),
    #[error("{0} fails its check digit (a mistyped character?); type it again from the document")]
    CheckDigit(String),
    #[error("passport country {0:?} is not a three-letter code such as TWN, PHL or VNM")]
    PassportCountry(String),
    #[error(
        "passport number {0} is not 5 to 9 capital letters and digits (a Taiwanese passport has 9 digits); check it \
         against the passport's photo page"
    )]
    PassportNumber(String),
}

impl IdDocument {
    /// The document with its number checked and written as the hash takes
    /// it: trimmed, in capitals, without spaces or dashes.
    pub fn checked(&self) -> Result<IdDocument, IdDocumentError> {
        let clean = |text: &str| -> String {
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| c.to_ascii_uppercase())
                .collect()
        };
        match self {
            IdDocument::NationalId { number } => {
                let number = clean(number);
                let b = number.as_bytes();
                let well_formed = b.len() == 10
                    && b[0].is_ascii_uppercase()
                    && matches!(b[1], b'1' | b'2')
                    && b[2..].iter().all(u8::is_ascii_digit);
                if !well_formed {
                    return Err(IdDocumentError::NationalIdFormat(masked_for_error(&number)));
                }
                check_digit(&number)?;
                Ok(IdDocument::NationalId { number })
            }
            IdDocument::ResidentCertificate { number } => {
                let number = clean(number);
                let b = number.as_bytes();
                let new_style = b.len() == 10
                    && b[0].is_ascii_uppercase()
                    && matches!(b[1], b'8' | b'9')
                    && b[2..].iter().all(u8::is_ascii_digit);
                let old_style = b.len() == 10
                    && b[0].is_ascii_uppercase()
                    && matches!(b[1], b'A'..=b'D')
                    && b[2..].iter().all(u8::is_ascii_digit);
                if !new_style && !old_style {
                    return Err(IdDocumentError::ResidentFormat(masked_for_error(&number)));
                }
                check_digit(&number)?;
                Ok(IdDocument::ResidentCertificate { number })
            }
            IdDocument::Passport { country, number } => {
                let country = clean(country);
                if country.len() != 3 || !country.bytes().all(|c| c.is_ascii_uppercase()) {
                    return Err(IdDocumentError::PassportCountry(country));
                }
                let number = clean(number);
                let taiwanese = country == "TWN";
                let well_formed = if taiwanese {
                    number.len() == 9 && number.bytes().all(|c| c.is_ascii_digit())
                } else {
                    (5..=9).contains(&number.len()) && number.bytes().all(|c| c.is_ascii_alphanumeric())
                };
                if !well_formed {
                    return Err(IdDocumentError::PassportNumber(masked_for_error(&number)));
                }
                Ok(IdDocument::Passport { country, number })
            }
        }
    }

    /// What the holder hash covers. National ID and resident certificate
    /// numbers share one numbering, so they share one namespace.
    pub fn canonical(&self) -> String {
        match self {
            IdDocument::NationalId { number } | IdDocument::ResidentCertificate { number } => {
                format!("TWID:{number}")
            }
            IdDocument::Passport { country, number } => format!("PASSPORT:{country}:{number}"),
        }
    }

    /// The document as a record keeps it: the kind and the number's ends
    /// only (`A12****789`, `TWN 30****789`).
    pub fn masked(&self) -> String {
        match self {
            IdDocument::NationalId { number } | IdDocument::ResidentCertificate { number } => mask_middle(number, 3, 3),
            IdDocument::Passport { country, number } => format!("{country} {}", mask_middle(number, 2, 3)),
        }
    }
}

impl fmt::Display for IdDocument {
    /// The masked form: a document is never shown whole.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// `keep_start` and `keep_end` characters shown, the rest as `*`; a short
/// text is all stars.
fn mask_middle(text: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len().max(4));
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_start || i >= chars.len() - keep_end {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// A wrong number in an error message: its ends only, so it can be logged.
fn masked_for_error(text: &str) -> String {
    mask_middle(text, 2, 2)
}

/// The letter's two-digit code in the national ID check (A = 10 … Z = 33,
/// in the order the household registration areas were numbered).
fn letter_code(letter: u8) -> u32 {
    const ORDER: &[u8; 26] = b"ABCDEFGHJKLMNPQRSTUVXYWZIO";
    ORDER.iter().position(|c| *c == letter).map_or(0, |i| 10 + i as u32)
}

/// The check shared by national IDs and resident certificates: the first
/// letter's code weighted 1 and 9, the next eight characters 8 down to 1 (an
/// old resident certificate's second letter counts as its code's last
/// digit), the check digit 1; the sum divisible by 10.
fn check_digit(number: &str) -> Result<(), IdDocumentError> {
    let b = number.as_bytes();
    let first = letter_code(b[0]);
    let second = if b[1].is_ascii_uppercase() {
        letter_code(b[1]) % 10
    } else {
        u32::from(b[1] - b'0')
    };
    let digits = std::iter::once(second).chain(b[2..].iter().map(|c| u32::from(c - b'0')));
    let weighted: u32 = digits.zip([8, 7, 6, 5, 4, 3, 2, 1, 1]).map(|(d, w)| d * w).sum();
    if (first / 10 + (first % 10) * 9 + weighted).is_multiple_of(10) {
        Ok(())
    } else {
        Err(IdDocumentError::CheckDigit(masked_for_error(number)))
    }
}

/// Why a holder hash cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolderHashError {
    #[error("the holder's ID check value is not an Argon2id PHC string: {0}")]
    Malformed(String),
    #[error(
        "the holder's ID check value costs {memory_kib} KiB and {passes} passes, less than this station accepts \
         ({} KiB, {} passes); ask central to hash it again", HOLDER_HASH_FLOOR.0, HOLDER_HASH_FLOOR.1
    )]
    TooCheap { memory_kib: u32, passes: u32 },
}

/// Hashes a checked document for central, with the person's own salt (at
/// least 16 random bytes) at the given cost.
pub fn hash_holder_id(document: &IdDocument, salt: &[u8], params: Params) -> Result<String, HolderHashError> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_with_salt(document.canonical().as_bytes(), salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HolderHashError::Malformed(e.to_string()))
}

/// Whether `document` (checked) is the one central hashed into `phc`. The
/// hash must be Argon2id at [`HOLDER_HASH_FLOOR`] or more.
pub fn is_holder(phc: &str, document: &IdDocument) -> Result<bool, HolderHashError> {
    let hash = PasswordHash::new(phc).map_err(|e| HolderHashError::Malformed(e.to_string()))?;
    if hash.algorithm != Algorithm::Argon2id.ident() {
        return Err(HolderHashError::Malformed(format!("algorithm {}", hash.algorithm)));
    }
    let params = Params::try_from(&hash).map_err(|e| HolderHashError::Malformed(e.to_string()))?;
    if params.m_cost() < HOLDER_HASH_FLOOR.0 || params.t_cost() < HOLDER_HASH_FLOOR.1 {
        return Err(HolderHashError::TooCheap {
            memory_kib: params.m_cost(),
            passes: params.t_cost(),
        });
    }
    Ok(Argon2::default()
        .verify_password(document.canonical().as_bytes(), &hash)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn national(number: &str) -> IdDocument {
        IdDocument::NationalId { number: number.into() }
    }

    #[test]
    fn national_ids_are_checked_by_their_check_digit() {
        // A123456789 is the specimen number printed in the household registration rules.
        assert_eq!(
            national(" a123456789 ").checked(),
            Ok(national("A123456789")),
            "trimmed and in capitals"
        );
        assert!(matches!(
            national("A123456788").checked(),
            Err(IdDocumentError::CheckDigit(_))
        ));
        assert!(matches!(
            national("A323456789").checked(),
            Err(IdDocumentError::NationalIdFormat(_))
        ));
        let err = national("A12345678").checked().expect_err("nine characters");
        assert!(!err.to_string().contains("3456"), "{err}");
    }

    #[test]
    fn resident_certificates_old_and_new_share_the_check() {
        let resident = |n: &str| IdDocument::ResidentCertificate { number: n.into() };
        // New (2021) numbers: second character 8 or 9.
        assert!(resident("A800000014").checked().is_ok());
        assert!(resident("A800000015").checked().is_err());
        // Old numbers: the second letter counts as its code's last digit (C = 12 → 2).
        assert!(resident("AC01234567").checked().is_ok());
        assert!(resident("AC01234568").checked().is_err());
        assert!(matches!(
            resident("A123456789").checked(),
            Err(IdDocumentError::ResidentFormat(_))
        ));
    }

    #[test]
    fn passports_are_checked_by_country_and_number() {
        let passport = |c: &str, n: &str| IdDocument::Passport {
            country: c.into(),
            number: n.into(),
        };
        assert_eq!(passport("twn", "300123789").checked(), Ok(passport("TWN", "300123789")));
        assert!(matches!(
            passport("TWN", "30012378A").checked(),
            Err(IdDocumentError::PassportNumber(_))
        ));
        assert!(passport("PHL", "P1234567A").checked().is_ok());
        assert!(matches!(
            passport("PH", "P1234567A").checked(),
            Err(IdDocumentError::PassportCountry(_))
        ));
        assert!(passport("VNM", "C12").checked().is_err());
        assert_eq!(passport("TWN", "300123789").masked(), "TWN 30****789");
    }

    #[test]
    fn the_hash_matches_its_own_document_only() {
        let holder = national("A123456789");
        let params = Params::new(HOLDER_HASH_FLOOR.0, HOLDER_HASH_FLOOR.1, 1, None).expect("params");
        let phc = hash_holder_id(&holder, b"sixteen-byte-salt", params).expect("a hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains("123456789"));
        assert_eq!(is_holder(&phc, &holder), Ok(true));
        assert_eq!(is_holder(&phc, &national("A223456788")), Ok(false));
        let same_number_as_resident = IdDocument::ResidentCertificate {
            number: "A123456789".into(),
        };
        assert_eq!(
            is_holder(&phc, &same_number_as_resident),
            Ok(true),
            "one numbering, one namespace"
        );
    }

    #[test]
    fn a_cheap_or_foreign_hash_is_refused() {
        let holder = national("A123456789");
        let cheap = hash_holder_id(
            &holder,
            b"sixteen-byte-salt",
            Params::new(256, 1, 1, None).expect("params"),
        )
        .expect("a hash");
        assert_eq!(
            is_holder(&cheap, &holder),
            Err(HolderHashError::TooCheap {
                memory_kib: 256,
                passes: 1
            })
        );
        assert!(matches!(
            is_holder("A123456789", &holder),
            Err(HolderHashError::Malformed(_))
        ));
    }
}
