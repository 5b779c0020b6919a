//! An office day's closing report, signed with the station's own key, so
//! central (or an auditor, with any COSE library) can tell it came from the
//! station that closed the day and was not changed since.
//!
//! ```text
//! payload      = { 1 station_id: tstr, 2 office: tstr, 3 day: tstr (YYYY-MM-DD), 4 report: tstr (JSON) }
//! external_aad = "PP1 day report"
//! ```
//!
//! Why the report is JSON text inside the payload, not CBOR: the report is
//! what the supervisor reads and exports; signing its exact text lets anyone
//! check the file they hold byte for byte. Why the external AAD: the same key
//! signs credentials and audit heads; the AAD keeps each signature to its
//! purpose (see [`crate::audit_head`]).
//!
//! Not here: what the report says or how it is counted (the station).

use ciborium::value::Value;

use crate::error::Result;
use crate::keys::{PublicKey, SigningKey};
use crate::sign::{Signed, sign_map_bound};

const WHAT: &str = "day report";
/// Binds a report's signature to its purpose (RFC 9052 §4.3).
const EXTERNAL_AAD: &[u8] = b"PP1 day report";

/// A closed office day's report, as the station signs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReport {
    pub station_id: String,
    /// The card office (port code).
    pub office: String,
    /// The office day, `YYYY-MM-DD` (Taiwan time).
    pub day: String,
    /// The report itself, as JSON text.
    pub report: String,
}

impl DayReport {
    /// Signs the report with the station's key: tagged COSE_Sign1 bytes.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>> {
        let payload = [
            (1, Value::Text(self.station_id.clone())),
            (2, Value::Text(self.office.clone())),
            (3, Value::Text(self.day.clone())),
            (4, Value::Text(self.report.clone())),
        ];
        sign_map_bound(payload, key, EXTERNAL_AAD)
    }

    /// Reads a signed report, accepting it only if `station_key` signed it as a report.
    pub fn verify(bytes: &[u8], station_key: &PublicKey) -> Result<DayReport> {
        let mut map = Signed::open_station_signed(bytes, station_key, EXTERNAL_AAD, WHAT)?;
        let report = DayReport {
            station_id: map.required(1, "station_id")?.text()?,
            office: map.required(2, "office")?.text()?,
            day: map.required(3, "day")?.text()?,
            report: map.required(4, "report")?.text()?,
        };
        map.finish()?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CredentialError;
    use crate::audit_head::AuditHead;
    use crate::keys::Algorithm;

    fn report() -> DayReport {
        DayReport {
            station_id: "st-1".into(),
            office: "TWKEL".into(),
            day: "2026-12-01".into(),
            report: r#"{"printed":12,"spoiled":1}"#.into(),
        }
    }

    #[test]
    fn a_report_verifies_under_its_station_key_only() {
        let key = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let signed = report().sign(&key).expect("signed");
        assert_eq!(DayReport::verify(&signed, &key.public()).expect("verifies"), report());
        let other = SigningKey::generate(Algorithm::EdDsa).expect("key");
        assert!(matches!(
            DayReport::verify(&signed, &other.public()),
            Err(CredentialError::NotSignedByStation { .. })
        ));
    }

    #[test]
    fn a_report_is_never_an_audit_head() {
        let key = SigningKey::generate(Algorithm::EdDsa).expect("key");
        let head = AuditHead {
            station_id: "st-1".into(),
            seq: 1,
            hash: "ab".repeat(32),
        }
        .sign(&key)
        .expect("signed");
        assert!(DayReport::verify(&head, &key.public()).is_err());
        let signed = report().sign(&key).expect("signed");
        assert!(AuditHead::verify(&signed, &key.public()).is_err());
    }
}
