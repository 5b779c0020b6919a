//! The card itself: a DESFire EV1 command interpreter over [`CardMemory`].
//!
//! It answers ISO 7816-4 wrapped native commands as the EV1 datasheet and
//! NXP's application notes describe them: card and application levels,
//! EV1 AES and ISO (DES) authentication, the CMAC chained over every plain
//! command and appended to every answer under a session, CRC32 and CBC for
//! enciphered data and key changes, command frames of at most 54 data bytes
//! and answer frames of at most 59, with additional-frame chaining both
//! ways, backup files whose writes count only once committed,
//! and the status codes of each failure. Anything it does not keep on power
//! loss (session, selection, uncommitted writes) is kept apart from the memory.

use std::path::PathBuf;
use std::time::Duration;

use pass_reader::desfire::crypto::session_key;
use pass_reader::desfire::crypto::{BlockKey, KEY_LEN, KeyKind, crc32, pad_with_zeros, random_bytes, rotate_left};
use pass_reader::desfire::{
    APPLICATION_AES_KEYS, AccessRights, CommMode, MAC_LEN, PICC_AES_KEY_FLAG, PICC_AID, UID_LEN, command, status,
};
use pass_reader::{ChipLayout, OfficeKeys, ReaderError, Transport};

use crate::VcardError;
use crate::memory::{Application, CardMemory, Cipher, DataFile, StoredKey};

/// A DESFire-like ISO 14443-4 ATR: T=1, one historical byte.
pub const ATR: [u8; 6] = [0x3B, 0x81, 0x80, 0x01, 0x80, 0x80];
/// GetVersion of an EV1 4 kB card: vendor NXP, type DESFire, version 1.0, 4 kB, ISO 14443-2 and -3.
const HARDWARE_VERSION: [u8; 7] = [0x04, 0x01, 0x01, 0x01, 0x00, 0x18, 0x05];
const SOFTWARE_VERSION: [u8; 7] = [0x04, 0x01, 0x01, 0x01, 0x04, 0x18, 0x05];
const BATCH_AND_DATE: [u8; 7] = [0xBA, 0x7C, 0x40, 0x00, 0x00, 0x20, 0x24];
/// User memory of a 4 kB card; files take whole 32-byte blocks, backup files twice.
const MEMORY_BLOCK: usize = 32;
const MAX_APPLICATIONS: usize = 28;
const MAX_FILE_NO: u8 = 31;
/// Access-right values: any key or none (free), and never.
const FREE: u8 = 0x0E;
const NEVER: u8 = 0x0F;
/// Most data bytes (Lc) an ISO-wrapped command frame may carry: the DESFire
/// functional specification limits a wrapped native command to 55 bytes,
/// command byte included ("The length of the total wrapped DESFire command is
/// not longer than 55 byte long", as libfreefare quotes it next to
/// `MAX_CAPDU_SIZE` in `libfreefare/mifare_desfire.c`). A longer frame is
/// refused with the length error, `91 7E`, whatever the command; like every
/// error it ends the session and drops a command under way.
///
/// Kept here, not taken from the reader crate, so that the card holds any
/// host, the station's own included, to what a real card accepts.
const MAX_COMMAND_DATA: usize = 54;
/// Most data bytes of one answer frame: a 60-byte native frame less its
/// status byte (`MAX_RAPDU_SIZE` in the same libfreefare file).
const MAX_ANSWER_DATA: usize = 59;
/// ISO SELECT by name of the DESFire card application, which tools send first.
const ISO_SELECT_DESFIRE: [u8; 12] = [0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x00];

/// What came of one APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Response(Vec<u8>),
    /// The card left the field before answering: nothing of this APDU happened.
    Torn,
}

/// A DESFire EV1 card with its knobs: tearing and latency.
#[derive(Debug)]
pub struct VirtualCard {
    memory: CardMemory,
    memory_file: Option<PathBuf>,
    answers_before_tear: Option<u64>,
    latency: Duration,
    volatile: Volatile,
}

/// What the card loses when it loses power.
#[derive(Debug, Default)]
struct Volatile {
    selected: [u8; 3],
    session: Option<Session>,
    pending: Pending,
    /// Working copies of backup files written since the last commit, by file number.
    uncommitted: Vec<(u8, Vec<u8>)>,
}

#[derive(Debug)]
struct Session {
    key: BlockKey,
    iv: Vec<u8>,
    key_no: u8,
}

/// A command spread over several frames.
#[derive(Debug, Default)]
enum Pending {
    #[default]
    Nothing,
    /// The card's challenge is out; the reader's answer comes next.
    Authentication {
        key_no: u8,
        key: BlockKey,
        rnd_b: Vec<u8>,
        iv: Vec<u8>,
    },
    /// A WriteData whose data arrives in further frames.
    Write { data: Vec<u8>, expected: usize },
    /// Frames of an answer not yet sent.
    Answer { frames: Vec<Vec<u8>> },
}

