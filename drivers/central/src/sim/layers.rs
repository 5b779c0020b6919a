//! The layers around every handler: the configured latency and whatever
//! fault is armed for a request's path (see `faults`), and the framework's
//! own error answers (a request it could not read) turned into `ApiError`s.
//!
//! Not for arming or listing faults (see `faults` and the admin API), nor for
//! the router itself (see the parent module, which puts these layers on it).

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};

use super::error::SimError;
use super::faults::FaultKind;
use super::state::AppState;

/// The most of a framework's own error text kept in the `ApiError` made of it.
const FRAMEWORK_ERROR_BYTES: usize = 4096;
/// Latency of a `latency` fault that names none.
const DEFAULT_LATENCY_MS: u64 = 1000;
/// How long a cut answer stalls after its first half, so that half reaches the client.
const CUT_STALL: Duration = Duration::from_millis(100);
/// The body of a `malformed_json` answer: what a captive portal or a broken proxy sends.
const NOT_JSON: &str = "<!DOCTYPE html><html><head><title>Network login</title></head>\
<body><p>Please sign in to use this network.</p></body></html>";

/// Middleware: the configured latency, then whatever fault is armed for the path.
pub(crate) async fn inject(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if !path.starts_with("/admin") && !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    let Some(fault) = state.faults.take(&path) else {
        return next.run(request).await;
    };
    match fault.kind {
        FaultKind::Latency => {
            tokio::time::sleep(Duration::from_millis(fault.latency_ms.unwrap_or(DEFAULT_LATENCY_MS))).await;
            next.run(request).await
        }
        FaultKind::Status500 => SimError::InjectedFault.into_response(),
        FaultKind::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            NOT_JSON,
        )
            .into_response(),
        FaultKind::CutBody => cut(next.run(request).await).await,
    }
}

/// The same answer, but its body stops halfway and the connection drops.
async fn cut(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let whole = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return SimError::Internal(format!("reading the answer to cut it: {e}")).into_response();
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let half = whole.slice(..whole.len() / 2);
    Response::from_parts(
        parts,
        Body::new(CutBody {
            first: Some(half),
            full_len: whole.len() as u64,
            stall: None,
        }),
    )
}

/// A body that announces its full length, sends its first part, then fails.
struct CutBody {
    first: Option<Bytes>,
    full_len: u64,
    stall: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl HttpBody for CutBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = self.get_mut();
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        ready!(
            this.stall
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(CUT_STALL)))
                .as_mut()
                .poll(cx)
        );
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "answer cut short by a cut_body fault",
        ))))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.full_len)
    }
}

/// Middleware: an error answer the framework made by itself (a request it
/// could not read, before any handler ran) becomes an `ApiError` like every
/// other, with a status the contract gives: 400 for any request the client
/// got wrong, 500 for anything else.
pub(super) async fn errors_as_api_errors(request: Request, next: Next) -> Response {
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
