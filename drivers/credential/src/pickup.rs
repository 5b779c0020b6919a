//! The pick-up code: central's signed word that a company's named delegate
//! (代理人) may collect one released card, checked at the counter offline.
//!
//! ```text
//! payload      = { 1 code_id: bstr .size 16, 2 office: tstr, 3 pass_id: tstr,
//!                  4 version: uint, 5 delegate: tstr, 6 company tax ID: tstr,
//!                  7 issued_at: int, 8 expires_at: int }
//! external_aad = "PP1 pick-up code"
//! text         = "PK1:" + base32(COSE_Sign1)   (RFC 4648, no padding)
//! ```
//!
//! Why it works this way:
//! - Central signs it when a card is released and sends it to the delegate
//!   (SMS or e-mail) as text and QR. The station checks the signature against
//!   the trust list's pick-up signers, which it already holds for the gate,
//!   so a code works at a counter with no network.
//! - The pick-up signers are a list of their own: a pick-up key is never a
//!   credential signer, and the external AAD binds each signature to its
//!   purpose besides, so a code never verifies as a credential nor one as a
//!   code.
//! - Its text is base32, letters and digits only: a code is typed from an
//!   SMS as often as scanned, and base45's space and symbols would not
//!   survive a phone's text or a trimmed field. Spaces, dashes and lower
//!   case are forgiven when it is read.
//! - It names one pass at one version: a reprint (a new version) needs a new
//!   code, and a code for one card never opens another.
//! - Single use is the station's to keep (it records each code it accepts,
//!   and tells central); the code itself only says what it authorises and
//!   until when.
//!
//! Not here: issuing codes and sending them (central), or recording their use
//! and deciding a hand-over (the station).

use ciborium::value::Value;
use time::OffsetDateTime;

use crate::cbor;
use crate::error::{CredentialError, Result};
use crate::keys::SigningKey;
use crate::sign::{Signed, sign_map_bound};
use crate::trust::{SignerStatus, TrustList};

const WHAT: &str = "pick-up code";
/// Binds a code's signature to its purpose (RFC 9052 §4.3).
const EXTERNAL_AAD: &[u8] = b"PP1 pick-up code";
/// How a pick-up code's text begins.
pub const PICKUP_PREFIX: &str = "PK1:";
/// Longer than any code central writes; a longer text is not read.
const MAX_TEXT_LEN: usize = 1024;

/// What a pick-up code authorises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupCode {
    /// Random; the station records it when the code is used.
    pub code_id: [u8; 16],
    /// The card office where the card waits.
    pub office: String,
    pub pass_id: String,
    /// The pass version whose card was released.
    pub version: u32,
    /// The delegate's name, as the company named them.
    pub delegate: String,
    /// The company that named the delegate.
    pub company_tax_id: String,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Why a pick-up code does not authorise anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickupError {
    #[error("this is not a pick-up code (it does not start with \"PK1:\"): scan the code from the delegate's message")]
    NotACode,
    #[error("the pick-up code is damaged or incomplete ({0}): scan it again, or type it from the message")]
    Malformed(String),
    #[error("the pick-up code was not signed by a pick-up key central certified: it is forged or from elsewhere")]
    UnknownSigner,
    #[error("the pick-up code's key was revoked by central: ask the company for a new code")]
    SignerRevoked,
    #[error("the pick-up code's signature does not verify: the code was altered")]
    BadSignature,
    #[error("the pick-up code expired at {0}: ask the company to have central send a new one")]
    Expired(String),
}

