//! Property test of `central-sim` against `openapi.yaml`: requests are
//! generated from the contract itself (path and query parameters from their
//! schemas, bodies from the request schemas), some valid and some broken
//! (a wrong type, a missing or extra field, a parameter given twice, a body
//! that is not JSON or not sent as JSON), and sent to a real simulator on
//! loopback. Every answer must be one the contract gives for that
//! operation: a listed status, with a body that follows that status's
//! schema. A request the contract refuses must be refused with 400 (or 401
//! when it carries no station key), never taken.
//!
//! Every operation tagged `station` is exercised; a new one is picked up
//! from the YAML without a change here.

mod common;

use std::collections::BTreeMap;

use common::contract::{Answer, Contract};
use pass_central::StationEvent;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Generated requests per station operation: enough to meet every kind of
/// break several times, few enough for the whole test to take seconds.
const CASES_PER_OPERATION: u32 = 48;
/// How deep generated bodies nest before arrays and objects stop growing.
const MAX_DEPTH: u32 = 6;

/// What a generated request breaks, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Break {
    None,
    /// A field of the body (at any depth) gets a value of another type.
    WrongType,
    /// A required field of the body is left out.
    MissingField,
    /// The body gets a field the schema does not name.
    ExtraField,
    /// The body is not JSON at all.
    NotJson,
    /// The body is JSON, but sent as `text/plain`.
    WrongContentType,
    /// A query parameter is given twice.
    DuplicatedQuery,
    /// An integer query parameter is given as a word.
    QueryWrongType,
    /// No `Authorization` header.
    NoStationKey,
}

const BREAKS: [Break; 9] = [
    Break::None,
    Break::WrongType,
    Break::MissingField,
    Break::ExtraField,
    Break::NotJson,
    Break::WrongContentType,
    Break::DuplicatedQuery,
    Break::QueryWrongType,
    Break::NoStationKey,
];

/// A request drawn for one operation, before it is made concrete.
#[derive(Debug, Clone)]
struct Drawn {
    path_values: Vec<String>,
    query_values: Vec<Option<Value>>,
    body: Option<Value>,
    broken: Break,
    /// Picks which field a body break applies to.
    pick: usize,
}

/// What a simulator holds that generated requests may name.
struct Known {
    key: String,
    /// Path parameter name → values that lead past a 404.
    path_hints: BTreeMap<&'static str, Vec<String>>,
}

/// One concrete request and what the contract demands of its answer.
struct Concrete {
    path: String,
    query: Vec<(String, String)>,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
    key: bool,
    /// The status the contract leaves as the only answer, when it leaves one.
    must_be: Option<u16>,
}

#[test]
fn every_station_operation_answers_within_the_contract() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let (sim, _dir) = common::start_sim(12, true);
    let known = runtime.block_on(known(sim.url(), &sim));
    let contract = Contract::load();
    let http = common::http();

    let mut exercised = Vec::new();
    for (template, method) in contract.operations() {
        let method = Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let operation = contract.operation(&template, &method).clone();
        if !operation["tags"]
            .as_array()
            .is_some_and(|tags| tags.contains(&json!("station")))
        {
            continue;
        }
        let strategy = draw(&contract, &operation);
        let mut runner = TestRunner::new(Config {
            cases: CASES_PER_OPERATION,
            failure_persistence: None,
            ..Config::default()
        });
        let outcome = runner.run(&strategy, |drawn| {
            let request = concrete(&contract, &template, &operation, &known, &drawn);
            let (status, content_type, answer) =
                runtime.block_on(send(&http, sim.url(), &method, &request, &known.key));
            let what = format!("{method} {}{:?} ({:?})", request.path, request.query, drawn.broken);
            if let Some(expected) = request.must_be {
                prop_assert_eq!(
                    status,
                    expected,
                    "{} answered {}: {}",
                    what,
                    status,
                    String::from_utf8_lossy(&answer.bytes)
                );
            }
            contract
                .check(&template, &method, status, &content_type, &answer)
                .map_err(|outside| TestCaseError::fail(format!("{what}: {outside}")))
        });
        if let Err(failure) = outcome {
            panic!("{method} {template}: {failure}");
        }
        exercised.push(operation["operationId"].clone());
    }
    assert_eq!(exercised.len(), 13, "the station operations exercised: {exercised:?}");
    sim.stop();
}

