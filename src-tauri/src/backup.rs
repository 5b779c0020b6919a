//! Backups of a station's home, and restoring one onto new hardware.
//!
//! What it is for: a station PC that dies takes with it the station's
//! identity (`station.json`, the key central gave it, its signing key), the
//! office's chip keys, the cache (queue, photos, unsent events, the audit
//! trail) and anything else its home holds. A backup is one file holding
//! all of that, sealed under a passphrase; a restore brings it back into a
//! new, empty home on another PC, which then goes on as the same station.
//!
//! How a backup is taken while the station runs: the cache through SQLite's
//! online backup API ([`crate::store::Store::snapshot_to`]), so it is one
//! committed state even while a sync writes; every other file of the home's
//! top level as it is (they are all replaced whole when they change, see
//! [`crate::station`]). Left out: the sync lock, a signed-in session, files
//! being written (`*.tmp`), the cache's own WAL files (the copy already
//! holds what they held), the backup settings and key (a restored station's
//! administrator sets backups up again, for the new PC's folder), and
//! folders (printed card PDFs are output, not state).
//!
//! The file: `PP1BAK` and a format byte, the header's length (4 bytes, big
//! endian), the header (JSON: station, office, when, the Argon2id settings
//! and salt, a key check value, the sealed length), a 12-byte nonce, and
//! the sealed payload (AES-256-GCM, [`crate::sealing`]), whose associated
//! data is everything before the nonce, so the header cannot be altered
//! either. The payload is the home's files, each a name and its bytes. It is
//! written to a hidden partial file beside the target, flushed, and renamed
//! over the target only when whole: a backup killed at any instant leaves the
//! old file or the new one at the path, never part of one. A restore refuses
//! a file that is cut short (the header says how long it must be), has bytes
//! past its end, or whose seal does not open, and tells a wrong passphrase
//! apart from an altered file by the key check value (a hash of the derived
//! key, which lets no one skip the Argon2id cost of a guess).
//!
//! The audit trail across a restore. The restored trail is the backup's,
//! whole; what the failed PC wrote after the backup is gone, and central may
//! hold heads of it. The restore checks the restored chain (a broken one is
//! refused), then records itself: a note in the station's state, a
//! `station_restored` audit entry and event carrying the backup's head
//! signed by the station. Central moves the heads it kept past that head
//! aside and answers how many entries they named; `audit verify` then says
//! the station was restored and how many entries were lost with the old one,
//! rather than calling the trail cut. Nothing else is excused: the chain and
//! the last head central acknowledged (as the backup knew it) are checked as
//! on any station, so a trail cut after the restore, or a trail cut on a
//! station that was never restored, is still reported broken. Unsent events
//! stay in the outbox and go out at the next sync under their idempotency
//! keys, so those the old PC had sent after the backup are duplicates central
//! records once. Unsent audit heads are dropped: the restore's event carries
//! a head at or past each of them.
//!
//! Scheduled backups (the app's Settings): the administrator gives a folder,
//! an interval and the passphrase once. The station keeps the Argon2id key
//! derived from it, with its salt, in `backup-key.json` (owner-only) and
//! seals each scheduled backup with it, so no one types the passphrase each
//! time; a restore still takes the passphrase. Keeping that key in the home
//! gives a thief of the running PC nothing new: the home already holds the
//! station's keys and the chip keys in the clear. It protects the copies
//! that leave the PC (a folder on a file server, a disk in a safe), which is
//! what the passphrase is for.
//!
//! What it is not for: deciding who may back up (the administer duty, in
//! [`crate::ops::backup`]), copying backups elsewhere or pruning old ones, or
//! moving a station's keys to another desk (see [`crate::chip_keys`]). The
//! whole home is held in memory while it is sealed: a few tens of megabytes
//! of photos for an office's cache.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use pass_central::api::AuditHeadPayload;
use pass_credential::AuditHead;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::sealing::{Kdf, NONCE_LEN, SealingKey};
use crate::store::{RestoreNote, Store};
use crate::{Station, StationError, StationHome};

