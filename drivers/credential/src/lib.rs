//! The signed port-pass credential, printed as a QR code and written to the chip,
//! and its offline verification at the gate.
//!
//! A credential is a CWT claims map (RFC 8392) signed as COSE_Sign1 (RFC 9052),
//! EdDSA by default or ES256, after the EU Digital COVID Certificate, so any COSE
//! library can check it. Printed, it is `PP2:` + base45 of the COSE bytes; on the
//! chip it is the COSE bytes bound to the card UID.
//!
//! - [`claims`]: what a credential says ([`PassClaims`]).
//! - [`keys`] and [`sign`](mod@sign): station and authority keys, and signing.
//! - [`pickup`]: central's signed pick-up code for a company's delegate.
//! - [`qr`]: the QR text and QR code sizing.
//! - [`trust`]: the authority-signed list of station keys.
//! - [`hotlist`]: revoked pass versions, prints and chips, with why, fetched incrementally.
//! - [`audit_head`]: a station's audit trail head, signed with its key, for central to keep.
//! - [`day_report`]: an office day's closing report, signed with the station's key.
//! - [`verify`]: the gate's verdict, with one reason and an action for the officer.
//!
//! Not here: the station (issuing, storage, sync transport), the chip protocol
//! (the reader driver reads and writes the bytes), key storage and distribution
//! (callers read and write the PKCS#8 and COSE_Key bytes), and drawing the QR
//! code (the printer driver renders the [`qrcode::QrCode`]).

pub mod audit_head;
mod cbor;
pub mod claims;
pub mod day_report;
mod error;
pub mod hotlist;
pub mod keys;
mod kid;
pub mod pickup;
pub mod qr;
pub mod sign;
pub mod trust;
pub mod verify;

pub use audit_head::AuditHead;
pub use claims::{PassClaims, PassKind};
pub use error::CredentialError;
pub use hotlist::{Hotlist, HotlistDelta, Revocation, RevokedPass, RevokedPrint, VoidedCard};
pub use keys::{Algorithm, Kid, PublicKey, SigningKey};
pub use pickup::{PICKUP_PREFIX, PickupCode, PickupError};
pub use qr::{SPECIMEN_PREFIX, from_qr_text, qr_code, qr_version, specimen_text, to_qr_text};
pub use sign::sign;
pub use trust::{SignerEntry, SignerStatus, TrustList};
pub use verify::{Lang, Reason, Verdict, Verifier, Warning};
