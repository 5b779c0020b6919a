//! MIFARE DESFire EV1 native commands, wrapped in ISO 7816-4, with EV1 secure messaging.
//!
//! The protocol layer between a [`Transport`] and the personalisation steps:
//! it frames commands (`90 cmd 00 00 Lc data 00`, answers ending `91 status`),
//! splits long ones into additional frames of at most
//! [`MAX_COMMAND_FRAME_DATA`] bytes and gathers long answers, keeps
//! the session of the last authentication, and applies its protection: the
//! CMAC that chains the IV over plain commands and checks every answer, and
//! the AES-CBC (or 2K3DES) encipherment with CRC32 of secret data.

pub mod crypto;

use crypto::{BlockKey, KEY_LEN, KeyKind, crc32, pad_with_zeros, random_bytes, rotate_left, session_key};

use crate::transport::reader_uid;
use crate::{ReaderError, Transport};

/// DESFire native command codes used here (and by the virtual card).
pub mod command {
    pub const AUTHENTICATE_ISO: u8 = 0x1A;
    pub const AUTHENTICATE_AES: u8 = 0xAA;
    pub const ADDITIONAL_FRAME: u8 = 0xAF;
    pub const GET_VERSION: u8 = 0x60;
    pub const GET_APPLICATION_IDS: u8 = 0x6A;
    pub const SELECT_APPLICATION: u8 = 0x5A;
    pub const CREATE_APPLICATION: u8 = 0xCA;
    pub const DELETE_APPLICATION: u8 = 0xDA;
    pub const GET_KEY_SETTINGS: u8 = 0x45;
    pub const CHANGE_KEY_SETTINGS: u8 = 0x54;
    pub const CHANGE_KEY: u8 = 0xC4;
    pub const GET_KEY_VERSION: u8 = 0x64;
    pub const GET_FILE_IDS: u8 = 0x6F;
    pub const GET_FILE_SETTINGS: u8 = 0xF5;
    pub const CREATE_STD_DATA_FILE: u8 = 0xCD;
    pub const CREATE_BACKUP_DATA_FILE: u8 = 0xCB;
    pub const DELETE_FILE: u8 = 0xDF;
    pub const READ_DATA: u8 = 0xBD;
    pub const WRITE_DATA: u8 = 0x3D;
    pub const COMMIT_TRANSACTION: u8 = 0xC7;
    pub const ABORT_TRANSACTION: u8 = 0xA7;
    pub const GET_CARD_UID: u8 = 0x51;
    pub const FREE_MEMORY: u8 = 0x6E;
    pub const FORMAT_PICC: u8 = 0xFC;
}

/// DESFire status codes (the second byte of `91 xx`).
pub mod status {
    pub const OPERATION_OK: u8 = 0x00;
    pub const NO_CHANGES: u8 = 0x0C;
    pub const OUT_OF_EEPROM: u8 = 0x0E;
    pub const ILLEGAL_COMMAND: u8 = 0x1C;
    pub const INTEGRITY_ERROR: u8 = 0x1E;
    pub const NO_SUCH_KEY: u8 = 0x40;
    pub const LENGTH_ERROR: u8 = 0x7E;
    pub const PERMISSION_DENIED: u8 = 0x9D;
    pub const PARAMETER_ERROR: u8 = 0x9E;
    pub const APPLICATION_NOT_FOUND: u8 = 0xA0;
    pub const AUTHENTICATION_ERROR: u8 = 0xAE;
    pub const ADDITIONAL_FRAME: u8 = 0xAF;
    pub const BOUNDARY_ERROR: u8 = 0xBE;
    pub const COMMAND_ABORTED: u8 = 0xCA;
    pub const DUPLICATE_ERROR: u8 = 0xDE;
    pub const FILE_NOT_FOUND: u8 = 0xF0;

