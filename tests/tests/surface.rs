//! Snapshots of what the generated code exposes. A spec change that alters
//! the public surface fails here until the new snapshot is reviewed
//! (`cargo insta review`).

use aurpay_api::types;
use aurpay_tests::spec_path;

#[test]
fn generated_surface_matches_snapshot() {
    let generated = aurpay_codegen::generate(&spec_path()).expect("generate from spec");
    let lines = aurpay_codegen::surface(&generated).expect("generated code parses");
    assert!(
        lines.len() > 100,
        "surface suspiciously small: {} lines",
        lines.len()
    );
    insta::assert_snapshot!("generated_surface", lines.join("\n"));
}

/// Users export JSON Schemas of the callback payload for their own
/// validation and storage; this pins that schema.
#[test]
fn callback_payload_json_schema_matches_snapshot() {
    let schema = schemars::schema_for!(types::OrderDetail);
    insta::assert_json_snapshot!("order_detail_json_schema", schema);
}
