//! The spec describes exactly the documented Aurpay operations, with the
//! security, callbacks and provenance the SDK and other-language teams rely
//! on.

use serde_yaml::Value;

use aurpay_tests::spec;

const TAGS: &[&str] = &["Order", "Wallets", "Bitcoin Lightning Network", "Auth"];

fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            out.push((
                path.as_str().unwrap().to_owned(),
                method.as_str().unwrap().to_owned(),
                op,
            ));
        }
    }
    out
}

#[test]
fn spec_is_openapi_3_0_3() {
    assert_eq!(spec()["openapi"].as_str(), Some("3.0.3"));
}

/// Which operations exist, at which method and path, is pinned by the
/// reviewed surface snapshot (`tests/tests/surface.rs`), not by a list here:
/// this checks what every operation must have, whatever it is.
#[test]
fn every_operation_is_named_titled_and_tagged() {
    let document = spec();
    let found = operations(&document);
    assert!(!found.is_empty());
    let mut ids = std::collections::BTreeSet::new();
    for (path, method, op) in found {
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{method} {path}: operationId {id:?} must be snake_case"
        );
        assert!(ids.insert(id.to_owned()), "{id} declared twice");
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{id}: the docs' title as summary"
        );
        let status = op["x-aurpay-provenance"]["status"].as_str();
        assert!(
            matches!(status, Some("confirmed" | "inferred")),
            "{id}: provenance status {status:?}"
        );
        let tags = op["tags"].as_sequence().unwrap();
        assert!(
            tags.len() == 1 && TAGS.contains(&tags[0].as_str().unwrap()),
            "{id}: {tags:?}"
        );
    }
}

#[test]
fn every_operation_has_provenance_and_inferred_ones_say_so_in_rustdoc() {
    let document = spec();
    for (path, method, op) in operations(&document) {
        let id = op["operationId"].as_str().unwrap();
        let provenance = &op["x-aurpay-provenance"];
        let source = provenance["source"].as_str().unwrap_or_default();
        assert!(
            source.starts_with("https://api-docs.aurpay.net/"),
            "{id}: source {source:?}"
        );
        if provenance["status"].as_str() == Some("inferred") {
            assert!(
                provenance["basis"].as_str().is_some_and(|b| !b.is_empty()),
                "{id}: basis"
            );
            // The description becomes the method's rustdoc.
            let description = op["description"].as_str().unwrap_or_default();
            assert!(
                description.contains("INFERRED"),
                "{id} ({method} {path}): description must say INFERRED"
            );
        }
        assert!(
            op["x-aurpay-moves-money"].as_bool().is_some(),
            "{id}: x-aurpay-moves-money"
        );
    }
}

/// Reads never move money; every operation that creates an order (it takes
/// callback URLs) does. The full list is in the surface snapshot, and
/// `cargo xtask regen` reports any retry-safety flip.
#[test]
fn calls_that_move_money_are_flagged() {
    let document = spec();
    for (path, method, op) in operations(&document) {
        let id = op["operationId"].as_str().unwrap();
        let moves_money = op["x-aurpay-moves-money"].as_bool();
        if method == "get" {
            assert_eq!(moves_money, Some(false), "{id} ({method} {path})");
        }
        if op.get("callbacks").is_some() {
            assert_eq!(moves_money, Some(true), "{id} creates orders");
        }
    }
}

#[test]
fn both_security_schemes_and_the_documented_signature() {
    let document = spec();
    let schemes = &document["components"]["securitySchemes"];
    // Exactly two schemes, one header each: a generator handed a key sends
    // it in that one header (never sprayed over every signature header).
    assert_eq!(
        schemes.as_mapping().map(|m| m.len()),
        Some(2),
        "ApiKey and ApiSignature only"
    );
    for (scheme, header) in [("ApiKey", "API-Key"), ("ApiSignature", "API-Token")] {
        assert_eq!(schemes[scheme]["type"].as_str(), Some("apiKey"), "{scheme}");
        assert_eq!(schemes[scheme]["in"].as_str(), Some("header"), "{scheme}");
        assert_eq!(schemes[scheme]["name"].as_str(), Some(header), "{scheme}");
    }
    let signed: Vec<&str> = schemes["ApiSignature"]["x-aurpay-signed-headers"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|h| h.as_str())
        .collect();
    assert_eq!(signed, ["Algorithm", "Date", "Body-MD5", "Signature"]);
    // The Authentication section at the top says how to sign, with the
    // docs' example and its signature.
    let description = document["info"]["description"].as_str().unwrap();
    let authentication = description
        .split("## Authentication")
        .nth(1)
        .expect("an Authentication section in info.description");
    for needle in [
        "{Algorithm} | {Date} | {METHOD} {path?query} | {Body-MD5}",
        "HMAC-SHA256 | 2024-06-17T00:00:00Z | GET /test/logs?size=20&page=2",
        "a1zLvIqPep06xkddvpx3sPuJZK1IfA/Bo2lhL1nrJ+o=",
        "spec/vectors/signing.json",
        "{Date} |",
    ] {
        assert!(
            authentication.contains(needle),
            "Authentication lacks {needle:?}"
        );
    }

    let global = document["security"].as_sequence().unwrap();
    assert_eq!(global.len(), 2, "either scheme, not both");
    assert!(global[0].get("ApiKey").is_some());
    assert!(global[1].get("ApiSignature").is_some());
    assert!(
        global
            .iter()
            .all(|r| r.as_mapping().is_some_and(|m| m.len() == 1))
    );
    // An operation either accepts both global schemes or is public
    // (`security: []`, such as Get API-Key, which trades a password for a
    // key); nothing in between.
    let mut public = 0;
    for (_, _, op) in operations(&document) {
        let id = op["operationId"].as_str().unwrap();
        if let Some(security) = op.get("security") {
            assert_eq!(
                security.as_sequence().map(Vec::len),
                Some(0),
                "{id}: override security only to make it public"
            );
            public += 1;
        }
    }
    assert!(
        public < operations(&document).len(),
        "some operations are secured"
    );
}