    /// What a status code means, in the datasheet's terms.
    pub fn meaning(code: u8) -> &'static str {
        match code {
            OPERATION_OK => "success",
            NO_CHANGES => "no changes",
            OUT_OF_EEPROM => "out of memory",
            ILLEGAL_COMMAND => "command not supported",
            INTEGRITY_ERROR => "integrity error",
            NO_SUCH_KEY => "no such key",
            LENGTH_ERROR => "wrong command length",
            PERMISSION_DENIED => "permission denied",
            PARAMETER_ERROR => "wrong parameter",
            APPLICATION_NOT_FOUND => "no such application",
            AUTHENTICATION_ERROR => "authentication error",
            ADDITIONAL_FRAME => "more frames",
            BOUNDARY_ERROR => "outside the file",
            COMMAND_ABORTED => "command aborted",
            DUPLICATE_ERROR => "already exists",
            FILE_NOT_FOUND => "no such file",
            _ => "unknown status",
        }
    }
}

/// The application identifier of the card level (PICC) itself.
pub const PICC_AID: [u8; 3] = [0; 3];
/// Most data bytes (Lc) one ISO-wrapped command frame carries: the first
/// frame's header and data after its command byte, or an additional frame's
/// (0xAF) share of the rest. Longer commands go out in several frames.
///
/// The DESFire functional specification allows no more in one wrapped
/// command (as libfreefare quotes it), and the established open-source
/// DESFire hosts stay at or below it:
/// - libfreefare, `libfreefare/mifare_desfire.c`: `#define MAX_CAPDU_SIZE 55`,
///   quoting the DESFire functional specification ("the length of the total
///   wrapped DESFire command is not longer than 55 byte long"), that is the
///   command byte and 54 data bytes; `write_data` sends every frame, 0xAF
///   frames included, within it (github.com/nfc-tools/libfreefare, commit
///   c2b0cfa4b9fb0e4be88604f00b7a2405618d5abc);
/// - the Proxmark3 client, `client/src/mifare/desfirecore.h`:
///   `#define DESFIRE_TX_FRAME_MAX_LEN 54`, the largest `apdu.Lc` that
///   `DesfireExchangeISONative` in `client/src/mifare/desfirecore.c` sends
///   (github.com/RfidResearchGroup/proxmark3, commit
///   1c8c3b78d4d8503cfa2888238427065efb4b8638).
///
/// Answers are not bound by it: a card answers with up to 59 data bytes a frame.
pub const MAX_COMMAND_FRAME_DATA: usize = 54;
/// Length of the truncated CMAC that EV1 appends to answers.
pub const MAC_LEN: usize = 8;
/// Flag in ChangeKey's key number that makes the new PICC master key an AES key.
pub const PICC_AES_KEY_FLAG: u8 = 0x80;
/// Flag in CreateApplication's key count that makes the application's keys AES keys.
pub const APPLICATION_AES_KEYS: u8 = 0x80;
/// Length of the card UID (double-size, 7 bytes).
pub const UID_LEN: usize = 7;

/// How a file's data travels: the file's communication setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommMode {
    Plain = 0x00,
    Maced = 0x01,
    Enciphered = 0x03,
}

/// Which key a file operation needs: a key number, 0xE for free, 0xF for never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessRights {
    pub read: u8,
    pub write: u8,
    pub read_write: u8,
    pub change: u8,
}

impl AccessRights {
    /// The two bytes of the command: read and write in the high byte, read-write and change in the low.
    pub fn to_le_bytes(self) -> [u8; 2] {
        [(self.read_write << 4) | self.change, (self.read << 4) | self.write]
    }

    pub fn from_le_bytes(bytes: [u8; 2]) -> Self {
        Self {
            read: bytes[1] >> 4,
            write: bytes[1] & 0x0F,
            read_write: bytes[0] >> 4,
            change: bytes[0] & 0x0F,
        }
    }
}

/// What GetVersion reports: hardware and software (vendor, type, version, storage, protocol) and production data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardVersion {
    pub hardware: [u8; 7],
    pub software: [u8; 7],
    /// UID (7), batch number (5), production week and year (BCD).
    pub production: [u8; 14],
}

/// The state of an authentication: the session key and the IV that every
/// protected message advances.
struct Session {
    key: BlockKey,
    iv: Vec<u8>,
    key_no: u8,
}