/// A command's result before the session's protection is applied.
enum Reply {
    /// Data in clear; under a session a CMAC follows it.
    Data(Vec<u8>),
    /// Data that travels enciphered with its CRC32 under a session.
    Secret(Vec<u8>),
    /// GetVersion's three fixed frames.
    Version(Vec<u8>),
    /// Success that ends the session: no CMAC.
    EndsSession,
}

/// A command's failure: the status byte it answers with.
type Refusal = u8;

impl VirtualCard {
    /// A card with this memory, powered on, answering every APDU at once.
    pub fn new(memory: CardMemory) -> Self {
        Self {
            memory,
            memory_file: None,
            answers_before_tear: None,
            latency: Duration::ZERO,
            volatile: Volatile::default(),
        }
    }

    /// Saves the memory to `path` whenever it changes.
    pub fn with_memory_file(mut self, path: PathBuf) -> Self {
        self.memory_file = Some(path);
        self
    }

    /// The card answers `answers` more APDUs, then leaves the field (once).
    pub fn tear_after(&mut self, answers: Option<u64>) {
        self.answers_before_tear = answers;
    }

    /// How long each APDU takes.
    pub fn set_latency(&mut self, latency: Duration) {
        self.latency = latency;
    }

    pub fn memory(&self) -> &CardMemory {
        &self.memory
    }

