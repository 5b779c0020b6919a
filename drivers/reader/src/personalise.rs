//! Personalising one card, and reading its credential back.
//!
//! The card office puts one application on each card: AES keys 0 (application
//! master), 1 (read) and 2 (write), and two backup data files, enciphered: the
//! credential, and the holder's photo (cards issued without a photo have the
//! first only). Every key on the card, the card's own master key included, is
//! diversified from the office's master keys and the card's UID.
//!
//! A card can leave the reader at any moment, so the issue is a sequence in
//! which every intermediate state can be recognised and carried on from
//! (after the card's own UID, read under the card master key, is found to be
//! the one the reader reported and the keys were diversified from):
//! 1. the card master key changes from the factory key to ours (a card whose
//!    master key is ours but lacks the application is one of ours, unfinished);
//! 2. the application is created, with all-zero keys of version 0;
//! 3. the files are created, then keys 1, 2 and 0 change in that order, each
//!    to version [`ISSUED_KEY_VERSION`], so key versions tell which were done
//!    and an application master key of that version means all are;
//! 4. the credential and the photo are written and committed together: until
//!    CommitTransaction both backup files keep their previous contents, so a
//!    pulled card never holds half a credential, nor a photo that is not the
//!    one its credential names;
//! 5. both are read back with the read key and compared.
//!
//! Before step 1 the card's free memory is checked against the files still to
//! create: a card too small is refused with nothing written.
//!
//! A second attempt on an interrupted card probes the card the same way and
//! skips what is done. Reissue of one of our cards is the same path: the
//! credential is written again.

use zeroize::Zeroize;

use crate::ReaderError;
use crate::desfire::crypto::{BlockKey, KEY_LEN, KeyKind};
use crate::desfire::{AccessRights, CommMode, Desfire, PICC_AID, status};
use crate::diversify::{diversification_input, diversify_aes128};
use crate::transport::Transport;

/// Version given to every key the office sets; factory and new-application keys are version 0.
pub const ISSUED_KEY_VERSION: u8 = 0x01;
const APP_MASTER_KEY: u8 = 0;
const READ_KEY: u8 = 1;
const WRITE_KEY: u8 = 2;
const APP_KEY_COUNT: u8 = 3;
/// Application key settings: master key changeable, file list and key
/// versions readable without a key (so an interrupted issue can be
/// inspected), files created only with the master key, configuration
/// changeable, keys changed only with the master key.
const APP_KEY_SETTINGS: u8 = 0x0B;
const FILE_RIGHTS: AccessRights = AccessRights {
    read: READ_KEY,
    write: WRITE_KEY,
    read_write: WRITE_KEY,
    change: 0,
};
/// The file starts with the credential's length, big-endian, as the file is usually longer.
const LENGTH_PREFIX: usize = 2;

/// The office's master keys, from which every card's keys are diversified.
/// `Debug` never shows them, and they are wiped when dropped.
pub struct OfficeKeys {
    pub picc_master: [u8; KEY_LEN],
    pub app_master: [u8; KEY_LEN],
    pub read: [u8; KEY_LEN],
    pub write: [u8; KEY_LEN],
}

impl std::fmt::Debug for OfficeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OfficeKeys { .. }")
    }
}

impl Drop for OfficeKeys {
    fn drop(&mut self) {
        for key in [
            &mut self.picc_master,
            &mut self.app_master,
            &mut self.read,
            &mut self.write,
        ] {
            key.zeroize();
        }
    }
}

/// Where the credential and the photo live on the chip, and the system
/// identifier that goes into key diversification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipLayout {
    pub aid: [u8; 3],
    pub file_no: u8,
    /// Bytes in the file: the credential and its 2-byte length must fit.
    pub file_size: u32,
    pub photo_file_no: u8,
    /// Bytes in the photo's file: the photo and its 2-byte length must fit.
    pub photo_file_size: u32,
    pub system_identifier: Vec<u8>,
}

impl ChipLayout {
    /// Card memory the files take: DESFire gives memory in 32-byte blocks,
    /// and a backup file holds two copies.
    fn footprint(file_size: u32) -> u32 {
        file_size.next_multiple_of(32) * 2
    }

    /// The largest photo the photo's file takes.
    pub fn photo_capacity(&self) -> Result<usize, ReaderError> {
        file_capacity(self.photo_file_size)
    }

    /// The memory an issue needs on a blank card, with or without a photo.
    pub fn memory_needed(&self, with_photo: bool) -> u32 {
        Self::footprint(self.file_size)
            + if with_photo {
                Self::footprint(self.photo_file_size)
            } else {
                0
            }
    }
}

