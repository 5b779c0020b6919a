//! A client for the central pass API (`openapi.yaml`), for a card-office station.
//!
//! It exists so that a station deals in [`CentralError`]s that say what went
//! wrong in words a clerk can act on, and whether trying again later can help
//! ([`CentralError::is_transient`]), instead of raw HTTP and JSON failures. It
//! also checks what it can on the way in: a photo's bytes against their
//! SHA-256, an event batch's results against the batch.
//!
//! The station key is a secret: it is sent as a bearer token and appears in no
//! message and no `Debug` output.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::api::{
    ApiError, Claim, ClaimRequest, ClaimResults, Enrolment, EnrolmentRequest, EventBatch, EventResults, ItemPage,
    PasswordChange, ReprintRequest, SignInRequest, TakeOverRequest, UserProfile, WireItem, error_code,
};

/// How long to wait for a connection to the central API.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one request may take, answer included, unless set otherwise.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read from central, by default: a whole hotlist of a
/// million entries is about 40 MB, a page of the feed about 1 MB. A larger
/// body is not an answer of this API, and is not read into memory.
pub const MAX_ANSWER_BYTES: usize = 128 * 1024 * 1024;

/// What went wrong talking to the central pass API.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    #[error(
        "the central pass API address {url:?} is not usable ({reason}); \
         check the address in the station settings"
    )]
    BadUrl { url: String, reason: String },

    #[error(
        "cannot reach the central pass API at {url} ({}); the station keeps working \
         from its cache — sync again when the network is back",
        network_cause(.source)
    )]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },

    #[error("{}", api_refusal(*.status, .code, .message))]
    Api { status: u16, code: String, message: String },

    #[error(
        "the central pass API no longer knows where this station's last sync stopped \
         (cursor expired); sync the items again from the start"
    )]
    CursorExpired,

    #[error(
        "the central pass API at {url} sent an answer the station cannot read ({detail}); \
         nothing from it was kept — sync again later, and report it if it keeps happening"
    )]
    Malformed { url: String, detail: String },

    #[error(
        "a photo arrived damaged (expected SHA-256 {expected}, got {actual}); it was not \
         kept — fetch it again later"
    )]
    PhotoHashMismatch { expected: String, actual: String },
}

impl CentralError {
    /// Whether the same request may work later: the network, a server failure,
    /// a throttle, or a damaged answer. Anything else needs a person to act.
    pub fn is_transient(&self) -> bool {
        match self {
            CentralError::Unreachable { .. } | CentralError::Malformed { .. } => true,
            CentralError::Api { status, .. } => *status >= 500 || *status == 429,
            CentralError::BadUrl { .. } | CentralError::CursorExpired | CentralError::PhotoHashMismatch { .. } => false,
        }
    }
}

/// The innermost cause of a network failure, such as "Connection refused (os error 111)".
fn network_cause(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer in time".to_owned();
    }
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The clerk's sentence for an answer that refused the request: what to do
/// depends on the code first (a 401 may be the station's key or a user's
/// password), then on the status.
fn api_refusal(status: u16, code: &str, message: &str) -> String {
    let advice = match (code, status) {
        (error_code::UNAUTHORIZED, _) => "the station must be enrolled again (ask the central office for a new code)",
        (error_code::BAD_CREDENTIALS, _) => "check the user name and password and try again",
        (error_code::ACCOUNT_LOCKED, _) => "wait until the lock ends, or ask an administrator to unlock the account",
        (error_code::ACCOUNT_FROZEN, _) => "change the password to use the account again",
        (error_code::WEAK_PASSWORD, _) => "choose a password that meets the rules",
        (_, 403) => "check which card office this station is set up for",
        (_, 429) => "the central pass API is busy; try again in a few minutes",
        (_, 500..) => "the central pass API is failing; the station keeps working from its cache — try again later",
        _ => "report it to the central office if it keeps happening",
    };
    format!("the central pass API refused the request: {message} (HTTP {status}, {code}); {advice}")
}

