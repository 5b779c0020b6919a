//! Contactless cards for the card office: PC/SC readers, MIFARE DESFire EV1
//! AES, and the personalisation of one card.
//!
//! What this crate is for:
//! - [`pcsc_reader`] (feature `pcsc`, on by default): the readers on this
//!   machine, a watcher thread reporting readers and cards coming and going,
//!   and a connection to the card in a reader;
//! - [`Transport`]: an APDU out, its answer back, whatever carries it;
//! - [`desfire`]: the DESFire EV1 native commands in ISO 7816-4 wrapping,
//!   with EV1 AES authentication, CMAC secure messaging and enciphered files;
//! - [`diversify`]: per-card AES keys from office master keys (NXP AN10922);
//! - [`mod@personalise`]: telling blank, own and foreign cards apart, writing a
//!   credential and the holder's photo to one card so that an interrupted
//!   attempt is completed by the next, and reading them back with the read key.
//!
//! What it is not for: what the credential says or how it is signed. The
//! credential and the photo are opaque bytes here, and the crate knows nothing of passes,
//! stations or clerks beyond wording its errors for the person at the reader.

pub mod desfire;
pub mod diversify;
mod error;
#[cfg(feature = "pcsc")]
pub mod pcsc_reader;
pub mod personalise;
mod transport;

pub use error::ReaderError;
pub use personalise::{
    CardKind, ChipContents, ChipLayout, CredentialFor, GateKeys, GateReading, OfficeKeys, Personalised, classify,
    personalise, read_as_gate, read_credential,
};
pub use transport::Transport;
