//! The spec validates under two independent validators: openapi-spec-validator
//! (Python) and Redocly CLI (npm, pinned in package-lock.json).
//!
//! Both are outside cargo, so these tests are `#[ignore]`d, with what to
//! install in the reason; `.ci/run` installs them and runs them
//! (`cargo test -p aurpay-tests --test spec_lint -- --ignored`), and a
//! missing tool fails them.

use std::path::{Path, PathBuf};
use std::process::Command;

use aurpay_tests::workspace_root;

/// Finds an executable on PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// The tool, or a panic saying how to install it.
fn require(tool: Option<PathBuf>, install_hint: &str) -> PathBuf {
    tool.unwrap_or_else(|| panic!("not installed: {install_hint}"))
}

fn run(tool: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(tool)
        .args(args)
        .current_dir(workspace_root())
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
#[ignore = "needs openapi-spec-validator and Redocly CLI: pip install -r .ci/requirements.txt; npm ci"]
fn openapi_spec_validator_accepts_the_spec() {
    let tool = require(
        on_path("openapi-spec-validator"),
        "pip install -r .ci/requirements.txt",
    );
    for spec in ["spec/aurpay.yaml", "spec/sandbox.yaml"] {
        let (ok, output) = run(&tool, &[spec]);
        assert!(ok, "openapi-spec-validator rejected {spec}:\n{output}");
        assert!(output.contains(&format!("{spec}: OK")), "{output}");
    }
}

#[test]
#[ignore = "needs openapi-spec-validator and Redocly CLI: pip install -r .ci/requirements.txt; npm ci"]
fn redocly_lint_passes_with_no_problems() {
    let local = workspace_root().join("node_modules/.bin/redocly");
    let tool = require(local.is_file().then_some(local), "npm ci");
    // Exactly the exceptions explained in .redocly.lint-ignore.yaml (one
    // `- '#/...'` line each), all in the Aurpay spec.
    let exceptions = std::fs::read_to_string(workspace_root().join(".redocly.lint-ignore.yaml"))
        .unwrap()
        .lines()
        .filter(|line| line.trim_start().starts_with("- '#/"))
        .count();
    for (spec, ignored) in [("spec/aurpay.yaml", exceptions), ("spec/sandbox.yaml", 0)] {
        let output = Command::new(&tool)
            .args(["lint", spec, "--config", "redocly.yaml", "--format", "json"])
            .current_dir(workspace_root())
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
            .output()
            .expect("run redocly");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("redocly's JSON report on {spec} does not parse ({e}):\n{stdout}")
        });
        let totals = &report["totals"];
        assert!(
            output.status.success(),
            "redocly lint failed on {spec}: {totals}\n{stdout}"
        );
        assert_eq!(totals["errors"], 0, "{spec}: {stdout}");
        assert_eq!(totals["warnings"], 0, "{spec}: {stdout}");
        assert_eq!(totals["ignored"], ignored, "{spec}: {stdout}");
    }
}

/// The validators must be able to fail: a spec with a broken reference is
/// rejected by Redocly (guards against a config that silences everything).
#[test]
#[ignore = "needs openapi-spec-validator and Redocly CLI: pip install -r .ci/requirements.txt; npm ci"]
fn redocly_rejects_a_broken_spec() {
    let local = workspace_root().join("node_modules/.bin/redocly");
    let tool = require(local.is_file().then_some(local), "npm ci");
    let text = std::fs::read_to_string(workspace_root().join("spec/aurpay.yaml")).unwrap();
    let broken = text.replacen(
        "$ref: '#/components/schemas/OrderPageEnvelope'",
        "$ref: '#/components/schemas/NoSuchSchema'",
        1,
    );
    assert_ne!(text, broken);
    let path = std::env::temp_dir().join(format!("aurpay-broken-{}.yaml", std::process::id()));
    std::fs::write(&path, broken).unwrap();
    let path_text = path.to_string_lossy().into_owned();
    let (ok, output) = run(&tool, &["lint", &path_text, "--config", "redocly.yaml"]);
    std::fs::remove_file(&path).ok();
    assert!(!ok, "redocly accepted a broken spec:\n{output}");
    assert!(output.contains("no-unresolved-refs"), "{output}");
}
