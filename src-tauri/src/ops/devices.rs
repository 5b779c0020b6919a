//! What the use cases need from the devices a shell chose: the card on the
//! reader, the QR read off a printed card, and each exchange with a chip as
//! it happens.
//!
//! Why traits: a station's devices are chosen once, at start-up (PC/SC, or
//! the demo's virtual cards in a tray), and no use case asks which. What it
//! is not for: driving the devices (the driver crates do that) or watching
//! them (the app's device watchers).

use std::path::PathBuf;

use pass_reader::pcsc_reader::Readers;
use pass_reader::{ReaderError, Transport};
use serde::Serialize;

use crate::StationError;

/// A card on the station's reader, for one step.
pub type ReaderCard = Box<dyn Transport + Send>;

/// Where the station's cards come from.
pub trait CardSource: Send + Sync + std::fmt::Debug {
    /// The card to write `pass_id`'s chip on.
    fn card_to_encode(&self, pass_id: &str) -> Result<ReaderCard, StationError>;
    /// The card that should carry `pass_id`'s chip (the core checks it does).
    fn card_of(&self, pass_id: &str) -> Result<ReaderCard, StationError>;
    /// `virtual` (the demo's tray) or `pcsc`.
    fn kind(&self) -> &'static str;
    /// The readers a gate watches for cards, if this source has any.
    fn gate_readers(&self) -> Result<Option<Readers>, StationError>;
    /// Cards a person presents from the screen rather than on a reader (the demo's tray).
    fn on_screen(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The PC/SC reader the station works on: a named one, or the first with a card.
#[derive(Debug, Clone, Default)]
pub struct PcscReader {
    pub name: Option<String>,
}

impl PcscReader {
    fn card(&self) -> Result<ReaderCard, StationError> {
        Ok(Box::new(crate::chip::card_on_reader(self.name.as_deref())?))
    }
}

impl CardSource for PcscReader {
    fn card_to_encode(&self, _pass_id: &str) -> Result<ReaderCard, StationError> {
        self.card()
    }

    fn card_of(&self, _pass_id: &str) -> Result<ReaderCard, StationError> {
        self.card()
    }

    fn kind(&self) -> &'static str {
        "pcsc"
    }

    fn gate_readers(&self) -> Result<Option<Readers>, StationError> {
        Ok(Some(Readers::connect()?))
    }
}

/// Where a card's printed QR is read from.
#[derive(Debug, Clone)]
pub enum PrintedQr {
    /// The text itself, as a handheld scanner types it (`PP1:...`).
    Text(String),
    /// A photo of the card (PNG or JPEG bytes), such as one the user picked.
    Photo(Vec<u8>),
    /// A photo file.
    File(PathBuf),
    /// The webcam with this index, waited on for a readable QR.
    Camera(u32),
}

/// How long a webcam read waits for a readable QR.
#[cfg(feature = "webcam")]
const CAMERA_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

impl PrintedQr {
    /// The QR's text, or why none could be read.
    pub fn read(self) -> Result<String, StationError> {
        match self {
            PrintedQr::Text(text) => Ok(text.trim().to_owned()),
            PrintedQr::Photo(bytes) => crate::scan::credential_in_photo(&bytes, "the photo"),
            PrintedQr::File(path) => crate::scan::credential_in_image(&path),
            #[cfg(feature = "webcam")]
            PrintedQr::Camera(index) => crate::scan::credential_from_camera(index, CAMERA_WAIT),
            #[cfg(not(feature = "webcam"))]
            PrintedQr::Camera(_) => Err(StationError::NoWebcamSupport),
        }
    }
}

/// One exchange with a card being encoded: the n-th, what it was for, and
/// whether the card answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct EncodeStep {
    pub n: usize,
    pub step: ExchangeKind,
    pub ok: bool,
}

/// What an exchange with the card does, from its DESFire instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum ExchangeKind {
    Uid,
    Version,
    Select,
    Authenticate,
    CreateApplication,
    CreateFile,
    ChangeKey,
    Write,
    Commit,
    Read,
    Format,
    Other,
}

impl ExchangeKind {
    /// What a command APDU does, from its class and DESFire instruction byte.
    pub fn of(command: &[u8]) -> ExchangeKind {
        match command {
            [0xFF, 0xCA, ..] => ExchangeKind::Uid,
            [0x90, instruction, ..] => match instruction {
                0x60 | 0x51 => ExchangeKind::Version,
                0x5A => ExchangeKind::Select,
                0xAA | 0xAF => ExchangeKind::Authenticate,
                0xCA => ExchangeKind::CreateApplication,
                0xCB..=0xCD => ExchangeKind::CreateFile,
                0xC4 | 0x54 | 0x5C => ExchangeKind::ChangeKey,
                0x3D => ExchangeKind::Write,
                0xC7 => ExchangeKind::Commit,
                0xBD => ExchangeKind::Read,
                0xFC | 0xDA => ExchangeKind::Format,
                _ => ExchangeKind::Other,
            },
            _ => ExchangeKind::Other,
        }
    }
}

/// A card channel that reports each exchange as it happens.
pub(crate) struct Reporting<'a, T> {
    card: T,
    exchanges: usize,
    report: &'a mut dyn FnMut(EncodeStep),
}

impl<'a, T: Transport> Reporting<'a, T> {
    pub(crate) fn new(card: T, report: &'a mut dyn FnMut(EncodeStep)) -> Reporting<'a, T> {
        Reporting {
            card,
            exchanges: 0,
            report,
        }
    }
}

impl<T: Transport> Transport for Reporting<'_, T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        self.exchanges += 1;
        let answer = self.card.transmit(command);
        (self.report)(EncodeStep {
            n: self.exchanges,
            step: ExchangeKind::of(command),
            ok: answer.is_ok(),
        });
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::ExchangeKind;

    #[test]
    fn exchanges_are_named_by_their_instruction() {
        assert_eq!(ExchangeKind::of(&[0xFF, 0xCA, 0, 0, 0]), ExchangeKind::Uid);
        assert_eq!(
            ExchangeKind::of(&[0x90, 0xAA, 0, 0, 1, 0, 0]),
            ExchangeKind::Authenticate
        );
        assert_eq!(ExchangeKind::of(&[0x90, 0xC7, 0, 0, 0]), ExchangeKind::Commit);
        assert_eq!(ExchangeKind::of(&[0x00, 0xA4]), ExchangeKind::Other);
    }
}
