//! Receives Aurpay's callbacks, verifies them, binds each to the order it
//! is about through your own reference in the signed URL, and confirms the
//! order with the API: `cargo run -p aurpay-api --example callback_receiver`.
//!
//! * `AURPAY_CALLBACK_ADDR`: where to listen (default `127.0.0.1:8787`);
//! * `AURPAY_CALLBACK_TOKEN`, `AURPAY_CALLBACK_SECRET`: from the dashboard
//!   (Integration > Callback);
//! * `AURPAY_CALLBACK_PUBLIC_URL`: the base URL Aurpay calls (default
//!   `http://` + the listen address); the full URL Aurpay signed is rebuilt
//!   from it, since behind a proxy the request's own host is not that URL.
//!   Callbacks arrive on `<public URL>/aurpay/callback`.
//! * With API credentials (`AURPAY_API_KEY`, or `AURPAY_API_TOKEN` and
//!   `AURPAY_API_SECRET`; `AURPAY_BASE_URL`, for example the standalone
//!   sandbox) and `AURPAY_DEMO_ORDERS=1`, it first creates two orders with
//!   callback URLs built by `CallbackUrls`: a hosted checkout (`demo-get`,
//!   GET callbacks) and a direct order (`demo-post`, POST callbacks),
//!   storing each Aurpay order id under its reference, and prints them.
//!
//! For each callback: 401 when verification fails or the unsigned body
//! names another order than the signed reference, 400 for a malformed
//! request, 404 for a reference it does not know, otherwise 200 with one
//! printed line; with credentials the line carries the order's status as
//! the API reports it (the only status to act on).

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use aurpay_api::callback::{
    CallbackConfig, CallbackRejection, CallbackUrls, CallbackVerifier, VerifiedCallback,
};
use aurpay_api::{Amount, Client, types};
use axum::extract::{FromRef, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The receiver's state: what the extractor needs, the API client, and the
/// merchant's own store of reference -> Aurpay order id (a database in a
/// real shop).
#[derive(Clone)]
struct App {
    callbacks: Arc<CallbackConfig>,
    client: Option<Client>,
    orders: Arc<Mutex<HashMap<String, String>>>,
}

/// How the extractor finds its configuration in the application state.
impl FromRef<App> for Arc<CallbackConfig> {
    fn from_ref(app: &App) -> Self {
        Arc::clone(&app.callbacks)
    }
}

/// The extractor verifies; taking its `Result` lets the handler print a line
/// for rejected callbacks too.
async fn receive(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    callback: Result<VerifiedCallback, CallbackRejection>,
) -> Response {
    let path = uri.path();
    let callback = match callback {
        Ok(callback) => callback,
        Err(rejection) => {
            println!(
                "rejected {method} {path} status={} reason={}",
                rejection.0.http_status(),
                rejection.0
            );
            return rejection.into_response();
        }
    };
    let stored = callback
        .reference()
        .and_then(|reference| app.orders.lock().unwrap().get(reference).cloned());
    let summary = format!(
        "{method} {path} event={:?} ref={}",
        callback.event(),
        callback.reference().unwrap_or("-")
    );
    let Some(client) = &app.client else {
        // Verify-only mode: no API client to confirm the order with.
        println!("accepted {summary} (verify-only: no API credentials)");
        return (StatusCode::OK, "ok\n").into_response();
    };
    let bound = match callback.bind(stored.as_deref()) {
        Ok(bound) => bound,
        Err(rejection) => {
            println!(
                "rejected {summary} status={} reason={rejection}",
                rejection.http_status()
            );
            return CallbackRejection(rejection).into_response();
        }
    };
    match bound.fetch_order(client).await {
        Ok(order) => {
            println!(
                "accepted {summary} order={} api_status={} paid={}",
                bound.order_id(),
                order.status,
                order.status.is_paid()
            );
            (StatusCode::OK, "ok\n").into_response()
        }
        Err(error) => {
            // Not confirmed: answer an error so that Aurpay retries.
            println!("deferred {summary} order={}: {error}", bound.order_id());
            (StatusCode::SERVICE_UNAVAILABLE, "retry later\n").into_response()
        }
    }
}

/// Creates the two demo orders and stores their ids under their references.
async fn create_demo_orders(
    client: &Client,
    urls: &CallbackUrls,
    orders: &Mutex<HashMap<String, String>>,
) -> Result<(), String> {
    let url = |r: Result<String, aurpay_api::Error>| r.map_err(|e| e.to_string());
    let hosted = client
        .get_payment_url()
        .body(
            types::PaymentUrlRequest::builder()
                .currency("USD")
                .price(Amount::from(25))
                .callback_url(Some(url(urls.paid("demo-get"))?))
                .timeout_callback(Some(url(urls.timeout("demo-get"))?)),
        )
        .call()
        .await
        .map_err(|e| e.to_string())?;
    let hosted_id = hosted
        .order_id()
        .ok_or("the pay_url names no order")?
        .to_owned();
    println!(
        "created demo-get order={hosted_id} pay_url={}",
        hosted.pay_url
    );
    orders.lock().unwrap().insert("demo-get".into(), hosted_id);

    let direct = client
        .get_payment_info()
        .body(
            types::PaymentInfoRequest::builder()
                .chain("ETH")
                .currency("USDT-ERC20")
                .vs_currency("USD")
                .vs_price(Amount::from(40))
                .callback_url(Some(url(urls.paid("demo-post"))?))
                .timeout_callback(Some(url(urls.timeout("demo-post"))?))
                .enable_post_callback(Some(true)),
        )
        .call()
        .await
        .map_err(|e| e.to_string())?;
    println!("created demo-post order={}", direct.order_id);
    orders
        .lock()
        .unwrap()
        .insert("demo-post".into(), direct.order_id);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let addr = env("AURPAY_CALLBACK_ADDR").unwrap_or_else(|| "127.0.0.1:8787".to_owned());
    let (Some(token), Some(secret)) = (env("AURPAY_CALLBACK_TOKEN"), env("AURPAY_CALLBACK_SECRET"))
    else {
        eprintln!("set AURPAY_CALLBACK_TOKEN and AURPAY_CALLBACK_SECRET");
        return ExitCode::FAILURE;
    };
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    let public = env("AURPAY_CALLBACK_PUBLIC_URL").unwrap_or_else(|| format!("http://{local}"));
    let public = public.trim_end_matches('/').to_owned();
    let setup = CallbackUrls::new(&format!("{public}/aurpay/callback")).and_then(|urls| {
        let verifier = CallbackVerifier::new(token, secret)?.callback_urls(&urls);
        Ok((urls, verifier))
    });
    let (urls, verifier) = match setup {
        Ok(setup) => setup,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let client = if env("AURPAY_API_KEY").is_some() || env("AURPAY_API_TOKEN").is_some() {
        match Client::from_env() {
            Ok(client) => Some(client),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let app = App {
        callbacks: CallbackConfig::new(verifier, public.clone()),
        client,
        orders: Arc::default(),
    };
    println!("listening on {local}; callbacks verified against {public}/aurpay/callback");
    if let (Some(client), Some(_)) = (&app.client, env("AURPAY_DEMO_ORDERS"))
        && let Err(e) = create_demo_orders(client, &urls, &app.orders).await
    {
        eprintln!("cannot create the demo orders: {e}");
        return ExitCode::FAILURE;
    }
    let router = axum::Router::new().fallback(receive).with_state(app);
    match axum::serve(listener, router).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