/// How a command's data after its header goes out.
enum Outgoing<'a> {
    /// In clear; under a session its CMAC advances the IV.
    Plain(&'a [u8]),
    /// Enciphered with the session key, with the CRC32 of the whole command.
    Enciphered(&'a [u8]),
}

/// What protects the answer under a session.
enum Incoming {
    /// Data followed by a CMAC to check.
    Maced,
    /// Data of this length with its CRC32, enciphered.
    Enciphered { len: usize },
    /// A bare status: the command ended the session (a selection, a change of the session's own key).
    EndsSession,
}

/// A conversation with one DESFire card over a [`Transport`].
pub struct Desfire<'t, T: Transport + ?Sized> {
    transport: &'t mut T,
    session: Option<Session>,
    selected: [u8; 3],
    exchanges: usize,
}

impl<T: Transport + ?Sized> std::fmt::Debug for Desfire<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desfire")
            .field(
                "authenticated_key",
                &self.session.as_ref().map(|session| session.key_no),
            )
            .field("selected", &self.selected)
            .field("exchanges", &self.exchanges)
            .finish()
    }
}

impl<'t, T: Transport + ?Sized> Desfire<'t, T> {
    /// Starts a conversation; the card is taken to be at card level, as after power-on.
    pub fn new(transport: &'t mut T) -> Self {
        Self {
            transport,
            session: None,
            selected: PICC_AID,
            exchanges: 0,
        }
    }

    /// APDUs exchanged with the card so far, additional frames included.
    pub fn exchanges(&self) -> usize {
        self.exchanges
    }

    /// The UID as the reader reports it (PC/SC `FF CA 00 00 00`), without authentication.
    pub fn uid_from_reader(&mut self) -> Result<Vec<u8>, ReaderError> {
        self.exchanges += 1;
        reader_uid(self.transport)
    }

    pub fn get_version(&mut self) -> Result<CardVersion, ReaderError> {
        const COMMAND: &str = "GetVersion";
        let answer = self.plain_command(COMMAND, command::GET_VERSION, &[])?;
        let malformed = || ReaderError::BadResponse {
            command: COMMAND,
            what: "not 28 bytes",
        };
        let answer: [u8; 28] = answer.try_into().map_err(|_| malformed())?;
        let (hardware, rest) = answer.split_at(7);
        let (software, production) = rest.split_at(7);
        Ok(CardVersion {
            hardware: hardware.try_into().map_err(|_| malformed())?,
            software: software.try_into().map_err(|_| malformed())?,
            production: production.try_into().map_err(|_| malformed())?,
        })
    }

    pub fn get_application_ids(&mut self) -> Result<Vec<[u8; 3]>, ReaderError> {
        const COMMAND: &str = "GetApplicationIDs";
        let answer = self.plain_command(COMMAND, command::GET_APPLICATION_IDS, &[])?;
        if !answer.len().is_multiple_of(3) {
            return Err(ReaderError::BadResponse {
                command: COMMAND,
                what: "not whole 3-byte identifiers",
            });
        }
        Ok(answer.chunks_exact(3).map(|aid| [aid[0], aid[1], aid[2]]).collect())
    }

    /// Selects an application ([`PICC_AID`] for the card level); ends any session.
    pub fn select_application(&mut self, aid: [u8; 3]) -> Result<(), ReaderError> {
        const COMMAND: &str = "SelectApplication";
        let result = self.run(
            COMMAND,
            command::SELECT_APPLICATION,
            &aid,
            Outgoing::Plain(&[]),
            Incoming::EndsSession,
        );
        self.session = None;
        match result {
            Ok(_) => {
                self.selected = aid;
                Ok(())
            }
            Err(ReaderError::CardStatus {
                status: status::APPLICATION_NOT_FOUND,
                ..
            }) => Err(ReaderError::NoSuchApplication { aid: aid_text(aid) }),
            Err(other) => Err(other),
        }
    }

