//! The contract's own request schemas, applied to what arrives.
//!
//! It exists so that `central-sim` refuses exactly the request bodies that
//! `openapi.yaml` refuses: each body is checked against the schema the
//! contract gives for it before it is read into a Rust type, and a body that
//! breaks it answers 400 `bad_request` naming every place it breaks. A
//! hand-written check would drift from the YAML; this one cannot.
//!
//! What it is not for: rules the schema cannot state (a code that was
//! used, a password that is the old one, a signature that does not verify);
//! those stay with the handlers and the store.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::admin::{
    ApplicationRequest, ApproveRequest, CountRequest, LastSignIn, NewUser, OfficeRequest, RawItemsRequest,
    RevokeRequest, VoidCardRequest,
};
use super::error::SimError;
use super::faults::Fault;
use super::reported::ReportedBatch;
use crate::api::{ClaimRequest, EnrolmentRequest, PasswordChange, ReprintRequest, SignInRequest, TakeOverRequest};

/// The contract, as the simulator was built with it.
const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

/// The most schema violations one answer lists; the rest are counted.
const MOST_PROBLEMS_NAMED: usize = 5;

/// A request body with a schema in `components/schemas` of the contract.
pub(crate) trait RequestSchema {
    /// Its name under `components/schemas`, such as `EnrolmentRequest`.
    const SCHEMA: &'static str;
}

/// Names the contract's schema of each body type the simulator reads.
macro_rules! request_schemas {
    ($($body:ty => $name:literal),+ $(,)?) => {
        $(impl RequestSchema for $body {
            const SCHEMA: &'static str = $name;
        })+

        /// Every request body schema the simulator reads.
        pub(crate) const REQUEST_SCHEMAS: &[&str] = &[$($name),+];
    };
}

request_schemas! {
    EnrolmentRequest => "EnrolmentRequest",
    ReportedBatch => "EventBatch",
    SignInRequest => "SignInRequest",
    PasswordChange => "PasswordChange",
    ReprintRequest => "ReprintRequest",
    ClaimRequest => "ClaimRequest",
    TakeOverRequest => "TakeOverRequest",
    OfficeRequest => "OfficeRequest",
    CountRequest => "CountRequest",
    ApplicationRequest => "ApplicationRequest",
    ApproveRequest => "ApproveRequest",
    RevokeRequest => "RevokeRequest",
    VoidCardRequest => "VoidCardRequest",
    NewUser => "NewUser",
    LastSignIn => "LastSignIn",
    RawItemsRequest => "RawItemsRequest",
    Fault => "FaultRequest",
}

/// The compiled request schemas, one per body the simulator reads.
#[derive(Debug)]
pub(crate) struct RequestSchemas {
    validators: HashMap<&'static str, jsonschema::Validator>,
}

impl RequestSchemas {
    /// Compiles the schemas named in `names`; fails if the contract does not
    /// hold one of them or it does not compile (a broken `openapi.yaml`).
    pub(crate) fn compile(names: &[&'static str]) -> Result<RequestSchemas, SimError> {
        let doc: Value = serde_norway::from_str(OPENAPI_YAML)
            .map_err(|e| SimError::Internal(format!("openapi.yaml is not YAML: {e}")))?;
        let mut validators = HashMap::with_capacity(names.len());
        for &name in names {
            if doc["components"]["schemas"].get(name).is_none() {
                return Err(SimError::Internal(format!(
                    "openapi.yaml has no schema {name} under components/schemas"
                )));
            }
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": doc["components"],
                "allOf": [{ "$ref": format!("#/components/schemas/{name}") }],
            });
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .map_err(|e| SimError::Internal(format!("the schema {name} of openapi.yaml does not compile: {e}")))?;
            validators.insert(name, validator);
        }
        Ok(RequestSchemas { validators })
    }

    /// `Ok` if `body` follows the schema `name`; otherwise a 400 that says where it does not.
    pub(crate) fn check(&self, name: &'static str, body: &Value) -> Result<(), SimError> {
        let validator = self
            .validators
            .get(name)
            .ok_or_else(|| SimError::Internal(format!("the request schema {name} was not compiled at start")))?;
        let problems: Vec<String> = validator
            .iter_errors(body)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_owned() } else { at };
                format!("{e} at {at}")
            })
            .collect();
        if problems.is_empty() {
            return Ok(());
        }
        let mut message = format!(
            "the body does not follow {name} of openapi.yaml: {}",
            problems[..problems.len().min(MOST_PROBLEMS_NAMED)].join("; ")
        );
        if problems.len() > MOST_PROBLEMS_NAMED {
            message.push_str(&format!(" (and {} more)", problems.len() - MOST_PROBLEMS_NAMED));
        }
        Err(SimError::BadRequest(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_breaks_its_schema_is_a_bad_request_naming_the_place() {
        let schemas = RequestSchemas::compile(&["SignInRequest"]).expect("the contract compiles");
        let good = json!({"username": "chen", "password": "Keelung#2026"});
        assert!(schemas.check("SignInRequest", &good).is_ok());
        let Err(SimError::BadRequest(message)) = schemas.check("SignInRequest", &json!({"username": 7})) else {
            panic!("a number for a name passed");
        };
        assert!(
            message.contains("/username") && message.contains("password"),
            "{message}"
        );
    }

    #[test]
    fn every_body_the_simulator_reads_has_a_schema_in_the_contract() {
        RequestSchemas::compile(REQUEST_SCHEMAS).expect("every request schema compiles");
    }

    #[test]
    fn a_schema_the_contract_does_not_hold_stops_the_start() {
        let err = RequestSchemas::compile(&["NoSuchBody"]).expect_err("an unknown schema");
        assert!(err.to_string().contains("NoSuchBody"), "{err}");
    }
}