#[test]
fn every_event_the_contract_allows_reads_as_a_station_event_and_writes_back_the_same() {
    let contract = Contract::load();
    let event_schema = json!({"$ref": "#/components/schemas/Event"});
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let kinds = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let outcome = runner.run(&arb(&contract, &event_schema, 0), |event| {
        let errors = contract.errors(&event_schema, &event);
        prop_assume!(errors.is_empty(), "drawn outside the schema: {:?}", errors);
        let kind = event["kind"].as_str().expect("a kind");
        let typed = StationEvent::from_wire(kind, &event["payload"])
            .map_err(|e| TestCaseError::fail(format!("{kind} in the contract but not a StationEvent: {e}")))?;
        prop_assert_eq!(typed.kind(), kind);
        let written = json!({"idempotency_key": "k", "kind": typed.kind(), "occurred_at": event["occurred_at"],
                             "payload": typed.payload()});
        let errors = contract.errors(&event_schema, &written);
        prop_assert!(
            errors.is_empty(),
            "{} written back breaks the contract: {:?}",
            kind,
            errors
        );
        let again = StationEvent::from_wire(kind, &typed.payload()).expect("it reads back");
        prop_assert_eq!(&again, &typed);
        kinds.borrow_mut().insert(kind.to_owned());
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    // Every kind is drawn only by chance; that the contract names each is certain.
    let mapping = contract.doc["components"]["schemas"]["Event"]["discriminator"]["mapping"]
        .as_object()
        .expect("the Event discriminator's mapping");
    let named: std::collections::BTreeSet<&str> = mapping.keys().map(String::as_str).collect();
    let known: std::collections::BTreeSet<&str> = StationEvent::kinds().collect();
    assert_eq!(
        named, known,
        "the kinds openapi.yaml names and the kinds StationEvent reads"
    );
    assert!(kinds.borrow().len() > 5, "too few kinds drawn: {:?}", kinds.borrow());
}

/// Enrols a station and reads what the simulator holds, for path hints.
async fn known(base: &str, sim: &pass_central::sim::SimHandle) -> Known {
    let http = common::http();
    let code = sim.enrolment_code("TWKEL").expect("a code made at start");
    let enrolment: Value = http
        .post(format!("{base}/v1/enrolments"))
        .json(&common::enrolment_request(&code, "基隆港製證櫃檯 1"))
        .send()
        .await
        .expect("enrolled")
        .json()
        .await
        .expect("an enrolment");
    let key = enrolment["station_key"].as_str().expect("a station key").to_owned();
    let page: Value = http
        .get(format!("{base}/v1/offices/TWKEL/items?limit=50"))
        .bearer_auth(&key)
        .send()
        .await
        .expect("a page")
        .json()
        .await
        .expect("an item page");
    let items = page["items"].as_array().expect("items");
    let of = |field: &str| -> Vec<String> {
        items
            .iter()
            .filter_map(|item| item[field].as_str().map(str::to_owned))
            .collect()
    };
    Known {
        key,
        path_hints: BTreeMap::from([
            ("office", vec!["TWKEL".to_owned(), "TWKHH".to_owned()]),
            ("pass_id", of("pass_id")),
            ("sha256", of("photo_sha256")),
        ]),
    }
}

/// The request strategy of one operation, from its parameters and body schema.
fn draw(contract: &Contract, operation: &Value) -> BoxedStrategy<Drawn> {
    let parameters = parameters(contract, operation);
    let path_values: Vec<BoxedStrategy<String>> = parameters
        .iter()
        .filter(|p| p["in"] == "path")
        .map(|p| {
            Union::new([
                // A value a hint may replace, a value from the schema, and a value that may break it.
                Just(String::new()).boxed(),
                arb(contract, &p["schema"], 0)
                    .prop_map(|v| v.as_str().unwrap_or_default().to_owned())
                    .boxed(),
                "[a-z0-9-]{1,12}".boxed(),
            ])
            .boxed()
        })
        .collect();
    let query_values: Vec<BoxedStrategy<Option<Value>>> = parameters
        .iter()
        .filter(|p| p["in"] == "query")
        .map(|p| proptest::option::of(arb(contract, &p["schema"], 0)).boxed())
        .collect();
    let body = match request_schema(operation) {
        Some(schema) => arb(contract, schema, 0).prop_map(Some).boxed(),
        None => Just(None).boxed(),
    };
    (
        path_values,
        query_values,
        body,
        proptest::sample::select(&BREAKS[..]),
        any::<usize>(),
    )
        .prop_map(|(path_values, query_values, body, broken, pick)| Drawn {
            path_values,
            query_values,
            body,
            broken,
            pick,
        })
        .boxed()
}

/// The operation's parameters, references followed.
fn parameters(contract: &Contract, operation: &Value) -> Vec<Value> {
    operation["parameters"]
        .as_array()
        .map(|ps| ps.iter().map(|p| contract.resolve(p).clone()).collect())
        .unwrap_or_default()
}

fn request_schema(operation: &Value) -> Option<&Value> {
    operation["requestBody"]["content"]["application/json"].get("schema")
}

/// Makes a drawn request concrete and works out what the contract demands of its answer.
fn concrete(contract: &Contract, template: &str, operation: &Value, known: &Known, drawn: &Drawn) -> Concrete {
    let parameters = parameters(contract, operation);
    let mut path = template.to_owned();
    let mut path_breaks = false;
    for (parameter, value) in parameters.iter().filter(|p| p["in"] == "path").zip(&drawn.path_values) {
        let name = parameter["name"].as_str().expect("a parameter name");
        let hints = known.path_hints.get(name).map(Vec::as_slice).unwrap_or_default();
        let value = match hints {
            [] if value.is_empty() => "unknown".to_owned(),
            [] => value.clone(),
            hints if value.is_empty() => hints[drawn.pick % hints.len()].clone(),
            _ => value.clone(),
        };
        path_breaks |= !contract.errors(&parameter["schema"], &json!(value)).is_empty();
        path = path.replace(&format!("{{{name}}}"), &path_segment(&value));
    }

    let mut query = Vec::new();
    let query_parameters: Vec<&Value> = parameters.iter().filter(|p| p["in"] == "query").collect();
    for (parameter, value) in query_parameters.iter().zip(&drawn.query_values) {
        if let Some(value) = value {
            let name = parameter["name"].as_str().expect("a parameter name").to_owned();
            let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            query.push((name, text));
        }
    }
    let mut query_breaks = false;
    match drawn.broken {
        Break::DuplicatedQuery if !query_parameters.is_empty() => {
            let parameter = query_parameters[drawn.pick % query_parameters.len()];
            let name = parameter["name"].as_str().expect("a parameter name").to_owned();
            query.push((name.clone(), "1".to_owned()));
            query.push((name, "2".to_owned()));
            query_breaks = true;
        }
        Break::QueryWrongType => {
            let integers: Vec<&&Value> = query_parameters
                .iter()
                .filter(|p| p["schema"]["type"] == "integer")
                .collect();
            if let Some(parameter) = integers.get(drawn.pick % integers.len().max(1)) {
                let name = parameter["name"].as_str().expect("a parameter name").to_owned();
                query.retain(|(n, _)| *n != name);
                query.push((name, "seven".to_owned()));
                query_breaks = true;
            }
        }
        _ => {}
    }

    let mut content_type = None;
    let mut body = None;
    let mut body_breaks = false;
    if let (Some(schema), Some(value)) = (request_schema(operation), &drawn.body) {
        let mut value = value.clone();
        content_type = Some("application/json");
        match drawn.broken {
            Break::WrongType => wrong_type(&mut value, drawn.pick),
            Break::MissingField => missing_field(contract, schema, &mut value, drawn.pick),
            Break::ExtraField => {
                if let Some(object) = value.as_object_mut() {
                    object.insert("unexpected_field".to_owned(), json!(["x"]));
                }
            }
            Break::WrongContentType => {
                content_type = Some("text/plain");
                body_breaks = true;
            }
            _ => {}
        }
        let bytes = if drawn.broken == Break::NotJson {
            body_breaks = true;
            b"{\"not\": json".to_vec()
        } else {
            serde_json::to_vec(&value).expect("JSON")
        };
        body_breaks |= !contract.errors(schema, &value).is_empty();
        body = Some(bytes);
    }

    let needs_key = operation.get("security").is_none_or(|s| s != &json!([]));
    let key = drawn.broken != Break::NoStationKey;
    let must_be = if needs_key && !key {
        Some(401)
    } else if path_breaks || query_breaks || body_breaks {
        Some(400)
    } else {
        None
    };
    Concrete {
        path,
        query,
        content_type,
        body,
        key,
        must_be,
    }
}

/// `value` as one path segment: every byte but the unreserved ones percent-encoded.
fn path_segment(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Gives one field of the body (at any depth) a value of another type.
fn wrong_type(value: &mut Value, pick: usize) {
    let mut places = Vec::new();
    fields(value, String::new(), &mut places);
    let Some(pointer) = places.get(pick % places.len().max(1)) else {
        *value = json!(42);
        return;
    };
    if let Some(field) = value.pointer_mut(pointer) {
        *field = match field {
            Value::String(_) => json!(17),
            Value::Number(_) => json!("seventeen"),
            Value::Bool(_) => json!("yes"),
            Value::Null => json!({"not": "null"}),
            Value::Array(_) => json!("not a list"),
            Value::Object(_) => json!(false),
        };
    }
}

/// The JSON pointers of every object field in `value`.
fn fields(value: &Value, at: String, places: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (name, field) in object {
                let pointer = format!("{at}/{}", name.replace('~', "~0").replace('/', "~1"));
                places.push(pointer.clone());
                fields(field, pointer, places);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                fields(item, format!("{at}/{i}"), places);
            }
        }
        _ => {}
    }
}

/// Leaves out one required field of the body's top-level schema.
fn missing_field(contract: &Contract, schema: &Value, value: &mut Value, pick: usize) {
    let schema = contract.resolve(schema);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let (Some(object), Some(name)) = (value.as_object_mut(), required.get(pick % required.len().max(1))) {
        object.remove(*name);
    }
}

/// Sends a request; the status, its content type and its body.
async fn send(
    http: &reqwest::Client,
    base: &str,
    method: &Method,
    request: &Concrete,
    key: &str,
) -> (u16, String, Answer) {
    let mut url = reqwest::Url::parse(&format!("{base}{}", request.path)).expect("a URL");
    if !request.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&request.query);
    }
    let mut builder = http.request(method.clone(), url);
    if request.key {
        builder = builder.bearer_auth(key);
    }
    if let Some(content_type) = request.content_type {
        builder = builder.header(reqwest::header::CONTENT_TYPE, content_type);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    Answer::read(builder.send().await.expect("the simulator answers")).await
}

