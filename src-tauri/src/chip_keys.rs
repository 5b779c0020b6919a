//! The office's chip keys on disk (`chip-keys.json`), and their passphrase-
//! protected exports for another desk of the office or for a gate.
//!
//! Why two sets: every card's keys are diversified from the office's master
//! keys, so whoever holds them can write or wipe any card of the office. A
//! desk that issues needs all four; a gate needs only the read key, which
//! proves a card genuine and reads its credential and nothing more. A gate
//! station holds the gate set, exported for it, and so a stolen gate PC
//! cannot make cards.
//!
//! Why this export format: the file travels on a USB stick or by e-mail, so
//! it is sealed with AES-256-GCM under a key stretched from a passphrase by
//! Argon2id ([`crate::sealing`]), with the office and the set as associated data, so a file cannot be passed off
//! for another office or set.
//!
//! Not here: using the keys on a card (the reader driver), or deciding who may
//! export them (the shell asks for the administer duty).

use pass_reader::{ChipLayout, GateKeys, OfficeKeys};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::StationError;
use crate::sealing::{Kdf, NONCE_LEN, SealingKey};

/// The application on the chip ("PP1" in ASCII) and its two files.
const APPLICATION_ID: [u8; 3] = *b"PP1";
const CREDENTIAL_FILE: u8 = 1;
/// Room for the largest chip credential (about 300 bytes) and its length.
const CREDENTIAL_FILE_SIZE: u32 = 512;
const PHOTO_FILE: u8 = 2;
/// Room for the holder's photo (1,278 bytes; the station writes at most
/// `chip_photo::LARGEST`) and its length. With the
/// credential's file, as backup files (two copies each), 3,584 bytes: a 4 KB
/// card, with room to spare for the application itself.
const PHOTO_FILE_SIZE: u32 = 1280;

/// What an export file says it is.
const EXPORT_FORMAT: &str = "pp1-chip-keys/1";
/// The shortest passphrase an export takes: it guards every card of the office.
const MIN_PASSPHRASE_CHARS: usize = 12;

/// Which keys a station holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum KeySet {
    /// All four master keys: the station issues, releases and reads cards.
    Office,
    /// The read key only: the station checks cards at a gate.
    Gate,
}

/// `chip-keys.json`: the office's master keys (hex) and the system
/// identifier that enters key diversification. A gate's file has the read
/// key only.
#[derive(Serialize, Deserialize)]
pub(crate) struct ChipKeysFile {
    office: String,
    system_identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    picc_master: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_master: Option<String>,
    read: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    write: Option<String>,
}

impl ChipKeysFile {
    /// New random master keys for `office`.
    pub(crate) fn generate(office: &str) -> Result<ChipKeysFile, StationError> {
        let key = || -> Result<String, StationError> {
            let mut bytes = Zeroizing::new([0u8; 16]);
            getrandom::fill(bytes.as_mut()).map_err(|e| StationError::SignerKey(format!("no random source: {e}")))?;
            Ok(hex::encode_upper(bytes.as_ref()))
        };
        Ok(ChipKeysFile {
            office: office.to_owned(),
            system_identifier: format!("PP1-{office}"),
            picc_master: Some(key()?),
            app_master: Some(key()?),
            read: key()?,
            write: Some(key()?),
        })
    }

    pub(crate) fn set(&self) -> KeySet {
        match (&self.picc_master, &self.app_master, &self.write) {
            (Some(_), Some(_), Some(_)) => KeySet::Office,
            _ => KeySet::Gate,
        }
    }

    /// The office's master keys, for a station that issues cards.
    pub(crate) fn office_keys(&self) -> Result<OfficeKeys, String> {
        let (Some(picc_master), Some(app_master), Some(write)) = (&self.picc_master, &self.app_master, &self.write)
        else {
            return Err(
                "this station holds only the gate's read key: writing, releasing or formatting a card \
                        needs the office's keys (import them with `chip-keys import` from a desk of the office)"
                    .to_owned(),
            );
        };
        Ok(OfficeKeys {
            picc_master: key("picc_master", picc_master)?,
            app_master: key("app_master", app_master)?,
            read: key("read", &self.read)?,
            write: key("write", write)?,
        })
    }