/// The file's first bytes: a name and the format's version.
const MAGIC: &[u8; 8] = b"PP1BAK\x00\x01";
const FORMAT: &str = "pp1-station-backup/1";
/// The shortest passphrase a backup takes: it guards the station's keys and every holder's data.
pub const MIN_PASSPHRASE_CHARS: usize = 12;
/// The longest header a file may claim, so a damaged length cannot ask for gigabytes.
const MAX_HEADER: usize = 64 * 1024;
/// The cache's name in the archive (and in the home).
const CACHE: &str = "station.db";
/// What a restored station cannot go on without.
const REQUIRED: [&str; 4] = ["station.json", "station.key", "signer.key", CACHE];
/// The scheduled backups' key, settings and last outcome, in the home.
pub(crate) const KEY_FILE: &str = "backup-key.json";
pub(crate) const SETTINGS_FILE: &str = "backup.json";
pub(crate) const STATUS_FILE: &str = "backup-status.json";

/// What a backup file says of itself, outside its seal.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    format: String,
    station_id: String,
    office: String,
    station_name: String,
    /// RFC 3339.
    taken_at: String,
    kdf: Kdf,
    /// [`SealingKey::check_value`] of the key.
    key_check: String,
    /// The sealed payload's length in bytes, tag included.
    sealed_len: u64,
}

/// A backup written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    pub path: String,
    pub station_id: String,
    /// RFC 3339.
    pub taken_at: String,
    pub bytes: u64,
    /// The files of the home it holds.
    pub files: Vec<String>,
    /// The last entry of the audit trail it holds (0 for none).
    pub audit_seq: i64,
}

/// A station restored from a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    pub home: String,
    pub station_id: String,
    pub office: String,
    pub station_name: String,
    pub backup_taken_at: String,
    pub files: Vec<String>,
    /// The restored trail's entries, the restore's own included, all checked.
    pub audit_entries: u64,
    /// Events waiting for central, the restore's own included.
    pub unsent_events: u64,
    pub note: RestoreNote,
}

/// The key a scheduled backup seals with, as `backup-key.json` keeps it.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    kdf: Kdf,
    /// Hex; the file is owner-only and never logged.
    key: String,
}

/// A passphrase stretched, with the settings and salt that give it again.
#[derive(Debug)]
pub(crate) struct BackupKey {
    kdf: Kdf,
    key: SealingKey,
}

impl BackupKey {
    /// A new salt and the key `passphrase` stretches to under it.
    pub(crate) fn from_passphrase(passphrase: &str) -> Result<BackupKey, StationError> {
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StationError::Usage(format!(
                "the backup passphrase must have at least {MIN_PASSPHRASE_CHARS} characters: it guards the \
                 station's keys and every holder's data"
            )));
        }
        let kdf = Kdf::new()?;
        let key = kdf.derive(passphrase, |what| {
            StationError::Usage(format!("the {what} is unusable"))
        })?;
        Ok(BackupKey { kdf, key })
    }

    /// Keeps the key in `home` (owner-only) for scheduled backups.
    pub(crate) fn save(&self, home: &StationHome) -> Result<(), StationError> {
        let stored = StoredKey {
            kdf: self.kdf.clone(),
            key: hex::encode(self.key.bytes()),
        };
        let json = Zeroizing::new(serde_json::to_vec_pretty(&stored).expect("a backup key always encodes"));
        crate::station::write_secret(&home.dir().join(KEY_FILE), &json)
    }

    /// The key kept in `home`, if one was set.
    pub(crate) fn load(home: &StationHome) -> Result<Option<BackupKey>, StationError> {
        let path = home.dir().join(KEY_FILE);
        let text = match fs::read(&path) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StationError::Io {
                    action: "read the backup key",
                    path,
                    source,
                });
            }
        };
        let damaged = || StationError::Config {
            path: path.clone(),
            detail: "the backup key is damaged: set the backup passphrase again".to_owned(),
        };
        let stored: StoredKey = serde_json::from_slice(&text).map_err(|_| damaged())?;
        let bytes = Zeroizing::new(hex::decode(&stored.key).map_err(|_| damaged())?);
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| damaged())?;
        Ok(Some(BackupKey {
            kdf: stored.kdf,
            key: SealingKey::from_bytes(key),
        }))
    }
}

