//! `central-sim`: a reference server for the central pass API.
//!
//! It exists so that a station can be built, tested and shown without the
//! real central system: it speaks the contract in `openapi.yaml` over real
//! HTTP, keeps its data in its own SQLite file, generates realistic
//! applications and users, and takes admin requests (approve, withdraw, edit,
//! revoke, backdate a sign-in, inject faults) that tests use to put a station
//! through its paces.
//!
//! The admin endpoints take no credentials: serve it on loopback only.

pub mod admin;
mod admin_client;
mod contract;
mod cursor;
mod faults;
mod generate;
mod portrait;
mod station_api;
mod store;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Json;
use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Router, middleware};
use tokio::sync::watch;

use crate::api::{ApiError, error_code};
pub use admin_client::AdminClient;
use contract::{REQUEST_SCHEMAS, RequestSchemas};
pub use faults::{Fault, FaultKind};
use store::Store;

/// The most of a framework's own error text kept in the `ApiError` made of it.
const FRAMEWORK_ERROR_BYTES: usize = 4096;

/// How long a stopping simulator waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

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
}

impl SimConfig {
    /// Defaults: no items, office `TWKEL`, photos on, seed 2026, no latency,
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
        }
    }
}

/// Why the simulator could not start, or could not do what it was asked.
///
/// As an answer to a request each variant becomes an `ApiError` with the
/// status and code the contract gives it.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the simulator database failed while {context}: {source}")]
    Db {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot listen on {addr}: {source} (is another program using the port?)")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot draw the portrait {label}: {source}")]
    Portrait {
        label: String,
        #[source]
        source: png::EncodingError,
    },
    /// Something inside the simulator that should not fail did.
    #[error("central-sim failed inside: {0}")]
    Internal(String),
    #[error("no station key, or one central does not know; enrol the station again")]
    Unauthorized,
    #[error("this station belongs to card office {own}, not {asked}")]
    WrongOffice { own: String, asked: String },
    #[error("{0}")]
    NotFound(String),
    #[error("this enrolment code is not known; check it, or ask the central office for a new one")]
    EnrolmentCodeUnknown,
    #[error("this enrolment code was already used to enrol a station; ask the central office for a new one")]
    EnrolmentCodeUsed,
    #[error("the cursor belongs to an earlier feed; sync again from the start")]
    CursorExpired,
    #[error("{0}")]
    BadRequest(String),
    #[error("this address does not take that method (see openapi.yaml)")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("central failed to answer (a status_500 fault injected in central-sim)")]
    InjectedFault,
    #[error("the user name or the password is wrong")]
    BadCredentials,
    #[error("the account is locked after too many wrong passwords in a row, until {until}")]
    AccountLocked { until: String },
    #[error("the account was not signed in for {days} days and is frozen until its password is changed")]
    AccountFrozen { days: i64 },
    #[error("{0}")]
    WeakPassword(String),
}

impl SimError {
    /// The HTTP status and `ApiError` code of this error as an answer.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            SimError::Unauthorized => (StatusCode::UNAUTHORIZED, error_code::UNAUTHORIZED),
            SimError::WrongOffice { .. } => (StatusCode::FORBIDDEN, error_code::WRONG_OFFICE),
            SimError::NotFound(_) => (StatusCode::NOT_FOUND, error_code::NOT_FOUND),
            SimError::EnrolmentCodeUnknown => (StatusCode::NOT_FOUND, error_code::ENROLMENT_CODE_UNKNOWN),
            SimError::EnrolmentCodeUsed => (StatusCode::CONFLICT, error_code::ENROLMENT_CODE_USED),
            SimError::CursorExpired => (StatusCode::GONE, error_code::CURSOR_EXPIRED),
            SimError::BadRequest(_) => (StatusCode::BAD_REQUEST, error_code::BAD_REQUEST),
            SimError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            SimError::Conflict(_) => (StatusCode::CONFLICT, error_code::CONFLICT),
            SimError::BadCredentials => (StatusCode::UNAUTHORIZED, error_code::BAD_CREDENTIALS),
            SimError::AccountLocked { .. } => (StatusCode::LOCKED, error_code::ACCOUNT_LOCKED),
            SimError::AccountFrozen { .. } => (StatusCode::FORBIDDEN, error_code::ACCOUNT_FROZEN),
            SimError::WeakPassword(_) => (StatusCode::UNPROCESSABLE_ENTITY, error_code::WEAK_PASSWORD),
            SimError::Db { .. }
            | SimError::Bind { .. }
            | SimError::Io { .. }
            | SimError::Portrait { .. }
            | SimError::Internal(_)
            | SimError::InjectedFault => (StatusCode::INTERNAL_SERVER_ERROR, error_code::INTERNAL),
        }
    }
}