    /// The read key, which every set holds.
    pub(crate) fn gate_keys(&self) -> Result<GateKeys, String> {
        Ok(GateKeys {
            read: key("read", &self.read)?,
        })
    }

    pub(crate) fn layout(&self) -> ChipLayout {
        ChipLayout {
            aid: APPLICATION_ID,
            file_no: CREDENTIAL_FILE,
            file_size: CREDENTIAL_FILE_SIZE,
            photo_file_no: PHOTO_FILE,
            photo_file_size: PHOTO_FILE_SIZE,
            system_identifier: self.system_identifier.as_bytes().to_vec(),
        }
    }

    /// The same file with only what `set` needs.
    fn narrowed(&self, set: KeySet) -> ChipKeysFile {
        let keep = |key: &Option<String>| if set == KeySet::Office { key.clone() } else { None };
        ChipKeysFile {
            office: self.office.clone(),
            system_identifier: self.system_identifier.clone(),
            picc_master: keep(&self.picc_master),
            app_master: keep(&self.app_master),
            read: self.read.clone(),
            write: keep(&self.write),
        }
    }

    /// The keys of `set`, sealed under `passphrase`, as the export file's bytes.
    pub(crate) fn export(&self, set: KeySet, passphrase: &str) -> Result<Vec<u8>, StationError> {
        if set == KeySet::Office && self.set() == KeySet::Gate {
            return Err(StationError::Usage(
                "this station holds only the gate's read key, so it can export only that key, for a gate".to_owned(),
            ));
        }
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StationError::ShortPassphrase {
                min: MIN_PASSPHRASE_CHARS,
            });
        }
        let plain = Zeroizing::new(serde_json::to_vec(&self.narrowed(set)).expect("chip keys always encode"));
        let sealed = ExportFile {
            format: EXPORT_FORMAT.to_owned(),
            office: self.office.clone(),
            set,
            kdf: Kdf::new()?,
            nonce: String::new(),
            ciphertext: String::new(),
        };
        let (nonce, ciphertext) = sealed
            .key(passphrase)?
            .seal(sealed.associated_data().as_bytes(), &plain)?;
        let sealed = ExportFile {
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(ciphertext),
            ..sealed
        };
        Ok(serde_json::to_vec_pretty(&sealed).expect("an export always encodes"))
    }

    /// Opens an export file with `passphrase`, at a station of `office`. The
    /// office set is taken only by a station of its own office; a gate set
    /// of any office, since a gate checks the cards of every port.
    pub(crate) fn import(bytes: &[u8], office: &str, passphrase: &str) -> Result<ChipKeysFile, StationError> {
        let refused = |detail: String| StationError::Usage(detail);
        let sealed: ExportFile = serde_json::from_slice(bytes)
            .map_err(|e| refused(format!("this is not a chip key export of this station's kind ({e})")))?;
        if sealed.format != EXPORT_FORMAT {
            return Err(refused(format!(
                "the file is a {:?} export; this station reads {EXPORT_FORMAT}",
                sealed.format
            )));
        }
        if sealed.set == KeySet::Office && sealed.office != office {
            return Err(StationError::OtherOfficeKeys {
                file_office: sealed.office,
                office: office.to_owned(),
            });
        }
        let nonce: [u8; NONCE_LEN] = hex::decode(&sealed.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| refused("the file's nonce is damaged".to_owned()))?;
        let ciphertext = hex::decode(&sealed.ciphertext).map_err(|_| refused("the file is damaged".to_owned()))?;
        let plain = sealed
            .key(passphrase)?
            .open(&nonce, sealed.associated_data().as_bytes(), &ciphertext)
            .ok_or(StationError::WrongPassphrase)?;
        let file: ChipKeysFile =
            serde_json::from_slice(&plain).map_err(|e| refused(format!("the sealed keys do not read ({e})")))?;
        if file.office != sealed.office || file.set() != sealed.set {
            return Err(refused("the sealed keys do not match the file's label".to_owned()));
        }
        Ok(file)
    }
}

