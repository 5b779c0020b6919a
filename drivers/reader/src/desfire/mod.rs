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
pub mod status;

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
/// Most data bytes a card puts in one frame of its answer.
const ANSWER_FRAME_DATA: usize = 59;
/// Longest answer gathered from additional frames: the largest credential
/// file (65,537 bytes, see [`crate::personalise`]) read enciphered, with its
/// CRC32 and padding, or followed by a CMAC.
pub const MAX_ANSWER_LEN: usize = 65_537 + 4 + 16 + MAC_LEN;
/// Most frames one answer may take. A card fills every frame but the last
/// (GetVersion's three short ones aside), so the longest answer takes about
/// 1,100; a card still answering "more frames" past this is refused rather
/// than listened to for as long as it keeps talking.
pub const MAX_ANSWER_FRAMES: usize = 2 * MAX_ANSWER_LEN.div_ceil(ANSWER_FRAME_DATA);

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
        self.session = None;
        let rnd_a = random_bytes(key.block_len())?;
        self.authenticate_with_challenge(key_no, key, &rnd_a)
    }

    /// [`Self::authenticate`] with the reader's challenge RndA given, so that
    /// a recorded session can be replayed byte for byte.
    fn authenticate_with_challenge(&mut self, key_no: u8, key: &BlockKey, rnd_a: &[u8]) -> Result<(), ReaderError> {
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
        if rnd_a.len() != block {
            return Err(ReaderError::Crypto {
                what: "challenges of the wrong length",
            });
        }
        let mut token = [rnd_a, &rotate_left(&rnd_b)].concat();
        key.encrypt_cbc(&mut iv, &mut token)?;
        let mut rnd_a_rotated =
            self.authentication_step(command::ADDITIONAL_FRAME, &token, status::OPERATION_OK, block)?;
        key.decrypt_cbc(&mut iv, &mut rnd_a_rotated)?;
        if rnd_a_rotated != rotate_left(rnd_a) {
            return Err(ReaderError::AuthenticationFailed { command: COMMAND });
        }
        let key = session_key(key, rnd_a, &rnd_b)?;
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

    /// Bytes of the card's memory not yet given to applications and files
    /// (no key needed).
    pub fn get_free_memory(&mut self) -> Result<u32, ReaderError> {
        const COMMAND: &str = "GetFreeMemory";
        match self.plain_command(COMMAND, command::FREE_MEMORY, &[])?.as_slice() {
            [low, middle, high] => Ok(u32::from_le_bytes([*low, *middle, *high, 0])),
            _ => Err(ReaderError::BadResponse {
                command: COMMAND,
                what: "not three bytes",
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
        let mut answer_frames = 1;
        while state == status::ADDITIONAL_FRAME {
            answer_frames += 1;
            if answer_frames > MAX_ANSWER_FRAMES || answer.len() > MAX_ANSWER_LEN {
                self.session = None;
                return Err(ReaderError::BadResponse {
                    command: name,
                    what: "an answer longer than any DESFire answer (more frames without end)",
                });
            }
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
    use std::collections::VecDeque;

    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        hex::decode(text.replace(' ', "")).expect("test hex")
    }

    fn aes_key(text: &str) -> BlockKey {
        BlockKey::new(KeyKind::Aes128, &unhex(text).try_into().expect("a 16-byte key"))
    }

    /// A card that plays back a recorded session: each APDU must be the one
    /// recorded, and gets the recorded answer.
    struct Replay {
        exchanges: VecDeque<(Vec<u8>, Vec<u8>)>,
    }

    impl Replay {
        /// From native frames as a PN532 trace shows them: the command (command
        /// byte first) and the card's answer (status first). They travel here
        /// ISO-wrapped: `90 cmd 00 00 Lc data 00`, answered `data 91 status`.
        fn from_native(frames: &[(&str, &str)]) -> Self {
            let exchanges = frames
                .iter()
                .map(|(command, answer)| {
                    let command = unhex(command);
                    let (code, data) = command.split_first().expect("a command byte");
                    let mut apdu = vec![0x90, *code, 0x00, 0x00];
                    if !data.is_empty() {
                        apdu.push(u8::try_from(data.len()).expect("a short frame"));
                        apdu.extend_from_slice(data);
                    }
                    apdu.push(0x00);
                    let answer = unhex(answer);
                    let (state, data) = answer.split_first().expect("a status byte");
                    (apdu, [data, &[0x91, *state]].concat())
                })
                .collect();
            Self { exchanges }
        }
    }

    impl Transport for Replay {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
            let (expected, answer) = self.exchanges.pop_front().expect("the trace goes on");
            assert_eq!(
                hex::encode_upper(command),
                hex::encode_upper(expected),
                "the recorded APDU"
            );
            Ok(answer)
        }
    }

    /// The session's key and current IV.
    fn session<T: Transport>(card: &Desfire<'_, T>) -> (Vec<u8>, Vec<u8>) {
        let session = card.session.as_ref().expect("a session");
        (session.key.bytes().to_vec(), session.iv.clone())
    }

    /// The AES part of Elmü's "DESFire EV1 Communication Examples", a session
    /// recorded with a real EV1 card through a PN532 (the follow-up to the
    /// ridrix blog's examples), replayed byte for byte: EV1 AES authentication
    /// (0xAA) with the reader's RndA from the trace, the session keys, the CMAC
    /// of GetKeyVersion and of ChangeKey answers (the IV chained from one
    /// message to the next), and ChangeKey cryptograms with their CRC32, for
    /// the session's own key and for another key.
    ///
    /// Source: github.com/sotechcllc/RFDoorLock, file
    /// `Desfire EV1 Communication Examples.htm` (commit
    /// ba46f71bea61edfcdb86ab2008f0cbaa212b5ccd), section "AES", from
    /// `SelectApplication(0x00AE16)` to `Authenticate(KeyNo= 1, …)`. Its first
    /// and last authentications and three of its ChangeKey cryptograms are
    /// also test vectors of github.com/skelsec/pydesfire, `tests/tests.py`
    /// (`AuthTest_AES`, `AuthTest_AES2`, `ChangeKeyTest_AES` to `_AES3`).
    #[test]
    fn replays_a_recorded_ev1_aes_session() {
        let zero = aes_key("00000000000000000000000000000000");
        let key_a = aes_key("00102030405060708090A0B0B0A09080");
        let key_b = aes_key("10182028303840485058606870788088");
        let mut card = Replay::from_native(&[
            // SelectApplication(0x00AE16)
            ("5A 16 AE 00", "00"),
            // Authenticate(KeyNo= 0, Key= 00 … 00 (AES))
            ("AA 00", "AF B9 69 FD FE 56 FD 91 FC 9D E6 F6 F2 13 B8 FD 1E"),
            (
                "AF 36 AA D7 DF 6E 43 6B A0 8D 18 61 38 30 A7 0D 5A D4 3E 3D 3F 4A 8D 47 54 1E EE 62 3A 93 4E 47 74",
                "00 80 0D B6 80 BC 14 6B D1 21 D6 57 8F 2D 2E 20 59",
            ),
            // ChangeKey(KeyNo= 0) to 00 10 20 30 … (version 0x10)
            (
                "C4 00 E9 F8 5E 21 94 96 C2 B5 8C 10 90 DC 39 35 FA E9 E8 40 CF 61 B3 83 D9 53 19 46 25 6B 1F 11 0C 10",
                "00",
            ),
            // Authenticate(KeyNo= 0, Key= 00 10 20 30 … (AES))
            ("AA 00", "AF CC C8 31 6C 2B 26 13 FE 9A 18 9B AC 9C C8 9D 03"),
            (
                "AF C0 2E 06 1E 72 E1 77 26 48 9C AE EC 99 7C 52 37 58 BF 86 3E FE 76 71 C5 5B 46 65 D0 6A CC D9 7B",
                "00 72 AC CC 0B DE A4 82 B5 31 85 BB 5A D0 08 62 46",
            ),
            // ChangeKey(KeyNo= 0) to 10 18 20 28 … (version 0x10)
            (
                "C4 00 29 45 E3 76 0E 60 F4 A4 04 6B B8 A5 05 B3 1C F5 59 A3 A2 E0 52 13 BC 82 94 2C A6 AB 5D BC EC F5",
                "00",
            ),
            // Authenticate(KeyNo= 0, Key= 10 18 20 28 … (AES))
            ("AA 00", "AF 3E 2B E6 26 C0 5E 77 98 EE 51 83 55 A7 51 64 8E"),
            (
                "AF FA BF 71 BB 0D C4 5B 8F 31 BA ED DF F7 F3 43 96 52 D4 09 4D F1 2C 17 EF 0C 94 35 3E 6D 77 70 C8",
                "00 1C E6 C5 74 E2 49 23 D4 04 E1 8B 6A 24 0C 1B 08",
            ),
            // GetKeyVersion(): version 0x10 and the first 8 bytes of its CMAC
            ("64 00", "00 10 8A 8F A3 6F 55 CD 21 0D"),
            // ChangeKey(KeyNo= 0) back to the zero key (version 0x00)
            (
                "C4 00 63 53 75 E4 91 9F 8A F2 E9 E8 6B 1C 1B A5 5B 0C 08 07 EA F4 84 D7 A7 EF 6E 0C 30 84 16 0F 5A 61",
                "00",
            ),
            // Authenticate(KeyNo= 0, Key= 00 … 00 (AES))
            ("AA 00", "AF ED DA F0 C5 D9 A7 CF 42 B8 80 8B E2 01 38 99 A1"),
            (
                "AF D8 10 5F 87 4E 2C A5 7B 76 C3 54 A8 06 6B 0D 78 80 B0 C4 EC 39 9D BF 25 34 38 DB 46 D7 5F 8F 60",
                "00 45 9C 76 B7 1A B9 F1 73 64 13 F5 AC D7 3E 7D F9",
            ),
            // ChangeKey(KeyNo= 1) from the zero key to 00 10 20 30 …: a CMAC answers
            (
                "C4 01 E7 EC CB 6B D1 CA 64 BC 16 1A 12 B1 C0 24 F7 14 30 33 74 08 C8 A8 7E AC AB 7A 1F F1 89 51 FC A3",
                "00 21 28 D3 CD 9C 9A CF FF",
            ),
            // ChangeKey(KeyNo= 1) from 00 10 20 30 … to 10 18 20 28 …
            (
                "C4 01 28 41 93 8C 40 A4 BC 2C 33 06 44 82 FE AD A5 F4 3E C5 35 D3 42 55 B0 28 6C 23 52 CD 17 38 63 C7",
                "00 CA F3 BF 0B 28 36 E9 DE",
            ),
            // Authenticate(KeyNo= 1, Key= 10 18 20 28 … (AES))
            ("AA 01", "AF B3 51 CB 24 65 D4 F3 3A C6 27 FD 6E 87 A1 68 F2"),
            (
                "AF 04 4B 6C AC 34 3A 08 65 89 51 49 64 9C A8 DD E1 F5 AC 4E C6 7B D2 08 90 0A F0 2F 04 9E 05 F0 B0",
                "00 A2 EE 14 4B 10 12 FB EB 7B 2F 11 13 2D 95 A4 54",
            ),
        ]);
        let mut desfire = Desfire::new(&mut card);
        let zero_iv = vec![0; 16];

        desfire.select_application([0x16, 0xAE, 0x00]).expect("select");
        let rnd_a = unhex("F4 4B 26 F5 68 6F 3A 39 1C D3 8E BD 10 77 22 81");
        desfire
            .authenticate_with_challenge(0, &zero, &rnd_a)
            .expect("authenticate");
        assert_eq!(
            session(&desfire),
            (
                unhex("F4 4B 26 F5 C0 5D DD 71 10 77 22 81 C4 D0 66 E8"),
                zero_iv.clone()
            )
        );
        desfire
            .change_key(0, key_a.bytes(), 0x10, &zero)
            .expect("change the session's own key");
        assert!(desfire.session.is_none(), "changing the session's key ends it");

        let rnd_a = unhex("C2 A1 E4 7B 96 A5 58 9F AA E9 0C 03 FE 6D 00 A7");
        desfire
            .authenticate_with_challenge(0, &key_a, &rnd_a)
            .expect("authenticate");
        assert_eq!(
            session(&desfire).0,
            unhex("C2 A1 E4 7B 27 10 47 12 FE 6D 00 A7 11 77 A1 9B")
        );
        desfire
            .change_key(0, key_b.bytes(), 0x10, &key_a)
            .expect("change key 0");

        let rnd_a = unhex("90 F7 A2 01 C4 DB 76 05 38 FF 8A 49 EC 63 DE CD");
        desfire
            .authenticate_with_challenge(0, &key_b, &rnd_a)
            .expect("authenticate");
        assert_eq!(
            session(&desfire).0,
            unhex("90 F7 A2 01 91 03 68 45 EC 63 DE CD 54 4B 99 31")
        );
        assert_eq!(desfire.get_key_version(0).expect("key version"), 0x10);
        assert_eq!(
            session(&desfire).1,
            unhex("8A 8F A3 6F 55 CD 21 0D D8 05 46 58 AC 70 D9 9A"),
            "the IV is the whole RX CMAC"
        );
        desfire.change_key(0, zero.bytes(), 0x00, &key_b).expect("change key 0");

        let rnd_a = unhex("C2 A1 E4 7B 96 A5 58 9F AA E9 0C 03 FE 6D 00 A7");
        desfire
            .authenticate_with_challenge(0, &zero, &rnd_a)
            .expect("authenticate");
        assert_eq!(
            session(&desfire).0,
            unhex("C2 A1 E4 7B D8 10 00 44 FE 6D 00 A7 4D 7A B1 7C")
        );
        desfire
            .change_key(1, key_a.bytes(), 0x10, &zero)
            .expect("change another key");
        assert_eq!(
            session(&desfire).1,
            unhex("21 28 D3 CD 9C 9A CF FF F6 EB 95 46 AD F3 5E 17")
        );
        desfire
            .change_key(1, key_b.bytes(), 0x10, &key_a)
            .expect("change another key");
        assert_eq!(
            session(&desfire).1,
            unhex("CA F3 BF 0B 28 36 E9 DE 80 B1 FD 6F B4 5E 93 80")
        );

        let rnd_a = unhex("40 E7 D2 71 74 CB A6 75 E8 EF BA B9 9C 53 0E 3D");
        desfire
            .authenticate_with_challenge(1, &key_b, &rnd_a)
            .expect("authenticate");
        assert_eq!(
            session(&desfire),
            (unhex("40 E7 D2 71 62 6F FB D4 9C 53 0E 3D 30 4F 5B 17"), zero_iv)
        );
        assert_eq!(desfire.exchanges(), 17);
        drop(desfire);
        assert!(card.exchanges.is_empty(), "the whole trace was played");
    }

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

    /// A card that answers every command with `frame` and "more frames", for ever.
    struct EndlessCard {
        frame: Vec<u8>,
        exchanges: usize,
    }

    impl Transport for EndlessCard {
        fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, ReaderError> {
            self.exchanges += 1;
            assert!(
                self.exchanges < 100_000,
                "the driver never stopped asking for more frames"
            );
            Ok([&self.frame[..], &[0x91, status::ADDITIONAL_FRAME]].concat())
        }
    }

    #[test]
    fn a_card_answering_more_frames_for_ever_is_refused() {
        for frame in [Vec::new(), vec![0xA5; 7], vec![0xA5; ANSWER_FRAME_DATA]] {
            let mut card = EndlessCard { frame, exchanges: 0 };
            let result = Desfire::new(&mut card).get_application_ids();
            assert!(
                matches!(
                    result,
                    Err(ReaderError::BadResponse {
                        command: "GetApplicationIDs",
                        ..
                    })
                ),
                "{result:?}"
            );
            assert!(card.exchanges <= MAX_ANSWER_FRAMES, "{} exchanges", card.exchanges);
        }
    }

    #[test]
    fn the_longest_credential_file_still_fits_one_answer() {
        let enciphered = (65_537 + 4usize).next_multiple_of(16);
        assert!(enciphered <= MAX_ANSWER_LEN);
        assert!(enciphered.div_ceil(ANSWER_FRAME_DATA) < MAX_ANSWER_FRAMES);
    }
}
