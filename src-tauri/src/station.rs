//! The station's home folder, its enrolment with central, and the open station.
//!
//! A home folder holds everything one station knows:
//! - `station.json`: who the station is (id, office, central's address);
//! - `station.key`: the key central gave at enrolment, readable by the owner
//!   only, kept apart from the settings so they can be shown and copied freely;
//! - `signer.key`: the station's own credential-signing key (PKCS#8 PEM),
//!   made at enrolment and never sent anywhere; central certifies its public
//!   half into the trust list;
//! - `chip-keys.json`: the office's chip master keys ([`crate::chip`]), owner-only;
//! - `station.db`: the cache ([`crate::store`]);
//! - `sync.lock`: held while a sync runs, so two syncs never interleave.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use pass_central::api::{EnrolmentRequest, decode_key, encode_key};
use pass_central::client::CentralClient;
use pass_credential::{Algorithm, PublicKey, SigningKey, Verifier};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::chip_keys::{ChipKeysFile, KeySet};
use crate::store::Store;
use crate::sync::{HeadSigner, OutboxReport, SyncOptions, SyncProgress, SyncReport};
use crate::{StationError, credentials};

/// Where a station keeps its files.
#[derive(Debug, Clone)]
pub struct StationHome {
    dir: PathBuf,
}

/// Who the station is, as enrolment made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationConfig {
    pub central_url: String,
    pub station_id: String,
    /// The card office (port code) this station issues for.
    pub office: String,
    pub station_name: String,
    pub enrolled_at: String,
    /// The pass authority's root public key (base64url COSE_Key), pinned at
    /// enrolment: the trust list and the hotlist must be signed by it.
    pub authority_key: String,
    /// Verdicts warn when the hotlist is older than this.
    #[serde(default = "default_hotlist_max_age_hours")]
    pub hotlist_max_age_hours: u32,
    /// A session unused for this long is signed out.
    #[serde(default = "default_idle_sign_out_minutes")]
    pub idle_sign_out_minutes: u32,
    /// A released card not picked up within this many days becomes `uncollected`.
    #[serde(default = "default_pickup_window_days")]
    pub pickup_window_days: u32,
    /// The devices an administrator chose in Settings; the command line's
    /// choices override them for one run.
    #[serde(default)]
    pub devices: DeviceChoices,
}

/// The station's devices as chosen and kept in `station.json`. Each left
/// unset takes its default: the PDF folder, the first reader with a card,
/// no camera.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DeviceChoices {
    /// The CUPS queue cards print to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer: Option<String>,
    /// The PC/SC reader the desk writes chips on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    /// The camera the check-print and gate screens watch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<CameraChoice>,
}

/// Where live frames come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CameraChoice {
    /// A webcam, by its index in the system's list (0 is the first).
    Webcam { index: u32 },
    /// Pictures in a folder played as a camera would deliver them (the demo's
    /// camera, and the tests' stand-in where a machine has no webcam).
    Frames { dir: String },
}

/// Makes `dir` (and its parents) and leaves it readable by its owner only:
/// it holds keys, the cache and printed cards with people's data on them.
pub(crate) fn create_private_dir(dir: &Path, action: &'static str) -> Result<(), StationError> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    let io = |source| StationError::Io {
        action,
        path: dir.to_owned(),
        source,
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io)
}

fn default_hotlist_max_age_hours() -> u32 {
    24
}

fn default_idle_sign_out_minutes() -> u32 {
    15
}

fn default_pickup_window_days() -> u32 {
    30
}

impl StationHome {
    pub fn new(dir: impl Into<PathBuf>) -> StationHome {
        StationHome { dir: dir.into() }
    }

