//! What `cargo xtask regen` reports for a docs update, on copies of the
//! spec: adding an operation is additive and needs nothing but the spec
//! edit to generate; removing a field is breaking; moving a read call to
//! POST flips its retry safety.

use std::path::Path;

use aurpay_tests::spec;

fn surface_of(document: &serde_yaml::Value) -> Vec<String> {
    let text = serde_yaml::to_string(document).expect("serialize spec");
    let generated = aurpay_codegen::generate_from_str(&text, Path::new("spec/aurpay.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    aurpay_codegen::surface(&generated).expect("generated code parses")
}

fn current() -> Vec<String> {
    surface_of(&spec())
}

#[test]
fn adding_an_operation_is_additive_and_needs_only_the_spec_edit() {
    let mut document = spec();
    // Any read without parameters serves as the template.
    let template = document["paths"]
        .as_mapping()
        .unwrap()
        .values()
        .filter_map(|item| item.get("get"))
        .find(|op| op.get("parameters").is_none())
        .expect("a GET without parameters")
        .clone();
    let mut operation = template;
    operation["operationId"] = "verify_plugin_key".into();
    operation["summary"] = "Verify Plugin Key".into();
    let mut item = serde_yaml::Mapping::new();
    item.insert("get".into(), operation);
    document["paths"].as_mapping_mut().unwrap().insert(
        "/api/plugin/key/verify".into(),
        serde_yaml::Value::Mapping(item),
    );

    let text = serde_yaml::to_string(&document).expect("serialize spec");
    let generated = aurpay_codegen::generate_from_str(&text, Path::new("spec/aurpay.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    // The rest the new operation needs is compile-guided: the sandbox's
    // generated Handlers trait gains a method with no default body, so the
    // sandbox stops compiling until it answers the operation; the dispatch
    // routes to it, and the rustdoc example (a doctest) calls it.
    let handlers = generated
        .operations
        .split("pub(crate) trait Handlers {")
        .nth(1)
        .and_then(|rest| rest.split("\n    }\n").next())
        .expect("a Handlers trait");
    let method = handlers
        .split(';')
        .find(|m| m.contains("fn verify_plugin_key("))
        .expect("a handler method for the new operation");
    assert!(!method.contains('{'), "no default body: {method}");
    assert!(
        generated.operations.contains("\"verify_plugin_key\" => {"),
        "the dispatch routes the new operation"
    );
    let example = generated
        .client
        .split("pub fn verify_plugin_key(")
        .next()
        .and_then(|before| before.rsplit("```").nth(1))
        .expect("an example in the new method's rustdoc");
    assert!(
        example.contains(".verify_plugin_key()") && example.contains(".call()"),
        "{example}"
    );
    assert!(
        generated.cli.contains("name: \"verify-plugin-key\"")
            && generated.cli.contains("client.verify_plugin_key()"),
        "the aurpay command gets a subcommand for it"
    );

    let change =
        aurpay_codegen::compare_surfaces(&current(), &aurpay_codegen::surface(&generated).unwrap());
    let report = change.to_string();
    assert!(!change.is_breaking(), "{report}");
    assert!(
        change.removed.is_empty() && change.changed.is_empty(),
        "{report}"
    );
    assert!(
        change
            .added
            .iter()
            .any(|l| l.starts_with("fn Client::verify_plugin_key()")),
        "{report}"
    );
    assert!(
        change
            .added
            .iter()
            .any(|l| l.starts_with("op verify_plugin_key: GET /api/plugin/key/verify")),
        "the operation table has it: {report}"
    );
    assert!(report.contains("additive (not breaking)"), "{report}");
}

#[test]
fn removing_a_response_field_is_reported_as_breaking() {
    let mut document = spec();
    let properties = document["components"]["schemas"]["OrderDetail"]["properties"]
        .as_mapping_mut()
        .unwrap();
    assert!(properties.remove("website").is_some());
    let change = aurpay_codegen::compare_surfaces(&current(), &surface_of(&document));
    let report = change.to_string();
    assert!(change.is_breaking(), "{report}");
    assert!(report.contains("public surface: BREAKING"), "{report}");
    assert!(
        change
            .removed
            .iter()
            .any(|l| l.starts_with("struct types::OrderDetail { website:")),
        "{report}"
    );
}

#[test]
fn moving_a_read_call_to_post_flips_its_retry_safety() {
    let mut document = spec();
    let item = document["paths"]["/api/bln/balance"]
        .as_mapping_mut()
        .unwrap();
    let operation = item.remove("get").unwrap();
    item.insert("post".into(), operation);
    let change = aurpay_codegen::compare_surfaces(&current(), &surface_of(&document));
    let report = change.to_string();
    assert!(change.is_breaking(), "{report}");
    assert_eq!(change.retry_flips.len(), 1, "{report}");
    assert!(
        change.retry_flips[0].starts_with(
            "get_bln_balance: was retried on transient failures, now sent at most once"
        ),
        "{report}"
    );
}
