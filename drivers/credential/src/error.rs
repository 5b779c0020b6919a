//! The crate's one error type. A credential, trust list or hotlist that fails here
//! reaches a clerk or a gate officer, so each message says what is wrong and what to do.

use crate::kid::Kid;

/// Why a credential, key, trust list or hotlist could not be built, read or trusted.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(
        "the QR text does not start with \"PP2:\" or \"PP1:\", so it is not a port pass QR: scan the QR on the pass card"
    )]
    QrPrefix,
    #[error("the QR text is {len} characters, more than the {max} a port pass QR holds: not a port pass QR")]
    QrTooLong { len: usize, max: usize },
    #[error("the QR text is not valid base45 (damaged print or partial scan): scan again, or reprint the card")]
    QrBase45,
    #[error("the QR data does not decompress (damaged print or not a port pass QR): scan again, or reprint the card")]
    QrZlib,
    #[error("the QR data unpacks to more than {max} bytes: not a port pass credential")]
    QrInflatedTooLarge { max: usize },
    #[error("the text cannot be drawn as a QR code at level Q: {0}")]
    QrCode(String),
    #[error("the credential is {len} bytes, more than the {max} a port pass credential holds")]
    CredentialTooLarge { len: usize, max: usize },
    #[error(
        "the credential names {issuer} as its issuer, but its key is certified for {signer_office}: \
         not issued by a trusted office"
    )]
    IssuerNotSigner { issuer: String, signer_office: String },
    #[error("malformed {0}")]
    Malformed(String),
    #[error("refusing to sign: {0}")]
    InvalidClaims(String),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("key: {0}")]
    Key(String),
    #[error("the system random source failed, so no key was made: try again, and check the station's OS")]
    Random,
    #[error(
        "the {what} is signed by key {found}, not by the authority root key {expected} pinned at this station: \
         fetch it again, and check the configured root key"
    )]
    NotSignedByRoot {
        what: &'static str,
        found: Kid,
        expected: Kid,
    },
    #[error("the signature on the {what} does not verify (altered or damaged in transit): fetch it again")]
    BadSignature { what: &'static str },
    #[error(
        "the {what} is signed by key {found}, not by its station's certified key {expected}: \
         it was not made with the key that station enrolled with"
    )]
    NotSignedByStation {
        what: &'static str,
        found: Kid,
        expected: Kid,
    },
    #[error(
        "trust list sequence {offered} is older than the one held ({held}): refusing to go back to it; \
         fetch the current trust list"
    )]
    TrustListRollback { held: u64, offered: u64 },
    #[error(
        "hotlist gap: this station holds up to sequence {held} but the update starts after {from}: \
         fetch the hotlist from sequence {held}"
    )]
    HotlistGap { held: u64, from: u64 },
    #[error("the hotlist cache fails its checksum (damaged file): delete it and fetch the hotlist again")]
    CacheChecksum,
    #[error("the hotlist cache cannot be read ({0}): delete it and fetch the hotlist again")]
    CacheFormat(String),
}

pub(crate) type Result<T, E = CredentialError> = std::result::Result<T, E>;