    /// The home used when none is given: `$XDG_DATA_HOME/pass-station`, or
    /// `~/.local/share/pass-station`.
    pub fn default_dir() -> PathBuf {
        let data = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        data.join("pass-station")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn config_path(&self) -> PathBuf {
        self.dir.join("station.json")
    }

    fn key_path(&self) -> PathBuf {
        self.dir.join("station.key")
    }

    fn signer_path(&self) -> PathBuf {
        self.dir.join("signer.key")
    }

    fn chip_keys_path(&self) -> PathBuf {
        self.dir.join("chip-keys.json")
    }

    /// The office's chip master keys and the chip layout, for writing,
    /// releasing and formatting cards; refused on a station that holds the gate set.
    pub fn chip_keys(&self) -> Result<(pass_reader::OfficeKeys, pass_reader::ChipLayout), StationError> {
        let file = self.chip_key_file()?;
        let keys = file.office_keys().map_err(|detail| self.chip_keys_error(detail))?;
        Ok((keys, file.layout()))
    }

    pub(crate) fn chip_keys_error(&self, detail: String) -> StationError {
        StationError::Config {
            path: self.chip_keys_path(),
            detail,
        }
    }

    /// Writes the keys of `set`, sealed under `passphrase`, to `to`
    /// (readable by its owner only), for another station of the office.
    pub fn export_chip_keys(&self, set: KeySet, passphrase: &str, to: &Path) -> Result<(), StationError> {
        let sealed = self.chip_key_file()?.export(set, passphrase)?;
        write_atomically(to, &sealed, true)
    }

    /// Takes the office's chip keys from an export made at another station
    /// of `office`. Refused where keys are held already: replacing them would
    /// orphan every card issued here.
    pub fn import_chip_keys(&self, from: &Path, office: &str, passphrase: &str) -> Result<KeySet, StationError> {
        let bytes = fs::read(from).map_err(|source| StationError::Io {
            action: "read the chip key export",
            path: from.to_owned(),
            source,
        })?;
        self.import_chip_key_export(&bytes, office, passphrase)
    }

    /// Takes the office's chip keys from an export's bytes (as
    /// [`Self::import_chip_keys`], for a file the desktop app has read).
    pub fn import_chip_key_export(&self, bytes: &[u8], office: &str, passphrase: &str) -> Result<KeySet, StationError> {
        let path = self.chip_keys_path();
        if path.exists() {
            return Err(self.chip_keys_error(
                "this station holds chip keys already; a station's keys are never replaced".to_owned(),
            ));
        }
        let file = ChipKeysFile::import(bytes, office, passphrase)?;
        let json = Zeroizing::new(serde_json::to_vec_pretty(&file).expect("chip keys always encode"));
        write_atomically(&path, &json, true)?;
        Ok(file.set())
    }

    /// Which chip keys the station holds, if any.
    pub fn chip_keys_held(&self) -> Result<Option<KeySet>, StationError> {
        match self.chip_key_file() {
            Ok(file) => Ok(Some(file.set())),
            Err(StationError::NoChipKeys { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The chip keys file, as the station holds it.
    pub(crate) fn chip_key_file(&self) -> Result<ChipKeysFile, StationError> {
        let path = self.chip_keys_path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StationError::NoChipKeys { home: self.dir.clone() });
            }
            Err(source) => {
                return Err(StationError::Io {
                    action: "read the chip keys",
                    path,
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|e| StationError::Config {
            path,
            detail: e.to_string(),
        })
    }

    /// Makes new random chip master keys for `office`; refuses to replace
    /// existing ones, which would orphan every card already issued.
    pub fn generate_chip_keys(&self, office: &str) -> Result<PathBuf, StationError> {
        let path = self.chip_keys_path();
        if path.exists() {
            return Err(StationError::Config {
                path,
                detail: "chip keys exist already; replacing them would make every issued card unreadable here"
                    .to_owned(),
            });
        }
        let json = serde_json::to_vec_pretty(&ChipKeysFile::generate(office)?).expect("chip keys always encode");
        write_atomically(&path, &json, true)?;
        Ok(path)
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.join("station.db")
    }

    /// The station's settings, or `None` before enrolment.
    pub fn config(&self) -> Result<Option<StationConfig>, StationError> {
        let path = self.config_path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StationError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        serde_json::from_str(&text).map(Some).map_err(|e| StationError::Config {
            path,
            detail: e.to_string(),
        })
    }

    /// Enrols this home with central using a one-time code, and creates its cache.
    /// Enrols the station with central, trading the one-time `code`, and
    /// pins central's root key only if its fingerprint is `root_fingerprint`,
    /// which the authority gives out of band (hex SHA-256; spaces and colons
    /// are ignored). On a mismatch nothing is kept.
    pub async fn enroll(
        &self,
        central_url: &str,
        code: &str,
        station_name: &str,
        root_fingerprint: &str,
    ) -> Result<StationConfig, StationError> {
        let expected: String = root_fingerprint
            .chars()
            .filter(|c| !matches!(c, ' ' | ':'))
            .collect::<String>()
            .to_ascii_lowercase();
        if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StationError::BadFingerprint);
        }
        if let Some(existing) = self.config()? {
            return Err(StationError::AlreadyEnrolled {
                home: self.dir.clone(),
                station_id: existing.station_id,
                office: existing.office,
            });
        }
        let client = CentralClient::new(central_url).map_err(|source| StationError::Central {
            stage: "checking the central address".to_owned(),
            source,
        })?;
        let signer = SigningKey::generate(Algorithm::EdDsa).map_err(|e| StationError::SignerKey(e.to_string()))?;
        let request = EnrolmentRequest {
            code: code.trim().to_owned(),
            station_name: station_name.to_owned(),
            signer_key: encode_key(&signer.public()).map_err(|e| StationError::SignerKey(e.to_string()))?,
        };
        let enrolment = client.enrol(&request).await.map_err(|source| StationError::Central {
            stage: "enrolling with central".to_owned(),
            source,
        })?;
        let root = decode_key(&enrolment.authority_key).map_err(|e| StationError::Untrusted {
            what: "root key",
            detail: e.to_string(),
        })?;
        if root.fingerprint() != expected {
            return Err(StationError::RootMismatch {
                central: client.base_url().to_owned(),
                expected,
                found: root.fingerprint(),
            });
        }
        create_private_dir(&self.dir, "create the station home")?;
        // The keys first: settings without keys would claim an enrolment the station cannot use.
        let signer_pem = signer
            .to_pkcs8_pem()
            .map_err(|e| StationError::SignerKey(e.to_string()))?;
        write_atomically(&self.signer_path(), signer_pem.as_bytes(), true)?;
        write_atomically(&self.key_path(), enrolment.station_key.as_bytes(), true)?;
        let config = StationConfig {
            central_url: client.base_url().to_owned(),
            station_id: enrolment.station_id,
            office: enrolment.office,
            station_name: station_name.to_owned(),
            enrolled_at: crate::store::now_rfc3339(),
            authority_key: enrolment.authority_key,
            hotlist_max_age_hours: default_hotlist_max_age_hours(),
            idle_sign_out_minutes: default_idle_sign_out_minutes(),
            pickup_window_days: default_pickup_window_days(),
            devices: DeviceChoices::default(),
        };
        let json = serde_json::to_vec_pretty(&config).expect("station settings always encode");
        write_atomically(&self.config_path(), &json, false)?;
        Store::open(&self.db_path())?;
        Ok(config)
    }

    /// Keeps the devices chosen in Settings in `station.json`, replacing the
    /// file whole (a crash leaves the old settings or the new) and keeping
    /// its permissions.
    fn save_devices(&self, devices: &DeviceChoices) -> Result<StationConfig, StationError> {
        let mut config = self
            .config()?
            .ok_or_else(|| StationError::NotEnrolled { home: self.dir.clone() })?;
        config.devices = devices.clone();
        let json = serde_json::to_vec_pretty(&config).expect("station settings always encode");
        write_atomically(&self.config_path(), &json, false)?;
        Ok(config)
    }

    fn station_key(&self) -> Result<String, StationError> {
        let path = self.key_path();
        let key = fs::read_to_string(&path).map_err(|source| StationError::Io {
            action: "read the station key",
            path,
            source,
        })?;
        Ok(key.trim().to_owned())
    }

    pub(crate) fn signing_key(&self) -> Result<SigningKey, StationError> {
        let path = self.signer_path();
        let pem = fs::read_to_string(&path).map_err(|source| StationError::Io {
            action: "read the signing key",
            path: path.clone(),
            source,
        })?;
        SigningKey::from_pkcs8_pem(&pem).map_err(|e| StationError::SignerKey(format!("{}: {e}", path.display())))
    }
}

/// Writes a file only its owner can read (a key, a session token), whole or not at all.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), StationError> {
    write_atomically(path, bytes, true)
}

/// Writes a file so that a crash leaves the old one or the new one, never half.
fn write_atomically(path: &Path, bytes: &[u8], secret: bool) -> Result<(), StationError> {
    let io = |action, source| StationError::Io {
        action,
        path: path.to_owned(),
        source,
    };
    let temp = path.with_extension("tmp");
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(&temp).map_err(|e| io("create", e))?;
    file.write_all(bytes).map_err(|e| io("write", e))?;
    // A file rewritten keeps the permissions it had (an owner-only
    // station.json stays owner-only).
    if let Ok(old) = fs::metadata(path) {
        file.set_permissions(old.permissions())
            .map_err(|e| io("set the permissions of", e))?;
    }
    file.sync_all().map_err(|e| io("flush", e))?;
    fs::rename(&temp, path).map_err(|e| io("replace", e))
}

/// What [`Station::refresh_trust`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrustRefresh {
    pub trust: credentials::TrustSummary,
    pub events: OutboxReport,
    /// Transient failures that were retried.
    pub retried: Vec<String>,
}

/// An enrolled station with its cache open.
#[derive(Debug)]
pub struct Station {
    home: StationHome,
    config: StationConfig,
    store: Store,
    /// Set when the station acts as of a fixed time (see [`Station::pin_clock`]).
    pinned_clock: Option<time::OffsetDateTime>,
}

impl Station {
    /// Opens an enrolled station's home.
    pub fn open(home: StationHome) -> Result<Station, StationError> {
        let config = home
            .config()?
            .ok_or_else(|| StationError::NotEnrolled { home: home.dir.clone() })?;
        let store = Store::open(&home.db_path())?;
        Ok(Station {
            home,
            config,
            store,
            pinned_clock: None,
        })
    }

