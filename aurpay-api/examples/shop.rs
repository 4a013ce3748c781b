//! A small, production-shaped shop on the SDK: checkout, callbacks applied
//! exactly once, and reconciliation of what callbacks missed.
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
//!   process) or `postgres://...` / libpq `host=...` settings (replicas);
//! * `SHOP_RECONCILE_SECS`: seconds between reconciliation passes (default
//!   60); `SHOP_LEASE_SECS`: how long a claimed change may stay unfinished
//!   before it is run again (default 60).
//!
//! HTTP, JSON:
//! * `POST /orders` `{"price": "20.00", "currency": "USD", "method":
//!   "hosted" | "direct" | "lightning", "chain": "ETH", "crypto":
//!   "USDT-ERC20"}` answers 201 `{"id", "aurpay_order_id", "pay_url",
//!   "status"}` (`status` is `creation_uncertain` when Aurpay may or may not
//!   have created the order: reconciliation then finds it);
//! * `GET /orders/{id}` answers `{"id", "aurpay_order_id", "status",
//!   "fulfilled"}`;
//! * `GET|POST /aurpay/callback`: Aurpay's callbacks.
//!
//! Exactly once: the processor claims each state change in its store before
//! the effect runs; the effect itself (mark the order, count `fulfilled`) is
//! one database transaction keyed by the change, so even a replica killed
//! between effect and completion, whose change is run again after the
//! lease, cannot apply it twice.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aurpay_api::callback::{
    CallbackConfig, CallbackRejection, CallbackUrls, CallbackVerifier, VerifiedCallback,
};
use aurpay_api::processor::{
    OrderState, PostgresStore, Processor, Resolution, SqliteStore, Store, Transition,
};
use aurpay_api::{Amount, Client, Outcome, Timestamp, reconcile, types};
use axum::Json;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

mod db {
    //! The shop's own table, in SQLite or PostgreSQL: one SQL text for both
    //! (`$n` placeholders).
    use std::sync::{Arc, Mutex};

    const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS shop_orders (
        id TEXT PRIMARY KEY, aurpay_order_id TEXT, pay_url TEXT, status TEXT NOT NULL,
        fulfilled INTEGER NOT NULL DEFAULT 0, price TEXT NOT NULL, currency TEXT NOT NULL,
        sent_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS shop_effects (key TEXT PRIMARY KEY)";

    /// One order as the shop keeps it.
    pub struct Order {
        pub id: String,
        pub aurpay_order_id: Option<String>,
        pub status: String,
        pub fulfilled: i64,
        pub price: String,
        pub currency: String,
        pub sent_at: String,
    }

    pub enum Db {
        Sqlite(Arc<Mutex<rusqlite::Connection>>),
        Postgres(Arc<tokio::sync::Mutex<tokio_postgres::Client>>),
    }

    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

    /// A status's place in the forward order, as SQL (the processor's order).
    fn rank(expression: &str) -> String {
        format!(
            "(CASE {expression} WHEN 'creating' THEN 0 WHEN 'creation_uncertain' THEN 0
              WHEN 'awaiting_payment' THEN 1 WHEN 'partially_paid' THEN 2 WHEN 'expired' THEN 3
              WHEN 'paid' THEN 4 WHEN 'refunded' THEN 5 ELSE 6 END)"
        )
    }

    const SELECT: &str = "SELECT id, aurpay_order_id, status, fulfilled, price, currency, sent_at
        FROM shop_orders";

    impl Db {
        pub async fn open(url: &str) -> Result<Db> {
            if let Some(path) = url.strip_prefix("sqlite:") {
                let connection = rusqlite::Connection::open(path)?;
                connection.pragma_update(None, "journal_mode", "WAL")?;
                connection.busy_timeout(std::time::Duration::from_secs(5))?;
                connection.execute_batch(SCHEMA)?;
                return Ok(Db::Sqlite(Arc::new(Mutex::new(connection))));
            }
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
            tokio::spawn(connection);
            // Replicas start together: create the tables one at a time.
            client
                .batch_execute(&format!(
                    "BEGIN; SELECT pg_advisory_xact_lock(4242); {SCHEMA}; COMMIT"
                ))
                .await?;
            Ok(Db::Postgres(Arc::new(tokio::sync::Mutex::new(client))))
        }

