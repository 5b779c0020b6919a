//! The one thing the DESFire protocol needs from a card: an APDU out, its answer back.
//!
//! Keeping it a trait lets the same protocol and personalisation code run
//! against a card in a PC/SC reader and, in tests, against a virtual card in
//! the same process.

use crate::ReaderError;

/// A channel to one card.
pub trait Transport {
    /// Sends one command APDU and returns the whole response APDU, status word included.
    /// A card that left the reader is [`ReaderError::CardRemoved`].
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        (**self).transmit(command)
    }
}

/// A card lent for one step stays with its owner, who may present it again.
impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        (**self).transmit(command)
    }
}

/// The UID as the reader reports it: the PC/SC pseudo-APDU `FF CA 00 00 00`.
pub fn reader_uid<T: Transport + ?Sized>(transport: &mut T) -> Result<Vec<u8>, ReaderError> {
    match transport.transmit(&[0xFF, 0xCA, 0x00, 0x00, 0x00])?.as_slice() {
        [uid @ .., 0x90, 0x00] if !uid.is_empty() => Ok(uid.to_vec()),
        _ => Err(ReaderError::BadResponse {
            command: "reading the card number",
            what: "no UID",
        }),
    }
}