    /// Mutual authentication with key `key_no` of the selected level: EV1 AES
    /// (0xAA) for an AES key, ISO (0x1A) for DES / 2K3DES. The IV carries over
    /// all three messages from zero; the session starts with a zero IV.
    pub fn authenticate(&mut self, key_no: u8, key: &BlockKey) -> Result<(), ReaderError> {
        const COMMAND: &str = "authentication";
        self.session = None;
        let code = match key.kind() {
            KeyKind::Aes128 => command::AUTHENTICATE_AES,
            KeyKind::Des => command::AUTHENTICATE_ISO,
        };
        let block = key.block_len();
        let mut iv = vec![0; block];
        let mut rnd_b = self.authentication_step(code, &[key_no], status::ADDITIONAL_FRAME, block)?;
        key.decrypt_cbc(&mut iv, &mut rnd_b)?;
        let rnd_a = random_bytes(block)?;
        let mut token = [rnd_a.as_slice(), &rotate_left(&rnd_b)].concat();
        key.encrypt_cbc(&mut iv, &mut token)?;
        let mut rnd_a_rotated =
            self.authentication_step(command::ADDITIONAL_FRAME, &token, status::OPERATION_OK, block)?;
        key.decrypt_cbc(&mut iv, &mut rnd_a_rotated)?;
        if rnd_a_rotated != rotate_left(&rnd_a) {
            return Err(ReaderError::AuthenticationFailed { command: COMMAND });
        }
        let key = session_key(key, &rnd_a, &rnd_b)?;
        self.session = Some(Session {
            key,
            iv: vec![0; block],
            key_no,
        });
        Ok(())
    }

    /// One exchange of an authentication: its answer must have status
    /// `expected` and hold one block.
    fn authentication_step(
        &mut self,
        code: u8,
        data: &[u8],
        expected: u8,
        block: usize,
    ) -> Result<Vec<u8>, ReaderError> {
        const COMMAND: &str = "authentication";
        let (answer, state) = self.exchange(code, data)?;
        if state != expected {
            return Err(ReaderError::from_status(COMMAND, state));
        }
        if answer.len() != block {
            return Err(ReaderError::BadResponse {
                command: COMMAND,
                what: "an answer of the wrong length",
            });
        }
        Ok(answer)
    }

    /// Replaces key `key_no` of the selected level with an AES key of version
    /// `version`. Changing the session's own key sends the new key and ends
    /// the session; another key is sent XORed with its `current` value, with
    /// the CRC32 of the new key so that a wrong `current` is refused (1E).
    pub fn change_key(
        &mut self,
        key_no: u8,
        new_key: &[u8; KEY_LEN],
        version: u8,
        current: &BlockKey,
    ) -> Result<(), ReaderError> {
        const COMMAND: &str = "ChangeKey";
        let session_key_no = self.session.as_ref().map(|session| session.key_no);
        let key_no_byte = if self.selected == PICC_AID {
            key_no | PICC_AES_KEY_FLAG
        } else {
            key_no
        };
        let same_key = session_key_no == Some(key_no);
        let mut cryptogram: zeroize::Zeroizing<Vec<u8>> = zeroize::Zeroizing::new(if same_key {
            new_key.to_vec()
        } else {
            new_key
                .iter()
                .zip(current.bytes())
                .map(|(new, old)| new ^ old)
                .collect()
        });
        cryptogram.push(version);
        let checksum = crc32(&[&[command::CHANGE_KEY, key_no_byte], &cryptogram]);
        cryptogram.extend_from_slice(&checksum);
        if !same_key {
            cryptogram.extend_from_slice(&crc32(&[new_key]));
        }
        let incoming = if same_key {
            Incoming::EndsSession
        } else {
            Incoming::Maced
        };
        self.run_enciphered_raw(COMMAND, command::CHANGE_KEY, &[key_no_byte], &cryptogram, incoming)?;
        Ok(())
    }

    /// Creates an application with `key_count` AES keys, all zero, version 0.
    pub fn create_application(&mut self, aid: [u8; 3], key_settings: u8, key_count: u8) -> Result<(), ReaderError> {
        const COMMAND: &str = "CreateApplication";
        let data = [aid[0], aid[1], aid[2], key_settings, key_count | APPLICATION_AES_KEYS];
        self.plain_command(COMMAND, command::CREATE_APPLICATION, &data)?;
        Ok(())
    }