        /// A new order, `creating` until Aurpay answers (shown as
        /// `creation_uncertain`): a process killed during the create call
        /// leaves it for reconciliation.
        pub async fn insert(
            &self,
            id: &str,
            price: &str,
            currency: &str,
            sent_at: &str,
        ) -> Result<()> {
            let sql = "INSERT INTO shop_orders (id, status, price, currency, sent_at)
                VALUES ($1, 'creating', $2, $3, $4)";
            match self {
                Db::Sqlite(c) => {
                    c.lock()
                        .unwrap()
                        .execute(sql, [id, price, currency, sent_at])?;
                }
                Db::Postgres(c) => {
                    c.lock()
                        .await
                        .execute(sql, &[&id, &price, &currency, &sent_at])
                        .await?;
                }
            }
            Ok(())
        }

        /// Records what creation found: the Aurpay order (or none yet) and
        /// the status; never moves an order that an effect already moved.
        pub async fn created(
            &self,
            id: &str,
            aurpay: Option<&str>,
            pay_url: Option<&str>,
            status: &str,
        ) -> Result<()> {
            // SQLite numbers `$n` by first appearance: keep them in order.
            let sql = "UPDATE shop_orders SET aurpay_order_id = COALESCE($1, aurpay_order_id),
                pay_url = COALESCE($2, pay_url), status = $3
                WHERE id = $4 AND status IN ('creating', 'creation_uncertain')";
            match self {
                Db::Sqlite(c) => {
                    c.lock()
                        .unwrap()
                        .execute(sql, rusqlite::params![aurpay, pay_url, status, id])?;
                }
                Db::Postgres(c) => {
                    c.lock()
                        .await
                        .execute(sql, &[&aurpay, &pay_url, &status, &id])
                        .await?;
                }
            }
            Ok(())
        }

        /// The effect of one state change, once per `key`, in one
        /// transaction: a second run (a change run again after a crash)
        /// changes nothing.
        pub async fn apply(&self, key: &str, id: &str, aurpay: &str, state: &str) -> Result<()> {
            let mark = "INSERT INTO shop_effects (key) VALUES ($1) ON CONFLICT DO NOTHING";
            // The status only moves forward, whatever order effects commit in
            // (a claimer slower than its lease may commit after the one that
            // took over).
            let update = format!(
                "UPDATE shop_orders SET status = $1, aurpay_order_id = $2
                 WHERE id = $3 AND {} < {}",
                rank("status"),
                rank("$1")
            );
            let fulfil = "UPDATE shop_orders SET fulfilled = fulfilled + 1 WHERE id = $1";
            let paid = state == "paid";
            match self {
                Db::Sqlite(c) => {
                    let mut c = c.lock().unwrap();
                    let t =
                        c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    if t.execute(mark, [key])? == 1 {
                        t.execute(&update, [state, aurpay, id])?;
                        if paid {
                            t.execute(fulfil, [id])?;
                        }
                    }
                    t.commit()?;
                }
                Db::Postgres(c) => {
                    let mut c = c.lock().await;
                    let t = c.transaction().await?;
                    if t.execute(mark, &[&key]).await? == 1 {
                        t.execute(&update, &[&state, &aurpay, &id]).await?;
                        if paid {
                            t.execute(fulfil, &[&id]).await?;
                        }
                    }
                    t.commit().await?;
                }
            }
            Ok(())
        }

        /// Removes an order Aurpay definitely did not create.
        pub async fn forget(&self, id: &str) -> Result<()> {
            let sql = "DELETE FROM shop_orders WHERE id = $1 AND status IN ('creating', 'creation_uncertain')";
            match self {
                Db::Sqlite(c) => {
                    c.lock().unwrap().execute(sql, [id])?;
                }
                Db::Postgres(c) => {
                    c.lock().await.execute(sql, &[&id]).await?;
                }
            }
            Ok(())
        }