/// A client for one central pass API, optionally signed in as a station.
#[derive(Clone)]
pub struct CentralClient {
    http: reqwest::Client,
    base: Url,
    base_text: String,
    station_key: Option<String>,
    request_timeout: Duration,
    max_answer_bytes: usize,
}

impl fmt::Debug for CentralClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CentralClient")
            .field("base_url", &self.base_text)
            .field("station_key", &self.station_key.as_ref().map(|_| "<secret>"))
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

impl CentralClient {
    /// A client for the API at `base_url` (`http` or `https`, such as
    /// `https://pass.example.gov.tw`), not yet signed in.
    ///
    /// TLS uses rustls with the `ring` provider, installed as the process's
    /// default if none is installed yet.
    pub fn new(base_url: &str) -> Result<Self, CentralError> {
        let bad = |reason: &str| CentralError::BadUrl {
            url: base_url.to_owned(),
            reason: reason.to_owned(),
        };
        let base = Url::parse(base_url.trim()).map_err(|e| bad(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("it must start with http:// or https://"));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(bad("it names no host"));
        }
        // Station keys, passwords and the trust documents' transport: never in
        // the clear over a network. Plain HTTP only reaches this machine.
        if base.scheme() == "http" && !is_loopback(&base) {
            return Err(bad(
                "plain http:// is allowed only to this machine (127.0.0.1, ::1, localhost); use https://",
            ));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(bad("it must not have a query (?…) or fragment (#…)"));
        }
        if base.cannot_be_a_base() {
            return Err(bad("it cannot have paths added to it"));
        }
        // Another part of the process may have installed a provider already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| bad(&format!("the HTTP client could not be set up: {}", network_cause(&e))))?;
        let base_text = base.as_str().trim_end_matches('/').to_owned();
        Ok(CentralClient {
            http,
            base,
            base_text,
            station_key: None,
            request_timeout: REQUEST_TIMEOUT,
            max_answer_bytes: MAX_ANSWER_BYTES,
        })
    }

    /// Signs every request in as the station with this key (from [`Enrolment`]).
    pub fn with_station_key(self, key: String) -> Self {
        CentralClient {
            station_key: Some(key),
            ..self
        }
    }

    /// Changes how long one request may take ([`REQUEST_TIMEOUT`] by default).
    pub fn with_request_timeout(self, timeout: Duration) -> Self {
        CentralClient {
            request_timeout: timeout,
            ..self
        }
    }

    /// Changes the largest answer read ([`MAX_ANSWER_BYTES`] by default).
    pub fn with_answer_limit(self, bytes: usize) -> Self {
        CentralClient {
            max_answer_bytes: bytes,
            ..self
        }
    }

