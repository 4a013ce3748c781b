//! Receives Aurpay's callbacks and verifies them:
//! `cargo run -p aurpay-api --example callback_receiver`.
//!
//! * `AURPAY_CALLBACK_ADDR`: where to listen (default `127.0.0.1:8787`);
//! * `AURPAY_CALLBACK_TOKEN`, `AURPAY_CALLBACK_SECRET`: from the dashboard
//!   (Integration > Callback);
//! * `AURPAY_CALLBACK_PUBLIC_URL`: the base URL Aurpay calls (default
//!   `http://` + the listen address); the full URL Aurpay signed is rebuilt
//!   from it, since behind a proxy the request's own host is not that URL.
//!
//! Answers 200 to verified callbacks, 401 when verification fails, 400 to a
//! malformed POST body, and prints one line per callback. Register
//! `<public URL>/aurpay/paid?order_id=...` as `callback_url` and
//! `<public URL>/aurpay/timeout?order_id=...` as `timeout_callback`.

use std::process::ExitCode;

use aurpay_api::callback::{CallbackConfig, CallbackRejection, CallbackVerifier, VerifiedCallback};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The extractor verifies; taking its `Result` lets the handler print a line
/// for rejected callbacks too.
async fn receive(
    method: Method,
    uri: Uri,
    callback: Result<VerifiedCallback, CallbackRejection>,
) -> Response {
    let path = uri.path();
    match callback {
        Ok(callback) => {
            println!(
                "accepted {method} {path} kind={:?} order={} status={} key={}",
                callback.kind,
                callback.order_id.as_deref().unwrap_or("-"),
                callback.status.as_ref().map_or("-", |s| s.as_str()),
                callback.dedup_key().as_deref().unwrap_or("-"),
            );
            (StatusCode::OK, "ok\n").into_response()
        }
        Err(rejection) => {
            println!(
                "rejected {method} {path} status={} reason={}",
                rejection.0.status(),
                rejection.0
            );
            rejection.into_response()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let addr = env("AURPAY_CALLBACK_ADDR").unwrap_or_else(|| "127.0.0.1:8787".to_owned());
    let (Some(token), Some(secret)) = (env("AURPAY_CALLBACK_TOKEN"), env("AURPAY_CALLBACK_SECRET"))
    else {
        eprintln!("set AURPAY_CALLBACK_TOKEN and AURPAY_CALLBACK_SECRET");
        return ExitCode::FAILURE;
    };
    let public = env("AURPAY_CALLBACK_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}"));
    let public = public.trim_end_matches('/').to_owned();
    let verifier = match CallbackVerifier::new(token, secret) {
        Ok(v) => v
            .paid_url(&format!("{public}/aurpay/paid"))
            .timeout_url(&format!("{public}/aurpay/timeout")),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let config = CallbackConfig::new(verifier, public.clone());
    let app = axum::Router::new().fallback(receive).with_state(config);
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    println!("listening on {local}; callbacks verified against {public}");
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