        pub async fn get(&self, id: &str) -> Result<Option<Order>> {
            Ok(self
                .select(&format!("{SELECT} WHERE id = $1"), Some(id))
                .await?
                .pop())
        }

        pub async fn uncertain(&self) -> Result<Vec<Order>> {
            self.select(
                &format!("{SELECT} WHERE status IN ('creating', 'creation_uncertain')"),
                None,
            )
            .await
        }

        async fn select(&self, sql: &str, id: Option<&str>) -> Result<Vec<Order>> {
            match self {
                Db::Sqlite(c) => {
                    let c = c.lock().unwrap();
                    let mut statement = c.prepare(sql)?;
                    let params: Vec<&dyn rusqlite::ToSql> =
                        id.iter().map(|i| i as &dyn rusqlite::ToSql).collect();
                    let rows = statement.query_map(params.as_slice(), |r| {
                        Ok(Order {
                            id: r.get(0)?,
                            aurpay_order_id: r.get(1)?,
                            status: r.get(2)?,
                            fulfilled: r.get(3)?,
                            price: r.get(4)?,
                            currency: r.get(5)?,
                            sent_at: r.get(6)?,
                        })
                    })?;
                    Ok(rows.collect::<rusqlite::Result<_>>()?)
                }
                Db::Postgres(c) => {
                    let c = c.lock().await;
                    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = id
                        .iter()
                        .map(|i| i as &(dyn tokio_postgres::types::ToSql + Sync))
                        .collect();
                    let rows = c.query(sql, &params).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Order {
                                id: r.try_get(0)?,
                                aurpay_order_id: r.try_get(1)?,
                                status: r.try_get(2)?,
                                fulfilled: i64::from(r.try_get::<_, i32>(3)?),
                                price: r.try_get(4)?,
                                currency: r.try_get(5)?,
                                sent_at: r.try_get(6)?,
                            })
                        })
                        .collect()
                }
            }
        }
    }
}

/// Everything a handler needs.
struct Shop<S> {
    client: Client,
    urls: CallbackUrls,
    db: db::Db,
    processor: Processor<S>,
}

struct App<S> {
    shop: Arc<Shop<S>>,
    callbacks: Arc<CallbackConfig>,
}

// By hand: a derive would ask for `S: Clone`, which the `Arc` makes
// unnecessary.
impl<S> Clone for App<S> {
    fn clone(&self) -> Self {
        App {
            shop: Arc::clone(&self.shop),
            callbacks: Arc::clone(&self.callbacks),
        }
    }
}

impl<S> FromRef<App<S>> for Arc<CallbackConfig> {
    fn from_ref(app: &App<S>) -> Self {
        Arc::clone(&app.callbacks)
    }
}

#[derive(Deserialize)]
struct NewOrder {
    /// Read from a JSON string or number; sent to Aurpay as a number (what
    /// the spec asks for), with its digits exact.
    #[serde(deserialize_with = "price_as_number")]
    price: Amount,
    currency: String,
    method: String,
    chain: Option<String>,
    crypto: Option<String>,
}

fn price_as_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
    Ok(Amount::deserialize(d)?.with_json_form(aurpay_api::JsonForm::Number))
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

/// A reference no other process makes: time, process and a counter.
fn new_reference() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "shop-{nanos:x}-{:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// What creation got back: Aurpay's order id and where the buyer pays.
type Created = (String, Option<String>);

