//! A virtual MIFARE DESFire EV1 card, for tests and demos without a physical card.
//!
//! What this crate is for:
//! - [`card`]: the card, answering ISO 7816-4 wrapped DESFire EV1 commands as
//!   the public documents describe them (card and application levels, AES
//!   and DES keys, EV1 secure messaging, backup files with commit), with
//!   knobs for tearing (leaving the field after a number of APDUs) and
//!   latency; in-process it is a [`pass_reader::Transport`];
//! - [`memory`]: what it keeps when off, saved to a file, and the starting
//!   states blank, foreign and issued (the last made by the card, in [`card`]);
//! - [`vpcd`]: the client for pcscd's vpcd driver, which makes the card
//!   appear in the virtual reader "Virtual PCD 00 00" (TCP 35963 on loopback);
//! - [`lab`] (feature `lab`): a pcscd with the vpcd driver started for a test,
//!   and cards presented to its reader;
//! - the `vcard` command, which runs one card against vpcd.
//!
//! What it is not for: holding real secrets or standing in for a card in
//! production. It knows nothing of what the credential in its files means.

pub mod card;
mod error;
#[cfg(feature = "lab")]
pub mod lab;
pub mod memory;
pub mod vpcd;

pub use card::{Answer, VirtualCard};
pub use error::VcardError;
pub use memory::{CardMemory, Cipher};