/// Writes a backup of `station`'s home to `to`, sealed with `key`.
pub(crate) fn create(station: &Station, key: &BackupKey, to: &Path) -> Result<BackupReport, StationError> {
    let home = station.home();
    let config = station.config();
    let taken_at = crate::store::now_rfc3339();
    let mut files = Files::default();
    // The cache first, as one committed state, through a private scratch file.
    let scratch = tempfile::Builder::new()
        .prefix(".backup-")
        .suffix(".db")
        .tempfile_in(home.dir())
        .map_err(|source| StationError::Io {
            action: "make a scratch file in",
            path: home.dir().to_owned(),
            source,
        })?;
    station.store().snapshot_to(scratch.path())?;
    files.push(CACHE, read(scratch.path())?);
    drop(scratch);
    let audit_seq = station.store().audit_trail_head()?.map_or(0, |(seq, _)| seq);
    let mut names = Vec::new();
    let listing = fs::read_dir(home.dir()).map_err(|source| StationError::Io {
        action: "list",
        path: home.dir().to_owned(),
        source,
    })?;
    for entry in listing {
        let entry = entry.map_err(|source| StationError::Io {
            action: "list",
            path: home.dir().to_owned(),
            source,
        })?;
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if let Some(name) = entry.file_name().to_str().filter(|name| is_file && archived(name)) {
            names.push(name.to_owned());
        }
    }
    names.sort();
    for name in names {
        match fs::read(home.dir().join(&name)) {
            Ok(bytes) => files.push(&name, Zeroizing::new(bytes)),
            // Gone between the listing and now (a file replaced whole): its
            // new version, if any, is read under its own name.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StationError::Io {
                    action: "read",
                    path: home.dir().join(&name),
                    source,
                });
            }
        }
    }
    for required in REQUIRED {
        if !files.names().any(|name| name == required) {
            return Err(StationError::Config {
                path: home.dir().join(required),
                detail: "the station home lacks this file, so a backup of it could not be restored".to_owned(),
            });
        }
    }
    let plain = files.encode();
    let header = Header {
        format: FORMAT.to_owned(),
        station_id: config.station_id.clone(),
        office: config.office.clone(),
        station_name: config.station_name.clone(),
        taken_at: taken_at.clone(),
        kdf: key.kdf.clone(),
        key_check: key.key.check_value(),
        sealed_len: (plain.len() + 16) as u64,
    };
    let framed = frame(&header);
    let (nonce, sealed) = key.key.seal(&framed, &plain)?;
    let bytes = [framed.as_slice(), &nonce, &sealed].concat();
    write_whole(to, &bytes)?;
    Ok(BackupReport {
        path: to.display().to_string(),
        station_id: config.station_id.clone(),
        taken_at,
        bytes: bytes.len() as u64,
        files: files.names().map(str::to_owned).collect(),
        audit_seq,
    })
}

/// Whether a file of the home's top level goes into a backup.
fn archived(name: &str) -> bool {
    let left_out = [
        "sync.lock",
        "session",
        KEY_FILE,
        SETTINGS_FILE,
        STATUS_FILE,
        "station.db",
        "station.db-wal",
        "station.db-shm",
        "station.db-journal",
    ];
    !name.starts_with('.') && !name.ends_with(".tmp") && !left_out.contains(&name)
}

/// The magic, the header's length and the header: the part of the file the
/// seal's associated data covers.
fn frame(header: &Header) -> Vec<u8> {
    let json = serde_json::to_vec(header).expect("a backup header always encodes");
    let len = u32::try_from(json.len()).expect("a header is small");
    [MAGIC.as_slice(), &len.to_be_bytes(), &json].concat()
}

/// Writes `bytes` to a hidden partial file beside `to` (owner-only),
/// flushes it, and renames it over `to`; then flushes the folder, so the
/// rename itself survives a power cut.
fn write_whole(to: &Path, bytes: &[u8]) -> Result<(), StationError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let io = |action, path: &Path, source| StationError::Io {
        action,
        path: path.to_owned(),
        source,
    };
    let folder = match to.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = to
        .file_name()
        .ok_or_else(|| StationError::Usage(format!("{} names no file to write the backup to", to.display())))?;
    let partial = folder.join(format!(".{}.partial", name.to_string_lossy()));
    let _ = fs::remove_file(&partial);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(|e| io("create", &partial, e))?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io("write", &partial, e))
        .and_then(|()| fs::rename(&partial, to).map_err(|e| io("replace", to, e)));
    if written.is_err() {
        let _ = fs::remove_file(&partial);
    }
    written?;
    File::open(&folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| io("flush", &folder, e))
}

