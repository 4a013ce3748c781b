//! The SDK's main job: `cargo run -p aurpay-api --example quickstart`.
//!
//! * With credentials in the environment (`AURPAY_API_KEY`, or
//!   `AURPAY_API_TOKEN` + `AURPAY_API_SECRET` [+ `AURPAY_SIGNATURE_ALGORITHM`],
//!   and optionally `AURPAY_BASE_URL`), it runs a read-only tour of the
//!   account: one line per call. It creates nothing. Exit status 0 when
//!   every call succeeded, 1 otherwise.
//! * Without credentials it lists the operations the SDK offers, offline.

mod tour;

use std::process::ExitCode;

use aurpay_api::{Client, Operation, ProvenanceStatus};

fn has_credentials() -> bool {
    ["AURPAY_API_KEY", "AURPAY_API_TOKEN", "AURPAY_API_SECRET"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty()))
}

fn list_operations() {
    println!(
        "aurpay-api {}: {} operations\n",
        env!("CARGO_PKG_VERSION"),
        Operation::all().len()
    );
    let mut tag = "";
    for op in Operation::all() {
        if op.tag != tag {
            tag = op.tag;
            println!("{tag}");
        }
        let provenance = match op.provenance.status {
            ProvenanceStatus::Confirmed => "documented",
            ProvenanceStatus::Inferred => "INFERRED (not publicly documented)",
        };
        let money = if op.moves_money {
            ", moves money: never retried"
        } else {
            ""
        };
        println!(
            "  client.{}()  {} {}  [{}{}]",
            op.id, op.method, op.path, provenance, money
        );
    }
    println!(
        "\nSet AURPAY_API_KEY (or AURPAY_API_TOKEN and AURPAY_API_SECRET) for a read-only tour of your account."
    );
}

#[tokio::main]
async fn main() -> ExitCode {
    if !has_credentials() {
        list_operations();
        return ExitCode::SUCCESS;
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
        aurpay_api::ClientInfo::baseurl(&client),
        client.auth_scheme().unwrap_or("no")
    );
    if tour::read_only_tour(&client, &mut std::io::stdout()).await {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
