//! The central pass API, as a card-office station sees it.
//!
//! What this crate is for:
//! - [`api`]: the wire types of the contract in `openapi.yaml` (the contract is
//!   the YAML file; these types follow it, and a test holds them to it);
//! - [`events`]: [`StationEvent`], every event a station reports to central,
//!   typed as the contract gives its payload;
//! - [`identity`]: the ID documents a person shows at the counter, and the
//!   holder ID check value central sends instead of the number;
//! - [`model`]: facts of the pass system that both ends check the same way
//!   (company tax IDs, masked national IDs, port codes, password rules);
//! - [`client`]: a `reqwest` client for the API with errors a clerk can act on;
//! - `sim` (feature `sim`, on by default): `central-sim`, a real HTTP server
//!   that speaks the contract, with its own SQLite file, generated
//!   applications, admin endpoints and fault injection. A production build
//!   leaves it out, and with it axum, SQLite and the rest only it uses.
//!
//! What it is not for: anything about a station's own work (its cache, card
//! states, printing). It knows nothing of the station.

pub mod api;
pub mod client;
pub mod events;
pub mod identity;
pub mod model;
#[cfg(feature = "sim")]
pub mod sim;

pub use client::{CentralClient, CentralError};
pub use events::StationEvent;
#[cfg(feature = "sim")]
pub use sim::{SimConfig, SimError, SimHandle};
