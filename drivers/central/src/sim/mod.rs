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
//!
//! This module wires the router and runs the server ([`SimHandle`]); it
//! depends on the parts and none of them depends on it. What the handlers
//! share lives below them: the errors (`error`), the state they run with
//! (`state`), reading a request (`extract`) and the bodies (`admin`,
//! `reported`); the store and the fault set sit under the state.

pub mod admin;
mod admin_api;
mod admin_client;
mod contract;
mod cursor;
mod error;
mod extract;
mod faults;
mod generate;
mod layers;
mod portrait;
mod reported;
mod state;
mod station_api;
mod store;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum::routing::{delete, get, post, put};
use tokio::sync::watch;

pub use admin_client::AdminClient;
pub use error::SimError;
pub use faults::{Fault, FaultKind};
pub use state::SimConfig;
use state::{AppState, lock};

/// How long a stopping simulator waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

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
        .route("/v1/items/{pass_id}/photo", put(station_api::put_photo))
        .route("/v1/claims", post(station_api::claim))
        .route("/v1/claims/{pass_id}", delete(station_api::release_claim))
        .route("/v1/claims/{pass_id}/take-over", post(station_api::take_over_claim))
        .merge(admin_api::routes())
        .fallback(|| async { SimError::NotFound("nothing is served at this address".to_owned()) })
        .method_not_allowed_fallback(|| async { SimError::MethodNotAllowed })
        .layer(middleware::from_fn(layers::errors_as_api_errors))
        .layer(middleware::from_fn_with_state(state.clone(), layers::inject))
        .with_state(state)
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
