//! The station's devices: what the use cases need from those a shell chose
//! (the card on the reader, the QR read off a printed card, each exchange
//! with a chip as it happens), and the use cases of setting them up: the
//! printers, readers and cameras there are, the administrator's choice of
//! them (kept in `station.json`), a test card printed and a card read.
//!
//! Why traits: no use case asks which devices a shell chose (PC/SC, or the
//! demo's virtual cards in a tray); the shell hands in the one in use, and
//! swaps it when the choice changes. What it is not for: driving the
//! devices (the driver crates do that) or watching them (the app's device
//! watchers).

use std::path::{Path, PathBuf};

use pass_printer::{CupsQueue, PrintFormat, PrintTarget, Printed};
use pass_reader::pcsc_reader::Readers;
use pass_reader::{CardKind, ReaderError, Transport};
use serde::Serialize;

use super::allowed;
use crate::auth::{Duty, Session};
use crate::error::ErrorView;
use crate::station::{CameraChoice, DeviceChoices};
use crate::{Station, StationError};

/// The devices this station could use, and those chosen. A kind of device
/// that cannot be listed (CUPS or pcscd not running) says why, and the others
/// are still listed.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DevicesView {
    /// What `station.json` holds.
    pub chosen: DeviceChoices,
    /// The CUPS queues, each with what would stop a job, if anything.
    pub printers: Vec<PrinterView>,
    pub printer_problem: Option<ErrorView>,
    /// The PC/SC readers pcscd knows.
    pub readers: Vec<String>,
    pub reader_problem: Option<ErrorView>,
    /// The webcams, and the folder of pictures played as a camera, if any.
    pub cameras: Vec<CameraView>,
    pub camera_problem: Option<ErrorView>,
}

/// One CUPS queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PrinterView {
    pub name: String,
    /// Why a job sent now would not print (the printer's words), if so.
    pub problem: Option<String>,
}

/// One camera a screen could watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CameraView {
    pub choice: CameraChoice,
    /// The system's name for a webcam; the folder for pictures.
    pub name: String,
}

/// Lists the printers, readers and cameras there are, and those chosen.
/// `frames` is a folder of pictures the shell can play as a camera (the
/// demo's), if it has one.
pub fn list(station: &mut Station, session: &Session, frames: Option<&Path>) -> Result<DevicesView, StationError> {
    allowed(station, session, Duty::Read)?;
    let (printers, printer_problem) = listed(CupsQueue::new("").list().map_err(StationError::from), |queue| {
        PrinterView {
            name: queue.name,
            problem: queue.problem,
        }
    });
    let (readers, reader_problem) = listed(
        Readers::connect()
            .and_then(|readers| readers.list())
            .map_err(StationError::from),
        |name| name,
    );
    let (mut cameras, camera_problem) = listed(webcams(), |camera| camera);
    if let Some(dir) = frames {
        cameras.push(CameraView {
            choice: CameraChoice::Frames {
                dir: dir.display().to_string(),
            },
            name: dir.display().to_string(),
        });
    }
    Ok(DevicesView {
        chosen: station.config().devices.clone(),
        printers,
        printer_problem,
        readers,
        reader_problem,
        cameras,
        camera_problem,
    })
}

/// Where cards print: the queue or folder given for this run (the command
/// line), else the queue chosen in `station.json`, else the PDF folder
/// `folder`.
pub fn print_target(station: &Station, queue: Option<String>, pdf: Option<PathBuf>, folder: &Path) -> PrintTarget {
    chosen_print_target(&station.config().devices, queue, pdf, folder)
}

/// [`print_target`] from the devices `chosen` (a station not enrolled yet has chosen none).
pub fn chosen_print_target(
    chosen: &DeviceChoices,
    queue: Option<String>,
    pdf: Option<PathBuf>,
    folder: &Path,
) -> PrintTarget {
    match (queue, pdf, &chosen.printer) {
        (Some(queue), _, _) => PrintTarget::Cups(CupsQueue::new(queue)),
        (None, Some(dir), _) => PrintTarget::Folder(pass_printer::PdfFolder::new(dir)),
        (None, None, Some(queue)) => PrintTarget::Cups(CupsQueue::new(queue.as_str())),
        (None, None, None) => PrintTarget::Folder(pass_printer::PdfFolder::new(folder)),
    }
}

/// The PC/SC reader to work on: the one given for this run (the command
/// line), else the one chosen in `station.json`, else the first with a card.
pub fn pcsc_reader(station: &Station, given: Option<String>) -> PcscReader {
    chosen_pcsc_reader(&station.config().devices, given)
}

/// [`pcsc_reader`] from the devices `chosen`.
pub fn chosen_pcsc_reader(chosen: &DeviceChoices, given: Option<String>) -> PcscReader {
    PcscReader::new(given.or_else(|| chosen.reader.clone()))
}

/// The items of a listing, or none and why.
fn listed<T, V>(listing: Result<Vec<T>, StationError>, view: impl Fn(T) -> V) -> (Vec<V>, Option<ErrorView>) {
    match listing {
        Ok(items) => (items.into_iter().map(view).collect(), None),
        Err(e) => (Vec::new(), Some(ErrorView::from(&e))),
    }
}

#[cfg(feature = "webcam")]
fn webcams() -> Result<Vec<CameraView>, StationError> {
    Ok(pass_camera::list_webcams()?
        .into_iter()
        .map(|camera| CameraView {
            choice: CameraChoice::Webcam { index: camera.index },
            name: camera.name,
        })
        .collect())
}

