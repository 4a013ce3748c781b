//! Generates the checked-in client code of `aurpay-api` from `spec/aurpay.yaml`.
//!
//! Two files come out of one spec:
//!
//! * [`Generated::client`]: progenitor's client (types, builders, `Client`),
//!   with the spec's hand-written replacement types (amounts, open enums)
//!   substituted by name.
//! * [`Generated::cli`]: every operation as a subcommand of the `aurpay`
//!   command (aurpay-api's feature `cli`): flags, help and example from the
//!   spec, and the dispatch through each operation's typed builder.
//! * [`Generated::operations`]: what progenitor does not emit but what differs
//!   per operation and is derivable from the spec: the operation table
//!   (method, path, retry safety, provenance), the envelope-to-data glue and
//!   the pagination glue. The runtime in `aurpay-api` is generic over these,
//!   so no hand-written line names an operation.
//!
//! Output is deterministic: the same spec gives the same bytes.
#![warn(missing_docs)]

mod answers;
mod change;
mod cli;
mod cli_model;
mod components;
mod document;
mod examples;
mod listings;
mod operations;
mod progenitor_run;
mod restrict;
mod server;
mod spec;
mod surface;
mod typed_bodies;

use std::fmt;
use std::path::{Path, PathBuf};

use progenitor::{GenerationSettings, HooksMode, InterfaceStyle, TagStyle, TypeImpl};

pub use change::{SurfaceChange, compare as compare_surfaces, fingerprint};
pub use surface::surface;

/// progenitor's version, as pinned in the workspace manifest; it appears in
/// the generated files' header.
pub const PROGENITOR_VERSION: &str = "0.15.1";

/// Component schemas that `aurpay-api` implements by hand, and the Rust type
/// each becomes. progenitor substitutes them wherever the spec references the
/// component, so the generated code never carries `f64` amounts or closed
/// enums that break on a new value.
///
/// The `*OrNull` components map to the plain type: the spec uses them only
/// for optional properties (tolerant reader: required properties are never
/// nullable), which progenitor already wraps in `Option`, so null and absence
/// both decode as `None`. Mapping them to `Option<..>` here would give
/// `Option<Option<..>>`.
pub const REPLACEMENTS: &[(&str, &str)] = &[
    ("Amount", "crate::Amount"),
    ("Price", "crate::Amount"),
    ("AmountOrNull", "crate::Amount"),
    ("OrderStatus", "crate::OrderStatus"),
    ("OrderTypeOrNull", "crate::OrderType"),
    ("TransactionTypeOrNull", "crate::TransactionType"),
    ("Chain", "crate::Chain"),
    ("ChainOrNull", "crate::Chain"),
    ("CryptoCurrency", "crate::CryptoCurrency"),
    ("CryptoCurrencyOrNull", "crate::CryptoCurrency"),
    ("FiatCurrency", "crate::FiatCurrency"),
    ("FiatCurrencyOrNull", "crate::FiatCurrency"),
    ("TimestampOrNull", "crate::Timestamp"),
];

/// The generated sources, ready to be written under the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// `generated.rs`: progenitor's client and types.
    pub client: String,
    /// `generated_operations.rs`: the per-operation table and glue.
    pub operations: String,
    /// The test suite's map from each component schema to its Rust type,
    /// so the spec-examples test needs no hand-kept list of types.
    pub components: String,
    /// `generated_cli.rs`: every operation as an `aurpay` subcommand.
    pub cli: String,
}