    /// The time the station decides by: now, unless pinned.
    pub fn now(&self) -> time::OffsetDateTime {
        self.pinned_clock.unwrap_or_else(time::OffsetDateTime::now_utc)
    }

    /// Makes the station decide sessions, lockouts, freezes, delegations and
    /// pick-up windows as of `at`, for replaying a day and for tests of those
    /// rules. Records are still stamped with the real time.
    pub fn pin_clock(&mut self, at: time::OffsetDateTime) {
        self.pinned_clock = Some(at);
    }

    pub fn config(&self) -> &StationConfig {
        &self.config
    }

    /// Keeps `devices` as the station's chosen devices, in `station.json`
    /// and in the open station.
    pub(crate) fn set_devices(&mut self, devices: &DeviceChoices) -> Result<(), StationError> {
        self.config = self.home.save_devices(devices)?;
        Ok(())
    }

    /// The cache. The shells never touch it (they go through [`crate::ops`],
    /// which checks each use case's duty); the system tests read it with the
    /// `lab` feature.
    #[cfg(feature = "lab")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    #[cfg(not(feature = "lab"))]
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn home(&self) -> &StationHome {
        &self.home
    }

    /// Who the audit trail names for the station's own steps (such as a
    /// card found uncollected).
    pub fn actor(&self) -> String {
        format!("station:{}", self.config.station_id)
    }