/// The smallest DESFire memory size (2, 4 or 8 KB) that holds `bytes` of files.
fn card_size_for(bytes: u32) -> &'static str {
    match bytes {
        0..=2048 => "2 KB",
        2049..=4096 => "4 KB",
        _ => "8 KB",
    }
}

/// What a card of ours holds: its credential and, since cards carry one,
/// the holder's photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipContents {
    pub credential: Vec<u8>,
    /// `None` on a card issued without a photo.
    pub photo: Option<Vec<u8>>,
}

/// What a card was when it came to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    /// Factory card master key (all-zero AES or DES), no application of ours.
    Blank,
    /// Our diversified card master key: issued here, or an issue that was interrupted.
    Ours,
    /// Anything else. Never changed.
    Foreign,
}

/// The outcome of a personalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Personalised {
    pub uid: Vec<u8>,
    pub kind_before: CardKind,
    /// APDUs exchanged with the card, additional frames included.
    pub apdu_exchanges: usize,
}

/// Tells a blank card, one of ours, and a foreign one apart, without changing it.
pub fn classify(
    transport: &mut impl Transport,
    keys: &OfficeKeys,
    layout: &ChipLayout,
) -> Result<(CardKind, Vec<u8>), ReaderError> {
    let mut card = Desfire::new(transport);
    let probe = probe(&mut card, keys, layout)?;
    Ok((probe.kind, probe.uid))
}

/// What makes the credential for a card from its UID and what the card was
/// before (the caller signs it, bound to the UID, and may refuse a card, such
/// as a "blank" one whose UID it issued before); an error stops the issue
/// before anything is written.
pub type CredentialFor<'a> = &'a dyn Fn(&[u8], CardKind) -> Result<Vec<u8>, String>;

/// Brings a blank card, or one of ours in any state an earlier attempt left,
/// to an issued card holding `credential(uid)` and `photo`, verified by
/// reading them back with the read key. A foreign card, or one too small for
/// the files, is refused unchanged.
pub fn personalise(
    transport: &mut impl Transport,
    keys: &OfficeKeys,
    layout: &ChipLayout,
    photo: Option<&[u8]>,
    credential: CredentialFor<'_>,
) -> Result<Personalised, ReaderError> {
    let capacity = file_capacity(layout.file_size)?;
    let photo_content = photo
        .map(|photo| framed(photo, file_capacity(layout.photo_file_size)?))
        .transpose()?;
    let mut card = Desfire::new(transport);
    let probe = probe(&mut card, keys, layout)?;
    let Some(card_master) = probe.card_master else {
        return Err(ReaderError::ForeignCard);
    };
    // Every key is diversified from the UID the reader reported: had it been
    // misread, or were it a random ID, the card would get keys no later
    // reading could derive. The probe's session reads the card's own UID.
    if card.get_card_uid()? != probe.uid {
        return Err(ReaderError::UidMismatch);
    }
    let credential = credential(&probe.uid, probe.kind).map_err(|detail| ReaderError::CredentialNotMade {
        uid: probe.uid.iter().map(|b| format!("{b:02X}")).collect(),
        detail,
    })?;
    let content = framed(&credential, capacity)?;
    let card_keys = &probe.keys;
    check_free_memory(&mut card, layout, &probe, photo.is_some())?;
    if let CardMaster::Factory(kind) = card_master {
        // The session's own key: the card ends the session and needs no current value.
        card.change_key(0, card_keys.picc.bytes(), ISSUED_KEY_VERSION, &BlockKey::zero(kind))?;
    }
    if !probe.application_present {
        create_application(&mut card, card_keys, layout)?;
    }
    card.select_application(layout.aid)?;
    prepare_application(
        &mut card,
        card_keys,
        layout,
        !probe.application_present,
        photo.is_some(),
    )?;
    card.authenticate(WRITE_KEY, &card_keys.write)?;
    card.write_data(layout.file_no, 0, &content)?;
    if let Some(photo_content) = &photo_content {
        card.write_data(layout.photo_file_no, 0, photo_content)?;
    }
    card.commit_transaction()?;
    let written = ChipContents {
        credential,
        photo: photo.map(<[u8]>::to_vec),
    };
    if read_with_read_key(&mut card, card_keys, layout)? != written {
        return Err(ReaderError::VerifyMismatch);
    }
    Ok(Personalised {
        uid: probe.uid,
        kind_before: probe.kind,
        apdu_exchanges: card.exchanges(),
    })
}

