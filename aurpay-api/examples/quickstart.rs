//! The SDK's main job: `cargo run -p aurpay-api --example quickstart`.
//!
//! * With credentials in the environment (`AURPAY_API_KEY`, or
//!   `AURPAY_API_TOKEN` + `AURPAY_API_SECRET` [+ `AURPAY_SIGNATURE_ALGORITHM`],
//!   and optionally `AURPAY_BASE_URL`), it runs a read-only tour of the
//!   account: one line per call. It creates nothing. Exit status 0 when
//!   every call succeeded, 1 otherwise.
//! * Without credentials it starts the embedded sandbox (a fake Aurpay on
//!   loopback) and runs the whole story offline: orders of all three kinds,
//!   payments, a time-out, verified callbacks, listing, refund,
//!   transactions, wallets and Lightning. Exit status 0 when the story
//!   completed.

mod story;
mod tour;

use std::process::ExitCode;

use aurpay_api::Client;

fn has_credentials() -> bool {
    ["AURPAY_API_KEY", "AURPAY_API_TOKEN", "AURPAY_API_SECRET"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty()))
}

#[tokio::main]
async fn main() -> ExitCode {
    if !has_credentials() {
        println!(
            "No credentials in the environment: running the story against the embedded sandbox.\n"
        );
        return match story::run(&mut std::io::stdout()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(step) => {
                eprintln!("\nstory failed: {step}");
                ExitCode::FAILURE
            }
        };
    }
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "Read-only tour of {} ({} auth)\n",
        client.base_url(),
        client.auth_scheme().unwrap_or("no")
    );
    if tour::read_only_tour(&client, &mut std::io::stdout()).await {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
