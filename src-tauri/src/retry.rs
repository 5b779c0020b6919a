//! How the station retries transient failures of central: a timeout, a 5xx
//! answer or a cut-off body is tried again a few times, each wait twice the
//! one before, and every failure a retry got past is noted for the report.
//! Sync and the trust refresh both fetch through it.
//!
//! What it is not for: any other failure (a refusal, a bad signature, a
//! cursor central forgot) returns at once, for the caller to handle; events
//! that still fail stay in the outbox for the next sync, which is how they
//! reach central at least once, not through retries here. Devices (readers,
//! printers, cameras) do not retry through it.

use std::future::Future;
use std::time::Duration;

use pass_central::client::CentralError;

/// How often, and after what waits, a transient failure is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Extra tries after a transient failure.
    pub retries: u32,
    /// Wait before the first retry; doubled for each next one.
    pub first_backoff: Duration,
}

/// Runs `attempt`, trying again after transient failures with doubling waits.
/// Each failure a retry got past is noted in `retried`.
pub(crate) async fn with_retries<T, F, Fut>(
    policy: RetryPolicy,
    retried: &mut Vec<String>,
    mut attempt: F,
) -> Result<T, CentralError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CentralError>>,
{
    let mut wait = policy.first_backoff;
    let mut tries_left = policy.retries;
    loop {
        match attempt().await {
            Err(e) if e.is_transient() && tries_left > 0 => {
                retried.push(e.to_string());
                tries_left -= 1;
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            other => return other,
        }
    }
}
