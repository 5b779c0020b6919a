//! The station's home folder, its enrolment with central, and the open station.
//!
//! A home folder holds everything one station knows:
//! - `station.json`: who the station is (id, office, central's address);
//! - `station.key`: the key central gave at enrolment, readable by the owner
//!   only, kept apart from the settings so they can be shown and copied freely;
//! - `station.db`: the cache ([`crate::store`]);
//! - `sync.lock`: held while a sync runs, so two syncs never interleave.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use pass_central::api::EnrolmentRequest;
use pass_central::client::CentralClient;
use serde::{Deserialize, Serialize};

use crate::StationError;
use crate::store::Store;
use crate::sync::{SyncOptions, SyncProgress, SyncReport};

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
    pub async fn enroll(
        &self,
        central_url: &str,
        code: &str,
        station_name: &str,
    ) -> Result<StationConfig, StationError> {
        if let Some(existing) = self.config()? {
            return Err(StationError::AlreadyEnrolled {
                home: self.dir.clone(),
                station_id: existing.station_id,
                office: existing.office,
            });
        }
        fs::create_dir_all(&self.dir).map_err(|source| StationError::Io {
            action: "create the station home",
            path: self.dir.clone(),
            source,
        })?;
        let client = CentralClient::new(central_url).map_err(|source| StationError::Central {
            stage: "checking the central address".to_owned(),
            source,
        })?;
        let request = EnrolmentRequest {
            code: code.trim().to_owned(),
            station_name: station_name.to_owned(),
        };
        let enrolment = client.enrol(&request).await.map_err(|source| StationError::Central {
            stage: "enrolling with central".to_owned(),
            source,
        })?;
        // The key first: settings without a key would claim an enrolment the station cannot use.
        write_atomically(&self.key_path(), enrolment.station_key.as_bytes(), true)?;
        let config = StationConfig {
            central_url: client.base_url().to_owned(),
            station_id: enrolment.station_id,
            office: enrolment.office,
            station_name: station_name.to_owned(),
            enrolled_at: crate::store::now_rfc3339(),
        };
        let json = serde_json::to_vec_pretty(&config).expect("station settings always encode");
        write_atomically(&self.config_path(), &json, false)?;
        Store::open(&self.db_path())?;
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
    file.sync_all().map_err(|e| io("flush", e))?;
    fs::rename(&temp, path).map_err(|e| io("replace", e))
}

/// An enrolled station with its cache open.
#[derive(Debug)]
pub struct Station {
    home: StationHome,
    config: StationConfig,
    store: Store,
}

impl Station {
    /// Opens an enrolled station's home.
    pub fn open(home: StationHome) -> Result<Station, StationError> {
        let config = home
            .config()?
            .ok_or_else(|| StationError::NotEnrolled { home: home.dir.clone() })?;
        let store = Store::open(&home.db_path())?;
        Ok(Station { home, config, store })
    }

    pub fn config(&self) -> &StationConfig {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
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
        crate::sync::sync(&mut self.store, &client, &self.config.office, options, progress).await
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
