//! `openapi.yaml` as the tests read it: its operations, the responses it
//! gives for each, and its schemas compiled for validation.
//!
//! It is for checking answers (and, in the property test, requests) against
//! the contract; it knows nothing of how a test makes its requests.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use reqwest::Method;
use serde_json::{Value, json};

/// The contract, with the schemas compiled so far.
pub struct Contract {
    pub doc: Value,
    validators: RefCell<HashMap<String, jsonschema::Validator>>,
}

/// One answer's body (as JSON too, when it is JSON).
#[derive(Debug)]
pub struct Answer {
    pub json: Value,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn new(bytes: Vec<u8>) -> Answer {
        Answer {
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            bytes,
        }
    }

    /// Reads a whole response: its status, its content type and its body.
    pub async fn read(response: reqwest::Response) -> (u16, String, Answer) {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.bytes().await.expect("a whole answer").to_vec();
        (status, content_type, Answer::new(bytes))
    }
}

impl Contract {
    pub fn load() -> Contract {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
        let text = std::fs::read_to_string(path).expect("openapi.yaml is readable");
        let doc: Value = serde_norway::from_str(&text).expect("openapi.yaml is YAML");
        assert_eq!(doc["openapi"], "3.1.0");
        Contract {
            doc,
            validators: RefCell::default(),
        }
    }

    /// Every (path, method) the contract has.
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let paths = self.doc["paths"].as_object().expect("paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                let methods = item.as_object().expect("a path item").keys();
                methods.map(move |method| (path.clone(), method.to_uppercase()))
            })
            .collect()
    }

    /// The operation at `template` and `method`; fails the test if there is none.
    pub fn operation(&self, template: &str, method: &Method) -> &Value {
        let operation = &self.doc["paths"][template][method.as_str().to_lowercase()];
        assert!(operation.is_object(), "{method} {template} is not in the contract");
        operation
    }

    /// Follows a `$ref` inside the document.
    pub fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let pointer = reference.strip_prefix('#').expect("a local reference");
                self.resolve(
                    self.doc
                        .pointer(pointer)
                        .unwrap_or_else(|| panic!("{reference} is in the document")),
                )
            }
            None => node,
        }
    }

    /// Whether an answer is one the contract gives for `template`, `method`
    /// and `status`: a listed status, a listed media type, and a body that
    /// follows that status's schema. `Err` says what is outside the contract.
    pub fn check(
        &self,
        template: &str,
        method: &Method,
        status: u16,
        content_type: &str,
        answer: &Answer,
    ) -> Result<(), String> {
        let what = format!("{method} {template} {status}");
        let response = self.operation(template, method)["responses"]
            .get(status.to_string())
            .map(|r| self.resolve(r))
            .ok_or_else(|| format!("{what}: a status the contract does not list for this operation"))?;
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return if answer.bytes.is_empty() {
                Ok(())
            } else {
                Err(format!("{what} has a body the contract does not give"))
            };
        };
        let (media_type, media) = content
            .iter()
            .find(|(media_type, _)| content_type.starts_with(media_type.as_str()))
            .ok_or_else(|| format!("{what} came as {content_type:?}, not one of {:?}", content.keys()))?;
        match media_type.as_str() {
            "application/json" => {
                let errors = self.errors(&media["schema"], &answer.json);
                if errors.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "{what} breaks the contract: {errors:#?}\n{}",
                        String::from_utf8_lossy(&answer.bytes)
                    ))
                }
            }
            "application/cose" if answer.bytes.first() == Some(&0xD2) => Ok(()),
            "application/cose" => Err(format!("{what}: not a tagged COSE_Sign1 (CBOR tag 18)")),
            "image/png" if answer.bytes.starts_with(b"\x89PNG\r\n\x1a\n") => Ok(()),
            "image/png" => Err(format!("{what}: not a PNG")),
            "image/jpeg" if answer.bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => Ok(()),
            "image/jpeg" => Err(format!("{what}: not a JPEG")),
            other => Err(format!("{what}: no check for {other}")),
        }
    }

    /// Where `instance` breaks `schema`, whose references point into the contract.
    pub fn errors(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let mut validators = self.validators.borrow_mut();
        let validator = validators.entry(schema.to_string()).or_insert_with(|| {
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": self.doc["components"],
                "allOf": [schema],
            });
            jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("the schema {schema} does not compile: {e}"))
        });
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }
}
