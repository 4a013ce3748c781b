//! The shop's HTTP side: checkout through the intent journal, refunds
//! through it too, callbacks applied in the shop's own transaction, and a
//! reconciliation pass now and then for whatever callbacks missed and
//! whatever money call had no definite answer.

use std::sync::Arc;
use std::time::Duration;

use aurpay_api::callback::{CallbackConfig, CallbackRejection, CallbackUrls, VerifiedCallback};
use aurpay_api::processor::{Intent, IntentStatus, Processor, SqlStore};
use aurpay_api::{Amount, Client, JsonForm, Timestamp, reconcile, types};
use axum::Json;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::db::ShopDb;

/// Everything a handler needs.
pub struct Shop<D: ShopDb> {
    pub client: Client,
    pub urls: CallbackUrls,
    pub processor: Processor<SqlStore<D>>,
    /// Time between reconciliation passes.
    pub every: Duration,
}

struct App<D: ShopDb> {
    shop: Arc<Shop<D>>,
    callbacks: Arc<CallbackConfig>,
}

// By hand: a derive would ask for `D: Clone`.
impl<D: ShopDb> Clone for App<D> {
    fn clone(&self) -> Self {
        App {
            shop: Arc::clone(&self.shop),
            callbacks: Arc::clone(&self.callbacks),
        }
    }
}

impl<D: ShopDb> FromRef<App<D>> for Arc<CallbackConfig> {
    fn from_ref(app: &App<D>) -> Self {
        Arc::clone(&app.callbacks)
    }
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

#[derive(Deserialize)]
struct NewOrder {
    /// A JSON string or number, sent to Aurpay as a number (what the spec
    /// asks for), with its digits exact.
    price: Amount,
    currency: String,
    method: String,
    chain: Option<String>,
    crypto: Option<String>,
}

/// A reference no other process makes (the processor's clock and a
/// counter).
fn new_reference(now: &Timestamp) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let time: String = now.as_str().chars().filter(char::is_ascii_digit).collect();
    format!(
        "shop-{time}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// What a create intent says to the shop's buyer: the order, where to pay,
/// and how sure the shop is.
fn created<T>(
    intent: &Intent<T>,
    pay: impl Fn(&T) -> Option<String>,
) -> (Option<String>, &'static str) {
    let pay_url = intent.data.as_ref().and_then(pay);
    let status = match &intent.status {
        IntentStatus::Applied => "awaiting_payment",
        IntentStatus::NotApplied { .. } => "not_created",
        // Sent with no definite answer: reconciliation finds what Aurpay
        // did (or a person decides, when it cannot tell).
        _ => "creation_uncertain",
    };
    (pay_url, status)
}

async fn create_order<D: ShopDb>(
    State(app): State<App<D>>,
    Json(order): Json<NewOrder>,
) -> Response {
    let shop = &app.shop;
    let direct = order.method == "direct";
    if !matches!(order.method.as_str(), "hosted" | "direct" | "lightning")
        || (direct && (order.chain.is_none() || order.crypto.is_none()))
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "method must be hosted, direct (with chain and crypto) or lightning",
        );
    }
    let now = aurpay_api::clock::Clock::now(&*shop.client.clock());
    let id = new_reference(&now);
    let pool = shop.processor.store().pool();
    if let Err(e) = D::insert(pool, &id, &order.price.to_string(), &order.currency).await {
        return error(StatusCode::SERVICE_UNAVAILABLE, e);
    }
    let (Ok(paid), Ok(timeout)) = (shop.urls.paid(&id), shop.urls.timeout(&id)) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "bad callback URLs");
    };
    let price = order.price.with_json_form(JsonForm::Number);
    let client = &shop.client;
    let processor = &shop.processor;
    // Recorded before it is sent, sent at most once: the journal keeps it.
    let outcome = match order.method.as_str() {
        "hosted" => {
            let call = client.get_payment_url().body(
                types::PaymentUrlRequest::builder()
                    .currency(order.currency.clone())
                    .price(price)
                    .callback_url(paid)
                    .timeout_callback(timeout),
            );
            processor
                .submit(&id, call)
                .await
                .map(|i| (created(&i, |d| Some(d.pay_url.clone())), i.status))
        }
        "lightning" => {
            let call = client.create_bln_order().body(
                types::BlnOrderRequest::builder()
                    .currency(order.currency.clone())
                    .price(price)
                    .callback_url(paid)
                    .timeout_callback(timeout),
            );
            processor.submit(&id, call).await.map(|i| {
                (
                    created(&i, |d| d.pay_url.clone().or(d.payment_request.clone())),
                    i.status,
                )
            })
        }
        _ => {
            let call = client.get_payment_info().body(
                types::PaymentInfoRequest::builder()
                    .chain(order.chain.clone().unwrap_or_default())
                    .currency(order.crypto.clone().unwrap_or_default())
                    .vs_currency(order.currency.clone())
                    .vs_price(price)
                    .callback_url(paid)
                    .timeout_callback(timeout),
            );
            processor.submit(&id, call).await.map(|i| {
                (
                    created(&i, |d| d.pay_url.clone().or(d.address.clone())),
                    i.status,
                )
            })
        }
    };
    let ((pay_url, status), intent_status) = match outcome {
        Ok(outcome) => outcome,
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e),
    };
    if let IntentStatus::NotApplied { reason } = intent_status {
        return error(StatusCode::BAD_GATEWAY, reason);
    }
    let aurpay_order_id = processor.order_of(&id).await.ok().flatten();
    (
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "aurpay_order_id": aurpay_order_id,
            "pay_url": pay_url,
            "status": status,
        })),
    )
        .into_response()
}