impl Generated {
    /// The files to write, as (path from the workspace root, contents).
    pub fn files(&self) -> [(&'static str, &str); 4] {
        [
            (CLIENT_FILE, self.client.as_str()),
            (OPERATIONS_FILE, self.operations.as_str()),
            (COMPONENTS_FILE, self.components.as_str()),
            (CLI_FILE, self.cli.as_str()),
        ]
    }
}

impl Generated {
    /// The generated files as checked in under the workspace `root`; a
    /// missing file reads as empty.
    pub fn read_from(root: &Path) -> Generated {
        let read = |name: &str| {
            std::fs::read_to_string(root.join(name))
                .map(|s| s.replace("\r\n", "\n"))
                .unwrap_or_default()
        };
        Generated {
            client: read(CLIENT_FILE),
            operations: read(OPERATIONS_FILE),
            components: read(COMPONENTS_FILE),
            cli: read(CLI_FILE),
        }
    }
}

/// A checked-in generated file that differs from a fresh generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleFile {
    /// The file's path.
    pub path: PathBuf,
    /// A unified diff from the checked-in contents to the expected ones,
    /// cut to its first 200 lines.
    pub diff: String,
}

/// Compares the generated files with those checked in under the workspace
/// root `dir`; returns the ones that differ. A missing file counts as
/// empty. Line endings are normalized first, so a CRLF checkout is not stale.
pub fn stale_files(generated: &Generated, dir: &Path) -> Vec<StaleFile> {
    const MAX_DIFF_LINES: usize = 200;
    let mut stale = Vec::new();
    for (name, expected) in generated.files() {
        let path = dir.join(name);
        let current = std::fs::read_to_string(&path)
            .map(|s| s.replace("\r\n", "\n"))
            .unwrap_or_default();
        if current == expected {
            continue;
        }
        let shown = path.display().to_string();
        let full = similar::TextDiff::from_lines(current.as_str(), expected)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("{shown} (checked in)"),
                &format!("{shown} (from spec)"),
            )
            .to_string();
        let total = full.lines().count();
        let mut diff: String = full
            .lines()
            .take(MAX_DIFF_LINES)
            .flat_map(|line| [line, "\n"])
            .collect();
        if total > MAX_DIFF_LINES {
            diff.push_str(&format!("... {} more diff lines\n", total - MAX_DIFF_LINES));
        }
        stale.push(StaleFile { path, diff });
    }
    stale
}

/// The progenitor output, from the workspace root.
pub const CLIENT_FILE: &str = "aurpay-api/src/generated.rs";
/// The per-operation table and glue, from the workspace root.
pub const OPERATIONS_FILE: &str = "aurpay-api/src/generated_operations.rs";
/// The `aurpay` command's per-operation subcommands, from the workspace root.
pub const CLI_FILE: &str = "aurpay-api/src/generated_cli.rs";
/// The tests' component-to-type map, from the workspace root.
pub const COMPONENTS_FILE: &str = "tests/tests/generated/components.rs";

