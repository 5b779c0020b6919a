//! What the virtual card keeps when it is off: its non-volatile memory.
//!
//! Keys, applications and committed file contents, as a real card's EEPROM
//! would hold them, saved to a JSON file so that a card "pulled" from the
//! reader and presented again still holds what it had committed. Also the
//! starting states the tests and the demo need: blank and foreign (an issued
//! card's memory is made by the card itself, in [`card`](crate::card), by
//! personalising a blank one).

use std::path::Path;

use pass_reader::desfire::crypto::{BlockKey, KEY_LEN, KeyKind};
use pass_reader::desfire::{AccessRights, CommMode, UID_LEN};
use serde::{Deserialize, Serialize};

use crate::VcardError;

/// Card master key settings of a new card: master key changeable, free
/// application list, free application creation, settings changeable.
pub const FACTORY_CARD_KEY_SETTINGS: u8 = 0x0F;

/// The cipher a stored key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cipher {
    Aes,
    Des,
}

impl From<Cipher> for KeyKind {
    fn from(cipher: Cipher) -> Self {
        match cipher {
            Cipher::Aes => KeyKind::Aes128,
            Cipher::Des => KeyKind::Des,
        }
    }
}

/// A key as the card stores it. `Debug` shows its cipher and version only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    pub cipher: Cipher,
    #[serde(with = "hex")]
    pub value: [u8; KEY_LEN],
    pub version: u8,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("cipher", &self.cipher)
            .field("version", &self.version)
            .finish()
    }
}

impl StoredKey {
    pub fn factory(cipher: Cipher) -> Self {
        Self {
            cipher,
            value: [0; KEY_LEN],
            version: 0,
        }
    }

    pub fn block_key(&self) -> BlockKey {
        BlockKey::new(self.cipher.into(), &self.value)
    }
}

/// A standard or backup data file and its committed contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    pub no: u8,
    /// A backup file: writes become visible only at CommitTransaction.
    pub backup: bool,
    /// Communication setting: 0 plain, 1 MACed, 3 enciphered.
    pub comm: u8,
    /// Access rights as the card stores them (little-endian).
    #[serde(with = "hex")]
    pub access: [u8; 2],
    #[serde(with = "hex")]
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    #[serde(with = "hex")]
    pub aid: [u8; 3],
    pub key_settings: u8,
    pub keys: Vec<StoredKey>,
    pub files: Vec<DataFile>,
}

/// The memory of a DESFire EV1 4K card, in bytes: the size a card has unless made otherwise.
pub const CARD_4K: usize = 4096;

/// The card's non-volatile memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardMemory {
    /// Bytes for files (2048, 4096 or 8192 for the 2K, 4K and 8K cards); a
    /// memory file saved before sizes were told apart is a 4K card.
    #[serde(default = "card_4k")]
    pub capacity: usize,
    #[serde(with = "hex")]
    pub uid: [u8; UID_LEN],
    pub card_master: StoredKey,
    pub card_key_settings: u8,
    pub applications: Vec<Application>,
}

fn card_4k() -> usize {
    CARD_4K
}

impl CardMemory {
    /// A new card: the all-zero card master key of `cipher`, version 0, no applications.
    pub fn blank(uid: [u8; UID_LEN], cipher: Cipher) -> Self {
        Self {
            capacity: CARD_4K,
            uid,
            card_master: StoredKey::factory(cipher),
            card_key_settings: FACTORY_CARD_KEY_SETTINGS,
            applications: Vec::new(),
        }
    }

    /// A card issued by someone else: another card master key, and an
    /// application of theirs with a plain file.
    pub fn foreign(uid: [u8; UID_LEN]) -> Self {
        let other_key = |value| StoredKey {
            cipher: Cipher::Aes,
            value: [value; KEY_LEN],
            version: 7,
        };
        let rights = AccessRights {
            read: 0x0E,
            write: 0,
            read_write: 0,
            change: 0,
        };
        Self {
            capacity: CARD_4K,
            uid,
            card_master: other_key(0x5A),
            card_key_settings: FACTORY_CARD_KEY_SETTINGS,
            applications: vec![Application {
                aid: [0x5F, 0x84, 0x15],
                key_settings: 0x0F,
                keys: vec![other_key(0xA5), other_key(0x3C)],
                files: vec![DataFile {
                    no: 0,
                    backup: false,
                    comm: CommMode::Plain as u8,
                    access: rights.to_le_bytes(),
                    data: b"another issuer's data".to_vec(),
                }],
            }],
        }
    }

    pub fn load(path: &Path) -> Result<Self, VcardError> {
        let text = std::fs::read(path).map_err(|source| VcardError::MemoryFile {
            path: path.into(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|source| VcardError::MemoryFormat {
            path: path.into(),
            source,
        })
    }

    /// Saves atomically (a new file renamed over the old): a crash never leaves half a card.
    pub fn save(&self, path: &Path) -> Result<(), VcardError> {
        let file_error = |source| VcardError::MemoryFile {
            path: path.into(),
            source,
        };
        let text = serde_json::to_vec_pretty(self).map_err(|source| VcardError::MemoryFormat {
            path: path.into(),
            source,
        })?;
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        std::fs::write(&partial, text).map_err(file_error)?;
        std::fs::rename(&partial, path).map_err(file_error)
    }

    /// The same card with `bytes` of memory for files (a 2K or 8K card).
    pub fn with_capacity(self, bytes: usize) -> Self {
        Self {
            capacity: bytes,
            ..self
        }
    }

    pub fn application(&self, aid: [u8; 3]) -> Option<&Application> {
        self.applications.iter().find(|application| application.aid == aid)
    }
}