/// Values that follow `schema` (as far as this generator reads schemas:
/// types, `enum`, `const`, `oneOf`, patterns, formats, lengths and bounds).
fn arb(contract: &Contract, schema: &Value, depth: u32) -> BoxedStrategy<Value> {
    let schema = contract.resolve(schema).clone();
    if let Some(value) = schema.get("const") {
        return Just(value.clone()).boxed();
    }
    if let Some(values) = schema["enum"].as_array() {
        return proptest::sample::select(values.clone()).boxed();
    }
    if let Some(parts) = schema["allOf"].as_array() {
        return arb(contract, &merged(contract, parts), depth);
    }
    if let Some(choices) = schema["oneOf"].as_array() {
        return Union::new(choices.iter().map(|choice| arb(contract, choice, depth + 1))).boxed();
    }
    if let Some(types) = schema["type"].as_array() {
        let choices = types.iter().map(|t| {
            let mut one = schema.clone();
            one["type"] = t.clone();
            arb(contract, &one, depth + 1)
        });
        return Union::new(choices.collect::<Vec<_>>()).boxed();
    }
    match schema["type"].as_str() {
        Some("null") => Just(Value::Null).boxed(),
        Some("boolean") => any::<bool>().prop_map(Value::from).boxed(),
        Some("integer") => {
            let low = schema["minimum"].as_i64().unwrap_or(-1000);
            let high = schema["maximum"].as_i64().unwrap_or(low.saturating_add(100_000));
            (low..=high).prop_map(Value::from).boxed()
        }
        Some("string") => string(&schema),
        Some("array") if depth < MAX_DEPTH => {
            let low = schema["minItems"].as_u64().unwrap_or(0) as usize;
            let high = schema["maxItems"]
                .as_u64()
                .map_or(low + 3, |most| (most as usize).min(low + 3));
            proptest::collection::vec(arb(contract, &schema["items"], depth + 1), low..=high)
                .prop_map(Value::Array)
                .boxed()
        }
        Some("array") => Just(json!([])).boxed(),
        Some("object") if depth < MAX_DEPTH => object(contract, &schema, depth),
        Some("object") => Just(json!({})).boxed(),
        // A schema that allows anything.
        _ => prop_oneof![Just(json!(1)), Just(json!("x")), Just(json!({"any": true}))].boxed(),
    }
}

