//! The events a station reports (`POST /v1/events`), each read from the
//! wire into the [`StationEvent`] it says; a kind or a value central does
//! not know is a 400 naming the event.
//!
//! Not for recording the events (see the store's `events`) nor for answering
//! the request (see `station_api`).

use serde::Deserialize;

use super::error::SimError;
use crate::api::{Event, EventBatch};
use crate::events::StationEvent;

/// An event as a station sent it, and what it says as a [`StationEvent`].
#[derive(Debug, Clone)]
pub(crate) struct ReportedEvent {
    pub wire: Event,
    pub event: StationEvent,
}

impl ReportedEvent {
    /// Reads what a wire event says; a kind or a value central does not know
    /// is a 400 that names the event.
    pub(crate) fn read(wire: Event) -> Result<ReportedEvent, SimError> {
        match StationEvent::from_wire(&wire.kind, &wire.payload) {
            Ok(event) => Ok(ReportedEvent { wire, event }),
            Err(e) => Err(SimError::BadRequest(format!("event {:?}: {e}", wire.idempotency_key))),
        }
    }
}

/// `POST /v1/events`, each event read as a [`StationEvent`].
#[derive(Debug)]
pub(crate) struct ReportedBatch {
    pub events: Vec<ReportedEvent>,
}

impl<'de> Deserialize<'de> for ReportedBatch {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let batch = EventBatch::deserialize(deserializer)?;
        let events = batch
            .events
            .into_iter()
            .map(ReportedEvent::read)
            .collect::<Result<_, _>>()
            .map_err(serde::de::Error::custom)?;
        Ok(ReportedBatch { events })
    }
}