    /// Creates a backup data file: writes reach reads only after CommitTransaction.
    pub fn create_backup_data_file(
        &mut self,
        file_no: u8,
        comm: CommMode,
        rights: AccessRights,
        size: u32,
    ) -> Result<(), ReaderError> {
        const COMMAND: &str = "CreateBackupDataFile";
        let [access_low, access_high] = rights.to_le_bytes();
        let mut data = vec![file_no, comm as u8, access_low, access_high];
        data.extend_from_slice(&u24_le(size)?);
        self.plain_command(COMMAND, command::CREATE_BACKUP_DATA_FILE, &data)?;
        Ok(())
    }

    pub fn get_key_version(&mut self, key_no: u8) -> Result<u8, ReaderError> {
        const COMMAND: &str = "GetKeyVersion";
        let answer = self.plain_command(COMMAND, command::GET_KEY_VERSION, &[key_no])?;
        match answer.as_slice() {
            [version] => Ok(*version),
            _ => Err(ReaderError::BadResponse {
                command: COMMAND,
                what: "not one byte",
            }),
        }
    }

    pub fn get_file_ids(&mut self) -> Result<Vec<u8>, ReaderError> {
        const COMMAND: &str = "GetFileIDs";
        self.plain_command(COMMAND, command::GET_FILE_IDS, &[])
    }

    /// Writes `data` at `offset` of an enciphered data file.
    pub fn write_data(&mut self, file_no: u8, offset: u32, data: &[u8]) -> Result<(), ReaderError> {
        const COMMAND: &str = "WriteData";
        let header = file_header(file_no, offset, data.len())?;
        self.run(
            COMMAND,
            command::WRITE_DATA,
            &header,
            Outgoing::Enciphered(data),
            Incoming::Maced,
        )?;
        Ok(())
    }

    /// Reads `len` bytes from `offset` of an enciphered data file.
    pub fn read_data(&mut self, file_no: u8, offset: u32, len: usize) -> Result<Vec<u8>, ReaderError> {
        const COMMAND: &str = "ReadData";
        let header = file_header(file_no, offset, len)?;
        self.run(
            COMMAND,
            command::READ_DATA,
            &header,
            Outgoing::Plain(&[]),
            Incoming::Enciphered { len },
        )
    }

    pub fn commit_transaction(&mut self) -> Result<(), ReaderError> {
        const COMMAND: &str = "CommitTransaction";
        self.plain_command(COMMAND, command::COMMIT_TRANSACTION, &[])?;
        Ok(())
    }

    /// The real UID, enciphered under the session (it needs one): unlike the
    /// reader's UID, a card with random IDs cannot hide it.
    pub fn get_card_uid(&mut self) -> Result<Vec<u8>, ReaderError> {
        const COMMAND: &str = "GetCardUID";
        let incoming = Incoming::Enciphered { len: UID_LEN };
        self.run(COMMAND, command::GET_CARD_UID, &[], Outgoing::Plain(&[]), incoming)
    }

    /// A command in clear whose answer, under a session, carries a CMAC.
    fn plain_command(&mut self, name: &'static str, code: u8, data: &[u8]) -> Result<Vec<u8>, ReaderError> {
        self.run(name, code, data, Outgoing::Plain(&[]), Incoming::Maced)
    }

    /// Sends one command with its protection and returns the checked answer data.
    fn run(
        &mut self,
        name: &'static str,
        code: u8,
        header: &[u8],
        outgoing: Outgoing<'_>,
        incoming: Incoming,
    ) -> Result<Vec<u8>, ReaderError> {
        match outgoing {
            Outgoing::Plain(data) => {
                let payload = [header, data].concat();
                if let Some(session) = self.session.as_mut() {
                    session
                        .key
                        .cmac(&mut session.iv, &[&[code], payload.as_slice()].concat())?;
                }
                self.send(name, code, &payload, incoming)
            }
            Outgoing::Enciphered(data) => {
                let mut plain = zeroize::Zeroizing::new(data.to_vec());
                plain.extend_from_slice(&crc32(&[&[code], header, data]));
                self.run_enciphered_raw(name, code, header, &plain, incoming)
            }
        }
    }

