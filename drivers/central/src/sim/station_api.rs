//! The station side of `central-sim`: the `/v1` endpoints of `openapi.yaml`.
//!
//! It exists to answer a station exactly as the contract says, errors
//! included: every refusal is an `ApiError` with the contract's status and
//! code, never a framework's plain-text default.
//!
//! Not for reading requests (see `extract`) or keeping data (see `store`):
//! each handler reads its request, asks the store and answers.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Bytes};
use serde::Deserialize;

use super::cursor::Cursor;
use super::error::{SimError, parse_card_uid};
use super::extract::{ApiJson, ApiQuery};
use super::reported::ReportedBatch;
use super::state::AppState;
use super::store::Station;
use crate::api::{
    Claim, ClaimRequest, ClaimResults, EnrolmentRequest, EventResults, MAX_PHOTO_BYTES, PasswordChange, PhotoProblem,
    ReprintRequest, SignInRequest, TakeOverRequest, UserProfile, WireItem, check_photo,
};

/// Page size when a station names none, and the most it may ask for.
const DEFAULT_LIMIT: u32 = 500;
const MAX_LIMIT: u32 = 1000;

pub(crate) async fn enrol(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<EnrolmentRequest>,
) -> Result<impl IntoResponse, SimError> {
    let name = request.station_name.trim().to_owned();
    if name.is_empty() {
        return Err(SimError::BadRequest(
            "station_name must name the station, not be spaces only".to_owned(),
        ));
    }
    let request = EnrolmentRequest {
        station_name: name,
        ..request
    };
    let enrolment = state.db(move |store| store.enrol(&request)).await?;
    Ok((StatusCode::CREATED, Json(enrolment)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ItemsQuery {
    after: Option<String>,
    limit: Option<String>,
}

pub(crate) async fn items(
    station: Station,
    State(state): State<AppState>,
    Path(office): Path<String>,
    ApiQuery(query): ApiQuery<ItemsQuery>,
) -> Result<Response, SimError> {
    // A request the contract refuses is a 400 whoever asks; only then is the office compared.
    check_path_parameter("office", &office, is_port_code)?;
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse()
            .ok()
            .filter(|limit| (1..=MAX_LIMIT).contains(limit))
            .ok_or_else(|| {
                SimError::BadRequest(format!("limit {text:?} must be a whole number from 1 to {MAX_LIMIT}"))
            })?,
    };
    let after = query.after.as_deref().map(str::parse::<Cursor>).transpose()?;
    if station.office != office {
        return Err(SimError::WrongOffice {
            own: station.office,
            asked: office,
        });
    }
    let page = state.db(move |store| store.feed_page(&office, after, limit)).await?;
    // The items are stored as JSON text: the page is written around them, not re-encoded.
    let next_cursor = serde_json::to_string(&page.next_cursor.to_string())
        .map_err(|e| SimError::Internal(format!("writing the cursor: {e}")))?;
    let mut body = String::with_capacity(page.items.iter().map(|i| i.len() + 1).sum::<usize>() + 64);
    body.push_str(r#"{"items":["#);
    for (i, item) in page.items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push_str(r#"],"next_cursor":"#);
    body.push_str(&next_cursor);
    body.push_str(if page.has_more {
        r#","has_more":true}"#
    } else {
        r#","has_more":false}"#
    });
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub(crate) async fn photo(
    _station: Station,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Response, SimError> {
    check_path_parameter("sha256", &sha256, is_sha256)?;
    let bytes = state.db(move |store| store.photo(&sha256)).await?;
    // Central draws PNGs; a desk sends JPEGs.
    let media_type = if bytes.starts_with(&[0xFF, 0xD8]) {
        "image/jpeg"
    } else {
        "image/png"
    };
    Ok(([(header::CONTENT_TYPE, media_type)], Bytes::from(bytes)).into_response())
}

pub(crate) async fn events(
    station: Station,
    State(state): State<AppState>,
    ApiJson(batch): ApiJson<ReportedBatch>,
) -> Result<impl IntoResponse, SimError> {
    let results = state
        .db(move |store| store.record_events(&station.id, &batch.events))
        .await?;
    Ok(Json(EventResults { results }))
}

/// The trust list, signed by the authority's root key.
pub(crate) async fn trust_list(_station: Station, State(state): State<AppState>) -> Result<Response, SimError> {
    let bytes = state.db(|store| store.signed_trust_list()).await?;
    Ok(cose(bytes))
}

#[derive(Debug, Deserialize)]
pub(crate) struct HotlistQuery {
    after: Option<String>,
}

/// The hotlist entries after the station's sequence, signed by the root key.
pub(crate) async fn hotlist(
    _station: Station,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<HotlistQuery>,
) -> Result<Response, SimError> {
    let after = match query.after.as_deref() {
        None => 0,
        Some(text) => text
            .parse()
            .map_err(|_| SimError::BadRequest(format!("after={text:?} is not a hotlist sequence number")))?,
    };
    let bytes = state.db(move |store| store.signed_hotlist(after)).await?;
    Ok(cose(bytes))
}

/// Signs a user of the station's office in.
pub(crate) async fn sign_in(
    station: Station,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Json<UserProfile>, SimError> {
    Ok(Json(
        state.db(move |store| store.sign_in(&station.office, &request)).await?,
    ))
}

/// Changes the password of a user of the station's office; 204 when done.
pub(crate) async fn change_password(
    station: Station,
    State(state): State<AppState>,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, SimError> {
    state
        .db(move |store| store.change_password(&station.office, &change))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Refuses a supervisor's step (a reprint, a take-over) that does not say why
/// or who approved it.
fn supervised(step: &str, reason: &str, approved_by: &str) -> Result<(), SimError> {
    if reason.trim().is_empty() {
        return Err(SimError::BadRequest(format!("a {step} needs a reason")));
    }
    if approved_by.trim().is_empty() {
        return Err(SimError::BadRequest(format!(
            "a {step} needs the user name of the supervisor who approved it (approved_by)"
        )));
    }
    Ok(())
}

/// A new card for a pass of the station's office; answers the item's new record.
pub(crate) async fn reprint(
    station: Station,
    State(state): State<AppState>,
    Path(pass_id): Path<String>,
    ApiJson(request): ApiJson<ReprintRequest>,
) -> Result<Json<WireItem>, SimError> {
    supervised("reprint", &request.reason, &request.approved_by)?;
    let old_card = request.card_uid.as_deref().map(parse_card_uid).transpose()?;
    let item = state
        .db(move |store| store.reprint(&station, &pass_id, &request, old_card.as_deref()))
        .await?;
    Ok(Json(item))
}

/// Claims passes for the asking desk, or extends its claims; one result per pass.
pub(crate) async fn claim(
    station: Station,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ClaimRequest>,
) -> Result<Json<ClaimResults>, SimError> {
    if request.pass_ids.is_empty() {
        return Err(SimError::BadRequest("pass_ids must name at least one pass".to_owned()));
    }
    let results = state.db(move |store| store.claim(&station, &request.pass_ids)).await?;
    Ok(Json(ClaimResults { results }))
}

/// Ends the asking desk's claim on a pass; 204 when it holds none any more.
pub(crate) async fn release_claim(
    station: Station,
    State(state): State<AppState>,
    Path(pass_id): Path<String>,
) -> Result<StatusCode, SimError> {
    state.db(move |store| store.release_claim(&station, &pass_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves a pass's claim to the asking desk, with a supervisor's reason.
pub(crate) async fn take_over_claim(
    station: Station,
    State(state): State<AppState>,
    Path(pass_id): Path<String>,
    ApiJson(request): ApiJson<TakeOverRequest>,
) -> Result<Json<Claim>, SimError> {
    supervised("take-over", &request.reason, &request.approved_by)?;
    let claim = state
        .db(move |store| store.take_over_claim(&station, &pass_id, &request))
        .await?;
    Ok(Json(claim))
}

/// A desk's photo of a pass holder (a JPEG, as `check_photo` reads it):
/// stored, named in the item, and the item moved to the feed's end; answers
/// the item's record. The body is read up to one byte past the limit, so a
/// larger one is refused without being held whole.
pub(crate) async fn put_photo(
    station: Station,
    State(state): State<AppState>,
    Path(pass_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<WireItem>, SimError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let essence = media_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("image/jpeg") {
        return Err(SimError::UnsupportedMediaType(format!(
            "a photo is sent as image/jpeg, not {:?}",
            if media_type.is_empty() {
                "no content type"
            } else {
                media_type
            }
        )));
    }
    let bytes = axum::body::to_bytes(body, MAX_PHOTO_BYTES + 1)
        .await
        .map_err(|_| SimError::PhotoTooLarge { limit: MAX_PHOTO_BYTES })?;
    check_photo(&bytes).map_err(|problem| match problem {
        PhotoProblem::TooLarge { .. } => SimError::PhotoTooLarge { limit: MAX_PHOTO_BYTES },
        other => SimError::BadRequest(other.to_string()),
    })?;
    let item = state
        .db(move |store| store.set_photo(&station, &pass_id, &bytes))
        .await?;
    Ok(Json(item))
}

/// Refuses a path parameter that breaks the contract's pattern for it (400),
/// before anything is looked up by it.
fn check_path_parameter(name: &str, value: &str, follows: fn(&str) -> bool) -> Result<(), SimError> {
    if follows(value) {
        Ok(())
    } else {
        Err(SimError::BadRequest(format!(
            "{name} {value:?} does not follow openapi.yaml (see the pattern of {name})"
        )))
    }
}

/// A UN/LOCODE as the contract writes it: `^[A-Z]{5}$`.
fn is_port_code(text: &str) -> bool {
    text.len() == 5 && text.bytes().all(|b| b.is_ascii_uppercase())
}

/// A lower-case hex SHA-256 as the contract writes it: `^[0-9a-f]{64}$`.
fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn cose(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/cose")], Bytes::from(bytes)).into_response()
}
