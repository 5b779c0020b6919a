//! Reading a request the way both APIs need: a JSON body checked against
//! the contract's schema, a query string, and the station that signed the
//! request. Any of them that fails is a 400 or a 401 `ApiError`, never a
//! framework's plain-text default.
//!
//! Not for what a handler does with what it read (see `station_api` and
//! `admin_api`, which both depend on this module).

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::contract::RequestSchema;
use super::error::SimError;
use super::state::AppState;
use super::store::Station;

/// A JSON body that follows its schema in the contract; any other body
/// (not JSON, not sent as JSON, or breaking the schema) is a 400
/// `bad_request` with the reason.
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + RequestSchema> FromRequest<AppState> for ApiJson<T> {
    type Rejection = SimError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, SimError> {
        let Json(body) = Json::<serde_json::Value>::from_request(request, state)
            .await
            .map_err(|rejection| SimError::BadRequest(rejection.body_text()))?;
        // Read first: the Rust types name what they miss most plainly (an
        // unknown event kind, a missing field); the schema then catches the rest.
        let value =
            T::deserialize(&body).map_err(|e| SimError::BadRequest(format!("the body is not a {}: {e}", T::SCHEMA)))?;
        state.schemas.check(T::SCHEMA, &body)?;
        Ok(ApiJson(value))
    }
}

/// A query string; one that does not decode (a parameter given twice, a
/// value of the wrong kind) is a 400 `bad_request` with the reason.
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, SimError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(SimError::BadRequest(rejection.body_text())),
        }
    }
}

impl FromRequestParts<AppState> for Station {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SimError> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|key| key.trim().to_owned())
            .filter(|key| !key.is_empty())
            .ok_or(SimError::Unauthorized)?;
        state
            .db(move |store| store.station_by_key(&key))
            .await?
            .ok_or(SimError::Unauthorized)
    }
}