async fn create_at_aurpay<S>(
    shop: &Shop<S>,
    reference: &str,
    order: &NewOrder,
) -> Result<Created, aurpay_api::Error> {
    let paid = shop.urls.paid(reference)?;
    let timeout = shop.urls.timeout(reference)?;
    match order.method.as_str() {
        "hosted" => {
            let url = shop
                .client
                .get_payment_url()
                .body(
                    types::PaymentUrlRequest::builder()
                        .currency(order.currency.clone())
                        .price(order.price)
                        .callback_url(paid)
                        .timeout_callback(timeout),
                )
                .call()
                .await?;
            // A pay_url that names no order leaves the creation uncertain
            // (an empty id is never linked); reconciliation finds it.
            let id = url.order_id().map(str::to_owned).unwrap_or_default();
            Ok((id, Some(url.pay_url)))
        }
        "lightning" => {
            let bln = shop
                .client
                .create_bln_order()
                .body(
                    types::BlnOrderRequest::builder()
                        .currency(order.currency.clone())
                        .price(order.price)
                        .callback_url(paid)
                        .timeout_callback(timeout),
                )
                .call()
                .await?;
            Ok((bln.order_id, bln.pay_url.or(bln.payment_request)))
        }
        _ => {
            let info = shop
                .client
                .get_payment_info()
                .body(
                    types::PaymentInfoRequest::builder()
                        .chain(order.chain.clone().unwrap_or_default())
                        .currency(order.crypto.clone().unwrap_or_default())
                        .vs_currency(order.currency.clone())
                        .vs_price(order.price)
                        .callback_url(paid)
                        .timeout_callback(timeout),
                )
                .call()
                .await?;
            Ok((info.order_id, info.pay_url.or(info.address)))
        }
    }
}

async fn create_order<S: Store>(
    State(app): State<App<S>>,
    Json(order): Json<NewOrder>,
) -> Response {
    let shop = &app.shop;
    if !matches!(order.method.as_str(), "hosted" | "direct" | "lightning")
        || (order.method == "direct" && (order.chain.is_none() || order.crypto.is_none()))
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "method must be hosted, direct (with chain and crypto) or lightning",
        );
    }
    let id = new_reference();
    let sent_at = now();
    if let Err(e) = shop
        .db
        .insert(
            &id,
            &order.price.to_string(),
            &order.currency,
            sent_at.as_str(),
        )
        .await
    {
        return error(StatusCode::SERVICE_UNAVAILABLE, e);
    }
    let (aurpay_id, pay_url, status) = match create_at_aurpay(shop, &id, &order).await {
        Ok((aurpay_id, pay_url)) if aurpay_id.is_empty() => (None, pay_url, "creation_uncertain"),
        Ok((aurpay_id, pay_url)) => match link(shop, &id, &aurpay_id).await {
            Ok(true) => (Some(aurpay_id), pay_url, "awaiting_payment"),
            // Taken by another reference (never expected): a person decides.
            Ok(false) => (None, pay_url, "creation_uncertain"),
            Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e),
        },
        // Created, but the answer could not be read in full: the raw data
        // still names the order.
        Err(e) if e.outcome() == Outcome::Applied => {
            let aurpay_id = e
                .data()
                .and_then(|d| d.get("order_id"))
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            match &aurpay_id {
                Some(aurpay_id) if link(shop, &id, aurpay_id).await.unwrap_or(false) => {
                    (Some(aurpay_id.clone()), None, "awaiting_payment")
                }
                _ => (None, None, "creation_uncertain"),
            }
        }
        // It may exist: reconciliation will find it (or not).
        Err(e) if e.outcome() == Outcome::Unknown => {
            eprintln!("shop: order {id}: outcome unknown ({e}); reconciliation will resolve it");
            (None, None, "creation_uncertain")
        }
        Err(e) => {
            // Definitely not created: the order never existed.
            let _ = shop.db.forget(&id).await;
            return error(StatusCode::BAD_GATEWAY, e);
        }
    };
    if let Err(e) = shop
        .db
        .created(&id, aurpay_id.as_deref(), pay_url.as_deref(), status)
        .await
    {
        return error(StatusCode::SERVICE_UNAVAILABLE, e);
    }
    let status = match shop.db.get(&id).await {
        Ok(Some(order)) => shown(&order.status).to_owned(),
        _ => status.to_owned(),
    };
    (
        StatusCode::CREATED,
        Json(
            json!({ "id": id, "aurpay_order_id": aurpay_id, "pay_url": pay_url, "status": status }),
        ),
    )
        .into_response()
}

/// Links the shop's order to Aurpay's; false when the order was already
/// linked to another reference (the store keeps one reference per order).
async fn link<S: Store>(
    shop: &Shop<S>,
    id: &str,
    aurpay_id: &str,
) -> Result<bool, aurpay_api::processor::StoreError> {
    shop.processor.link(id, aurpay_id).await?;
    Ok(shop.processor.store().order_of(id).await?.as_deref() == Some(aurpay_id))
}