/// The object schemas of an `allOf` as one: their required fields together,
/// and each property as the last part that names it gives it.
fn merged(contract: &Contract, parts: &[Value]) -> Value {
    let mut required = Vec::new();
    let mut properties = Map::new();
    for part in parts {
        let part = contract.resolve(part);
        required.extend(part["required"].as_array().cloned().unwrap_or_default());
        properties.extend(part["properties"].as_object().cloned().unwrap_or_default());
    }
    json!({"type": "object", "required": required, "properties": properties})
}

fn object(contract: &Contract, schema: &Value, depth: u32) -> BoxedStrategy<Value> {
    let required: Vec<String> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let properties = schema["properties"].as_object().cloned().unwrap_or_default();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
        .into_iter()
        .map(|(name, property)| {
            let value = arb(contract, &property, depth + 1);
            if required.contains(&name) {
                value.prop_map(move |v| Some((name.clone(), v))).boxed()
            } else {
                proptest::option::of(value.prop_map(move |v| (name.clone(), v))).boxed()
            }
        })
        .collect();
    fields
        .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect::<Map<_, _>>()))
        .boxed()
}

fn string(schema: &Value) -> BoxedStrategy<Value> {
    match schema["format"].as_str() {
        Some("date") => {
            return (2020..2035i32, 1..=12u8, 1..=28u8)
                .prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}")))
                .boxed();
        }
        Some("date-time") => {
            return (2020..2035i32, 1..=12u8, 1..=28u8, 0..24u8, 0..60u8)
                .prop_map(|(y, mo, d, h, mi)| json!(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00+08:00")))
                .boxed();
        }
        _ => {}
    }
    if let Some(pattern) = schema["pattern"].as_str() {
        let unanchored = pattern.trim_start_matches('^').trim_end_matches('$');
        return proptest::string::string_regex(unanchored)
            .unwrap_or_else(|e| panic!("the pattern {pattern} does not generate: {e}"))
            .prop_map(Value::from)
            .boxed();
    }
    let low = schema["minLength"].as_u64().unwrap_or(0);
    let high = schema["maxLength"].as_u64().unwrap_or(low + 16).min(low + 16);
    proptest::string::string_regex(&format!("[a-zA-Z0-9 #!@陳美玲港口]{{{low},{high}}}"))
        .expect("a character class")
        .prop_map(Value::from)
        .boxed()
}
