//! The crate's one error type, worded for the clerk at the reader.
//!
//! Every failure, from PC/SC, from the card's status byte or from a check of
//! the card's answer, becomes one of these, and each message says what to do
//! next. Keys never appear in them.

use crate::desfire::status;

#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    #[error("the smart-card service is not running: start pcscd (Debian package pcscd) and try again")]
    NoService,
    #[error("no card reader is connected: plug the reader in and try again")]
    NoReader,
    #[error("reader \"{reader}\" is gone: plug it back in, or choose another reader")]
    ReaderGone { reader: String },
    #[error("no card on reader \"{reader}\": put the card on the reader")]
    NoCard { reader: String },
    #[error(
        "the card left the reader during the operation: put it back and try again \
         (an interrupted write is never left half-done on the card)"
    )]
    CardRemoved,
    #[error("the card reader failed to {operation} ({detail}): unplug and replug the reader, then try again")]
    Pcsc { operation: &'static str, detail: String },
    #[error("this card was set up by another issuer: set it aside and use a new card; it has not been changed")]
    ForeignCard,
    #[error(
        "the card's own number is not the one the reader reports (a card with random IDs, or a misread): \
         it cannot be issued and has not been changed; try again, and if it repeats use another card"
    )]
    UidMismatch,
    #[error("the credential for card {uid} could not be made ({detail}); nothing was written to the card")]
    CredentialNotMade { uid: String, detail: String },
    #[error(
        "the card refused our key ({command}): it is not one of ours, or was issued with other \
         office keys; set it aside and report it"
    )]
    AuthenticationFailed { command: &'static str },
    #[error("the card's memory is full ({command}): use a new card")]
    CardFull { command: &'static str },
    #[error("the card does not allow {command} with this key: it is set up differently from ours; set it aside")]
    PermissionDenied { command: &'static str },
    #[error(
        "the card's answer to {command} did not check out (integrity error): hold the card still \
         on the reader and try again; if it repeats, use another card"
    )]
    IntegrityError { command: &'static str },
    #[error("the card has no application {aid}: it was never issued here; issue it first")]
    NoSuchApplication { aid: String },
    #[error("the card holds no credential: its issue was never finished; issue it again")]
    NoCredential,
    #[error(
        "the card answered {command} with status 0x{status:02X} ({meaning}): try again; \
         if it repeats, use another card"
    )]
    CardStatus {
        command: &'static str,
        status: u8,
        meaning: &'static str,
    },
    #[error("the card's answer to {command} is malformed ({what}): hold the card still and try again")]
    BadResponse { command: &'static str, what: &'static str },
    #[error(
        "the credential read back from the card differs from what was written: the chip is faulty; use another card"
    )]
    VerifyMismatch,
    #[error(
        "the credential ({len} bytes) does not fit the chip file ({capacity} bytes): \
         the chip layout needs a larger file"
    )]
    CredentialTooLarge { len: usize, capacity: usize },
    #[error(
        "the card has {free} bytes free, and the credential and photo files need {needed}: use a DESFire card \
         of {suffices} or more; nothing was written to this one"
    )]
    CardTooSmall {
        free: u32,
        needed: u32,
        suffices: &'static str,
    },
    #[error("the chip layout is invalid ({what}): correct the station's chip settings")]
    InvalidLayout { what: &'static str },
    #[error("internal cryptography failure ({what}): report this to IT support")]
    Crypto { what: &'static str },
}

impl ReaderError {
    /// The error for a DESFire status byte other than success or "additional frame".
    pub(crate) fn from_status(command: &'static str, code: u8) -> Self {
        match code {
            status::AUTHENTICATION_ERROR => ReaderError::AuthenticationFailed { command },
            status::OUT_OF_EEPROM => ReaderError::CardFull { command },
            status::PERMISSION_DENIED => ReaderError::PermissionDenied { command },
            status::INTEGRITY_ERROR => ReaderError::IntegrityError { command },
            _ => ReaderError::CardStatus {
                command,
                status: code,
                meaning: status::meaning(code),
            },
        }
    }
}

#[cfg(feature = "pcsc")]
impl ReaderError {
    /// The error for a failed PC/SC call; `operation` says what was being done.
    pub(crate) fn from_pcsc(operation: &'static str, error: pcsc::Error) -> Self {
        use pcsc::Error as E;
        match error {
            E::RemovedCard | E::ResetCard | E::NoSmartcard | E::UnpoweredCard | E::UnresponsiveCard => {
                ReaderError::CardRemoved
            }
            E::NoService | E::ServiceStopped => ReaderError::NoService,
            E::NoReadersAvailable => ReaderError::NoReader,
            other => ReaderError::Pcsc {
                operation,
                detail: other.to_string(),
            },
        }
    }
}
