//! Shared helpers for the workspace tests in `tests/tests/`.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives one level below the workspace root")
        .to_owned()
}

/// Path of the spec.
pub fn spec_path() -> PathBuf {
    workspace_root().join("spec/aurpay.yaml")
}

/// The spec as a YAML value.
pub fn spec() -> serde_yaml::Value {
    let text = std::fs::read_to_string(spec_path()).expect("read spec/aurpay.yaml");
    serde_yaml::from_str(&text).expect("spec/aurpay.yaml is YAML")
}

/// The PostgreSQL server of the tests that need one: the same file the
/// SDK's own tests use.
#[path = "../../aurpay-api/tests/support/postgres.rs"]
pub mod postgres;