    /// Enciphers `plain` (already holding its CRC) after a clear header and sends it.
    fn run_enciphered_raw(
        &mut self,
        name: &'static str,
        code: u8,
        header: &[u8],
        plain: &[u8],
        incoming: Incoming,
    ) -> Result<Vec<u8>, ReaderError> {
        let session = self
            .session
            .as_mut()
            .ok_or(ReaderError::AuthenticationFailed { command: name })?;
        let mut enciphered = plain.to_vec();
        pad_with_zeros(&mut enciphered, session.key.block_len());
        session.key.encrypt_cbc(&mut session.iv, &mut enciphered)?;
        self.send(name, code, &[header, &enciphered].concat(), incoming)
    }

    /// Sends `payload` in as many frames as it takes, gathers the answer's
    /// frames, and checks the answer's protection.
    fn send(
        &mut self,
        name: &'static str,
        code: u8,
        payload: &[u8],
        incoming: Incoming,
    ) -> Result<Vec<u8>, ReaderError> {
        let mut frames = payload.chunks(MAX_COMMAND_FRAME_DATA);
        let (mut answer, mut state) = self.exchange(code, frames.next().unwrap_or_default())?;
        for frame in frames {
            if state != status::ADDITIONAL_FRAME || !answer.is_empty() {
                self.session = None;
                if state == status::OPERATION_OK {
                    return Err(ReaderError::BadResponse {
                        command: name,
                        what: "the card ended the command early",
                    });
                }
                return Err(ReaderError::from_status(name, state));
            }
            (answer, state) = self.exchange(command::ADDITIONAL_FRAME, frame)?;
        }
        while state == status::ADDITIONAL_FRAME {
            let (more, next_state) = self.exchange(command::ADDITIONAL_FRAME, &[])?;
            answer.extend_from_slice(&more);
            state = next_state;
        }
        if state != status::OPERATION_OK {
            self.session = None;
            return Err(ReaderError::from_status(name, state));
        }
        let Some(session) = self.session.as_mut() else {
            return Ok(answer);
        };
        match incoming {
            Incoming::EndsSession => {
                self.session = None;
                Ok(answer)
            }
            Incoming::Maced => {
                let Some(data_len) = answer.len().checked_sub(MAC_LEN) else {
                    self.session = None;
                    return Err(ReaderError::IntegrityError { command: name });
                };
                let (data, tag) = answer.split_at(data_len);
                let mac = session
                    .key
                    .cmac(&mut session.iv, &[data, &[status::OPERATION_OK]].concat())?;
                if mac[..MAC_LEN] != *tag {
                    self.session = None;
                    return Err(ReaderError::IntegrityError { command: name });
                }
                Ok(data.to_vec())
            }
            Incoming::Enciphered { len } => {
                let block = session.key.block_len();
                if !answer.len().is_multiple_of(block) || answer.len() < len + 4 {
                    self.session = None;
                    return Err(ReaderError::IntegrityError { command: name });
                }
                session.key.decrypt_cbc(&mut session.iv, &mut answer)?;
                let (data, rest) = answer.split_at(len);
                let (checksum, padding) = rest.split_at(4);
                let valid = *checksum == crc32(&[data, &[status::OPERATION_OK]])
                    && padding.len() < block
                    && padding.iter().all(|byte| *byte == 0);
                if !valid {
                    self.session = None;
                    return Err(ReaderError::IntegrityError { command: name });
                }
                Ok(data.to_vec())
            }
        }
    }

