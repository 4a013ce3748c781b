//! Tolerant reader (see `info.description` in the spec): in every response
//! object only the identity, status and principal amount are required and
//! non-null; every other property may be null or absent, and unknown
//! properties are ignored.
//!
//! Driven by the spec: the response schemas are those reachable from the
//! `data` of a success envelope and from the POST callback body. For each
//! one, the spec-side rule is checked (non-required means nullable, required
//! means non-null) and so is the generated Rust type (a non-required property
//! set to null or removed still decodes; a required one set to null or
//! removed does not).

use std::collections::{BTreeMap, BTreeSet};

use aurpay_api::types;
use serde_json::{Map, Value};
use serde_yaml::Value as Yaml;

use aurpay_tests::spec;

/// Decodes `value` as the Rust type generated for `schema`. A response
/// schema with no arm here fails the test, so a new one cannot go unchecked.
fn decode(schema: &str, value: &Value) -> Result<(), String> {
    macro_rules! generated {
        ($($ty:ident),* $(,)?) => {
            match schema {
                $(stringify!($ty) => serde_json::from_value::<types::$ty>(value.clone())
                    .map(drop)
                    .map_err(|e| e.to_string()),)*
                other => panic!(
                    "response schema `{other}` has no Rust type mapped; \
                     add it to `decode` in tests/tests/tolerant_reader.rs"
                ),
            }
        };
    }
    generated!(
        PaymentUrl,
        PaymentInfo,
        OrderSummary,
        OrderPage,
        OrderDetail,
        RefundInfo,
        RefundResult,
        Transaction,
        TransactionPage,
        SupportedCryptoCurrency,
        Wallet,
        WithdrawResult,
        SelfCustodyWallet,
        BlnBalance,
        BlnOrder,
        BlnWithdrawResult,
        ApiKey,
    )
}

const SCHEMAS: &str = "#/components/schemas/";

fn ref_name(schema: &Yaml) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix(SCHEMAS)
}

fn component<'a>(document: &'a Yaml, name: &str) -> &'a Yaml {
    document["components"]["schemas"]
        .get(name)
        .unwrap_or_else(|| panic!("no component `{name}`"))
}

fn json(value: &Yaml) -> Value {
    serde_json::to_value(value).expect("YAML is JSON-compatible")
}

/// The component schemas a success `data` or a callback body starts from,
/// with where each was found.
fn roots(document: &Yaml) -> BTreeMap<String, String> {
    let mut roots = BTreeMap::new();
    for (path, item) in document["paths"].as_mapping().expect("paths") {
        let path = path.as_str().expect("path");
        for (method, operation) in item.as_mapping().expect("path item") {
            let id = operation["operationId"].as_str().expect("operationId");
            for (status, response) in operation["responses"].as_mapping().expect("responses") {
                let status = status
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| serde_yaml::to_string(status).unwrap().trim().to_owned());
                if !status.starts_with('2') {
                    continue;
                }
                let schema = &response["content"]["application/json"]["schema"];
                let envelope = ref_name(schema)
                    .unwrap_or_else(|| panic!("{id} {status}: schema must be a $ref"));
                let data = component(document, envelope)["allOf"]
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .find_map(|part| ref_name(&part["properties"]["data"]))
                    .unwrap_or_else(|| {
                        panic!("{id} {status}: `{envelope}` has no `data` $ref in its allOf")
                    });
                roots.insert(
                    data.to_owned(),
                    format!("{id} ({} {path}) {status}", method.as_str().unwrap_or("?")),
                );
            }
            let Some(callbacks) = operation.get("callbacks").and_then(Yaml::as_mapping) else {
                continue;
            };
            for callback in callbacks.values() {
                for (expression, item) in callback.as_mapping().expect("callback") {
                    let Some(body) = item.get("post").and_then(|p| p.get("requestBody")) else {
                        continue;
                    };
                    let schema = ref_name(&body["content"]["application/json"]["schema"])
                        .expect("callback body is a $ref");
                    roots.insert(
                        schema.to_owned(),
                        format!(
                            "{id} callback {} POST body",
                            expression.as_str().unwrap_or("?")
                        ),
                    );
                }
            }
        }
    }
    roots
}