    /// A client for central, signed in with the station key.
    pub fn client(&self) -> Result<CentralClient, StationError> {
        let client = CentralClient::new(&self.config.central_url).map_err(|source| StationError::Central {
            stage: "checking the central address".to_owned(),
            source,
        })?;
        Ok(client.with_station_key(self.home.station_key()?))
    }

    /// Syncs with central. Refuses to start while another sync of this home runs.
    pub async fn sync(
        &mut self,
        options: &SyncOptions,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport, StationError> {
        let _lock = self.lock_sync()?;
        let client = self.client()?;
        let signer = self.head_signer()?;
        // Cards waiting 7 or 21 days: central reminds their companies with this sync's events.
        self.remind_of_waiting_cards()?;
        let office = &self.config.office;
        let mut report = crate::sync::sync(&mut self.store, &client, office, &signer, options, progress).await?;
        report.trust = self
            .refresh_trust_documents(&client, options, &mut report.retried)
            .await?;
        Ok(report)
    }

    /// Fetches the trust list and hotlist and sends the outbox, without
    /// reading the item feed: what a gate needs, in a fraction of a sync.
    pub async fn refresh_trust(&mut self, options: &SyncOptions) -> Result<TrustRefresh, StationError> {
        let _lock = self.lock_sync()?;
        let client = self.client()?;
        let mut retried = Vec::new();
        let trust = self.refresh_trust_documents(&client, options, &mut retried).await?;
        let signer = self.head_signer()?;
        let events =
            crate::sync::send_outbox(&mut self.store, &client, &signer, options, &mut retried, &mut |_| {}).await?;
        Ok(TrustRefresh { trust, events, retried })
    }

    /// The station as the signer of its audit trail's head for central.
    fn head_signer(&self) -> Result<HeadSigner, StationError> {
        Ok(HeadSigner {
            station_id: self.config.station_id.clone(),
            key: self.home.signing_key()?,
        })
    }

    async fn refresh_trust_documents(
        &self,
        client: &CentralClient,
        options: &SyncOptions,
        retried: &mut Vec<String>,
    ) -> Result<credentials::TrustSummary, StationError> {
        let root = self.authority_key()?;
        let mut verifier = self.verifier()?;
        credentials::refresh(
            &self.store,
            client,
            &root,
            &mut verifier,
            options.retry_policy(),
            retried,
        )
        .await
    }

    /// The authority's root key, pinned at enrolment.
    pub fn authority_key(&self) -> Result<PublicKey, StationError> {
        decode_key(&self.config.authority_key).map_err(|e| StationError::Config {
            path: self.home.config_path(),
            detail: format!("authority_key: {e}"),
        })
    }

    /// A verifier from the cached trust list and hotlist: works offline.
    pub fn verifier(&self) -> Result<Verifier, StationError> {
        let max_age = time::Duration::hours(i64::from(self.config.hotlist_max_age_hours));
        credentials::cached_verifier(&self.store, &self.authority_key()?, max_age)
    }

    /// One item of the cache, or the error that says it is not there.
    pub fn item(&self, pass_id: &str) -> Result<crate::store::ItemRecord, StationError> {
        self.store
            .item(pass_id)?
            .ok_or_else(|| StationError::ItemNotFound(pass_id.to_owned()))
    }

    /// Signs the QR credential for print `print` of `item`'s current version.
    /// Only a print job calls this: a valid credential exists only on a card
    /// the station records as printed.
    pub(crate) fn sign_print(&self, item: &crate::model::PassItem, print: u32) -> Result<String, StationError> {
        let claims = credentials::claims_for(item, &self.config.office, time::OffsetDateTime::now_utc(), print);
        let cose = pass_credential::sign(&claims, &self.home.signing_key()?)
            .map_err(|e| StationError::SignerKey(e.to_string()))?;
        Ok(pass_credential::to_qr_text(&cose))
    }

    /// Takes the home's sync lock; the OS releases it when the file closes,
    /// even if the process is killed.
    fn lock_sync(&self) -> Result<File, StationError> {
        let path = self.home.dir.join("sync.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StationError::Io {
                action: "open the sync lock",
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(fs::TryLockError::WouldBlock) => Err(StationError::SyncBusy {
                home: self.home.dir.clone(),
            }),
            Err(fs::TryLockError::Error(source)) => Err(StationError::Io {
                action: "lock",
                path,
                source,
            }),
        }
    }
}