    /// The API's address, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_text
    }

    /// Trades a one-time enrolment code for the station's identity and key.
    /// Needs no station key.
    pub async fn enrol(&self, req: &EnrolmentRequest) -> Result<Enrolment, CentralError> {
        let url = self.url(&["v1", "enrolments"], &[]);
        self.json(self.request(Method::POST, url).json(req)).await
    }

    /// One page of the office's change feed after `after` (from the start when
    /// `None`), at most `limit` items (1 to 1000).
    ///
    /// A cursor the API no longer knows is [`CentralError::CursorExpired`]:
    /// sync from the start again.
    pub async fn items_page(&self, office: &str, after: Option<&str>, limit: u32) -> Result<ItemPage, CentralError> {
        let limit = limit.to_string();
        let mut query = vec![("limit", limit.as_str())];
        query.extend(after.map(|cursor| ("after", cursor)));
        let url = self.url(&["v1", "offices", office, "items"], &query);
        self.json(self.request(Method::GET, url)).await
    }

    /// A holder photo, checked against the SHA-256 it is addressed by.
    pub async fn photo(&self, sha256: &str) -> Result<Vec<u8>, CentralError> {
        let url = self.url(&["v1", "photos", sha256], &[]);
        let bytes = self.body(self.request(Method::GET, url)).await?.1;
        let actual = hex::encode(Sha256::digest(&bytes));
        if !actual.eq_ignore_ascii_case(sha256) {
            return Err(CentralError::PhotoHashMismatch {
                expected: sha256.to_owned(),
                actual,
            });
        }
        Ok(bytes)
    }

    /// The trust list as central signed it (COSE bytes); the caller verifies
    /// it with the pinned authority key.
    pub async fn trust_list(&self) -> Result<Vec<u8>, CentralError> {
        let url = self.url(&["v1", "trust-list"], &[]);
        Ok(self.body(self.request(Method::GET, url)).await?.1)
    }

    /// The signed hotlist delta after sequence `after` (COSE bytes).
    /// [`CentralError::CursorExpired`] means central never gave that sequence:
    /// drop the local hotlist and ask from 0.
    pub async fn hotlist(&self, after: u64) -> Result<Vec<u8>, CentralError> {
        let after = after.to_string();
        let url = self.url(&["v1", "hotlist"], &[("after", after.as_str())]);
        Ok(self.body(self.request(Method::GET, url)).await?.1)
    }

    /// Reports a batch of events; the answer holds one result per event, in
    /// the batch's order, or the call fails with [`CentralError::Malformed`].
    pub async fn send_events(&self, batch: &EventBatch) -> Result<EventResults, CentralError> {
        let url = self.url(&["v1", "events"], &[]);
        let text_url = url.to_string();
        let results: EventResults = self.json(self.request(Method::POST, url).json(batch)).await?;
        let sent = batch.events.iter().map(|e| e.idempotency_key.as_str());
        let answered = results.results.iter().map(|r| r.idempotency_key.as_str());
        if results.results.len() != batch.events.len() || !sent.eq(answered) {
            return Err(CentralError::Malformed {
                url: text_url,
                detail: format!(
                    "{} events were sent but the {} results do not answer them one for one, in order",
                    batch.events.len(),
                    results.results.len()
                ),
            });
        }
        Ok(results)
    }

    /// Signs a user of the station's office in. A wrong user name and a wrong
    /// password are the same `bad_credentials` refusal; see also
    /// `account_locked` and `account_frozen` in [`error_code`].
    pub async fn sign_in(&self, req: &SignInRequest) -> Result<UserProfile, CentralError> {
        let url = self.url(&["v1", "sign-in"], &[]);
        self.json(self.request(Method::POST, url).json(req)).await
    }

    /// Changes a user's password (which also unfreezes a frozen account).
    /// A new password that breaks the rules is refused with `weak_password`
    /// and the rules in the message.
    pub async fn change_password(&self, req: &PasswordChange) -> Result<(), CentralError> {
        let url = self.url(&["v1", "password"], &[]);
        self.body(self.request(Method::POST, url).json(req)).await?;
        Ok(())
    }

    /// Reports a reprint of a pass: central raises its version and puts the
    /// old version (and the old card, if given) on the hotlist. The answer is
    /// the item's new record, to encode on the new card.
    pub async fn reprint(&self, pass_id: &str, req: &ReprintRequest) -> Result<WireItem, CentralError> {
        let url = self.url(&["v1", "items", pass_id, "reprint"], &[]);
        self.json(self.request(Method::POST, url).json(req)).await
    }

    /// Claims `pass_ids` for this desk, or extends its claims on them; one
    /// result per pass, in order (another desk's claim is a result, not an error).
    pub async fn claim(&self, pass_ids: &[String]) -> Result<ClaimResults, CentralError> {
        let url = self.url(&["v1", "claims"], &[]);
        let request = ClaimRequest {
            pass_ids: pass_ids.to_vec(),
        };
        self.json(self.request(Method::POST, url).json(&request)).await
    }

    /// Ends this desk's claim on a pass (done with it, or giving it up).
    pub async fn release_claim(&self, pass_id: &str) -> Result<(), CentralError> {
        let url = self.url(&["v1", "claims", pass_id], &[]);
        self.body(self.request(Method::DELETE, url)).await?;
        Ok(())
    }

    /// Moves another desk's claim on a pass to this desk (a supervisor's
    /// decision, with a reason central keeps); answers the new claim.
    pub async fn take_over_claim(&self, pass_id: &str, req: &TakeOverRequest) -> Result<Claim, CentralError> {
        let url = self.url(&["v1", "claims", pass_id, "take-over"], &[]);
        self.json(self.request(Method::POST, url).json(req)).await
    }

    /// Sends a holder photo a desk took (a JPEG, see [`crate::api::check_photo`])
    /// for `pass_id`; answers the item's record, which names the photo.
    /// Central refuses a photo that is no such JPEG (`bad_request`), too large
    /// (`photo_too_large`) or not for a pass of this office.
    pub async fn put_photo(&self, pass_id: &str, jpeg: Vec<u8>) -> Result<WireItem, CentralError> {
        let url = self.url(&["v1", "items", pass_id, "photo"], &[]);
        let request = self
            .request(Method::PUT, url)
            .header(reqwest::header::CONTENT_TYPE, "image/jpeg")
            .body(jpeg);
        self.json(request).await
    }

    /// Sends `body` as JSON (if any) to a path under the base URL and decodes
    /// the JSON answer. For callers of endpoints outside the station contract,
    /// such as the simulator's admin client (so it exists with `sim` only).
    #[cfg(feature = "sim")]
    pub(crate) async fn call<B, T>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&B>,
    ) -> Result<T, CentralError>
    where
        B: serde::Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let mut request = self.request(method, self.url(segments, &[]));
        if let Some(body) = body {
            request = request.json(body);
        }
        self.json(request).await
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("checked in new(): the base URL can have paths added")
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn request(&self, method: Method, url: Url) -> reqwest::RequestBuilder {
        let request = self.http.request(method, url).timeout(self.request_timeout);
        match &self.station_key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    /// Sends the request and decodes a 2xx JSON answer.
    async fn json<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, CentralError> {
        let (url, bytes) = self.body(request).await?;
        serde_json::from_slice(&bytes).map_err(|e| CentralError::Malformed {
            url,
            detail: format!("not the expected JSON: {e}"),
        })
    }

    /// Sends the request and reads a whole 2xx answer; anything else is an error.
    async fn body(&self, request: reqwest::RequestBuilder) -> Result<(String, Vec<u8>), CentralError> {
        let response = request.send().await.map_err(|source| CentralError::Unreachable {
            url: source
                .url()
                .map(Url::to_string)
                .unwrap_or_else(|| self.base_text.clone()),
            source,
        })?;
        let url = response.url().to_string();
        let status = response.status();
        let too_large = || CentralError::Malformed {
            url: url.clone(),
            detail: format!(
                "the answer is larger than the {} MB this station reads: not an answer of the pass API",
                self.max_answer_bytes / (1024 * 1024)
            ),
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.max_answer_bytes as u64)
        {
            return Err(too_large());
        }
        let bytes = match read_capped(response, self.max_answer_bytes).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(too_large()),
            Err(source) if source.is_timeout() => {
                return Err(CentralError::Unreachable { url, source });
            }
            Err(e) if status.is_success() => {
                return Err(CentralError::Malformed {
                    url,
                    detail: format!("the answer was cut short: {}", network_cause(&e)),
                });
            }
            Err(_) => Default::default(),
        };
        if status.is_success() {
            return Ok((url, bytes));
        }
        Err(refusal(status, &bytes))
    }
}