/// Why generation failed. Every case names the spec file; cases about one
/// operation name it too.
#[derive(Debug)]
pub enum Error {
    /// The spec could not be read.
    Read {
        /// The spec's path.
        spec: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The spec is not valid YAML, or not an OpenAPI 3.0 document.
    Parse {
        /// The spec's path.
        spec: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The spec breaks a rule this generator relies on (for example an
    /// operation without `x-aurpay-provenance`).
    Spec {
        /// The spec's path.
        spec: PathBuf,
        /// The offending operation, when there is one.
        operation: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// progenitor returned an error or panicked.
    Progenitor {
        /// The spec's path.
        spec: PathBuf,
        /// The operation that makes progenitor fail, when it could be found.
        operation: Option<String>,
        /// progenitor's error or panic message.
        message: String,
    },
    /// The generated tokens did not parse as Rust (a progenitor bug).
    Syntax {
        /// The spec's path.
        spec: PathBuf,
        /// The parser's message.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { spec, source } => write!(f, "{}: cannot read: {source}", spec.display()),
            Error::Parse { spec, message } => {
                write!(
                    f,
                    "{}: not an OpenAPI 3.0 document: {message}",
                    spec.display()
                )
            }
            Error::Spec {
                spec,
                operation,
                message,
            }
            | Error::Progenitor {
                spec,
                operation,
                message,
            } => {
                let what = if matches!(self, Error::Spec { .. }) {
                    "invalid spec"
                } else {
                    "progenitor failed"
                };
                match operation {
                    Some(op) => {
                        write!(f, "{}: operation `{op}`: {what}: {message}", spec.display())
                    }
                    None => write!(f, "{}: {what}: {message}", spec.display()),
                }
            }
            Error::Syntax { spec, message } => write!(
                f,
                "{}: progenitor produced code that does not parse: {message}",
                spec.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The progenitor settings used for aurpay-api.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // Stable key order when maps are serialized (snapshots, signatures).
        .with_map_type("::std::collections::BTreeMap")
        // Users export JSON Schemas of request and callback payloads
        // (behind aurpay-api's `schemars` feature: see
        // `restrict::schemars_behind_feature`).
        .with_derive("schemars::JsonSchema")
        // Credentials, retry policy and clock travel inside the client; the
        // hand-written `ClientHooks` impl (auth, signing, retries, tracing)
        // must exist, or the generated code does not compile.
        .with_inner_type(quote::quote!(crate::ClientContext))
        .with_hooks(HooksMode::Expected);
    for (component, rust_type) in REPLACEMENTS {
        settings.with_replacement(
            component,
            rust_type,
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    settings
}

/// Generates both files from the spec at `spec_path`.
///
/// `spec_path` is shown in errors as given; pass a path relative to the
/// repository root for readable messages.
pub fn generate(spec_path: &Path) -> Result<Generated, Error> {
    let text = std::fs::read_to_string(spec_path).map_err(|source| Error::Read {
        spec: spec_path.to_owned(),
        source,
    })?;
    generate_from_str(&text, spec_path)
}

/// Generates both files from spec text; `spec_path` only names it in errors.
pub fn generate_from_str(text: &str, spec_path: &Path) -> Result<Generated, Error> {
    let parse_error = |message: String| Error::Parse {
        spec: spec_path.to_owned(),
        message,
    };
    // serde_yaml's mapping keeps the spec's order, so the operation table
    // comes out in spec order.
    let mut raw: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| parse_error(e.to_string()))?;
    // Read before they are stripped: which request fields carry the
    // callback URLs (the `aurpay` command records them).
    let callbacks = cli_model::read_callbacks(&raw).map_err(|message| Error::Spec {
        spec: spec_path.to_owned(),
        operation: None,
        message,
    })?;
    strip_callbacks(&mut raw);
    unpattern_path_parameters(&mut raw);
    let document: openapiv3::OpenAPI =
        serde_yaml::from_value(raw).map_err(|e| parse_error(e.to_string()))?;
    let model = spec::Model::from_document(&document).map_err(|e| Error::Spec {
        spec: spec_path.to_owned(),
        operation: e.operation,
        message: e.message,
    })?;

    let tokens = progenitor_run::run_progenitor(&document, spec_path)?;
    model.check_scalar_params().map_err(|e| Error::Spec {
        spec: spec_path.to_owned(),
        operation: e.operation,
        message: e.message,
    })?;
    let mut client_file: syn::File = syn::parse2(tokens).map_err(|e| Error::Syntax {
        spec: spec_path.to_owned(),
        message: e.to_string(),
    })?;
    restrict::restrict(&mut client_file);
    restrict::hide_transport(&mut client_file);
    restrict::optional_setters(&mut client_file);
    restrict::lazy_missing_fields(&mut client_file);
    typed_bodies::typed_bodies(&mut client_file);
    let money_builders: Vec<String> = model
        .operations
        .iter()
        .filter(|op| op.moves_money)
        .map(|op| op.builder_name())
        .collect();
    answers::exchanged_answers(&mut client_file, &money_builders);
    restrict::non_exhaustive_types(&mut client_file);
    restrict::schemars_behind_feature(&mut client_file);
    document::document(&mut client_file, &document::parameter_docs(&document));
    examples::insert_doc_examples(&mut client_file, &model).map_err(|message| Error::Spec {
        spec: spec_path.to_owned(),
        operation: None,
        message,
    })?;
    let cli_tokens =
        cli::tokens(&model, &document, &client_file, &callbacks).map_err(|message| {
            Error::Spec {
                spec: spec_path.to_owned(),
                operation: None,
                message,
            }
        })?;
    let client = format_file(quote::ToTokens::to_token_stream(&client_file), spec_path)?;
    let operations = format_file(operations::tokens(&model), spec_path)?;
    let components = format_file(components::tokens(&document), spec_path)?;
    let cli = format_file(cli_tokens, spec_path)?;
    Ok(Generated {
        client,
        operations,
        components,
        cli,
    })
}

/// Removes `callbacks` from every operation before the document is typed.
///
/// progenitor generates nothing for callbacks (the callback payload types are
/// ordinary component schemas and are generated anyway), and the `openapiv3`
/// crate cannot parse a callback given as a `$ref` to
/// `#/components/callbacks`, which the spec uses to declare the callbacks
/// once for the three order-creating operations.
fn strip_callbacks(document: &mut serde_yaml::Value) {
    let Some(paths) = document.get_mut("paths").and_then(|p| p.as_mapping_mut()) else {
        return;
    };
    for item in paths.values_mut().filter_map(|i| i.as_mapping_mut()) {
        for operation in item.values_mut().filter_map(|o| o.as_mapping_mut()) {
            operation.remove("callbacks");
        }
    }
}

/// Removes `pattern` from the inline schema of every path parameter
/// before the document is typed.
///
/// progenitor turns a string parameter with a pattern into a newtype per
/// operation that refuses, before sending, any value the pattern does not
/// match. The spec's order id pattern (20 digits) is inferred from
/// examples, so the SDK sends any id and lets Aurpay answer: a new id
/// shape must not make orders impossible to look up.
fn unpattern_path_parameters(document: &mut serde_yaml::Value) {
    fn unpattern(parameter: &mut serde_yaml::Value) {
        if parameter.get("in").and_then(|v| v.as_str()) != Some("path") {
            return;
        }
        if let Some(schema) = parameter.get_mut("schema").and_then(|s| s.as_mapping_mut()) {
            schema.remove("pattern");
        }
    }
    if let Some(parameters) = document
        .get_mut("components")
        .and_then(|c| c.get_mut("parameters"))
        .and_then(|p| p.as_mapping_mut())
    {
        parameters.values_mut().for_each(unpattern);
    }
    let Some(paths) = document.get_mut("paths").and_then(|p| p.as_mapping_mut()) else {
        return;
    };
    for item in paths.values_mut().filter_map(|i| i.as_mapping_mut()) {
        for (key, value) in item.iter_mut() {
            // The path item's own `parameters`, or an operation's.
            let parameters = if key.as_str() == Some("parameters") {
                Some(value)
            } else {
                value.get_mut("parameters")
            };
            if let Some(parameters) = parameters.and_then(|p| p.as_sequence_mut()) {
                parameters.iter_mut().for_each(unpattern);
            }
        }
    }
}

/// Header of every generated file. It names the source so that nobody edits
/// the output by hand.
fn header() -> String {
    format!(
        "// @generated by aurpay-codegen (progenitor {PROGENITOR_VERSION}) from spec/aurpay.yaml.\n\
         // Do not edit: change the spec and run `cargo xtask regen`.\n\n"
    )
}

fn format_file(tokens: proc_macro2::TokenStream, spec_path: &Path) -> Result<String, Error> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error::Syntax {
        spec: spec_path.to_owned(),
        message: e.to_string(),
    })?;
    let body = progenitor_impl::space_out_items(prettyplease::unparse(&file)).map_err(|e| {
        Error::Syntax {
            spec: spec_path.to_owned(),
            message: e.to_string(),
        }
    })?;
    let mut out = header();
    out.push_str(&body.replace("\r\n", "\n"));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}