/// A creation still in flight is, to the outside, uncertain.
fn shown(status: &str) -> &str {
    if status == "creating" {
        "creation_uncertain"
    } else {
        status
    }
}

async fn get_order<S: Store>(State(app): State<App<S>>, Path(id): Path<String>) -> Response {
    match app.shop.db.get(&id).await {
        Ok(Some(order)) => Json(json!({
            "id": order.id,
            "aurpay_order_id": order.aurpay_order_id,
            "status": shown(&order.status),
            "fulfilled": order.fulfilled,
        }))
        .into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such order"),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e),
    }
}

/// The one effect, for callbacks and reconciliation alike.
async fn effect(db: &db::Db, change: Transition) -> db::Result<()> {
    let Some(reference) = &change.reference else {
        return Ok(()); // not one of the shop's orders
    };
    db.apply(
        &change.key(),
        reference,
        &change.order_id,
        change.to.as_str(),
    )
    .await?;
    if change.to == OrderState::Paid {
        println!(
            "shop: fulfilled {reference} (Aurpay order {})",
            change.order_id
        );
    }
    Ok(())
}

async fn callback<S: Store + 'static>(
    State(app): State<App<S>>,
    callback: Result<VerifiedCallback, CallbackRejection>,
) -> Response {
    let callback = match callback {
        Ok(callback) => callback,
        Err(rejection) => return rejection.into_response(),
    };
    // In its own task: if Aurpay disconnects, hyper drops this future, and
    // a change between claim and completion would wait for its lease.
    let shop = Arc::clone(&app.shop);
    let processed = tokio::spawn(async move {
        let db = &shop.db;
        shop.processor
            .process_callback(&callback, |change| effect(db, change))
            .await
    })
    .await;
    match processed {
        Ok(outcome) => outcome.into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "retry later\n").into_response(),
    }
}

/// How long a create call may still be running (the client's timeout, and
/// then some): younger `creating` orders are not resolved yet.
const IN_FLIGHT: Duration = Duration::from_secs(120);

/// How far from the create call's time its order may have been created
/// (clocks and latency).
const RESOLVE_SKEW: Duration = Duration::from_secs(120);

/// How long an uncertain creation is looked for before it is taken as
/// never created (Aurpay's orders are payable for 30 minutes).
const GIVE_UP_AFTER: Duration = Duration::from_secs(60 * 60);