impl PickupCode {
    /// Signs the code with central's pick-up key: the text to send.
    pub fn sign(&self, key: &SigningKey) -> Result<String> {
        let payload = [
            (1, Value::Bytes(self.code_id.to_vec())),
            (2, Value::Text(self.office.clone())),
            (3, Value::Text(self.pass_id.clone())),
            (4, Value::Integer(self.version.into())),
            (5, Value::Text(self.delegate.clone())),
            (6, Value::Text(self.company_tax_id.clone())),
            (7, cbor::numeric_date(self.issued_at)),
            (8, cbor::numeric_date(self.expires_at)),
        ];
        let cose = sign_map_bound(payload, key, EXTERNAL_AAD)?;
        Ok(format!("{PICKUP_PREFIX}{}", data_encoding::BASE32_NOPAD.encode(&cose)))
    }

    /// Reads a code's text and checks it: signed by a pick-up signer of
    /// `trust`, which was neither revoked nor out of its period when the
    /// code was issued, and not expired at `now`.
    pub fn verify(text: &str, trust: &TrustList, now: OffsetDateTime) -> std::result::Result<PickupCode, PickupError> {
        let text: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let encoded = text.strip_prefix(PICKUP_PREFIX).ok_or(PickupError::NotACode)?;
        if text.len() > MAX_TEXT_LEN {
            return Err(PickupError::Malformed(format!("{} characters", text.len())));
        }
        let cose = data_encoding::BASE32_NOPAD
            .decode(encoded.as_bytes())
            .map_err(|e| PickupError::Malformed(format!("not base32: {e}")))?;
        let malformed = |e: CredentialError| PickupError::Malformed(e.to_string());
        let signed = Signed::parse(&cose, WHAT).map_err(malformed)?;
        let signer = trust
            .find_pickup_signer(&signed.kid)
            .ok_or(PickupError::UnknownSigner)?;
        if !signed.is_signed_by_bound(&signer.public_key, EXTERNAL_AAD) {
            return Err(PickupError::BadSignature);
        }
        let code = PickupCode::from_payload(signed.payload()).map_err(malformed)?;
        if signer.status == SignerStatus::Revoked || !(signer.valid_from..=signer.valid_to).contains(&code.issued_at) {
            return Err(PickupError::SignerRevoked);
        }
        if now >= code.expires_at {
            return Err(PickupError::Expired(code.expires_at.to_string()));
        }
        Ok(code)
    }

    fn from_payload(payload: &[u8]) -> Result<PickupCode> {
        let mut map = cbor::IntMap::new(cbor::decode(payload, WHAT)?, WHAT)?;
        let code_id = map.required(1, "code_id")?.bytes()?;
        let code = PickupCode {
            code_id: code_id
                .try_into()
                .map_err(|_| CredentialError::Malformed(format!("{WHAT}: code_id is not 16 bytes")))?,
            office: map.required(2, "office")?.text()?,
            pass_id: map.required(3, "pass_id")?.text()?,
            version: map.required(4, "version")?.uint()?,
            delegate: map.required(5, "delegate")?.text()?,
            company_tax_id: map.required(6, "company tax ID")?.text()?,
            issued_at: map.required(7, "issued_at")?.numeric_date()?,
            expires_at: map.required(8, "expires_at")?.numeric_date()?,
        };
        map.finish()?;
        Ok(code)
    }

