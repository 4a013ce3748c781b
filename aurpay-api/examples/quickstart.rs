//! The SDK's main job, offline and without credentials: lists every Aurpay
//! operation the SDK offers, with what it costs to get one wrong (calls that
//! move money are never retried) and whether Aurpay documents it.
//!
//! Run with `cargo run -p aurpay-api --example quickstart`.

use aurpay_api::{Operation, ProvenanceStatus};

fn main() {
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
    println!("\nEach call is `client.<operation>()...send().await`; see the crate docs.");
}