/// Every object schema reachable from the roots, through properties, array
/// items and composition keywords.
fn response_schemas(document: &Yaml) -> BTreeSet<String> {
    fn walk(
        document: &Yaml,
        schema: &Yaml,
        seen: &mut BTreeSet<String>,
        out: &mut BTreeSet<String>,
    ) {
        if let Some(name) = ref_name(schema) {
            if seen.insert(name.to_owned()) {
                let target = component(document, name);
                if target["type"].as_str() == Some("object") {
                    out.insert(name.to_owned());
                }
                walk(document, target, seen, out);
            }
            return;
        }
        if let Some(properties) = schema.get("properties").and_then(Yaml::as_mapping) {
            for property in properties.values() {
                walk(document, property, seen, out);
            }
        }
        if let Some(items) = schema.get("items") {
            walk(document, items, seen, out);
        }
        for keyword in ["allOf", "oneOf", "anyOf"] {
            for part in schema
                .get(keyword)
                .and_then(Yaml::as_sequence)
                .into_iter()
                .flatten()
            {
                walk(document, part, seen, out);
            }
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = BTreeSet::new();
    for root in roots(document).keys() {
        let reference: Yaml = serde_yaml::from_str(&format!("$ref: '{SCHEMAS}{root}'")).unwrap();
        walk(document, &reference, &mut seen, &mut out);
    }
    out
}

/// Whether a property schema admits null: `nullable: true` on it (also with
/// `allOf`; `x-nullable` where there is no `type`, as in `AmountOrNull`), on
/// the component it references, or on a `oneOf`/`anyOf` branch.
fn is_nullable(document: &Yaml, schema: &Yaml) -> bool {
    // `x-nullable` for a schema without `type` (amounts, which are strings
    // or numbers), where OpenAPI 3.0 does not allow `nullable`.
    if schema["nullable"].as_bool() == Some(true) || schema["x-nullable"].as_bool() == Some(true) {
        return true;
    }
    if let Some(name) = ref_name(schema) {
        return is_nullable(document, component(document, name));
    }
    // `description` + `allOf: [$ref]`, the way a reference is described:
    // nullable when its one member is.
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Yaml::as_sequence)
        .map(Vec::as_slice)
    {
        return is_nullable(document, only);
    }
    ["oneOf", "anyOf"].iter().any(|keyword| {
        schema
            .get(*keyword)
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
            .any(|branch| is_nullable(document, branch))
    })
}

fn properties(schema: &Yaml) -> Vec<(&str, &Yaml)> {
    schema
        .get("properties")
        .and_then(Yaml::as_mapping)
        .into_iter()
        .flatten()
        .map(|(name, property)| (name.as_str().expect("property name"), property))
        .collect()
}

fn required(schema: &Yaml) -> BTreeSet<&str> {
    schema["required"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|name| name.as_str().expect("required name"))
        .collect()
}

/// A non-null sample value for a property: its example, the example of the
/// component it names, or a value of its type.
fn sample(document: &Yaml, schema: &Yaml) -> Value {
    if let Some(example) = schema.get("example").filter(|e| !e.is_null()) {
        return json(example);
    }
    if let Some(name) = ref_name(schema) {
        return sample(document, component(document, name));
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        let Some(branches) = schema.get(keyword).and_then(Yaml::as_sequence) else {
            continue;
        };
        // Prefer a branch that says what a value looks like (a $ref or an
        // example), then one that is not a patterned string (a plain string
        // would not match the pattern).
        let branch = branches
            .iter()
            .find(|b| b.get("$ref").is_some() || b.get("example").is_some())
            .or_else(|| branches.iter().find(|b| b.get("pattern").is_none()))
            .unwrap_or_else(|| panic!("no usable {keyword} branch: {schema:?}"));
        return sample(document, branch);
    }
    match schema["type"].as_str() {
        Some("string") => schema["enum"]
            .as_sequence()
            .into_iter()
            .flatten()
            .find_map(|v| v.as_str())
            .map_or_else(|| Value::from("sample"), Value::from),
        Some("integer" | "number") => Value::from(1),
        Some("boolean") => Value::from(true),
        // No `type`: an amount (string or number); a decimal string.
        None if schema.get("pattern").is_some() => Value::from("1.5"),
        Some("array") => Value::Array(vec![sample(document, &schema["items"])]),
        Some("object") => {
            let mut object = Map::new();
            for (name, property) in properties(schema) {
                object.insert(name.to_owned(), sample(document, property));
            }
            Value::Object(object)
        }
        other => panic!("cannot build a sample of type {other:?}: {schema:?}"),
    }
}

/// The schema's example with every property it leaves out filled in, so
/// that each property is present before it is nulled or removed.
fn full_example(document: &Yaml, name: &str, schema: &Yaml) -> Map<String, Value> {
    let mut object = match schema.get("example").map(json) {
        Some(Value::Object(object)) => object,
        Some(other) => panic!("{name}: example is not an object: {other}"),
        None => Map::new(),
    };
    for (property, property_schema) in properties(schema) {
        if object.get(property).is_none_or(Value::is_null) {
            object.insert(property.to_owned(), sample(document, property_schema));
        }
    }
    object
}

#[test]
fn response_schemas_follow_the_tolerant_reader_rule_in_spec_and_code() {
    let document = spec();
    let roots = roots(&document);
    let schemas = response_schemas(&document);
    for expected in [
        "PaymentUrl",
        "PaymentInfo",
        "OrderPage",
        "OrderSummary",
        "OrderDetail",
        "Transaction",
        "TransactionPage",
        "BlnOrder",
        "WithdrawResult",
        "BlnWithdrawResult",
        "ApiKey",
    ] {
        assert!(
            schemas.contains(expected),
            "{expected} not found among {schemas:?} (roots {roots:?})"
        );
    }

    let mut checked = 0;
    for name in &schemas {
        let schema = component(&document, name);
        let required = required(schema);
        let properties = properties(schema);
        let declared: BTreeSet<&str> = properties.iter().map(|(p, _)| *p).collect();
        assert!(
            required.is_subset(&declared),
            "{name}: required {:?} are not properties",
            required.difference(&declared).collect::<Vec<_>>()
        );

        // The spec side: non-required means nullable, required means non-null.
        for (property, property_schema) in &properties {
            let nullable = is_nullable(&document, property_schema);
            if required.contains(property) {
                assert!(
                    !nullable,
                    "{name}.{property} is required, so it must not be nullable"
                );
            } else {
                assert!(
                    nullable,
                    "{name}.{property} is not required, so it must be nullable \
                     (`nullable: true`, or a `*OrNull` component)"
                );
            }
        }

        // The code side.
        let full = full_example(&document, name, schema);
        let decodes = |object: &Map<String, Value>| decode(name, &Value::Object(object.clone()));
        if let Err(e) = decodes(&full) {
            panic!("{name}: the full example does not decode: {e}\n{full:#?}");
        }
        let mut unknown = full.clone();
        unknown.insert(
            "x_not_in_the_spec".into(),
            serde_json::json!({"a": [1, null]}),
        );
        assert!(
            decodes(&unknown).is_ok(),
            "{name}: an unknown property is rejected"
        );

        let mut minimal = Map::new();
        let mut all_null = full.clone();
        for (property, _) in &properties {
            let mut nulled = full.clone();
            nulled.insert((*property).to_owned(), Value::Null);
            let mut removed = full.clone();
            removed.remove(*property);
            if required.contains(property) {
                minimal.insert((*property).to_owned(), full[*property].clone());
                assert!(
                    decodes(&nulled).is_err(),
                    "{name}.{property} is required but `null` decodes"
                );
                assert!(
                    decodes(&removed).is_err(),
                    "{name}.{property} is required but its absence decodes"
                );
            } else {
                all_null.insert((*property).to_owned(), Value::Null);
                if let Err(e) = decodes(&nulled) {
                    panic!("{name}.{property}: `null` does not decode: {e}");
                }
                if let Err(e) = decodes(&removed) {
                    panic!("{name}.{property}: absence does not decode: {e}");
                }
            }
            checked += 1;
        }
        if let Err(e) = decodes(&minimal) {
            panic!("{name}: only the required properties {required:?} do not decode: {e}");
        }
        if let Err(e) = decodes(&all_null) {
            panic!("{name}: every optional property null does not decode: {e}");
        }
    }
    assert!(checked > 80, "only {checked} properties checked");
}

/// A new response schema without a Rust mapping fails with a clear message.
#[test]
#[should_panic(expected = "response schema `BrandNewThing` has no Rust type mapped")]
fn an_unmapped_response_schema_fails_clearly() {
    let _ = decode("BrandNewThing", &serde_json::json!({}));
}

/// The real-world case: Get Payment Info for a BTC order, which has no
/// token contract (`contract_addr: null`), in the full envelope.
#[test]
fn pay_info_for_a_btc_order_with_null_contract_addr_decodes() {
    let document = spec();
    let mut body = json(
        &document["paths"]["/api/order/pay-info"]["post"]["responses"]["200"]["content"]["application/json"]
            ["example"],
    );
    let data = &mut body["data"];
    data["contract_addr"] = Value::Null;
    data["address"] = Value::from("tb1q2vgyv8xh0d2sv9j8gpeuedd8sm7pyx5l064s2e");
    data["amount"] = Value::from("0.00102549");
    let envelope: types::PaymentInfoEnvelope =
        serde_json::from_value(body).expect("pay-info envelope with contract_addr: null");
    assert_eq!(envelope.code, 0);
    let info = envelope.data.expect("data");
    assert_eq!(info.contract_addr, None);
    assert_eq!(info.order_id, "20240613093614690315");
    assert_eq!(info.amount.to_string(), "0.00102549");
    assert_eq!(
        info.address.as_deref(),
        Some("tb1q2vgyv8xh0d2sv9j8gpeuedd8sm7pyx5l064s2e")
    );
}
