//! Runs the sandbox as a standalone server, for clients in other languages:
//! `cargo run -p aurpay-api --example sandbox_server`.
//!
//! Listens on `AURPAY_SANDBOX_ADDR` (default `127.0.0.1:0`, an ephemeral
//! port) and prints one line with the base URL and the API key, and a
//! second with the callback token and secret it signs callbacks with (for
//! a receiver such as the `callback_receiver` example), then serves until
//! killed. Test controls are at `POST /__sandbox/pay/{order_id}` and
//! `POST /__sandbox/expire/{order_id}`.

use std::process::ExitCode;

use aurpay_api::sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::var("AURPAY_SANDBOX_ADDR").unwrap_or_else(|_| "127.0.0.1:0".to_owned());
    let sandbox = match Sandbox::start_on(&addr, SandboxConfig::default()).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "sandbox {} api-key {}",
        sandbox.base_url(),
        sandbox.config().api_key
    );
    println!(
        "callbacks token {} secret {}",
        sandbox.config().callback_token,
        sandbox.config().callback_secret
    );
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