impl From<rusqlite::Error> for SimError {
    /// A database error; the store names what it was doing when it passes the error on.
    fn from(source: rusqlite::Error) -> Self {
        SimError::Db {
            context: String::new(),
            source,
        }
    }
}

/// Names what the database was doing when one of its errors happened.
fn during(what: &'static str) -> impl Fn(SimError) -> SimError {
    move |error| match error {
        SimError::Db { context, source } if context.is_empty() => SimError::Db {
            context: what.to_owned(),
            source,
        },
        other => other,
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        (
            status,
            Json(ApiError {
                code: code.to_owned(),
                message: self.to_string(),
            }),
        )
            .into_response()
    }
}

/// Makes sure `office` is the code of a port the pass system covers.
fn check_office(office: &str) -> Result<(), SimError> {
    match crate::model::port(office) {
        Some(_) => Ok(()),
        None => {
            let known: Vec<&str> = crate::model::PORTS.iter().map(|p| p.code).collect();
            Err(SimError::BadRequest(format!(
                "unknown card office {office:?}; known: {}",
                known.join(", ")
            )))
        }
    }
}

/// A card UID in hex (the contract writes it upper-case), such as `04A1B2C3D4E5F6`.
fn parse_card_uid(text: &str) -> Result<Vec<u8>, SimError> {
    hex::decode(text).ok().filter(|uid| !uid.is_empty()).ok_or_else(|| {
        SimError::BadRequest(format!(
            "card_uid {text:?} is not a card UID in hex, such as 04A1B2C3D4E5F6"
        ))
    })
}

/// What every request handler shares.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    store: Arc<Mutex<Store>>,
    faults: Arc<faults::Faults>,
    schemas: Arc<RequestSchemas>,
    seed: u64,
    photos: bool,
    latency: Duration,
}

impl AppState {
    /// Opens the database and prepares it as `config` asks.
    fn open(config: &SimConfig) -> Result<AppState, SimError> {
        check_office(&config.office)?;
        let schemas = RequestSchemas::compile(REQUEST_SCHEMAS)?;
        let mut store = Store::open(&config.db_path)?;
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
    async fn db<T, F>(&self, work: F) -> Result<T, SimError>
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
fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/enrolments", post(station_api::enrol))
        .route("/v1/offices/{office}/items", get(station_api::items))
        .route("/v1/photos/{sha256}", get(station_api::photo))
        .route("/v1/events", post(station_api::events))
        .route("/v1/trust-list", get(station_api::trust_list))
        .route("/v1/hotlist", get(station_api::hotlist))
        .route("/v1/sign-in", post(station_api::sign_in))
        .route("/v1/password", post(station_api::change_password))
        .route("/v1/items/{pass_id}/reprint", post(station_api::reprint))
        .merge(admin::routes())
        .fallback(|| async { SimError::NotFound("nothing is served at this address".to_owned()) })
        .method_not_allowed_fallback(|| async { SimError::MethodNotAllowed })
        .layer(middleware::from_fn(errors_as_api_errors))
        .layer(middleware::from_fn_with_state(state.clone(), faults::inject))
        .with_state(state)
}

/// Middleware: an error answer the framework made by itself (a request it
/// could not read, before any handler ran) becomes an `ApiError` like every
/// other, with a status the contract gives: 400 for any request the client
/// got wrong, 500 for anything else.
async fn errors_as_api_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let text = match to_bytes(response.into_body(), FRAMEWORK_ERROR_BYTES).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(e) => format!("HTTP {status} with an unreadable body: {e}"),
    };
    let error = match status {
        StatusCode::NOT_FOUND => SimError::NotFound(text),
        StatusCode::METHOD_NOT_ALLOWED => SimError::MethodNotAllowed,
        status if status.is_client_error() => SimError::BadRequest(text),
        _ => SimError::Internal(text),
    };
    error.into_response()
}