async fn get_order<D: ShopDb>(State(app): State<App<D>>, Path(id): Path<String>) -> Response {
    let shop = &app.shop;
    let row = match D::get(shop.processor.store().pool(), &id).await {
        Ok(Some(row)) => row,
        Ok(None) => return error(StatusCode::NOT_FOUND, "no such order"),
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e),
    };
    let (state, fulfilled) = row;
    let intent = shop.processor.intent(&id).await.ok().flatten();
    let status = match (state, intent.map(|i| i.status)) {
        (Some(state), _) => state,
        (None, Some(IntentStatus::Applied)) => "awaiting_payment".to_owned(),
        (None, Some(IntentStatus::NotApplied { .. })) => "not_created".to_owned(),
        (None, _) => "creation_uncertain".to_owned(),
    };
    let aurpay_order_id = shop.processor.order_of(&id).await.ok().flatten();
    Json(json!({
        "id": id,
        "aurpay_order_id": aurpay_order_id,
        "status": status,
        "fulfilled": fulfilled,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct NewRefund {
    /// The shop's own id for the refund: submitting it twice refunds once.
    refund_id: String,
    address: String,
    amount: Option<Amount>,
}

fn intent_json<T>(intent: &Intent<T>) -> Value {
    let status = match &intent.status {
        IntentStatus::Sending | IntentStatus::Unknown => "uncertain",
        IntentStatus::Applied => "refunded",
        IntentStatus::NotApplied { .. } => "not_refunded",
        IntentStatus::Ambiguous { .. } => "needs_review",
        _ => "uncertain",
    };
    json!({ "refund_id": intent.reference, "status": status, "transaction": intent.evidence })
}

async fn refund<D: ShopDb>(
    State(app): State<App<D>>,
    Path(id): Path<String>,
    Json(refund): Json<NewRefund>,
) -> Response {
    let shop = &app.shop;
    let Ok(Some(aurpay_order_id)) = shop.processor.order_of(&id).await else {
        return error(StatusCode::CONFLICT, "the order is not created (yet)");
    };
    let mut body = types::RefundRequest::builder().address(refund.address);
    if let Some(amount) = refund.amount {
        body = body.amount(amount);
    }
    let call = shop
        .client
        .orders_refund()
        .order_id(aurpay_order_id)
        .body(body);
    match shop.processor.submit(&refund.refund_id, call).await {
        Ok(intent) => (StatusCode::CREATED, Json(intent_json(&intent))).into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e),
    }
}

async fn get_refund<D: ShopDb>(State(app): State<App<D>>, Path(id): Path<String>) -> Response {
    match app.shop.processor.intent(&id).await {
        Ok(Some(intent)) => Json(intent_json(&intent)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such refund"),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e),
    }
}

async fn callback<D: ShopDb>(
    State(app): State<App<D>>,
    callback: Result<VerifiedCallback, CallbackRejection>,
) -> Response {
    let callback = match callback {
        Ok(callback) => callback,
        Err(rejection) => return rejection.into_response(),
    };
    // In its own task: if Aurpay disconnects, hyper drops this future; the
    // transaction would roll back (nothing lost), but the work is done
    // anyway.
    let shop = Arc::clone(&app.shop);
    let processed = tokio::spawn(async move {
        shop.processor
            .process_callback_in_transaction(&callback, |connection, change| {
                Box::pin(async move { D::apply(connection, &change).await })
            })
            .await
    })
    .await;
    match processed {
        Ok(outcome) => outcome.into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "retry later\n").into_response(),
    }
}

/// Reconciliation, for ever: what callbacks missed, and every money call
/// whose outcome was unknown.
async fn reconcile_forever<D: ShopDb>(shop: Arc<Shop<D>>) {
    let clock = shop.client.clock();
    // On start, look back a day: whatever a dead process missed.
    let mut since = clock.now().earlier_by(reconcile::DEFAULT_HORIZON);
    for number in 1u64.. {
        let pass = reconcile::changed_since(shop.client.get_orders(), since.clone());
        let outcome = shop
            .processor
            .reconcile_in_transaction(pass, |connection, change| {
                Box::pin(async move { D::apply(connection, &change).await })
            })
            .await;
        match outcome {
            Ok(report) => {
                for intent in &report.intents {
                    println!(
                        "shop: intent {} is now {:?} ({:?})",
                        intent.reference, intent.status, intent.evidence
                    );
                }
                if !report.applied.is_empty() {
                    println!(
                        "shop: reconciliation applied {} change(s)",
                        report.applied.len()
                    );
                }
                since = report.next_since;
            }
            Err(e) => eprintln!("shop: reconciliation failed, will retry: {e}"),
        }
        println!("shop: pass {number} done");
        clock.sleep(shop.every).await;
    }
}

/// Serves the shop on `listener` until the process ends.
pub async fn serve<D: ShopDb>(
    listener: tokio::net::TcpListener,
    shop: Shop<D>,
    callbacks: Arc<CallbackConfig>,
) -> std::io::Result<()> {
    let shop = Arc::new(shop);
    tokio::spawn(reconcile_forever(Arc::clone(&shop)));
    let app = axum::Router::new()
        .route("/orders", axum::routing::post(create_order::<D>))
        .route("/orders/{id}", axum::routing::get(get_order::<D>))
        .route("/orders/{id}/refunds", axum::routing::post(refund::<D>))
        .route("/refunds/{id}", axum::routing::get(get_refund::<D>))
        .route("/aurpay/callback", axum::routing::any(callback::<D>))
        .with_state(App { shop, callbacks });
    axum::serve(listener, app).await
}