/// The body of `response`, or `None` once it grows past `limit` bytes (the
/// rest is not read).
async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// The error for a non-2xx answer, from its `ApiError` body when it has one.
fn refusal(status: StatusCode, body: &[u8]) -> CentralError {
    let (code, message) = match serde_json::from_slice::<ApiError>(body) {
        Ok(ApiError { code, message }) => (code, message),
        Err(_) => (
            format!("http_{}", status.as_u16()),
            status.canonical_reason().unwrap_or("no reason given").to_lowercase(),
        ),
    };
    if status == StatusCode::GONE && code == error_code::CURSOR_EXPIRED {
        return CentralError::CursorExpired;
    }
    CentralError::Api {
        status: status.as_u16(),
        code,
        message,
    }
}

/// Whether a URL's host is this machine: a loopback address or `localhost`.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_http_reaches_only_this_machine() {
        for local in [
            "http://127.0.0.1:8700",
            "http://127.8.0.1",
            "http://[::1]:80",
            "http://localhost:1",
        ] {
            assert!(super::CentralClient::new(local).is_ok(), "{local}");
        }
        for remote in [
            "http://pass.example.gov.tw",
            "http://10.0.0.5:8700",
            "http://[2001:db8::1]",
        ] {
            let error = super::CentralClient::new(remote).expect_err(remote).to_string();
            assert!(error.contains("use https://"), "{remote}: {error}");
        }
        assert!(super::CentralClient::new("https://pass.example.gov.tw").is_ok());
    }

    use super::*;

    #[test]
    fn only_http_and_https_addresses_are_accepted() {
        for bad in [
            "ftp://central.example",
            "central.example",
            "http://",
            "https://central.example/?x=1",
        ] {
            assert!(
                matches!(CentralClient::new(bad), Err(CentralError::BadUrl { .. })),
                "{bad} was accepted"
            );
        }
        let client = CentralClient::new("https://central.example/api/").expect("a good URL");
        assert_eq!(client.base_url(), "https://central.example/api");
        assert_eq!(
            client
                .url(&["v1", "offices", "TWKEL", "items"], &[("after", "1.5")])
                .as_str(),
            "https://central.example/api/v1/offices/TWKEL/items?after=1.5"
        );
    }

    #[test]
    fn the_station_key_never_shows() {
        let client = CentralClient::new("http://127.0.0.1:1")
            .expect("a good URL")
            .with_station_key("hunter2".into());
        assert!(!format!("{client:?}").contains("hunter2"));
    }

    #[test]
    fn refusals_keep_the_api_error_and_recognise_an_expired_cursor() {
        let body = br#"{"code":"cursor_expired","message":"start again"}"#;
        assert!(matches!(refusal(StatusCode::GONE, body), CentralError::CursorExpired));
        let err = refusal(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>");
        assert!(
            matches!(&err, CentralError::Api { status: 502, code, .. } if code == "http_502"),
            "{err:?}"
        );
        assert!(err.is_transient());
        let err = refusal(
            StatusCode::UNAUTHORIZED,
            br#"{"code":"unauthorized","message":"unknown key"}"#,
        );
        assert!(!err.is_transient());
        assert!(err.to_string().contains("enrolled again"), "{err}");
    }

    #[test]
    fn a_user_refusal_tells_the_user_what_to_do_not_to_enrol_again() {
        let cases = [
            (401, error_code::BAD_CREDENTIALS, "check the user name and password"),
            (423, error_code::ACCOUNT_LOCKED, "ask an administrator"),
            (403, error_code::ACCOUNT_FROZEN, "change the password"),
            (422, error_code::WEAK_PASSWORD, "meets the rules"),
        ];
        for (status, code, advice) in cases {
            let body = format!(r#"{{"code":"{code}","message":"no"}}"#);
            let status = StatusCode::from_u16(status).expect("a status");
            let err = refusal(status, body.as_bytes());
            let text = err.to_string();
            assert!(
                text.contains(advice) && !text.contains("enrolled again"),
                "{code}: {text}"
            );
            assert!(!err.is_transient(), "{code}");
        }
    }
}