    /// The code's ID as the station records it: lower-case hex.
    pub fn id_hex(&self) -> String {
        hex::encode(self.code_id)
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;
    use crate::keys::Algorithm;
    use crate::trust::SignerEntry;
    use crate::{PassClaims, Verifier};

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_790_000_000 + seconds).expect("a time")
    }

    fn code() -> PickupCode {
        PickupCode {
            code_id: [7; 16],
            office: "TWKEL".into(),
            pass_id: "KEL-2026-000001".into(),
            version: 1,
            delegate: "林小美".into(),
            company_tax_id: "22099131".into(),
            issued_at: at(0),
            expires_at: at(0) + Duration::days(30),
        }
    }

    fn entry(key: &SigningKey, status: SignerStatus) -> SignerEntry {
        SignerEntry {
            public_key: key.public(),
            office: "*".into(),
            valid_from: at(-1000),
            valid_to: at(1_000_000_000),
            status,
        }
    }

    fn trusting(pickup_signers: Vec<SignerEntry>, signers: Vec<SignerEntry>) -> TrustList {
        TrustList {
            sequence: 1,
            issued_at: at(0),
            signers,
            pickup_signers,
        }
    }

    #[test]
    fn a_code_verifies_under_a_pick_up_signer_until_it_expires() {
        let key = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let text = code().sign(&key).expect("signed");
        assert!(text.starts_with(PICKUP_PREFIX));
        assert!(text.len() < 300, "{} characters", text.len());
        let trust = trusting(vec![entry(&key, SignerStatus::Active)], vec![]);
        assert_eq!(PickupCode::verify(&text, &trust, at(60)), Ok(code()));
        let typed = format!(
            " pk1:{} ",
            text[4..]
                .to_lowercase()
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        );
        assert_eq!(
            PickupCode::verify(&typed, &trust, at(60)),
            Ok(code()),
            "typed in groups, lower case"
        );
        assert!(matches!(
            PickupCode::verify(&text, &trust, at(0) + Duration::days(30)),
            Err(PickupError::Expired(_))
        ));
        let revoked = trusting(vec![entry(&key, SignerStatus::Revoked)], vec![]);
        assert_eq!(
            PickupCode::verify(&text, &revoked, at(60)),
            Err(PickupError::SignerRevoked)
        );
    }

    #[test]
    fn a_credential_signer_cannot_issue_codes_nor_a_pick_up_key_credentials() {
        let station = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let forged = code().sign(&station).expect("signed");
        let mut station_entry = entry(&station, SignerStatus::Active);
        station_entry.office = "TWKEL".into();
        let trust = trusting(vec![], vec![station_entry]);
        assert_eq!(
            PickupCode::verify(&forged, &trust, at(60)),
            Err(PickupError::UnknownSigner)
        );

        let pickup = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let claims = PassClaims {
            issuer: "*".into(),
            pass_id: "KEL-2026-000001".into(),
            version: 1,
            print: 1,
            kind: crate::PassKind::Vehicle,
            holder: "ABC-1234".into(),
            company_tax_id: "22099131".into(),
            ports: vec!["TWKEL".into()],
            valid_from: at(-100),
            valid_to: at(1_000_000),
            issued_at: at(0),
            card_uid: None,
            photo_sha256: None,
        };
        let credential = crate::sign(&claims, &pickup).expect("signed");
        let root = SigningKey::generate(Algorithm::EdDsa).expect("root");
        let mut verifier = Verifier::new(root.public());
        let list = trusting(vec![entry(&pickup, SignerStatus::Active)], vec![]);
        verifier
            .load_trust_list(&list.sign(&root).expect("signed list"))
            .expect("the list loads");
        let verdict = verifier.verify_qr(&crate::to_qr_text(&credential), at(60), None);
        assert_eq!(verdict.outcome, Err(crate::Reason::UnknownSigner));
    }

    #[test]
    fn an_altered_or_foreign_text_is_refused() {
        let key = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let trust = trusting(vec![entry(&key, SignerStatus::Active)], vec![]);
        let mut altered = code();
        altered.pass_id = "KEL-2026-000002".into();
        let good = code().sign(&key).expect("signed");
        let other = altered.sign(&key).expect("signed");
        // The other code's payload under the first code's signature.
        let cut = good.len() - 100;
        let spliced = format!("{}{}", &other[..cut], &good[cut..]);
        assert!(matches!(
            PickupCode::verify(&spliced, &trust, at(60)),
            Err(PickupError::BadSignature | PickupError::Malformed(_))
        ));
        assert_eq!(
            PickupCode::verify("PP2:6BFOXN", &trust, at(60)),
            Err(PickupError::NotACode)
        );
        assert!(matches!(
            PickupCode::verify("PK1:!!", &trust, at(60)),
            Err(PickupError::Malformed(_))
        ));
    }
}