/// A simulator running on its own thread with its own tokio runtime.
#[derive(Debug)]
pub struct SimHandle {
    url: String,
    state: AppState,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// Starts a simulator on `127.0.0.1` at a free port; returns once it
    /// accepts connections.
    pub fn spawn(config: SimConfig) -> Result<SimHandle, SimError> {
        SimHandle::spawn_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    /// Starts a simulator listening on `listen`; returns once it accepts connections.
    pub fn spawn_on(config: SimConfig, listen: SocketAddr) -> Result<SimHandle, SimError> {
        let state = AppState::open(&config)?;
        let listener = TcpListener::bind(listen).map_err(|source| SimError::Bind { addr: listen, source })?;
        let io = |context: &str| {
            let context = context.to_owned();
            move |source| SimError::Io { context, source }
        };
        let addr = listener.local_addr().map_err(io("reading the listening address"))?;
        listener
            .set_nonblocking(true)
            .map_err(io("setting up the listening socket"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("central-sim")
            .enable_all()
            .build()
            .map_err(io("starting the simulator runtime"))?;
        let (shutdown, stopping) = watch::channel(false);
        let app = router(state.clone());
        let thread = std::thread::Builder::new()
            .name("central-sim".to_owned())
            .spawn(move || {
                if let Err(e) = runtime.block_on(serve(listener, app, stopping)) {
                    eprintln!("central-sim stopped: {e}");
                }
                runtime.shutdown_timeout(SHUTDOWN_GRACE);
            })
            .map_err(io("starting the simulator thread"))?;
        Ok(SimHandle {
            url: format!("http://{addr}"),
            state,
            shutdown,
            thread: Some(thread),
        })
    }

    /// Where it listens, such as `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A valid unused enrolment code for `office`, if there is one.
    pub fn enrolment_code(&self, office: &str) -> Option<String> {
        lock(&self.state.store).unused_enrolment_code(office).ok().flatten()
    }

    /// The fingerprint of the simulator's root key, which stations check at enrolment.
    pub fn root_fingerprint(&self) -> String {
        lock(&self.state.store).root_fingerprint()
    }

    /// Every unused enrolment code, as (office, code).
    pub fn enrolment_codes(&self) -> Result<Vec<(String, String)>, SimError> {
        lock(&self.state.store).unused_enrolment_codes()
    }

    /// Stops taking requests, lets those in flight finish (a few seconds at
    /// most) and joins the simulator's thread. Dropping the handle does the same.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        // The server may have stopped on its own already; then nobody listens.
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            eprintln!("central-sim: the simulator thread panicked while stopping");
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Serves `app` on `listener` until `stopping` turns true (or its sender is
/// gone), then waits at most [`SHUTDOWN_GRACE`] for requests in flight.
async fn serve(listener: TcpListener, app: Router, stopping: watch::Receiver<bool>) -> Result<(), SimError> {
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|source| SimError::Io {
        context: "listening for requests".to_owned(),
        source,
    })?;
    let stop_signal = |mut stopping: watch::Receiver<bool>| async move {
        // An error means the handle is gone: stop as well.
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let server = axum::serve(listener, app).with_graceful_shutdown(stop_signal(stopping.clone()));
    tokio::select! {
        served = server => served.map_err(|source| SimError::Io { context: "serving requests".to_owned(), source }),
        () = async { stop_signal(stopping).await; tokio::time::sleep(SHUTDOWN_GRACE).await } => Ok(()),
    }
}
