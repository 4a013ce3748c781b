//! The sandbox, an in-process fake Aurpay: every operation with each auth
//! scheme, auth failures and the payment controls (`operations`); GET and
//! POST callbacks, their retries and their faults (`callbacks`); each
//! injected fault (`faults`); the HTTP controls `spec/sandbox.yaml`
//! describes (`controls`); what it refuses and the inputs that once crashed
//! it (`strict`); and the hosted checkout page in a real browser
//! (`checkout_browser`, `#[ignore]`d: it needs Chromium).

#[path = "../support/mod.rs"]
mod support;

mod callbacks;
mod checkout_browser;
mod controls;
mod faults;
mod operations;
mod strict;

use aurpay_api::sandbox::Sandbox;

/// The text of the sandbox's answer to a GET of `path_and_query` with its
/// API key: what is on the wire, digit for digit.
async fn wire_text(sandbox: &Sandbox, path_and_query: &str) -> String {
    reqwest::Client::new()
        .get(format!("{}{path_and_query}", sandbox.base_url()))
        .header("API-Key", sandbox.config().api_key.as_str())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path_and_query}: no answer: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("{path_and_query}: body broke off: {e}"))
}
