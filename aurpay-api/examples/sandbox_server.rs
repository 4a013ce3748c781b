//! Runs the sandbox as a standalone server, for clients in other languages:
//! `cargo run -p aurpay-api --example sandbox_server`.
//!
//! Listens on `AURPAY_SANDBOX_ADDR` (default `127.0.0.1:0`, an ephemeral
//! port) and prints one line with the base URL and the API key, and a
//! second with the callback token and secret it signs callbacks with (for
//! a receiver such as the `callback_receiver` example), then serves until
//! killed. The test controls are described in `spec/sandbox.yaml`
//! (`POST /__sandbox/pay/{order_id}`, `.../expire/{order_id}`, ...).
//!
//! With `AURPAY_SANDBOX_CLOCK=manual`, the sandbox's clock moves only when
//! told (`POST /__sandbox/clock/advance?seconds=N`): orders expire and
//! callbacks retry on it.
//!
//! With `--examples`, the sandbox is seeded with the spec's examples
//! (`SandboxBuilder::examples`): every documented example request
//! succeeds, which is what a client generated in another language is checked
//! with.

use std::process::ExitCode;

use aurpay_api::sandbox::Sandbox;

#[tokio::main]
async fn main() -> ExitCode {
    let addr = std::env::var("AURPAY_SANDBOX_ADDR").unwrap_or_else(|_| "127.0.0.1:0".to_owned());
    let examples = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => false,
        [flag] if flag == "--examples" => true,
        _ => {
            eprintln!("usage: sandbox_server [--examples]");
            return ExitCode::from(2);
        }
    };
    let mut builder = Sandbox::builder().listen(addr.clone());
    match std::env::var("AURPAY_SANDBOX_CLOCK").as_deref() {
        Err(_) | Ok("" | "system") => {}
        Ok("manual") => {
            builder = builder.manual_clock(aurpay_api::clock::ManualClock::starting_now())
        }
        Ok(other) => {
            eprintln!("AURPAY_SANDBOX_CLOCK is manual or system, not {other}");
            return ExitCode::from(2);
        }
    }
    if examples {
        builder = builder.examples();
    }
    let started = builder.start().await;
    let sandbox = match started {
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
    println!(
        "signature api-token {} api-secret {}",
        sandbox.config().api_token,
        sandbox.config().api_secret
    );
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