/// The UID and the contents of one of our cards, read after authenticating
/// with the card's diversified read key (which a copy of the data lacks).
pub fn read_credential(
    transport: &mut impl Transport,
    keys: &OfficeKeys,
    layout: &ChipLayout,
) -> Result<(Vec<u8>, ChipContents), ReaderError> {
    let mut card = Desfire::new(transport);
    let uid = card.uid_from_reader()?;
    let card_keys = CardKeys::derive(keys, &uid, layout)?;
    card.select_application(layout.aid)?;
    let contents = read_with_read_key(&mut card, &card_keys, layout)?;
    Ok((uid, contents))
}

/// The office's read key alone, as a gate holds it: enough to tell a genuine
/// card of ours and read its credential, never to write, reissue or format a
/// card. `Debug` never shows it, and it is wiped when dropped.
pub struct GateKeys {
    pub read: [u8; KEY_LEN],
}

impl std::fmt::Debug for GateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GateKeys { .. }")
    }
}

impl Drop for GateKeys {
    fn drop(&mut self) {
        self.read.zeroize();
    }
}

/// What a gate reads on a card with the read key alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateReading {
    /// [`CardKind::Ours`] for a genuine card of ours; any other card, blank or
    /// foreign or a copy, is [`CardKind::Foreign`]: a gate cannot tell those
    /// apart, and need not.
    pub kind: CardKind,
    pub uid: Vec<u8>,
    /// The contents of a genuine card of ours.
    pub contents: Option<ChipContents>,
}

impl GateReading {
    fn foreign(uid: Vec<u8>) -> GateReading {
        GateReading {
            kind: CardKind::Foreign,
            uid,
            contents: None,
        }
    }
}

/// Reads a card as a gate does, with the read key alone: the UID, and the
/// credential of a card that proved it holds our diversified read key.
pub fn read_as_gate(
    transport: &mut impl Transport,
    keys: &GateKeys,
    layout: &ChipLayout,
) -> Result<GateReading, ReaderError> {
    let mut card = Desfire::new(transport);
    card.select_application(PICC_AID)?;
    let uid = card.uid_from_reader()?;
    let input = diversification_input(&uid, layout.aid, &layout.system_identifier);
    let mut key = diversify_aes128(&keys.read, &input)?;
    let read_key = BlockKey::new(KeyKind::Aes128, &key);
    key.zeroize();
    match card.select_application(layout.aid) {
        Err(ReaderError::NoSuchApplication { .. }) => return Ok(GateReading::foreign(uid)),
        other => other?,
    }
    if !authenticates(&mut card, READ_KEY, &read_key)? {
        return Ok(GateReading::foreign(uid));
    }
    let contents = Some(read_files(&mut card, layout)?);
    Ok(GateReading {
        kind: CardKind::Ours,
        uid,
        contents,
    })
}

/// One card's diversified keys.
struct CardKeys {
    picc: BlockKey,
    app_master: BlockKey,
    read: BlockKey,
    write: BlockKey,
}

impl CardKeys {
    fn derive(keys: &OfficeKeys, uid: &[u8], layout: &ChipLayout) -> Result<Self, ReaderError> {
        let card_input = diversification_input(uid, PICC_AID, &layout.system_identifier);
        let application_input = diversification_input(uid, layout.aid, &layout.system_identifier);
        let aes = |master: &[u8; KEY_LEN], input: &[u8]| -> Result<BlockKey, ReaderError> {
            let mut key = diversify_aes128(master, input)?;
            let block_key = BlockKey::new(KeyKind::Aes128, &key);
            key.zeroize();
            Ok(block_key)
        };
        Ok(Self {
            picc: aes(&keys.picc_master, &card_input)?,
            app_master: aes(&keys.app_master, &application_input)?,
            read: aes(&keys.read, &application_input)?,
            write: aes(&keys.write, &application_input)?,
        })
    }
}

/// Which card master key the card has; the probe leaves a session with it open.
#[derive(Debug, Clone, Copy)]
enum CardMaster {
    Factory(KeyKind),
    Diversified,
}

struct Probe {
    kind: CardKind,
    uid: Vec<u8>,
    keys: CardKeys,
    card_master: Option<CardMaster>,
    application_present: bool,
}