#[test]
fn order_creating_operations_declare_get_and_post_callbacks() {
    let document = spec();
    // An operation whose request body takes a `callback_url` creates an
    // order, so it declares the callbacks Aurpay sends for it.
    let creating: Vec<(String, &Value)> = operations(&document)
        .into_iter()
        .filter(|(_, _, op)| {
            let schema = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            schema.is_some_and(|name| {
                document["components"]["schemas"][name]["properties"]
                    .get("callback_url")
                    .is_some()
            })
        })
        .map(|(path, _, op)| (path, op))
        .collect();
    assert!(!creating.is_empty());
    // Every callback operation has its own operationId, distinct from every
    // other operation's (generators name callback handlers by it).
    let mut ids: Vec<String> = operations(&document)
        .iter()
        .map(|(_, _, op)| op["operationId"].as_str().unwrap().to_owned())
        .collect();
    for (path, op) in &creating {
        let owner = op["operationId"].as_str().unwrap();
        for (_, item) in op["callbacks"]["orderCallbacks"].as_mapping().unwrap() {
            for (method, callback) in item.as_mapping().unwrap() {
                let id = callback["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{path}: a {method:?} callback without operationId"));
                assert!(id.starts_with(owner), "{id}: named after {owner}");
                ids.push(id.to_owned());
            }
        }
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate operationIds");
    for (path, op) in creating {
        // Inline, not a $ref: some generators cannot read callback
        // references.
        let callbacks = &op["callbacks"]["orderCallbacks"];
        assert!(callbacks.get("$ref").is_none(), "{path}");
        for expression in [
            "{$request.body#/callback_url}",
            "{$request.body#/timeout_callback}",
        ] {
            for method in ["get", "post"] {
                let op = &callbacks[expression][method];
                let headers: Vec<&str> = op["parameters"]
                    .as_sequence()
                    .unwrap_or_else(|| panic!("{path} {expression} {method}"))
                    .iter()
                    .map(|p| {
                        p["$ref"]
                            .as_str()
                            .unwrap()
                            .trim_start_matches("#/components/parameters/")
                    })
                    .map(|name| {
                        document["components"]["parameters"][name]["name"]
                            .as_str()
                            .unwrap()
                    })
                    .collect();
                assert_eq!(
                    headers,
                    ["Callback-Token", "Date", "Signature", "API-Key"],
                    "{path} {expression} {method}"
                );
            }
            let body = &callbacks[expression]["post"]["requestBody"]["content"]["application/json"]
                ["schema"]["$ref"];
            assert_eq!(body.as_str(), Some("#/components/schemas/OrderDetail"));
        }
    }
}

#[test]
fn runtime_replaced_types_are_named_components() {
    let document = spec();
    let schemas = &document["components"]["schemas"];
    for (component, _) in aurpay_codegen::REPLACEMENTS {
        assert!(schemas.get(*component).is_some(), "{component} missing");
    }
    for required in [
        "Amount",
        "AmountOrNull",
        "OrderStatus",
        "OrderTypeOrNull",
        "TransactionTypeOrNull",
        "TimestampOrNull",
    ] {
        assert!(
            aurpay_codegen::REPLACEMENTS
                .iter()
                .any(|(c, _)| c == &required),
            "{required} not replaced"
        );
    }
}

/// The "Exact amounts" rule names the members whose numbers an exact reader
/// quotes: exactly the properties whose schema is `x-aurpay-decimal`
/// (directly or through `allOf`), so a new amount field cannot be left out
/// of the rule, nor an integer field put in it. (Every reader in `.ci/` is
/// checked against the same list and `spec/vectors/exact-amounts.json`.)
#[test]
fn the_exact_amounts_rule_names_every_decimal_property() {
    let document = spec();
    let schemas = document["components"]["schemas"].as_mapping().unwrap();
    let resolve = |node: &Value| -> Value {
        match node["$ref"].as_str() {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                document["components"]["schemas"][name].clone()
            }
            None => node.clone(),
        }
    };
    let is_decimal = |node: &Value| {
        let schema = resolve(node);
        schema["x-aurpay-decimal"].as_bool() == Some(true)
            || schema["allOf"].as_sequence().is_some_and(|branches| {
                branches
                    .iter()
                    .any(|b| resolve(b)["x-aurpay-decimal"].as_bool() == Some(true))
            })
    };
    let mut names = std::collections::BTreeSet::new();
    for schema in schemas.values() {
        for (name, property) in schema["properties"].as_mapping().into_iter().flatten() {
            if is_decimal(property) {
                names.insert(name.as_str().unwrap().to_owned());
            }
        }
    }
    assert!(
        names.contains("amount") && names.contains("vs_price"),
        "{names:?}"
    );
    let description = document["info"]["description"].as_str().unwrap();
    let rule = description
        .split("object member named")
        .nth(1)
        .and_then(|rest| rest.split("(the properties").next())
        .expect("the Exact amounts rule names its members");
    let listed: std::collections::BTreeSet<String> = rule
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, names, "the rule's names and the decimal properties");
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../spec/vectors/exact-amounts.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let in_vectors: std::collections::BTreeSet<String> = vectors["decimal_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(in_vectors, names, "spec/vectors/exact-amounts.json's names");
}
