//! Fault injection: the failures a station must survive, on demand.
//!
//! It exists so that tests can show a station's sync and outbox cope with a
//! slow network, a failing server, an answer cut off mid-body and a proxy that
//! answers garbage. A fault is armed for the next N requests whose path starts
//! with a prefix; admin paths are never affected, so a test can always disarm.
//!
//! Here: the faults and the armed set. Not here: applying them to requests,
//! which the `layers` middleware does.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::error::SimError;

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// Waits `latency_ms` before answering normally.
    #[serde(rename = "latency")]
    Latency,
    /// Answers 500 without doing the request.
    #[serde(rename = "status_500")]
    Status500,
    /// Does the request, sends the headers and about half the body, then drops the connection.
    #[serde(rename = "cut_body")]
    CutBody,
    /// Answers 200 with a body that is not JSON, without doing the request.
    #[serde(rename = "malformed_json")]
    MalformedJson,
}

/// A fault armed for `times` requests under `path_prefix`, once `skip` of
/// them have passed untouched (so a test can break a sync in its middle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub kind: FaultKind,
    pub path_prefix: String,
    pub times: u32,
    #[serde(default)]
    pub skip: u32,
    #[serde(default)]
    pub latency_ms: Option<u64>,
}

/// The armed faults, the first matching one applies.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    armed: Mutex<Vec<Fault>>,
}

impl Faults {
    pub(crate) fn arm(&self, fault: Fault) -> Result<Vec<Fault>, SimError> {
        if fault.times == 0 {
            return Err(SimError::BadRequest(
                "a fault must apply to at least one request (times ≥ 1)".to_owned(),
            ));
        }
        if !fault.path_prefix.starts_with('/') {
            return Err(SimError::BadRequest(format!(
                "path_prefix {:?} must start with /, such as /v1/photos/",
                fault.path_prefix
            )));
        }
        let mut armed = self.lock();
        armed.push(fault);
        Ok(armed.clone())
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    pub(crate) fn armed(&self) -> Vec<Fault> {
        self.lock().clone()
    }

    /// The fault for a request to `path`, if one is armed; counts it as used.
    pub(crate) fn take(&self, path: &str) -> Option<Fault> {
        if path.starts_with("/admin") {
            return None;
        }
        let mut armed = self.lock();
        let index = armed.iter().position(|f| path.starts_with(&f.path_prefix))?;
        if armed[index].skip > 0 {
            armed[index].skip -= 1;
            return None;
        }
        let fault = armed[index].clone();
        armed[index].times -= 1;
        if armed[index].times == 0 {
            armed.remove(index);
        }
        Some(fault)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        // A list of plain values is whole even if a holder panicked.
        self.armed.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(kind: FaultKind, prefix: &str, times: u32) -> Fault {
        Fault {
            kind,
            path_prefix: prefix.to_owned(),
            times,
            skip: 0,
            latency_ms: None,
        }
    }

    #[test]
    fn a_fault_lets_skip_requests_pass_first() {
        let faults = Faults::default();
        let mut later = fault(FaultKind::Status500, "/v1/", 1);
        later.skip = 2;
        faults.arm(later).expect("armed");
        assert_eq!(faults.take("/v1/a"), None);
        assert_eq!(faults.take("/v1/b"), None);
        assert_eq!(faults.take("/v1/c").map(|f| f.kind), Some(FaultKind::Status500));
        assert!(faults.armed().is_empty());
    }

    #[test]
    fn a_fault_applies_the_given_number_of_times_under_its_prefix() {
        let faults = Faults::default();
        faults
            .arm(fault(FaultKind::Status500, "/v1/photos/", 2))
            .expect("armed");
        assert_eq!(faults.take("/v1/events"), None);
        assert_eq!(faults.take("/v1/photos/ab").map(|f| f.kind), Some(FaultKind::Status500));
        assert_eq!(faults.armed()[0].times, 1);
        assert_eq!(faults.take("/v1/photos/cd").map(|f| f.kind), Some(FaultKind::Status500));
        assert_eq!(faults.take("/v1/photos/ef"), None);
        assert!(faults.armed().is_empty());
    }

    #[test]
    fn faults_apply_in_the_order_armed_and_never_to_admin_paths() {
        let faults = Faults::default();
        faults.arm(fault(FaultKind::CutBody, "/", 1)).expect("armed");
        faults.arm(fault(FaultKind::MalformedJson, "/v1/", 1)).expect("armed");
        assert_eq!(faults.take("/admin/stats"), None);
        assert_eq!(faults.take("/v1/events").map(|f| f.kind), Some(FaultKind::CutBody));
        assert_eq!(
            faults.take("/v1/events").map(|f| f.kind),
            Some(FaultKind::MalformedJson)
        );
        faults.arm(fault(FaultKind::Latency, "/v1/", 5)).expect("armed");
        faults.clear();
        assert_eq!(faults.take("/v1/events"), None);
    }

    #[test]
    fn a_fault_without_uses_or_a_rooted_prefix_is_refused() {
        let faults = Faults::default();
        assert!(matches!(
            faults.arm(fault(FaultKind::Latency, "/v1/", 0)),
            Err(SimError::BadRequest(_))
        ));
        assert!(matches!(
            faults.arm(fault(FaultKind::Latency, "v1/", 1)),
            Err(SimError::BadRequest(_))
        ));
        assert!(faults.armed().is_empty());
    }

    #[test]
    fn fault_kinds_have_their_contract_names() {
        let kinds: Vec<FaultKind> =
            serde_json::from_str(r#"["latency","status_500","cut_body","malformed_json"]"#).expect("known kinds");
        assert_eq!(
            kinds,
            [
                FaultKind::Latency,
                FaultKind::Status500,
                FaultKind::CutBody,
                FaultKind::MalformedJson
            ]
        );
    }
}