    pub fn atr(&self) -> &'static [u8] {
        &ATR
    }

    /// Power loss or reset: session, selection and uncommitted writes are gone.
    pub fn reset(&mut self) {
        self.volatile = Volatile::default();
    }

    /// Answers one APDU, or is torn away before it.
    pub fn transmit_apdu(&mut self, apdu: &[u8]) -> Result<Answer, VcardError> {
        match self.answers_before_tear {
            Some(0) => {
                self.answers_before_tear = None;
                self.reset();
                return Ok(Answer::Torn);
            }
            Some(left) => self.answers_before_tear = Some(left - 1),
            None => {}
        }
        if !self.latency.is_zero() {
            std::thread::sleep(self.latency);
        }
        let before = self.memory.clone();
        let response = self.answer(apdu);
        if let Some(path) = self.memory_file.as_ref().filter(|_| self.memory != before) {
            self.memory.save(path)?;
        }
        Ok(Answer::Response(response))
    }

    fn answer(&mut self, apdu: &[u8]) -> Vec<u8> {
        if let [0xFF, 0xCA, 0x00, 0x00, ..] = apdu {
            return [&self.memory.uid[..], &[0x90, 0x00]].concat();
        }
        if apdu.starts_with(&ISO_SELECT_DESFIRE) {
            self.reset_selection(PICC_AID);
            return vec![0x90, 0x00];
        }
        let (code, data) = match apdu {
            [0x90, code, 0x00, 0x00] | [0x90, code, 0x00, 0x00, 0x00] => (*code, &[][..]),
            [0x90, code, 0x00, 0x00, lc, rest @ ..]
                if rest.len() == usize::from(*lc) + 1 || rest.len() == usize::from(*lc) =>
            {
                (*code, &rest[..usize::from(*lc)])
            }
            [0x90, ..] => return vec![0x67, 0x00],
            _ => return vec![0x6E, 0x00],
        };
        let (data, state) = self.native(code, data);
        [data, vec![0x91, state]].concat()
    }

    /// One native frame in, one out.
    fn native(&mut self, code: u8, data: &[u8]) -> (Vec<u8>, u8) {
        let pending = std::mem::take(&mut self.volatile.pending);
        if data.len() > MAX_COMMAND_DATA {
            return self.refuse(status::LENGTH_ERROR);
        }
        let result = match (code, pending) {
            (command::ADDITIONAL_FRAME, Pending::Authentication { key_no, key, rnd_b, iv }) => {
                return self.authenticate_second(key_no, &key, &rnd_b, iv, data);
            }
            (
                command::ADDITIONAL_FRAME,
                Pending::Write {
                    data: mut received,
                    expected,
                },
            ) => {
                received.extend_from_slice(data);
                self.write_data_frame(received, expected)
            }
            (command::ADDITIONAL_FRAME, Pending::Answer { frames }) if data.is_empty() => {
                return self.send_frames(frames, status::OPERATION_OK);
            }
            (command::AUTHENTICATE_AES, _) => return self.authenticate_first(KeyKind::Aes128, data),
            (command::AUTHENTICATE_ISO, _) => return self.authenticate_first(KeyKind::Des, data),
            (command::WRITE_DATA, _) => self.write_data_first(data),
            (command::CHANGE_KEY, _) => self.change_key(data),
            (command::CHANGE_KEY_SETTINGS, _) => self.change_key_settings(data),
            (code, _) => {
                // A plain command: under a session its CMAC advances the IV.
                if let Some(session) = self.volatile.session.as_mut() {
                    let message = [&[code], data].concat();
                    if session.key.cmac(&mut session.iv, &message).is_err() {
                        return self.refuse(status::INTEGRITY_ERROR);
                    }
                }
                self.plain_command(code, data)
            }
        };
        match result {
            Ok(Some(reply)) => self.protect(reply),
            Ok(None) => (Vec::new(), status::ADDITIONAL_FRAME),
            Err(refusal) => self.refuse(refusal),
        }
    }

    /// Commands whose data travels in clear.
    fn plain_command(&mut self, code: u8, data: &[u8]) -> Result<Option<Reply>, Refusal> {
        let reply = match code {
            command::GET_VERSION => self.get_version(data)?,
            command::GET_APPLICATION_IDS => self.get_application_ids(data)?,
            command::SELECT_APPLICATION => self.select_application(data)?,
            command::CREATE_APPLICATION => self.create_application(data)?,
            command::DELETE_APPLICATION => self.delete_application(data)?,
            command::GET_KEY_SETTINGS => self.get_key_settings(data)?,
            command::GET_KEY_VERSION => self.get_key_version(data)?,
            command::GET_FILE_IDS => self.get_file_ids(data)?,
            command::GET_FILE_SETTINGS => self.get_file_settings(data)?,
            command::CREATE_STD_DATA_FILE => self.create_data_file(data, false)?,
            command::CREATE_BACKUP_DATA_FILE => self.create_data_file(data, true)?,
            command::DELETE_FILE => self.delete_file(data)?,
            command::READ_DATA => self.read_data(data)?,
            command::COMMIT_TRANSACTION => self.commit_transaction(data)?,
            command::ABORT_TRANSACTION => {
                self.volatile.uncommitted.clear();
                Reply::Data(Vec::new())
            }
            command::GET_CARD_UID => {
                self.session_key_no().ok_or(status::AUTHENTICATION_ERROR)?;
                Reply::Secret(self.memory.uid.to_vec())
            }
            command::FREE_MEMORY => {
                let free = u32::try_from(self.memory.capacity.saturating_sub(self.used_memory())).unwrap_or(0);
                Reply::Data(free.to_le_bytes()[..3].to_vec())
            }
            command::FORMAT_PICC => self.format_picc(data)?,
            _ => return Err(status::ILLEGAL_COMMAND),
        };
        Ok(Some(reply))
    }

    /// An error answer: EV1 ends the session on every error.
    fn refuse(&mut self, refusal: Refusal) -> (Vec<u8>, u8) {
        self.volatile.session = None;
        self.volatile.pending = Pending::Nothing;
        (Vec::new(), refusal)
    }

    /// Applies the session's protection to a reply and sends its first frame.
    fn protect(&mut self, reply: Reply) -> (Vec<u8>, u8) {
        let version_split = matches!(reply, Reply::Version(_));
        let body = match (reply, self.volatile.session.as_mut()) {
            (Reply::EndsSession, _) => {
                self.volatile.session = None;
                Vec::new()
            }
            (Reply::Data(data) | Reply::Secret(data) | Reply::Version(data), None) => data,
            (Reply::Data(data) | Reply::Version(data), Some(session)) => {
                let Ok(mac) = session
                    .key
                    .cmac(&mut session.iv, &[data.as_slice(), &[status::OPERATION_OK]].concat())
                else {
                    return self.refuse(status::INTEGRITY_ERROR);
                };
                [data.as_slice(), &mac[..MAC_LEN]].concat()
            }
            (Reply::Secret(data), Some(session)) => {
                let mut enciphered = [data.as_slice(), &crc32(&[&data, &[status::OPERATION_OK]])].concat();
                pad_with_zeros(&mut enciphered, session.key.block_len());
                if session.key.encrypt_cbc(&mut session.iv, &mut enciphered).is_err() {
                    return self.refuse(status::INTEGRITY_ERROR);
                }
                enciphered
            }
        };
        let frames = if version_split {
            let (hardware, rest) = body.split_at(7);
            let (software, production) = rest.split_at(7);
            vec![hardware.to_vec(), software.to_vec(), production.to_vec()]
        } else {
            body.chunks(MAX_ANSWER_DATA).map(<[u8]>::to_vec).collect()
        };
        self.send_frames(frames, status::OPERATION_OK)
    }

    /// Sends the first of `frames`, keeping the rest for additional-frame requests.
    fn send_frames(&mut self, mut frames: Vec<Vec<u8>>, last_status: u8) -> (Vec<u8>, u8) {
        if frames.len() <= 1 {
            return (frames.pop().unwrap_or_default(), last_status);
        }
        let first = frames.remove(0);
        self.volatile.pending = Pending::Answer { frames };
        (first, status::ADDITIONAL_FRAME)
    }

    fn authenticate_first(&mut self, kind: KeyKind, data: &[u8]) -> (Vec<u8>, u8) {
        self.volatile.session = None;
        let [key_no] = data else {
            return self.refuse(status::LENGTH_ERROR);
        };
        let Some(stored) = self.key(*key_no) else {
            return self.refuse(status::NO_SUCH_KEY);
        };
        let key = stored.block_key();
        if key.kind() != kind {
            return self.refuse(status::AUTHENTICATION_ERROR);
        }
        let mut iv = vec![0; key.block_len()];
        let Ok(rnd_b) = random_bytes(key.block_len()) else {
            return self.refuse(status::COMMAND_ABORTED);
        };
        let mut challenge = rnd_b.clone();
        if key.encrypt_cbc(&mut iv, &mut challenge).is_err() {
            return self.refuse(status::INTEGRITY_ERROR);
        }
        self.volatile.pending = Pending::Authentication {
            key_no: *key_no,
            key,
            rnd_b,
            iv,
        };
        (challenge, status::ADDITIONAL_FRAME)
    }

    fn authenticate_second(
        &mut self,
        key_no: u8,
        key: &BlockKey,
        rnd_b: &[u8],
        mut iv: Vec<u8>,
        token: &[u8],
    ) -> (Vec<u8>, u8) {
        let block = key.block_len();
        let mut token = token.to_vec();
        if token.len() != 2 * block || key.decrypt_cbc(&mut iv, &mut token).is_err() {
            return self.refuse(status::LENGTH_ERROR);
        }
        let (rnd_a, rnd_b_rotated) = token.split_at(block);
        if rnd_b_rotated != rotate_left(rnd_b) {
            return self.refuse(status::AUTHENTICATION_ERROR);
        }
        let mut proof = rotate_left(rnd_a);
        let Ok(session_key) = session_key(key, rnd_a, rnd_b) else {
            return self.refuse(status::INTEGRITY_ERROR);
        };
        if key.encrypt_cbc(&mut iv, &mut proof).is_err() {
            return self.refuse(status::INTEGRITY_ERROR);
        }
        self.volatile.session = Some(Session {
            key: session_key,
            iv: vec![0; block],
            key_no,
        });
        (proof, status::OPERATION_OK)
    }

    fn get_version(&self, data: &[u8]) -> Result<Reply, Refusal> {
        expect_len(data, 0)?;
        Ok(Reply::Version(
            [
                &HARDWARE_VERSION[..],
                &SOFTWARE_VERSION,
                &self.memory.uid,
                &BATCH_AND_DATE,
            ]
            .concat(),
        ))
    }

    fn get_application_ids(&self, data: &[u8]) -> Result<Reply, Refusal> {
        expect_len(data, 0)?;
        self.at_card_level()?;
        self.listing_allowed(self.memory.card_key_settings)?;
        Ok(Reply::Data(
            self.memory
                .applications
                .iter()
                .flat_map(|application| application.aid)
                .collect(),
        ))
    }

    fn select_application(&mut self, data: &[u8]) -> Result<Reply, Refusal> {
        let aid: [u8; 3] = data.try_into().map_err(|_| status::LENGTH_ERROR)?;
        if aid != PICC_AID && self.memory.application(aid).is_none() {
            return Err(status::APPLICATION_NOT_FOUND);
        }
        self.reset_selection(aid);
        Ok(Reply::EndsSession)
    }

    /// A new selection ends the session and drops uncommitted writes.
    fn reset_selection(&mut self, aid: [u8; 3]) {
        self.volatile = Volatile {
            selected: aid,
            ..Volatile::default()
        };
    }

    fn create_application(&mut self, data: &[u8]) -> Result<Reply, Refusal> {
        self.at_card_level()?;
        let [a0, a1, a2, key_settings, key_spec, extra @ ..] = data else {
            return Err(status::LENGTH_ERROR);
        };
        let with_iso_names = key_spec & 0x20 != 0;
        if !extra.is_empty() && !with_iso_names {
            return Err(status::LENGTH_ERROR);
        }
        if self.memory.card_key_settings & 0x04 == 0 {
            self.require_key(0)?;
        }
        let aid = [*a0, *a1, *a2];
        let key_count = usize::from(key_spec & 0x0F);
        let cipher = match key_spec & 0xC0 {
            0x00 => Cipher::Des,
            APPLICATION_AES_KEYS => Cipher::Aes,
            _ => return Err(status::PARAMETER_ERROR),
        };
        if aid == PICC_AID || !(1..=14).contains(&key_count) {
            return Err(status::PARAMETER_ERROR);
        }
        if self.memory.application(aid).is_some() {
            return Err(status::DUPLICATE_ERROR);
        }
        if self.memory.applications.len() >= MAX_APPLICATIONS {
            return Err(status::OUT_OF_EEPROM);
        }
        self.memory.applications.push(Application {
            aid,
            key_settings: *key_settings,
            keys: vec![StoredKey::factory(cipher); key_count],
            files: Vec::new(),
        });
        Ok(Reply::Data(Vec::new()))
    }

    fn delete_application(&mut self, data: &[u8]) -> Result<Reply, Refusal> {
        let aid: [u8; 3] = data.try_into().map_err(|_| status::LENGTH_ERROR)?;
        let index = self
            .memory
            .applications
            .iter()
            .position(|application| application.aid == aid)
            .ok_or(status::APPLICATION_NOT_FOUND)?;
        let by_card_master = self.volatile.selected == PICC_AID;
        if !by_card_master && self.volatile.selected != aid {
            return Err(status::PERMISSION_DENIED);
        }
        self.require_key(0)?;
        self.memory.applications.remove(index);
        if by_card_master {
            Ok(Reply::Data(Vec::new()))
        } else {
            self.reset_selection(PICC_AID);
            Ok(Reply::EndsSession)
        }
    }

    fn get_key_settings(&self, data: &[u8]) -> Result<Reply, Refusal> {
        expect_len(data, 0)?;
        let (settings, keys) = match self.application()? {
            None => (
                self.memory.card_key_settings,
                std::slice::from_ref(&self.memory.card_master),
            ),
            Some(application) => (application.key_settings, application.keys.as_slice()),
        };
        self.listing_allowed(settings)?;
        let cipher_flag = match keys.first().map(|key| key.cipher) {
            Some(Cipher::Aes) => APPLICATION_AES_KEYS,
            _ => 0,
        };
        let count = u8::try_from(keys.len()).map_err(|_| status::PARAMETER_ERROR)?;
        Ok(Reply::Data(vec![settings, count | cipher_flag]))
    }

    fn get_key_version(&self, data: &[u8]) -> Result<Reply, Refusal> {
        let [key_no] = data else {
            return Err(status::LENGTH_ERROR);
        };
        let key = self.key(*key_no).ok_or(status::NO_SUCH_KEY)?;
        Ok(Reply::Data(vec![key.version]))
    }

    fn change_key_settings(&mut self, data: &[u8]) -> Result<Option<Reply>, Refusal> {
        self.require_key(0)?;
        let settings = self
            .application()?
            .map_or(self.memory.card_key_settings, |application| application.key_settings);
        if settings & 0x08 == 0 {
            return Err(status::PERMISSION_DENIED);
        }
        let plain = self.decipher(data)?;
        let [new_settings, checksum @ ..] = plain.as_slice() else {
            return Err(status::LENGTH_ERROR);
        };
        if !crc_and_padding_valid(checksum, &[&[command::CHANGE_KEY_SETTINGS, *new_settings]]) {
            return Err(status::INTEGRITY_ERROR);
        }
        match self.application_mut()? {
            Some(application) => application.key_settings = *new_settings,
            None => self.memory.card_key_settings = *new_settings,
        }
        Ok(Some(Reply::Data(Vec::new())))
    }

    fn change_key(&mut self, data: &[u8]) -> Result<Option<Reply>, Refusal> {
        let [key_no_byte, enciphered @ ..] = data else {
            return Err(status::LENGTH_ERROR);
        };
        let target = key_no_byte & 0x0F;
        let current = self.key(target).ok_or(status::NO_SUCH_KEY)?.clone();
        let session_key_no = self.session_key_no().ok_or(status::AUTHENTICATION_ERROR)?;
        let (settings, new_cipher) = match self.application()? {
            None => match key_no_byte & 0xC0 {
                PICC_AES_KEY_FLAG => (self.memory.card_key_settings, Cipher::Aes),
                0x00 => (self.memory.card_key_settings, Cipher::Des),
                _ => return Err(status::PARAMETER_ERROR),
            },
            Some(application) => (application.key_settings, current.cipher),
        };
        let allowed = if target == 0 {
            session_key_no == 0 && settings & 0x01 != 0
        } else {
            match settings >> 4 {
                0x0E => session_key_no == target,
                NEVER => false,
                access => session_key_no == access,
            }
        };
        if !allowed {
            return Err(status::PERMISSION_DENIED);
        }
        let same_key = session_key_no == target;
        let plain = self.decipher(enciphered)?;
        let version_len = usize::from(new_cipher == Cipher::Aes);
        let (sent_key, rest) = plain.split_at_checked(KEY_LEN).ok_or(status::LENGTH_ERROR)?;
        let (version, rest) = rest.split_at_checked(version_len).ok_or(status::LENGTH_ERROR)?;
        let mut value = [0u8; KEY_LEN];
        for ((byte, sent), old) in value.iter_mut().zip(sent_key).zip(&current.value) {
            *byte = if same_key { *sent } else { sent ^ old };
        }
        let command_part: &[&[u8]] = &[&[command::CHANGE_KEY, *key_no_byte], sent_key, version];
        let valid = if same_key {
            crc_and_padding_valid(rest, command_part)
        } else {
            let (checksum, new_key_checksum) = rest.split_at_checked(4).ok_or(status::LENGTH_ERROR)?;
            *checksum == crc32(command_part) && crc_and_padding_valid(new_key_checksum, &[&value])
        };
        if !valid {
            return Err(status::INTEGRITY_ERROR);
        }
        let new_key = StoredKey {
            cipher: new_cipher,
            value,
            version: version.first().copied().unwrap_or(0),
        };
        match self.application_mut()? {
            Some(application) => application.keys[usize::from(target)] = new_key,
            None => self.memory.card_master = new_key,
        }
        Ok(Some(if same_key {
            Reply::EndsSession
        } else {
            Reply::Data(Vec::new())
        }))
    }

    fn get_file_ids(&self, data: &[u8]) -> Result<Reply, Refusal> {
        expect_len(data, 0)?;
        let application = self.application()?.ok_or(status::PERMISSION_DENIED)?;
        self.listing_allowed(application.key_settings)?;
        Ok(Reply::Data(application.files.iter().map(|file| file.no).collect()))
    }

    fn get_file_settings(&self, data: &[u8]) -> Result<Reply, Refusal> {
        let [file_no] = data else {
            return Err(status::LENGTH_ERROR);
        };
        let application = self.application()?.ok_or(status::PERMISSION_DENIED)?;
        self.listing_allowed(application.key_settings)?;
        let file = self.file(*file_no)?;
        let size = u32::try_from(file.data.len())
            .map_err(|_| status::BOUNDARY_ERROR)?
            .to_le_bytes();
        Ok(Reply::Data(vec![
            u8::from(file.backup),
            file.comm,
            file.access[0],
            file.access[1],
            size[0],
            size[1],
            size[2],
        ]))
    }

    fn create_data_file(&mut self, data: &[u8], backup: bool) -> Result<Reply, Refusal> {
        let application = self.application()?.ok_or(status::PERMISSION_DENIED)?;
        let (settings, used) = (application.key_settings, self.used_memory());
        // With ISO file identifiers the file number is followed by two more bytes.
        let fields = match data.len() {
            7 => data.to_vec(),
            9 => [&data[..1], &data[3..]].concat(),
            _ => return Err(status::LENGTH_ERROR),
        };
        let [no, comm, access_low, access_high, s0, s1, s2] = fields[..] else {
            return Err(status::LENGTH_ERROR);
        };
        if settings & 0x04 == 0 {
            self.require_key(0)?;
        }
        let size = usize::try_from(u32::from_le_bytes([s0, s1, s2, 0])).map_err(|_| status::PARAMETER_ERROR)?;
        if no > MAX_FILE_NO || size == 0 || ![0, 1, 3].contains(&comm) {
            return Err(status::PARAMETER_ERROR);
        }
        if self.file(no).is_ok() {
            return Err(status::DUPLICATE_ERROR);
        }
        if used + file_footprint(size, backup) > self.memory.capacity {
            return Err(status::OUT_OF_EEPROM);
        }
        let file = DataFile {
            no,
            backup,
            comm,
            access: [access_low, access_high],
            data: vec![0; size],
        };
        self.application_mut()?
            .ok_or(status::PERMISSION_DENIED)?
            .files
            .push(file);
        Ok(Reply::Data(Vec::new()))
    }

    fn delete_file(&mut self, data: &[u8]) -> Result<Reply, Refusal> {
        let [file_no] = data else {
            return Err(status::LENGTH_ERROR);
        };
        let settings = self.application()?.ok_or(status::PERMISSION_DENIED)?.key_settings;
        self.file(*file_no)?;
        if settings & 0x04 == 0 {
            self.require_key(0)?;
        }
        let application = self.application_mut()?.ok_or(status::PERMISSION_DENIED)?;
        application.files.retain(|file| file.no != *file_no);
        self.volatile.uncommitted.retain(|(no, _)| no != file_no);
        Ok(Reply::Data(Vec::new()))
    }

    fn read_data(&self, data: &[u8]) -> Result<Reply, Refusal> {
        let (file_no, offset, len) = file_header(data)?;
        let file = self.file(file_no)?;
        let rights = AccessRights::from_le_bytes(file.access);
        let comm = self.effective_comm(file, &[rights.read, rights.read_write])?;
        let len = if len == 0 {
            file.data.len().saturating_sub(offset)
        } else {
            len
        };
        let range = offset..offset.checked_add(len).ok_or(status::BOUNDARY_ERROR)?;
        let bytes = file.data.get(range).ok_or(status::BOUNDARY_ERROR)?.to_vec();
        Ok(if comm == CommMode::Enciphered as u8 {
            Reply::Secret(bytes)
        } else {
            Reply::Data(bytes)
        })
    }

    /// The first frame of a WriteData: checks what it can and says how much data is to come.
    fn write_data_first(&mut self, data: &[u8]) -> Result<Option<Reply>, Refusal> {
        let header = data.get(..7).ok_or(status::LENGTH_ERROR)?;
        let (file_no, _, len) = file_header(header)?;
        let file = self.file(file_no)?;
        let rights = AccessRights::from_le_bytes(file.access);
        let comm = self.effective_comm(file, &[rights.write, rights.read_write])?;
        let block = self
            .volatile
            .session
            .as_ref()
            .map_or(1, |session| session.key.block_len());
        let protected_len = match (comm, self.volatile.session.is_some()) {
            (0x01, true) => len + MAC_LEN,
            (0x03, true) => (len + 4).next_multiple_of(block),
            _ => len,
        };
        self.write_data_frame(data.to_vec(), 7 + protected_len)
    }

    fn write_data_frame(&mut self, data: Vec<u8>, expected: usize) -> Result<Option<Reply>, Refusal> {
        if data.len() < expected {
            self.volatile.pending = Pending::Write { data, expected };
            return Ok(None);
        }
        if data.len() > expected {
            return Err(status::LENGTH_ERROR);
        }
        let (header, protected) = data.split_at(7);
        let (file_no, offset, len) = file_header(header)?;
        let file = self.file(file_no)?;
        let rights = AccessRights::from_le_bytes(file.access);
        let comm = self.effective_comm(file, &[rights.write, rights.read_write])?;
        let backup = file.backup;
        let mut contents = self
            .volatile
            .uncommitted
            .iter()
            .find(|(no, _)| *no == file_no)
            .map_or_else(|| file.data.clone(), |(_, working)| working.clone());
        let new_data = match (comm, self.volatile.session.is_some()) {
            (0x03, true) => {
                let plain = self.decipher(protected)?;
                let (new_data, rest) = plain.split_at_checked(len).ok_or(status::LENGTH_ERROR)?;
                if !crc_and_padding_valid(rest, &[&[command::WRITE_DATA], header, new_data]) {
                    return Err(status::INTEGRITY_ERROR);
                }
                new_data.to_vec()
            }
            (0x01, true) => {
                let session = self.volatile.session.as_mut().ok_or(status::AUTHENTICATION_ERROR)?;
                let (new_data, tag) = protected.split_at(len);
                let message = [&[command::WRITE_DATA], header, new_data].concat();
                let mac = session
                    .key
                    .cmac(&mut session.iv, &message)
                    .map_err(|_| status::INTEGRITY_ERROR)?;
                if mac[..MAC_LEN] != *tag {
                    return Err(status::INTEGRITY_ERROR);
                }
                new_data.to_vec()
            }
            _ => {
                if let Some(session) = self.volatile.session.as_mut() {
                    let message = [&[command::WRITE_DATA], header, protected].concat();
                    session
                        .key
                        .cmac(&mut session.iv, &message)
                        .map_err(|_| status::INTEGRITY_ERROR)?;
                }
                protected.to_vec()
            }
        };
        let target = contents.get_mut(offset..offset + len).ok_or(status::BOUNDARY_ERROR)?;
        target.copy_from_slice(&new_data);
        if backup {
            self.volatile.uncommitted.retain(|(no, _)| *no != file_no);
            self.volatile.uncommitted.push((file_no, contents));
        } else {
            self.file_mut(file_no)?.data = contents;
        }
        Ok(Some(Reply::Data(Vec::new())))
    }

    fn commit_transaction(&mut self, data: &[u8]) -> Result<Reply, Refusal> {
        expect_len(data, 0)?;
        self.application()?.ok_or(status::PERMISSION_DENIED)?;
        for (file_no, contents) in std::mem::take(&mut self.volatile.uncommitted) {
            self.file_mut(file_no)?.data = contents;
        }
        Ok(Reply::Data(Vec::new()))
    }

    fn format_picc(&mut self, data: &[u8]) -> Result<Reply, Refusal> {
        expect_len(data, 0)?;
        self.at_card_level()?;
        self.require_key(0)?;
        self.memory.applications.clear();
        Ok(Reply::Data(Vec::new()))
    }

    /// Deciphers data sent under the session and advances its IV.
    fn decipher(&mut self, enciphered: &[u8]) -> Result<Vec<u8>, Refusal> {
        let session = self.volatile.session.as_mut().ok_or(status::AUTHENTICATION_ERROR)?;
        let mut plain = enciphered.to_vec();
        if plain.is_empty() || session.key.decrypt_cbc(&mut session.iv, &mut plain).is_err() {
            return Err(status::LENGTH_ERROR);
        }
        Ok(plain)
    }

    /// The communication a file operation uses: plain when one of `keys`
    /// leaves it free, the file's own setting for a session key among them.
    fn effective_comm(&self, file: &DataFile, keys: &[u8]) -> Result<u8, Refusal> {
        if keys.contains(&FREE) {
            return Ok(CommMode::Plain as u8);
        }
        match self.session_key_no() {
            None => Err(status::AUTHENTICATION_ERROR),
            Some(key_no) if keys.contains(&key_no) => Ok(file.comm),
            Some(_) => Err(status::PERMISSION_DENIED),
        }
    }

    fn require_key(&self, key_no: u8) -> Result<(), Refusal> {
        match self.session_key_no() {
            Some(authenticated) if authenticated == key_no => Ok(()),
            Some(_) => Err(status::PERMISSION_DENIED),
            None => Err(status::AUTHENTICATION_ERROR),
        }
    }

    /// Directory listings need the master key unless the settings' bit 1 frees them.
    fn listing_allowed(&self, settings: u8) -> Result<(), Refusal> {
        if settings & 0x02 != 0 {
            Ok(())
        } else {
            self.require_key(0)
        }
    }

    fn session_key_no(&self) -> Option<u8> {
        self.volatile.session.as_ref().map(|session| session.key_no)
    }

    fn at_card_level(&self) -> Result<(), Refusal> {
        if self.volatile.selected == PICC_AID {
            Ok(())
        } else {
            Err(status::PERMISSION_DENIED)
        }
    }

    /// The selected application, or `None` at card level.
    fn application(&self) -> Result<Option<&Application>, Refusal> {
        if self.volatile.selected == PICC_AID {
            return Ok(None);
        }
        self.memory
            .application(self.volatile.selected)
            .map(Some)
            .ok_or(status::APPLICATION_NOT_FOUND)
    }

    fn application_mut(&mut self) -> Result<Option<&mut Application>, Refusal> {
        let selected = self.volatile.selected;
        if selected == PICC_AID {
            return Ok(None);
        }
        let application = self
            .memory
            .applications
            .iter_mut()
            .find(|application| application.aid == selected);
        application.map(Some).ok_or(status::APPLICATION_NOT_FOUND)
    }

    fn key(&self, key_no: u8) -> Option<&StoredKey> {
        match self.application().ok()? {
            None => (key_no == 0).then_some(&self.memory.card_master),
            Some(application) => application.keys.get(usize::from(key_no)),
        }
    }

    fn file(&self, file_no: u8) -> Result<&DataFile, Refusal> {
        let application = self.application()?.ok_or(status::PERMISSION_DENIED)?;
        application
            .files
            .iter()
            .find(|file| file.no == file_no)
            .ok_or(status::FILE_NOT_FOUND)
    }

    fn file_mut(&mut self, file_no: u8) -> Result<&mut DataFile, Refusal> {
        let application = self.application_mut()?.ok_or(status::PERMISSION_DENIED)?;
        application
            .files
            .iter_mut()
            .find(|file| file.no == file_no)
            .ok_or(status::FILE_NOT_FOUND)
    }

    fn used_memory(&self) -> usize {
        let files = self
            .memory
            .applications
            .iter()
            .flat_map(|application| &application.files);
        files.map(|file| file_footprint(file.data.len(), file.backup)).sum()
    }
}

