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

/// A change to the generated surface must come with a CHANGELOG entry:
/// CHANGELOG.md records the fingerprint of the surface it describes, which
/// `cargo xtask regen` prints whenever the surface changes.
#[test]
fn changelog_records_the_current_surface() {
    let generated = aurpay_codegen::generate(&spec_path()).expect("generate from spec");
    let lines = aurpay_codegen::surface(&generated).expect("generated code parses");
    let current = aurpay_codegen::fingerprint(&lines);
    let changelog = std::fs::read_to_string(aurpay_tests::workspace_root().join("CHANGELOG.md"))
        .expect("CHANGELOG.md");
    let marker = "generated surface fingerprint: ";
    let recorded = changelog
        .lines()
        .find_map(|line| line.split(marker).nth(1))
        .map(|rest| rest.trim_end_matches("-->").trim().to_owned());
    assert_eq!(
        recorded.as_deref(),
        Some(current.as_str()),
        "the generated public surface changed without a CHANGELOG entry: describe the change \
         under \"## Unreleased\" in CHANGELOG.md and set `<!-- {marker}{current} -->`"
    );
    let unreleased = changelog
        .split("## Unreleased")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_default();
    assert!(
        unreleased.lines().any(|l| l.starts_with("- ")),
        "the Unreleased section lists no change"
    );
}
