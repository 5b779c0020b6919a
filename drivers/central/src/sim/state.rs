//! How a simulator starts ([`SimConfig`]) and what every request handler
//! shares, opened from it: the database, the armed faults, the contract's
//! compiled request schemas and the simulator's settings.
//!
//! Not for handling requests (see `station_api` and `admin_api`) nor for
//! wiring the router (see the parent module); it depends only on the store,
//! the faults, the contract and the errors.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::contract::{REQUEST_SCHEMAS, RequestSchemas};
use super::error::{SimError, check_office};
use super::faults::Faults;
use super::store::Store;

/// How a simulator starts.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Its SQLite file, created when missing; an existing one keeps its data.
    pub db_path: PathBuf,
    /// How many approved pass items to generate at start, for `office`.
    pub generate: u32,
    /// The card office generated items are picked up at (default `TWKEL`).
    pub office: String,
    /// Whether generated people get portrait photos (default true).
    pub photos: bool,
    /// Makes generated data repeatable: the same seed and the same requests
    /// give the same names, companies, dates and photos.
    pub seed: u64,
    /// One-time enrolment codes to accept, as (office, code).
    pub enrolment_codes: Vec<(String, String)>,
    /// Added before every answer of the station API (not the admin API).
    pub latency: Duration,
    /// Hashes holders' ID documents at a cost stations refuse to compare
    /// against (default false): for benchmarks that generate 100,000 holders
    /// and hand no card over.
    pub cheap_id_hashes: bool,
}

impl SimConfig {
    /// Defaults: no items, office `TWKEL`, photos on, seed 2026, no latency,
    /// holder ID hashes at the cost stations ask for,
    /// and one enrolment code made for the office at start.
    pub fn new(db_path: impl Into<PathBuf>) -> Self {
        SimConfig {
            db_path: db_path.into(),
            generate: 0,
            office: "TWKEL".to_owned(),
            photos: true,
            seed: 2026,
            enrolment_codes: Vec::new(),
            latency: Duration::ZERO,
            cheap_id_hashes: false,
        }
    }
}

/// What every request handler shares.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(super) store: Arc<Mutex<Store>>,
    pub(super) faults: Arc<Faults>,
    pub(super) schemas: Arc<RequestSchemas>,
    pub(super) seed: u64,
    pub(super) photos: bool,
    pub(super) latency: Duration,
}

impl AppState {
    /// Opens the database and prepares it as `config` asks.
    pub(super) fn open(config: &SimConfig) -> Result<AppState, SimError> {
        check_office(&config.office)?;
        let schemas = RequestSchemas::compile(REQUEST_SCHEMAS)?;
        let mut store = Store::open(&config.db_path)?;
        store.id_hash_params = super::store::holder_hash_params(config.cheap_id_hashes);
        for (office, code) in &config.enrolment_codes {
            check_office(office)?;
            store.add_enrolment_code(office, code)?;
        }
        let code_given = config
            .enrolment_codes
            .iter()
            .any(|(office, _)| *office == config.office);
        if !code_given && store.unused_enrolment_code(&config.office)?.is_none() {
            store.new_enrolment_code(&config.office)?;
        }
        if config.generate > 0 {
            store.generate(config.seed, config.photos, &config.office, config.generate)?;
        }
        Ok(AppState {
            store: Arc::new(Mutex::new(store)),
            faults: Arc::default(),
            schemas: Arc::new(schemas),
            seed: config.seed,
            photos: config.photos,
            latency: config.latency,
        })
    }

    /// Runs `work` on the database away from the async workers.
    pub(super) async fn db<T, F>(&self, work: F) -> Result<T, SimError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, SimError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || work(&mut lock(&store)))
            .await
            .map_err(|e| SimError::Internal(format!("a database task ended early: {e}")))?
    }
}

/// The store, also after a panic elsewhere: every change is one transaction,
/// which SQLite rolled back if it did not finish.
pub(super) fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}