/// Restores the backup at `from` into `home`, a new or empty folder, and
/// records the restore for central (see the module's documentation).
pub(crate) fn restore(home: &StationHome, from: &Path, passphrase: &str) -> Result<RestoreReport, StationError> {
    if let Some(config) = home.config()? {
        return Err(StationError::RestoreOverStation {
            home: home.dir().to_owned(),
            station_id: config.station_id,
            office: config.office,
        });
    }
    let occupied = fs::read_dir(home.dir()).map(|mut entries| entries.next().is_some());
    if occupied.unwrap_or(false) {
        return Err(StationError::Usage(format!(
            "the folder {} is not empty; a backup is restored only into a new, empty folder: give a new folder",
            home.dir().display()
        )));
    }
    let bytes = fs::read(from).map_err(|source| StationError::Io {
        action: "read the backup",
        path: from.to_owned(),
        source,
    })?;
    let (header, files) = open(&bytes, from, passphrase)?;
    for required in REQUIRED {
        if !files.names().any(|name| name == required) {
            return Err(damaged(from, format!("it holds no {required}")));
        }
    }
    // Everything goes into a hidden folder beside the home, which becomes
    // the home by one rename once checked and recorded.
    let parent = match home.dir().parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    // The folder above the home is the user's (such as ~/.local/share): made
    // if missing, its permissions left alone.
    fs::create_dir_all(&parent).map_err(|source| StationError::Io {
        action: "create the folder for the station home",
        path: parent.clone(),
        source,
    })?;
    let staging = parent.join(format!(
        ".{}.restoring-{}",
        home.dir().file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        uuid::Uuid::new_v4().simple()
    ));
    let restored = unpack_and_record(&staging, &header, &files, from);
    let report = match restored {
        Ok(report) => report,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if home.dir().exists() {
        fs::remove_dir(home.dir()).map_err(|source| StationError::Io {
            action: "replace the empty folder",
            path: home.dir().to_owned(),
            source,
        })?;
    }
    fs::rename(&staging, home.dir()).map_err(|source| StationError::Io {
        action: "move the restored station into",
        path: home.dir().to_owned(),
        source,
    })?;
    File::open(&parent)
        .and_then(|dir| dir.sync_all())
        .map_err(|source| StationError::Io {
            action: "flush",
            path: parent.clone(),
            source,
        })?;
    Ok(RestoreReport {
        home: home.dir().display().to_string(),
        ..report
    })
}

/// Writes the files into `staging`, checks the restored trail, and records the restore.
fn unpack_and_record(
    staging: &Path,
    header: &Header,
    files: &Files,
    from: &Path,
) -> Result<RestoreReport, StationError> {
    crate::station::create_private_dir(staging, "create the restored station's folder")?;
    for (name, bytes) in &files.0 {
        crate::station::write_secret(&staging.join(name), bytes)?;
    }
    let mut station = Station::open(StationHome::new(staging))?;
    let check = station.store().check_audit()?;
    if let Some((seq, problem)) = check.broken_at {
        return Err(damaged(
            from,
            format!("the audit trail it holds is broken at entry {seq}: {problem}"),
        ));
    }
    let signer = station.home().signing_key()?;
    let backup_head = match station.store().audit_trail_head()? {
        None => None,
        Some((seq, hash)) => {
            let head = AuditHead {
                station_id: station.config().station_id.clone(),
                seq: seq.unsigned_abs(),
                hash,
            };
            Some(AuditHeadPayload::sign(&head, &signer).map_err(|e| StationError::SignerKey(e.to_string()))?)
        }
    };
    let actor = station.actor();
    let note = station
        .store_mut()
        .record_restore(&header.taken_at, backup_head, &actor)?;
    let store: &Store = station.store();
    let check = store.check_audit()?;
    let config = station.config();
    Ok(RestoreReport {
        home: String::new(),
        station_id: config.station_id.clone(),
        office: config.office.clone(),
        station_name: config.station_name.clone(),
        backup_taken_at: header.taken_at.clone(),
        files: files.names().map(str::to_owned).collect(),
        audit_entries: check.entries,
        unsent_events: store.unsent_count()?,
        note,
    })
}

fn damaged(path: &Path, detail: String) -> StationError {
    StationError::BackupDamaged {
        path: path.to_owned(),
        detail,
    }
}

/// Reads a backup file's bytes: its header and, opened with `passphrase`, its files.
fn open(bytes: &[u8], path: &Path, passphrase: &str) -> Result<(Header, Files), StationError> {
    let damaged = |detail: String| damaged(path, detail);
    if bytes.len() < MAGIC.len() + 4 && MAGIC.starts_with(&bytes[..bytes.len().min(MAGIC.len())]) {
        // Killed before its start was whole: what there is, is a backup's start.
        return Err(cut_short(path, bytes.len(), MAGIC.len() + 4));
    }
    if bytes.len() < MAGIC.len() + 4 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(damaged(
            "it is not a station backup (or its start is damaged)".to_owned(),
        ));
    }
    let header_len = u32::from_be_bytes(bytes[8..12].try_into().expect("four bytes")) as usize;
    if header_len > MAX_HEADER {
        return Err(damaged("its header is damaged".to_owned()));
    }
    let header_end = 12 + header_len;
    let header_bytes = bytes
        .get(12..header_end)
        .ok_or_else(|| cut_short(path, bytes.len(), header_end))?;
    let header: Header =
        serde_json::from_slice(header_bytes).map_err(|e| damaged(format!("its header is damaged ({e})")))?;
    if header.format != FORMAT {
        return Err(damaged(format!(
            "it is a {:?} backup; this station reads {FORMAT}",
            header.format
        )));
    }
    let whole = u64::try_from(header_end + NONCE_LEN)
        .ok()
        .and_then(|head| head.checked_add(header.sealed_len))
        .ok_or_else(|| damaged("its header is damaged".to_owned()))?;
    if (bytes.len() as u64) < whole {
        return Err(cut_short(path, bytes.len(), whole as usize));
    }
    if bytes.len() as u64 > whole {
        return Err(damaged(format!(
            "it has {} bytes past its end: it was altered",
            bytes.len() as u64 - whole
        )));
    }
    let key = header
        .kdf
        .derive(passphrase, |what| damaged(format!("its {what} is damaged")))?;
    if key.check_value() != header.key_check {
        return Err(StationError::BackupPassphrase { path: path.to_owned() });
    }
    let nonce: [u8; NONCE_LEN] = bytes[header_end..header_end + NONCE_LEN]
        .try_into()
        .expect("twelve bytes");
    let plain = key
        .open(&nonce, &bytes[..header_end], &bytes[header_end + NONCE_LEN..])
        .ok_or_else(|| damaged("its content does not match its seal: it was altered".to_owned()))?;
    let files = Files::decode(&plain).ok_or_else(|| damaged("its content does not read".to_owned()))?;
    Ok((header, files))
}

