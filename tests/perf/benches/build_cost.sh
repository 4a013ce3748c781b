#!/usr/bin/env bash
# Cold `cargo build --release` of the same small program written against
# aurpay-api (default features) and against reqwest + serde + tokio alone.
# Prints wall time and the number of crates compiled for each.
#
# Usage: bash tests/perf/benches/build_cost.sh [work-dir]
# Needs the crates in the local registry cache (run any build first); the
# timing excludes downloads.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
work="${1:-/tmp/aurpay-build-cost}"
rm -rf "$work" && mkdir -p "$work/sdk/src" "$work/baseline/src"

cat > "$work/sdk/Cargo.toml" <<TOML
[package]
name = "sdk-program"
version = "0.1.0"
edition = "2024"
[dependencies]
aurpay-api = { path = "$repo/aurpay-api" }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
[workspace]
TOML
cat > "$work/sdk/src/main.rs" <<'RS'
use aurpay_api::{Client};
#[tokio::main]
async fn main() -> Result<(), aurpay_api::Error> {
    let client = Client::from_env()?;
    let order = client.get_orders_details().order_id("20250207040935220628").call().await?;
    println!("{} {} {}", order.order_id, order.status, order.amount);
    Ok(())
}
RS

cat > "$work/baseline/Cargo.toml" <<TOML
[package]
name = "baseline-program"
version = "0.1.0"
edition = "2024"
[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["json", "rustls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
[workspace]
TOML
cat > "$work/baseline/src/main.rs" <<'RS'
#[derive(serde::Deserialize)]
struct Envelope { code: i64, data: Option<Order> }
#[derive(serde::Deserialize)]
struct Order { order_id: String, status: String, amount: String }
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("AURPAY_API_KEY")?;
    let envelope: Envelope = reqwest::Client::new()
        .get("https://dashboard.aurpay.net/api/v2/order/detail/20250207040935220628")
        .header("API-Key", key)
        .send().await?.json().await?;
    if let (0, Some(o)) = (envelope.code, envelope.data) { println!("{} {} {}", o.order_id, o.status, o.amount); }
    Ok(())
}
RS

# Share the lock file's versions where the two overlap.
cp "$repo/Cargo.lock" "$work/sdk/Cargo.lock"
for program in baseline sdk; do
    cd "$work/$program"
    cargo fetch --quiet
    start=$(date +%s.%N)
    CARGO_TARGET_DIR="$work/$program/target" cargo build --release --offline 2>"$work/$program.log"
    end=$(date +%s.%N)
    crates=$(grep -c '^ *Compiling ' "$work/$program.log" || true)
    printf "%-8s %6.1f s  %3d crates compiled\n" "$program" "$(awk "BEGIN { print $end - $start }")" "$crates"
done