/// Looks at the card without changing it: its UID, whether our application
/// is there, and which card master key it accepts.
fn probe<T: Transport + ?Sized>(
    card: &mut Desfire<'_, T>,
    keys: &OfficeKeys,
    layout: &ChipLayout,
) -> Result<Probe, ReaderError> {
    card.select_application(PICC_AID)?;
    let uid = card.uid_from_reader()?;
    let card_keys = CardKeys::derive(keys, &uid, layout)?;
    let application_present = match card.get_application_ids() {
        Ok(aids) => aids.contains(&layout.aid),
        Err(ReaderError::AuthenticationFailed { .. } | ReaderError::PermissionDenied { .. }) => {
            // A locked directory: we never lock ours.
            let kind = CardKind::Foreign;
            return Ok(Probe {
                kind,
                uid,
                keys: card_keys,
                card_master: None,
                application_present: false,
            });
        }
        Err(other) => return Err(other),
    };
    let candidates: &[(CardMaster, BlockKey)] = &if application_present {
        vec![(CardMaster::Diversified, card_keys.picc.clone())]
    } else {
        vec![
            (CardMaster::Factory(KeyKind::Aes128), BlockKey::zero(KeyKind::Aes128)),
            (CardMaster::Factory(KeyKind::Des), BlockKey::zero(KeyKind::Des)),
            (CardMaster::Diversified, card_keys.picc.clone()),
        ]
    };
    let mut card_master = None;
    for (master, key) in candidates {
        if authenticates(card, 0, key)? {
            card_master = Some(*master);
            break;
        }
    }
    let kind = match card_master {
        Some(CardMaster::Factory(_)) => CardKind::Blank,
        Some(CardMaster::Diversified) => CardKind::Ours,
        None => CardKind::Foreign,
    };
    Ok(Probe {
        kind,
        uid,
        keys: card_keys,
        card_master,
        application_present,
    })
}