fn cut_short(path: &Path, len: usize, whole: usize) -> StationError {
    damaged(
        path,
        format!("it ends after {len} of its {whole} bytes: it was cut short (a copy or a backup that did not finish)"),
    )
}

fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, StationError> {
    fs::read(path).map(Zeroizing::new).map_err(|source| StationError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })
}

/// The home's files in a backup: each a name and its bytes, wiped when dropped.
#[derive(Default)]
struct Files(Vec<(String, Zeroizing<Vec<u8>>)>);

impl Files {
    fn push(&mut self, name: &str, bytes: Zeroizing<Vec<u8>>) {
        self.0.push((name.to_owned(), bytes));
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(name, _)| name.as_str())
    }

    /// Each file as its name's length (2 bytes), its name, its length (8 bytes) and its bytes.
    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        for (name, bytes) in &self.0 {
            let name_len = u16::try_from(name.len()).expect("a file name is short");
            out.extend_from_slice(&name_len.to_be_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        out
    }

    /// Reads what [`Files::encode`] wrote; `None` if it does not read, or a
    /// name could leave the home (a path, `..`, a hidden name).
    fn decode(mut bytes: &[u8]) -> Option<Files> {
        let mut files = Files::default();
        while !bytes.is_empty() {
            let name_len = u16::from_be_bytes(bytes.get(..2)?.try_into().ok()?) as usize;
            let name = std::str::from_utf8(bytes.get(2..2 + name_len)?).ok()?;
            if name.is_empty() || name.contains('/') || name.starts_with('.') || files.names().any(|n| n == name) {
                return None;
            }
            let rest = &bytes[2 + name_len..];
            let len = usize::try_from(u64::from_be_bytes(rest.get(..8)?.try_into().ok()?)).ok()?;
            let data = rest.get(8..8usize.checked_add(len)?)?;
            files.push(name, Zeroizing::new(data.to_vec()));
            bytes = &rest[8 + len..];
        }
        Some(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSPHRASE: &str = "harbour lights at dawn";

    fn sample() -> (Header, Files, BackupKey) {
        let key = BackupKey::from_passphrase(PASSPHRASE).expect("key");
        let mut files = Files::default();
        files.push("station.json", Zeroizing::new(b"{}".to_vec()));
        files.push(CACHE, Zeroizing::new(vec![7; 1000]));
        let header = Header {
            format: FORMAT.to_owned(),
            station_id: "ST-1".to_owned(),
            office: "TWKEL".to_owned(),
            station_name: "desk 1".to_owned(),
            taken_at: "2026-12-01T08:00:00Z".to_owned(),
            kdf: key.kdf.clone(),
            key_check: key.key.check_value(),
            sealed_len: (files.encode().len() + 16) as u64,
        };
        (header, files, key)
    }

    fn sealed() -> Vec<u8> {
        let (header, files, key) = sample();
        let framed = frame(&header);
        let (nonce, sealed) = key.key.seal(&framed, &files.encode()).expect("sealed");
        [framed.as_slice(), &nonce, &sealed].concat()
    }

    fn refusal(bytes: &[u8], passphrase: &str) -> StationError {
        match open(bytes, Path::new("b.ppbackup"), passphrase) {
            Err(e) => e,
            Ok(_) => panic!("expected a refusal"),
        }
    }

    #[test]
    fn a_backup_opens_with_its_passphrase_into_the_same_files() {
        let (_, files, _) = sample();
        let (header, opened) = open(&sealed(), Path::new("b"), PASSPHRASE).expect("opens");
        assert_eq!(header.station_id, "ST-1");
        assert_eq!(opened.0, files.0);
    }

    #[test]
    fn a_wrong_passphrase_is_told_apart_from_an_altered_file() {
        let bytes = sealed();
        assert!(matches!(
            refusal(&bytes, "harbour lights at dusk"),
            StationError::BackupPassphrase { .. }
        ));
        let mut altered = bytes.clone();
        let last = altered.len() - 20;
        altered[last] ^= 1;
        assert!(refusal(&altered, PASSPHRASE).to_string().contains("altered"));
        let relabelled = String::from_utf8_lossy(&bytes).replace("desk 1", "desk 2");
        let relabelled = [&bytes[..12], &relabelled.as_bytes()[12..]].concat();
        assert!(
            refusal(&relabelled, PASSPHRASE).to_string().contains("altered"),
            "the header is sealed too"
        );
    }

    #[test]
    fn a_file_cut_anywhere_or_grown_is_refused() {
        let bytes = sealed();
        for len in [0, 5, 11, 12, 40, bytes.len() / 2, bytes.len() - 1] {
            let message = refusal(&bytes[..len], PASSPHRASE).to_string();
            assert!(message.contains("cut short"), "{len}: {message}");
        }
        let foreign = refusal(b"%PDF-1.7", PASSPHRASE).to_string();
        assert!(foreign.contains("not a station backup"), "{foreign}");
        let grown = [bytes.as_slice(), b"x"].concat();
        assert!(refusal(&grown, PASSPHRASE).to_string().contains("past its end"));
    }

    #[test]
    fn names_that_leave_the_home_do_not_read() {
        for name in ["../station.json", "a/b", ".hidden", ""] {
            let mut files = Files::default();
            files.push(name, Zeroizing::new(vec![1]));
            assert!(Files::decode(&files.encode()).is_none(), "{name:?}");
        }
        let mut twice = Files::default();
        twice.push("a", Zeroizing::new(vec![1]));
        twice.push("a", Zeroizing::new(vec![2]));
        assert!(Files::decode(&twice.encode()).is_none());
        assert!(Files::decode(&[0, 1, b'a', 0, 0]).is_none(), "a length cut short");
    }

    #[test]
    fn the_home_files_a_backup_leaves_out() {
        for name in [
            "sync.lock",
            "session",
            "station.db-wal",
            "station.json.tmp",
            ".backup-x.db",
            KEY_FILE,
        ] {
            assert!(!archived(name), "{name}");
        }
        for name in ["station.json", "station.key", "signer.key", "chip-keys.json"] {
            assert!(archived(name), "{name}");
        }
    }

    #[test]
    fn a_stored_key_seals_what_the_passphrase_opens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = StationHome::new(dir.path());
        let key = BackupKey::from_passphrase(PASSPHRASE).expect("key");
        key.save(&home).expect("saved");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let loaded = BackupKey::load(&home).expect("read").expect("kept");
        assert_eq!(loaded.key.check_value(), key.key.check_value());
        let again = loaded
            .kdf
            .derive(PASSPHRASE, |w| StationError::Usage(w.to_owned()))
            .expect("key");
        assert_eq!(again.check_value(), key.key.check_value());
        assert!(BackupKey::from_passphrase("short").is_err());
    }
}