#[cfg(not(feature = "webcam"))]
fn webcams() -> Result<Vec<CameraView>, StationError> {
    Err(StationError::NoWebcamSupport)
}

/// Keeps `choices` as the station's devices (an administrator's duty), in
/// `station.json`. A printer must be a queue CUPS knows (a stopped one may be
/// chosen: it is a fault to clear, not a wrong name); a folder played as a
/// camera must exist. Readers come and go, so any name is kept.
pub fn choose(
    station: &mut Station,
    session: &Session,
    choices: &DeviceChoices,
) -> Result<DeviceChoices, StationError> {
    allowed(station, session, Duty::Administer)?;
    if let Some(queue) = &choices.printer {
        match CupsQueue::new(queue.as_str()).check() {
            Ok(())
            | Err(
                pass_printer::PrinterError::QueueStopped { .. } | pass_printer::PrinterError::QueueRejecting { .. },
            ) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(CameraChoice::Frames { dir }) = &choices.camera
        && !Path::new(dir).is_dir()
    {
        return Err(StationError::Usage(format!(
            "there is no folder {dir} to play as the camera; choose another camera"
        )));
    }
    station.set_devices(choices)?;
    Ok(choices.clone())
}

/// Where a test card went.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TestPrintView {
    /// The CUPS job, when printed through CUPS.
    pub job: Option<u32>,
    /// The files written, when printed to a folder.
    pub files: Vec<String>,
}

/// Prints a specimen card (marked SPECIMEN, its QR no credential, no pass's
/// data on it) to `target`, to try the printer; nothing is recorded.
pub fn print_test_card(
    station: &mut Station,
    session: &Session,
    target: &PrintTarget,
) -> Result<TestPrintView, StationError> {
    allowed(station, session, Duty::Administer)?;
    let document = crate::printing::test_card_document(&station.config().office, crate::printing::template(false))?;
    if let PrintTarget::Folder(folder) = target {
        crate::station::create_private_dir(&folder.dir, "make the printer's folder private")?;
    }
    Ok(match target.print(&document, PrintFormat::Pdf)? {
        Printed::Job(job) => TestPrintView {
            job: Some(job),
            files: Vec::new(),
        },
        Printed::Files(files) => TestPrintView {
            job: None,
            files: files.iter().map(|f| f.display().to_string()).collect(),
        },
    })
}

/// What a card on the reader turned out to be, for the person setting up the
/// station.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TestReadView {
    /// `blank` (ready to write), `ours` (a card this office wrote),
    /// `foreign` (another system's card) or `unreadable`.
    pub kind: String,
    /// The card's UID, upper-case hex, when it could be read.
    pub card_uid: Option<String>,
    /// The pass a card of ours was written for.
    pub pass_id: Option<String>,
    /// Why the card could not be read, for `unreadable`.
    pub problem: Option<ErrorView>,
}

/// Reads the card on the reader and says what it is, without logging a
/// check: a card the chip cannot be read from is `unreadable`, with why.
pub fn read_test_card(
    station: &mut Station,
    session: &Session,
    mut card: &mut dyn Transport,
) -> Result<TestReadView, StationError> {
    allowed(station, session, Duty::Administer)?;
    let now = station.now();
    Ok(match station.read_card(&mut card, now, None) {
        Ok(reading) => TestReadView {
            kind: match reading.kind {
                CardKind::Blank => "blank",
                CardKind::Ours => "ours",
                CardKind::Foreign => "foreign",
            }
            .to_owned(),
            card_uid: Some(reading.card_uid),
            pass_id: reading.verdict.and_then(|v| v.claims).map(|claims| claims.pass_id),
            problem: None,
        },
        Err(e @ StationError::Card(_)) => TestReadView {
            kind: "unreadable".to_owned(),
            card_uid: None,
            pass_id: None,
            problem: Some(ErrorView::from(&e)),
        },
        Err(e) => return Err(e),
    })
}

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
    /// The card on the reader, whatever it is, to say what it is (a test read).
    fn any_card(&self) -> Result<ReaderCard, StationError>;
    /// Uses the PC/SC reader `name` from now on (`None`: the first with a
    /// card); a source with no PC/SC reader ignores it.
    fn choose_reader(&self, _name: Option<String>) {}
    /// The PC/SC reader in use, when one is named.
    fn reader_name(&self) -> Option<String> {
        None
    }
}

/// The PC/SC reader the station works on: a named one, or the first with a
/// card; the name can change while the station runs (a choice in Settings).
#[derive(Debug, Default)]
pub struct PcscReader {
    name: std::sync::Mutex<Option<String>>,
}

impl PcscReader {
    pub fn new(name: Option<String>) -> PcscReader {
        PcscReader {
            name: std::sync::Mutex::new(name),
        }
    }

    /// The reader in use: its name, or `None` for the first with a card.
    pub fn name(&self) -> Option<String> {
        self.name
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn card(&self) -> Result<ReaderCard, StationError> {
        Ok(Box::new(crate::chip::card_on_reader(self.name().as_deref())?))
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

    fn any_card(&self) -> Result<ReaderCard, StationError> {
        self.card()
    }

    fn reader_name(&self) -> Option<String> {
        self.name()
    }

    fn choose_reader(&self, name: Option<String>) {
        *self.name.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = name;
    }
}

/// Where a card's printed QR is read from.
#[derive(Debug, Clone)]
pub enum PrintedQr {
    /// The text itself, as a handheld scanner types it (`PP2:...`).
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
