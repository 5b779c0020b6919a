//! What goes wrong in the simulator and how it answers: [`SimError`], the
//! `ApiError` status and code each kind of failure gets, and the checks of
//! request values (an office code, a card UID) that both APIs make.
//!
//! Not for deciding what to do about a failure (the handlers and the store
//! do), nor for turning the framework's own error answers into `ApiError`s
//! (see `layers`). Every other part of the simulator depends on this one; it
//! depends on none of them.

use std::net::SocketAddr;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::{ApiError, error_code};

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
    #[error("the photo is over {limit} bytes; crop it to the card's frame and send it again")]
    PhotoTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
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
            SimError::PhotoTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, error_code::PHOTO_TOO_LARGE),
            SimError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, error_code::UNSUPPORTED_MEDIA_TYPE)
            }
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
pub(super) fn during(what: &'static str) -> impl Fn(SimError) -> SimError {
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
pub(super) fn check_office(office: &str) -> Result<(), SimError> {
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
pub(super) fn parse_card_uid(text: &str) -> Result<Vec<u8>, SimError> {
    hex::decode(text).ok().filter(|uid| !uid.is_empty()).ok_or_else(|| {
        SimError::BadRequest(format!(
            "card_uid {text:?} is not a card UID in hex, such as 04A1B2C3D4E5F6"
        ))
    })
}