fn key(name: &str, text: &str) -> Result<[u8; 16], String> {
    let bytes = Zeroizing::new(hex::decode(text).map_err(|e| format!("{name} is not hex: {e}"))?);
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| format!("{name} is not 16 bytes"))
}

/// A passphrase-protected export.
#[derive(Serialize, Deserialize)]
struct ExportFile {
    format: String,
    office: String,
    set: KeySet,
    kdf: Kdf,
    /// AES-256-GCM nonce, hex.
    nonce: String,
    /// The keys file sealed with AES-256-GCM, tag included, hex.
    ciphertext: String,
}

impl ExportFile {
    /// What the ciphertext is bound to: a file relabelled for another office or set fails to open.
    fn associated_data(&self) -> String {
        format!("{}|{}|{:?}", self.format, self.office, self.set)
    }

    /// The key `passphrase` stretches to under the file's Argon2id settings.
    fn key(&self, passphrase: &str) -> Result<SealingKey, StationError> {
        self.kdf.derive(passphrase, |what| {
            StationError::Usage(format!("the file's {what} is damaged"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSPHRASE: &str = "harbour lights at dawn";

    #[test]
    fn a_gate_export_holds_the_read_key_only_and_opens_with_its_passphrase() {
        let office = ChipKeysFile::generate("TWKEL").expect("keys");
        let sealed = office.export(KeySet::Gate, PASSPHRASE).expect("exported");
        let text = String::from_utf8(sealed.clone()).expect("JSON");
        for secret in [&office.read, office.write.as_ref().expect("write")] {
            assert!(!text.contains(secret.as_str()), "no key appears in the file");
        }
        let gate = ChipKeysFile::import(&sealed, "TWKEL", PASSPHRASE).expect("imported");
        assert_eq!(gate.set(), KeySet::Gate);
        assert_eq!(gate.read, office.read);
        assert!(gate.office_keys().is_err(), "a gate cannot write cards");
        assert!(gate.gate_keys().is_ok());
    }

    #[test]
    fn a_wrong_passphrase_another_office_or_a_relabelled_file_is_refused() {
        let office = ChipKeysFile::generate("TWKEL").expect("keys");
        let sealed = office.export(KeySet::Office, PASSPHRASE).expect("exported");
        let refusal = |result: Result<ChipKeysFile, StationError>| match result {
            Err(e) => e.to_string(),
            Ok(_) => panic!("expected a refusal"),
        };
        assert!(refusal(ChipKeysFile::import(&sealed, "TWKEL", "harbour lights at dusk")).contains("wrong passphrase"));
        assert!(refusal(ChipKeysFile::import(&sealed, "TWKHH", PASSPHRASE)).contains("office TWKEL"));
        let gate_set = office.export(KeySet::Gate, PASSPHRASE).expect("exported");
        assert!(
            ChipKeysFile::import(&gate_set, "TWKHH", PASSPHRASE).is_ok(),
            "a gate of another port takes the office's read key"
        );
        let relabelled = String::from_utf8(sealed.clone())
            .expect("JSON")
            .replace("\"set\": \"office\"", "\"set\": \"gate\"");
        assert!(refusal(ChipKeysFile::import(relabelled.as_bytes(), "TWKEL", PASSPHRASE)).contains("wrong passphrase"));
        let full = ChipKeysFile::import(&sealed, "TWKEL", PASSPHRASE).expect("imported");
        assert_eq!(full.set(), KeySet::Office);
        assert!(
            office.export(KeySet::Gate, "short").is_err(),
            "a short passphrase is refused"
        );
    }
}