/// Whether the card accepts `key` as key `key_no`; a refusal is an answer, not an error.
fn authenticates<T: Transport + ?Sized>(
    card: &mut Desfire<'_, T>,
    key_no: u8,
    key: &BlockKey,
) -> Result<bool, ReaderError> {
    match card.authenticate(key_no, key) {
        Ok(()) => Ok(true),
        Err(ReaderError::AuthenticationFailed { .. } | ReaderError::PermissionDenied { .. }) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Creates our application at card level; a card that does not allow it
/// without the card master key gets it.
fn create_application<T: Transport + ?Sized>(
    card: &mut Desfire<'_, T>,
    keys: &CardKeys,
    layout: &ChipLayout,
) -> Result<(), ReaderError> {
    match card.create_application(layout.aid, APP_KEY_SETTINGS, APP_KEY_COUNT) {
        Err(ReaderError::AuthenticationFailed { .. } | ReaderError::PermissionDenied { .. }) => {
            card.authenticate(0, &keys.picc)?;
            card.create_application(layout.aid, APP_KEY_SETTINGS, APP_KEY_COUNT)
        }
        result => result,
    }
}

/// Brings the selected application to its files plus diversified keys.
/// `new` says it was just created (all default, no file), which spares the
/// checks; `with_photo` that the photo's file is wanted too.
fn prepare_application<T: Transport + ?Sized>(
    card: &mut Desfire<'_, T>,
    keys: &CardKeys,
    layout: &ChipLayout,
    new: bool,
    with_photo: bool,
) -> Result<(), ReaderError> {
    let wanted = wanted_files(layout, with_photo);
    let create_missing = |card: &mut Desfire<'_, T>, present: &[u8]| -> Result<(), ReaderError> {
        for &(file_no, size) in wanted.iter().filter(|(file_no, _)| !present.contains(file_no)) {
            card.create_backup_data_file(file_no, CommMode::Enciphered, FILE_RIGHTS, size)?;
        }
        Ok(())
    };
    let present = |card: &mut Desfire<'_, T>| if new { Ok(Vec::new()) } else { card.get_file_ids() };
    if !new && card.get_key_version(APP_MASTER_KEY)? == ISSUED_KEY_VERSION {
        // The master key changes last: every key is ours. Only files may be missing.
        let present = present(card)?;
        if wanted.iter().any(|(file_no, _)| !present.contains(file_no)) {
            card.authenticate(APP_MASTER_KEY, &keys.app_master)?;
            create_missing(card, &present)?;
        }
        return Ok(());
    }
    let factory = BlockKey::zero(KeyKind::Aes128);
    card.authenticate(APP_MASTER_KEY, &factory)?;
    let present = present(card)?;
    create_missing(card, &present)?;
    for (key_no, key) in [(READ_KEY, &keys.read), (WRITE_KEY, &keys.write)] {
        if new || card.get_key_version(key_no)? != ISSUED_KEY_VERSION {
            card.change_key(key_no, key.bytes(), ISSUED_KEY_VERSION, &factory)?;
        }
    }
    card.change_key(APP_MASTER_KEY, keys.app_master.bytes(), ISSUED_KEY_VERSION, &factory)
}

/// The files an issue needs, by number and size.
fn wanted_files(layout: &ChipLayout, with_photo: bool) -> Vec<(u8, u32)> {
    let mut files = vec![(layout.file_no, layout.file_size)];
    if with_photo {
        files.push((layout.photo_file_no, layout.photo_file_size));
    }
    files
}

/// Refuses, before anything is written, a card whose free memory cannot take
/// the files still to create. A card without our application stays at card
/// level in the probe's session; one with it is left with it selected, as
/// the issue goes on there.
fn check_free_memory<T: Transport + ?Sized>(
    card: &mut Desfire<'_, T>,
    layout: &ChipLayout,
    probe: &Probe,
    with_photo: bool,
) -> Result<(), ReaderError> {
    let mut wanted = wanted_files(layout, with_photo);
    if probe.application_present {
        card.select_application(layout.aid)?;
        let present = card.get_file_ids()?;
        wanted.retain(|(file_no, _)| !present.contains(file_no));
    }
    let needed: u32 = wanted.iter().map(|(_, size)| ChipLayout::footprint(*size)).sum();
    if needed == 0 {
        return Ok(());
    }
    let free = card.get_free_memory()?;
    if free < needed {
        return Err(ReaderError::CardTooSmall {
            free,
            needed,
            suffices: card_size_for(layout.memory_needed(with_photo)),
        });
    }
    Ok(())
}

/// Authenticates with the read key and returns what the files hold.
fn read_with_read_key<T: Transport + ?Sized>(
    card: &mut Desfire<'_, T>,
    keys: &CardKeys,
    layout: &ChipLayout,
) -> Result<ChipContents, ReaderError> {
    card.authenticate(READ_KEY, &keys.read)?;
    read_files(card, layout)
}

/// The credential and the photo, in a session already authenticated to read
/// them. A card issued without a photo has no photo file: the card says so
/// last, as its answer ends the session.
fn read_files<T: Transport + ?Sized>(
    card: &mut Desfire<'_, T>,
    layout: &ChipLayout,
) -> Result<ChipContents, ReaderError> {
    let credential = read_framed(card, layout.file_no, layout.file_size)?;
    let photo = match read_framed(card, layout.photo_file_no, layout.photo_file_size) {
        Ok(photo) => Some(photo),
        Err(ReaderError::CardStatus {
            status: status::FILE_NOT_FOUND,
            ..
        }) => None,
        Err(other) => return Err(other),
    };
    Ok(ChipContents { credential, photo })
}

/// What a file holds, read only as far as its length says: the length first
/// (one exchange), then the content, so a credential or photo shorter than
/// its file costs fewer frames than the whole file would.
fn read_framed<T: Transport + ?Sized>(
    card: &mut Desfire<'_, T>,
    file_no: u8,
    file_size: u32,
) -> Result<Vec<u8>, ReaderError> {
    let capacity = file_capacity(file_size)?;
    let len = match card.read_data(file_no, 0, LENGTH_PREFIX)?.as_slice() {
        [high, low] => usize::from(u16::from_be_bytes([*high, *low])),
        _ => {
            return Err(ReaderError::BadResponse {
                command: "ReadData",
                what: "not the 2 bytes of the length asked for",
            });
        }
    };
    match len {
        0 => Err(ReaderError::NoCredential),
        len if len > capacity => Err(ReaderError::BadResponse {
            command: "ReadData",
            what: "a credential longer than its file",
        }),
        len => card.read_data(file_no, LENGTH_PREFIX as u32, len),
    }
}

fn file_capacity(file_size: u32) -> Result<usize, ReaderError> {
    usize::try_from(file_size)
        .ok()
        .and_then(|size| size.checked_sub(LENGTH_PREFIX))
        .filter(|capacity| *capacity > 0 && *capacity <= usize::from(u16::MAX))
        .ok_or(ReaderError::InvalidLayout {
            what: "a file size outside 3 to 65537 bytes",
        })
}

/// The file's contents for a credential: its length, then the credential.
fn framed(credential: &[u8], capacity: usize) -> Result<Vec<u8>, ReaderError> {
    let len = u16::try_from(credential.len())
        .ok()
        .filter(|len| usize::from(*len) <= capacity)
        .ok_or(ReaderError::CredentialTooLarge {
            len: credential.len(),
            capacity,
        })?;
    Ok([&len.to_be_bytes()[..], credential].concat())
}
