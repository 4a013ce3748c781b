//! A small, production-shaped shop on the SDK: checkout and refunds as
//! intents (recorded before they are sent, sent once, settled from Aurpay's
//! state when the answer is lost), callbacks applied in the shop's own
//! database transaction, and reconciliation of what callbacks missed.
//! `cargo run -p aurpay-api --example shop`
//!
//! Configuration (environment):
//! * `AURPAY_API_KEY` (or `AURPAY_API_TOKEN` + `AURPAY_API_SECRET`) and
//!   `AURPAY_BASE_URL` (for example the standalone sandbox);
//! * `AURPAY_CALLBACK_TOKEN`, `AURPAY_CALLBACK_SECRET`: the callback
//!   credentials (the standalone sandbox prints its own);
//! * `SHOP_ADDR`: where to listen (default `127.0.0.1:8080`);
//! * `SHOP_PUBLIC_URL`: the base of the callback URLs (default `http://` +
//!   the listen address);
//! * `SHOP_DATABASE_URL`: `sqlite:PATH` (default `sqlite:shop.sqlite`; one
//!   machine) or `postgres://...` (replicas);
//! * `SHOP_RECONCILE_SECS`: seconds between reconciliation passes (default
//!   60, at least 0.1); `SHOP_SETTLE_SECS`: how long after a money call
//!   nothing found means it never happened (default 900).
//!
//! It prints `shop listening on URL` once ready, and `shop: pass N done`
//! after each reconciliation pass.
//!
//! HTTP, JSON:
//! * `POST /orders` `{"price": "20.00", "currency": "USD", "method":
//!   "hosted" | "direct" | "lightning", "chain": "ETH", "crypto":
//!   "USDT-ERC20"}` answers 201 `{"id", "aurpay_order_id", "pay_url",
//!   "status"}` (`status` is `creation_uncertain` when Aurpay may or may not
//!   have created the order: reconciliation then finds it);
//! * `GET /orders/{id}` answers `{"id", "aurpay_order_id", "status",
//!   "fulfilled"}`;
//! * `POST /orders/{id}/refunds` `{"refund_id", "address", "amount"}` and
//!   `GET /refunds/{refund_id}`: a refund, at most once per `refund_id`;
//! * `GET|POST /aurpay/callback`: Aurpay's callbacks.
//!
//! Exactly once, with no bookkeeping of the shop's own: the processor
//! records every money call before sending it, and applies each change of
//! an order in the same transaction as the shop's update (`db.rs`), so a
//! shop killed at any point neither loses nor repeats one.

mod app;
mod db;

use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use aurpay_api::Client;
use aurpay_api::callback::{CallbackConfig, CallbackUrls, CallbackVerifier};
use aurpay_api::processor::{Processor, SqlStore};

use app::Shop;
use db::ShopDb;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shop: {e}");
            ExitCode::FAILURE
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A duration in seconds (fractions allowed) from the environment.
fn seconds(name: &str, default: u64) -> Duration {
    env(name)
        .and_then(|v| v.parse::<f64>().ok())
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .unwrap_or(Duration::from_secs(default))
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

async fn run() -> Result<(), Failure> {
    let client = Client::from_env()?;
    let (Some(token), Some(secret)) = (env("AURPAY_CALLBACK_TOKEN"), env("AURPAY_CALLBACK_SECRET"))
    else {
        return Err("set AURPAY_CALLBACK_TOKEN and AURPAY_CALLBACK_SECRET".into());
    };
    let addr = env("SHOP_ADDR").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    let public = env("SHOP_PUBLIC_URL").unwrap_or_else(|| format!("http://{local}"));
    let public = public.trim_end_matches('/').to_owned();
    let urls = CallbackUrls::new(&format!("{public}/aurpay/callback"))?;
    let callbacks = CallbackConfig::new(
        CallbackVerifier::new(token, secret)?.callback_urls(&urls),
        public,
    );
    let database = env("SHOP_DATABASE_URL").unwrap_or_else(|| "sqlite:shop.sqlite".to_owned());
    if let Some(path) = database.strip_prefix("sqlite:") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .connect_with(options)
            .await?;
        start(listener, client, urls, callbacks, pool).await
    } else {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .connect(&database)
            .await?;
        start(listener, client, urls, callbacks, pool).await
    }
}

/// The shop on its database: one pool for the shop's table and the
/// processor's store, so an effect and the record of it share a
/// transaction.
async fn start<D: ShopDb>(
    listener: tokio::net::TcpListener,
    client: Client,
    urls: CallbackUrls,
    callbacks: Arc<CallbackConfig>,
    pool: sqlx::Pool<D>,
) -> Result<(), Failure> {
    D::create(&pool).await?;
    let store = SqlStore::new(pool).await?;
    let processor =
        Processor::new(client.clone(), store).settle_after(seconds("SHOP_SETTLE_SECS", 900));
    let shop = Shop {
        client,
        urls,
        processor,
        every: seconds("SHOP_RECONCILE_SECS", 60).max(Duration::from_millis(100)),
    };
    println!("shop listening on http://{}", listener.local_addr()?);
    app::serve(listener, shop, callbacks).await?;
    Ok(())
}