/// One reconciliation round: resolve uncertain creations, then apply what
/// changed since the last pass.
async fn reconcile_once<S: Store>(
    shop: &Shop<S>,
    since: &Timestamp,
) -> Result<Timestamp, Box<dyn std::error::Error + Send + Sync>> {
    let pending = shop.db.uncertain().await?;
    let fresh = now().earlier_by(IN_FLIGHT);
    let in_flight = |order: &db::Order| {
        order.status == "creating" && order.sent_at.parse::<Timestamp>().is_ok_and(|t| t > fresh)
    };
    let sent = |order: &db::Order| order.sent_at.parse::<Timestamp>().ok();
    for order in &pending {
        // A create call still in flight is left alone. So is an order while
        // another unresolved one of the same price and currency was sent
        // near it (in flight, or itself of unknown outcome): the order the
        // other made would look like this one's. Those wait for a person.
        let close = |other: &db::Order| match (sent(order), sent(other)) {
            (Some(a), Some(b)) => {
                let (early, late) = if a <= b { (a, b) } else { (b, a) };
                late <= early.later_by(2 * RESOLVE_SKEW)
            }
            _ => true,
        };
        if in_flight(order)
            || pending.iter().any(|other| {
                other.id != order.id
                    && other.currency == order.currency
                    && other.price.parse::<Amount>().ok() == order.price.parse::<Amount>().ok()
                    && (in_flight(other) || close(other))
            })
        {
            continue;
        }
        let (Ok(price), Ok(sent_at)) = (
            order.price.parse::<Amount>(),
            order.sent_at.parse::<Timestamp>(),
        ) else {
            continue;
        };
        let resolution = shop
            .processor
            .resolve_unknown(
                &order.id,
                shop.client.get_orders(),
                &price,
                &order.currency,
                &sent_at,
                RESOLVE_SKEW,
            )
            .await?;
        match resolution {
            Resolution::Linked { order_id } => {
                shop.db
                    .created(&order.id, Some(&order_id), None, "awaiting_payment")
                    .await?;
                println!("shop: resolved {} to Aurpay order {order_id}", order.id);
                // Its changes so far may predate this round's `since`:
                // apply its current status now.
                let current = shop
                    .client
                    .get_orders_details()
                    .order_id(order_id.as_str())
                    .call()
                    .await?;
                let db = &shop.db;
                shop.processor
                    .apply(&order_id, Some(&order.id), &current.status, |change| {
                        effect(db, change)
                    })
                    .await?;
            }
            // Still not in the list well after an order would have expired:
            // it was never created.
            Resolution::NotFound if sent_at < now().earlier_by(GIVE_UP_AFTER) => {
                shop.db.created(&order.id, None, None, "expired").await?;
                println!("shop: {} was never created at Aurpay", order.id);
            }
            // Ambiguous: left for a person, never guessed; NotFound: later.
            _ => {}
        }
    }
    let db = &shop.db;
    let report = shop
        .processor
        .reconcile(
            reconcile::changed_since(shop.client.get_orders(), since.clone()),
            |change| effect(db, change),
        )
        .await?;
    if !report.applied.is_empty() {
        println!(
            "shop: reconciliation applied {} change(s)",
            report.applied.len()
        );
    }
    // The processor keeps `since` when something is left to do.
    Ok(report.next_since)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn seconds(name: &str, default: u64) -> Duration {
    Duration::from_secs(env(name).and_then(|v| v.parse().ok()).unwrap_or(default))
}

async fn serve<S: Store + 'static>(
    listener: tokio::net::TcpListener,
    shop: Shop<S>,
    callbacks: Arc<CallbackConfig>,
) -> std::io::Result<()> {
    let shop = Arc::new(shop);
    let every = seconds("SHOP_RECONCILE_SECS", 60).max(Duration::from_secs(1));
    let reconciler = Arc::clone(&shop);
    tokio::spawn(async move {
        // On start, look back a day: whatever a dead process missed.
        let mut since = now().earlier_by(reconcile::DEFAULT_HORIZON);
        loop {
            match reconcile_once(&reconciler, &since).await {
                Ok(next) => since = next,
                Err(e) => eprintln!("shop: reconciliation failed, will retry: {e}"),
            }
            tokio::time::sleep(every).await;
        }
    });
    let app = axum::Router::new()
        .route("/orders", axum::routing::post(create_order::<S>))
        .route("/orders/{id}", axum::routing::get(get_order::<S>))
        .route("/aurpay/callback", axum::routing::any(callback::<S>))
        .with_state(App { shop, callbacks });
    axum::serve(listener, app).await
}

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

async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let client = Client::from_env()?;
    let (token, secret) = match (env("AURPAY_CALLBACK_TOKEN"), env("AURPAY_CALLBACK_SECRET")) {
        (Some(token), Some(secret)) => (token, secret),
        _ => return Err("set AURPAY_CALLBACK_TOKEN and AURPAY_CALLBACK_SECRET".into()),
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
    let db = db::Db::open(&database).await?;
    let lease = seconds("SHOP_LEASE_SECS", 60);
    println!("shop listening on http://{local}");
    if let Some(path) = database.strip_prefix("sqlite:") {
        let processor = Processor::new(client.clone(), SqliteStore::open(path)?).lease(lease);
        serve(
            listener,
            Shop {
                client,
                urls,
                db,
                processor,
            },
            callbacks,
        )
        .await?;
    } else {
        let processor =
            Processor::new(client.clone(), PostgresStore::connect(&database).await?).lease(lease);
        serve(
            listener,
            Shop {
                client,
                urls,
                db,
                processor,
            },
            callbacks,
        )
        .await?;
    }
    Ok(())
}

fn now() -> Timestamp {
    aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock)
}
