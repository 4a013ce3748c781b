//! Every example in the spec decodes into the Rust type generated for its
//! schema and encodes back to exactly the same JSON: no field lost, no
//! amount rounded, no unknown value rejected.

use std::collections::BTreeSet;

use serde_json::Value;
use serde_yaml::Value as Yaml;

use aurpay_tests::spec;

#[path = "generated/components.rs"]
mod components;

/// Tolerant reader: an optional property that is null and one that is
/// absent mean the same, and the generated types write neither; so null
/// properties are dropped before comparing.
fn without_null_properties(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_null_properties(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_null_properties).collect()),
        other => other.clone(),
    }
}

/// Decodes the example as the Rust type generated for `schema` (the map is
/// generated from the spec by `cargo xtask regen`, so every component is
/// covered) and checks it encodes back to the same JSON.
fn check(schema: &str, place: &str, example: &Value) {
    let encoded = components::round_trip(schema, example)
        .unwrap_or_else(|| panic!("{place}: `{schema}` is not a component of the spec"))
        .unwrap_or_else(|e| panic!("{place}: example does not decode as {schema}: {e}\n{example:#}"));
    assert_eq!(
        without_null_properties(&encoded),
        without_null_properties(example),
        "{place}: {schema} does not round-trip"
    );
}

fn json(value: &Yaml) -> Value {
    serde_json::to_value(value).expect("YAML example is JSON-compatible")
}

fn ref_target<'a>(value: &'a Yaml, prefix: &str) -> Option<&'a str> {
    value.get("$ref")?.as_str()?.strip_prefix(prefix)
}

/// All examples of one media type object (`example` or `examples.*.value`),
/// each checked against the media type's schema.
fn media_examples(document: &Yaml, media: &Yaml, place: &str, checked: &mut Vec<String>) {
    let schema = ref_target(&media["schema"], "#/components/schemas/")
        .unwrap_or_else(|| panic!("{place}: schema must be a $ref"));
    let mut found = false;
    if let Some(example) = media.get("example") {
        check(schema, place, &json(example));
        found = true;
    }
    if let Some(examples) = media.get("examples").and_then(Yaml::as_mapping) {
        for (name, example) in examples {
            let example = match ref_target(example, "#/components/examples/") {
                Some(target) => &document["components"]["examples"][target],
                None => example,
            };
            check(
                schema,
                &format!("{place} ({})", name.as_str().unwrap_or("?")),
                &json(&example["value"]),
            );
            found = true;
        }
    }
    assert!(found, "{place}: no example");
    checked.push(place.to_owned());
}

fn response<'a>(document: &'a Yaml, response: &'a Yaml) -> &'a Yaml {
    match ref_target(response, "#/components/responses/") {
        Some(name) => &document["components"]["responses"][name],
        None => response,
    }
}

#[test]
fn every_spec_example_round_trips_through_its_generated_type() {
    let document = spec();
    let mut checked = Vec::new();
    let mut operations = BTreeSet::new();

    for (path, item) in document["paths"].as_mapping().expect("paths") {
        let path = path.as_str().expect("path key");
        for (method, operation) in item.as_mapping().expect("path item") {
            let method = method.as_str().expect("method").to_uppercase();
            let id = operation["operationId"].as_str().expect("operationId");
            operations.insert(id.to_owned());
            if let Some(body) = operation.get("requestBody") {
                let media = &body["content"]["application/json"];
                media_examples(
                    &document,
                    media,
                    &format!("{id} ({method} {path}) request"),
                    &mut checked,
                );
            }
            for (status, resp) in operation["responses"].as_mapping().expect("responses") {
                let status = status
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{status:?}"));
                let media = &response(&document, resp)["content"]["application/json"];
                media_examples(
                    &document,
                    media,
                    &format!("{id} response {status}"),
                    &mut checked,
                );
            }
        }
    }

    for (name, schema) in document["components"]["schemas"]
        .as_mapping()
        .expect("schemas")
    {
        let name = name.as_str().expect("schema name");
        if let Some(example) = schema.get("example") {
            check(name, &format!("schema {name}"), &json(example));
            checked.push(format!("schema {name}"));
        }
    }

    for (path, item) in document["paths"].as_mapping().expect("paths") {
        let Some(callbacks) = item.get("post").and_then(|op| op.get("callbacks")) else {
            continue;
        };
        for (name, callback) in callbacks.as_mapping().expect("callbacks") {
            for (expression, item) in callback.as_mapping().expect("callback") {
                if let Some(body) = item.get("post").and_then(|p| p.get("requestBody")) {
                    let place = format!(
                        "callback {} {} {} POST body",
                        path.as_str().unwrap_or("?"),
                        name.as_str().unwrap_or("?"),
                        expression.as_str().unwrap_or("?")
                    );
                    media_examples(
                        &document,
                        &body["content"]["application/json"],
                        &place,
                        &mut checked,
                    );
                }
            }
        }
    }

    assert_eq!(operations.len(), 16, "operations: {operations:?}");
    let requests = checked.iter().filter(|p| p.ends_with(" request")).count();
    let responses = checked.iter().filter(|p| p.contains(" response ")).count();
    let callbacks = checked
        .iter()
        .filter(|p| p.starts_with("callback "))
        .count();
    let schemas = checked.iter().filter(|p| p.starts_with("schema ")).count();
    // 7 operations take a body; 16 operations x (200, 4XX, 5XX); the paid
    // and timed-out POST callbacks of the 3 order-creating operations;
    // component examples.
    assert_eq!((requests, responses, callbacks), (7, 48, 6));
    assert!(schemas >= 30, "only {schemas} component examples checked");
}

/// The two documented BLN order responses disagree on the amount's JSON
/// type; both decode, to the same exact value type, and keep their form.
#[test]
fn documented_bln_amounts_keep_their_exact_text() {
    let document = spec();
    let examples = &document["paths"]["/api/bln/order"]["post"]["responses"]["200"]["content"]["application/json"]
        ["examples"];
    let numeric: aurpay_api::types::BlnOrderEnvelope =
        serde_json::from_value(json(&examples["numeric_amount"]["value"])).unwrap();
    let string: aurpay_api::types::BlnOrderEnvelope =
        serde_json::from_value(json(&examples["string_amount"]["value"])).unwrap();
    assert_eq!(numeric.data.unwrap().amount.to_string(), "0.00155419");
    assert_eq!(string.data.unwrap().amount.to_string(), "0.00019044");
}