    /// One ISO-wrapped frame out, one back: the answer's data and its DESFire status.
    fn exchange(&mut self, code: u8, data: &[u8]) -> Result<(Vec<u8>, u8), ReaderError> {
        let mut apdu = vec![0x90, code, 0x00, 0x00];
        if !data.is_empty() {
            let lc = u8::try_from(data.len())
                .ok()
                .filter(|lc| usize::from(*lc) <= MAX_COMMAND_FRAME_DATA)
                .ok_or(ReaderError::InvalidLayout {
                    what: "a command frame over 54 data bytes",
                })?;
            apdu.push(lc);
            apdu.extend_from_slice(data);
        }
        apdu.push(0x00);
        self.exchanges += 1;
        let answer = self.transport.transmit(&apdu)?;
        match answer.as_slice() {
            [data @ .., 0x91, state] => Ok((data.to_vec(), *state)),
            _ => Err(ReaderError::BadResponse {
                command: "a DESFire command",
                what: "no DESFire status word",
            }),
        }
    }
}

/// File number, offset and length as ReadData and WriteData carry them.
fn file_header(file_no: u8, offset: u32, len: usize) -> Result<Vec<u8>, ReaderError> {
    let len = u32::try_from(len).map_err(|_| ReaderError::InvalidLayout {
        what: "a length over 24 bits",
    })?;
    Ok([&[file_no][..], &u24_le(offset)?, &u24_le(len)?].concat())
}

fn u24_le(value: u32) -> Result<[u8; 3], ReaderError> {
    match value.to_le_bytes() {
        [low, middle, high, 0] => Ok([low, middle, high]),
        _ => Err(ReaderError::InvalidLayout {
            what: "a size or offset over 24 bits",
        }),
    }
}

/// An application identifier as people write it: six hex digits.
pub fn aid_text(aid: [u8; 3]) -> String {
    aid.iter().map(|byte| format!("{byte:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A card that keeps the frames it is sent and asks for more until the
    /// `expected`-th, which it answers with success.
    struct Recorder {
        expected: usize,
        frames: Vec<Vec<u8>>,
    }

    impl Recorder {
        fn expecting(expected: usize) -> Self {
            Self {
                expected,
                frames: Vec::new(),
            }
        }
    }

    impl Transport for Recorder {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
            self.frames.push(command.to_vec());
            if self.frames.len() < self.expected {
                Ok(vec![0x91, status::ADDITIONAL_FRAME])
            } else {
                Ok(vec![0x91, status::OPERATION_OK])
            }
        }
    }

    #[test]
    fn long_commands_go_out_in_frames_of_at_most_54_data_bytes() {
        let mut card = Recorder::expecting(6);
        let mut desfire = Desfire::new(&mut card);
        let payload = (0..=255u8).cycle().take(300).collect::<Vec<_>>();
        let answer = desfire.send("WriteData", command::WRITE_DATA, &payload, Incoming::Maced);
        assert_eq!(answer.expect("sent"), Vec::<u8>::new());
        let frames = card.frames;
        assert_eq!(frames.len(), 6, "300 bytes in 54-byte frames");
        let mut sent = Vec::new();
        for (index, frame) in frames.iter().enumerate() {
            let code = if index == 0 {
                command::WRITE_DATA
            } else {
                command::ADDITIONAL_FRAME
            };
            let [0x90, sent_code, 0x00, 0x00, lc, data @ .., 0x00] = frame.as_slice() else {
                panic!("not an ISO-wrapped frame: {frame:02X?}");
            };
            assert_eq!(*sent_code, code);
            assert_eq!(usize::from(*lc), data.len());
            assert!(data.len() <= MAX_COMMAND_FRAME_DATA, "Lc {lc}");
            sent.extend_from_slice(data);
        }
        assert_eq!(frames[0][4], 54, "full frames carry 54 bytes");
        assert_eq!(sent, payload);
    }

    #[test]
    fn no_frame_over_54_data_bytes_leaves_the_reader() {
        let mut card = Recorder::expecting(1);
        let mut desfire = Desfire::new(&mut card);
        assert!(matches!(
            desfire.exchange(command::WRITE_DATA, &[0; 55]),
            Err(ReaderError::InvalidLayout { .. })
        ));
        assert!(desfire.exchange(command::WRITE_DATA, &[0; 54]).is_ok());
        assert_eq!(card.frames.len(), 1);
    }
}