// Made here rather than in the memory module: issuing runs the card itself.
impl CardMemory {
    /// A card issued with `keys` and `layout`, holding `credential` and no
    /// photo (as cards were before they carried one): a blank card
    /// personalised through the same protocol path as a real one.
    pub fn issued(
        uid: [u8; UID_LEN],
        keys: &OfficeKeys,
        layout: &ChipLayout,
        credential: &[u8],
    ) -> Result<Self, VcardError> {
        let mut card = VirtualCard::new(Self::blank(uid, Cipher::Aes));
        pass_reader::personalise(&mut card, keys, layout, None, &|_, _| Ok(credential.to_vec()))?;
        Ok(card.memory().clone())
    }
}

/// The in-process way in: a torn card is a card removed.
impl Transport for VirtualCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, ReaderError> {
        match self.transmit_apdu(command) {
            Ok(Answer::Response(response)) => Ok(response),
            Ok(Answer::Torn) => Err(ReaderError::CardRemoved),
            Err(error) => Err(ReaderError::Pcsc {
                operation: "keep the virtual card's memory",
                detail: error.to_string(),
            }),
        }
    }
}

fn expect_len(data: &[u8], len: usize) -> Result<(), Refusal> {
    if data.len() == len {
        Ok(())
    } else {
        Err(status::LENGTH_ERROR)
    }
}

/// File number, offset and length of ReadData and WriteData.
fn file_header(data: &[u8]) -> Result<(u8, usize, usize), Refusal> {
    let [file_no, o0, o1, o2, l0, l1, l2] = data[..] else {
        return Err(status::LENGTH_ERROR);
    };
    let offset = usize::try_from(u32::from_le_bytes([o0, o1, o2, 0])).map_err(|_| status::BOUNDARY_ERROR)?;
    let len = usize::try_from(u32::from_le_bytes([l0, l1, l2, 0])).map_err(|_| status::BOUNDARY_ERROR)?;
    Ok((file_no, offset, len))
}

/// Whether `rest` is the CRC32 of `parts` followed by zero padding only.
fn crc_and_padding_valid(rest: &[u8], parts: &[&[u8]]) -> bool {
    let Some((checksum, padding)) = rest.split_at_checked(4) else {
        return false;
    };
    *checksum == crc32(parts) && padding.iter().all(|byte| *byte == 0) && padding.len() < 16
}

fn file_footprint(size: usize, backup: bool) -> usize {
    size.next_multiple_of(MEMORY_BLOCK) * if backup { 2 } else { 1 }
}
