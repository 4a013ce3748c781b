//! The sandbox's HTTP side: routing from the generated operation table
//! (with the checkout page and the controls beside it), authentication
//! (`auth.rs`, its own verifier), and injected faults. The operations
//! themselves are answered in `handlers.rs`. `HEAD` on a `GET` operation is
//! answered as `GET` without the body.
//!
//! No line here names an operation: routes come from the generated table
//! (`Operation::all()`), so a path changed in the spec moves the sandbox
//! along, and the generated dispatch decodes each request for its handler.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::value::RawValue;

use super::auth::authenticate;
use super::codes;
use super::faults::Fault;
use super::handlers::Api;
use super::model::Shared;
use super::route::{self, Failure};
use crate::Operation;
use crate::generated_operations::server;

const MAX_BODY: usize = 1 << 20;
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(3);

pub(crate) fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(shared)
}

/// Aurpay's envelope as JSON text. `data` is already JSON text, so amounts
/// in number form keep their exact digits (a `serde_json::Value` would hold
/// them as `f64`).
fn envelope(code: i64, message: &str, data: Option<&RawValue>) -> String {
    #[derive(serde::Serialize)]
    struct Envelope<'a> {
        code: i64,
        message: &'a str,
        result: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<&'a RawValue>,
    }
    serde_json::to_string(&Envelope {
        code,
        message,
        result: code == 0,
        data,
    })
    .unwrap_or_default()
}

fn json_response(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

/// An Aurpay-style error: HTTP 200 with a non-zero `code`.
fn fail(code: i64, message: &str) -> Response {
    json_response(StatusCode::OK, envelope(code, message, None))
}

fn ok(data: &RawValue) -> Response {
    json_response(StatusCode::OK, envelope(0, "ok", Some(data)))
}

/// Matches a path against a template such as `/api/v2/order/detail/{order_id}`.
fn match_path<'a>(template: &str, path: &'a str) -> Option<Vec<&'a str>> {
    let mut params = Vec::new();
    let template_parts: Vec<&str> = template.split('/').collect();
    let path_parts: Vec<&str> = path.split('/').collect();
    if template_parts.len() != path_parts.len() {
        return None;
    }
    for (t, p) in template_parts.iter().zip(&path_parts) {
        if t.starts_with('{') && t.ends_with('}') {
            if p.is_empty() {
                return None;
            }
            params.push(*p);
        } else if t != p {
            return None;
        }
    }
    Some(params)
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // A body shorter than its Content-Length, or trickled, must not hold
    // the connection open: the read is bounded in time as well as size.
    let Ok(read) = tokio::time::timeout(BODY_READ_TIMEOUT, to_bytes(body, MAX_BODY)).await else {
        return fail(codes::BODY_TIMEOUT, "request body not received in time");
    };
    let Ok(body) = read else {
        return fail(
            codes::BODY_TOO_LARGE,
            "request body too large or broken off",
        );
    };
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    // Orders whose time has come expire before anything reads them.
    shared.expire_due();

    if let Some(response) = super::checkout::handle(&shared, &parts.method, &path, &body) {
        return response;
    }
    if let Some(rest) = path.strip_prefix("/__sandbox/") {
        let content_type = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        return match route::Request::new(Vec::new(), &query, content_type, &body).and_then(
            |request| super::controls::run(&shared, parts.method.as_str(), rest, &request),
        ) {
            Ok(data) => match serde_json::value::to_raw_value(&data) {
                Ok(raw) => ok(&raw),
                Err(e) => fail(500, &format!("sandbox could not encode its answer: {e}")),
            },
            Err(Failure {
                code,
                message,
                no_route: true,
            }) => json_response(StatusCode::NOT_FOUND, envelope(code, &message, None)),
            Err(Failure { code, message, .. }) => fail(code, &message),
        };
    }

    // HEAD is GET without the body (hyper leaves the body out).
    let method = if parts.method == Method::HEAD {
        "GET"
    } else {
        parts.method.as_str()
    };
    let Some((operation, params)) = Operation::all()
        .iter()
        .filter(|op| op.method == method)
        .find_map(|op| match_path(op.path, &path).map(|params| (op, params)))
    else {
        // A known path with another method is 405 with the methods it has.
        let allowed: Vec<&str> = Operation::all()
            .iter()
            .filter(|op| match_path(op.path, &path).is_some())
            .map(|op| op.method)
            .collect();
        if !allowed.is_empty() {
            let mut response = json_response(
                StatusCode::METHOD_NOT_ALLOWED,
                envelope(405, &format!("use {}", allowed.join(", ")), None),
            );
            if let Ok(value) = axum::http::HeaderValue::from_str(&allowed.join(", ")) {
                response
                    .headers_mut()
                    .insert(axum::http::header::ALLOW, value);
            }
            return response;
        }
        return json_response(
            StatusCode::NOT_FOUND,
            envelope(codes::NOT_FOUND, "no such endpoint", None),
        );
    };

    *shared.lock().calls.entry(operation.id).or_default() += 1;
    if operation.authenticated {
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or(path.as_str(), |p| p.as_str());
        if let Err(reason) = authenticate(
            &shared,
            parts.method.as_str(),
            path_and_query,
            &parts.headers,
            &body,
        ) {
            return fail(
                codes::UNAUTHORIZED,
                &format!("Please check whether the public key is correct ({reason})"),
            );
        }
    }

    let fault = shared.take_fault(operation.id);
    match &fault {
        // Before processing: a client that gives up first leaves nothing.
        Some(Fault::Stall(delay)) => tokio::time::sleep(*delay).await,
        Some(Fault::HttpStatus(status)) => {
            let status = error_status(*status);
            let message = status.canonical_reason().unwrap_or("error");
            return json_response(status, envelope(i64::from(status.as_u16()), message, None));
        }
        Some(Fault::HtmlError(status)) => return html_error(*status),
        Some(Fault::Code(code, message)) => return fail(*code, message),
        _ => {}
    }

    let content_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let answer = match route::Request::new(params, &query, content_type, &body)
        .and_then(|request| server::dispatch(&Api(&shared), operation, &request))
    {
        Ok(data) => envelope(0, "ok", Some(&data)),
        Err(Failure { code, message, .. }) => envelope(code, &message, None),
    };
    // Processed (dispatch is synchronous: nothing above could be dropped
    // half-way). A latency fault answers late, whatever the client does
    // meanwhile.
    if let Some(Fault::Latency(delay)) = &fault {
        tokio::time::sleep(*delay).await;
    }
    // The request has been processed; what reaches the client depends on
    // the fault.
    let bytes = Bytes::from(answer);
    let half = bytes.len() / 2;
    let broken = || {
        std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox: injected fault",
        )
    };
    let json = |body: Body| {
        Response::builder()
            .header("content-type", "application/json")
            .body(body)
            .unwrap_or_default()
    };
    match fault {
        Some(Fault::DropConnection) => json(Body::from_stream(half_then_break(
            bytes.slice(..half),
            broken(),
        ))),
        Some(Fault::Reset) => json(Body::from_stream(futures_util::stream::iter([Err::<
            Bytes,
            std::io::Error,
        >(
            broken()
        )]))),
        Some(Fault::Truncated) => Response::builder()
            .header("content-type", "application/json")
            .header("content-length", bytes.len())
            .body(Body::from_stream(half_then_break(
                bytes.slice(..half),
                broken(),
            )))
            .unwrap_or_default(),
        Some(Fault::Garbled) => {
            let mut garbled = bytes.to_vec();
            for byte in garbled.iter_mut().skip(half).step_by(3) {
                *byte = 0xFF;
            }
            json(Body::from(garbled))
        }
        Some(Fault::SlowBody(delay)) => {
            let rest = bytes.slice(half..);
            let first =
                futures_util::stream::iter([Ok::<Bytes, std::io::Error>(bytes.slice(..half))]);
            let later = futures_util::stream::once(async move {
                tokio::time::sleep(delay).await;
                Ok::<Bytes, std::io::Error>(rest)
            });
            json(Body::from_stream(futures_util::StreamExt::chain(
                first, later,
            )))
        }
        _ => json(Body::from(bytes)),
    }
}

/// A body that sends `first`, waits long enough for it to reach the client
/// (an error at once would make hyper drop the connection with nothing
/// written), then breaks with `error`.
fn half_then_break(
    first: Bytes,
    error: std::io::Error,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let first = futures_util::stream::iter([Ok::<Bytes, std::io::Error>(first)]);
    let then = futures_util::stream::once(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Err::<Bytes, std::io::Error>(error)
    });
    futures_util::StreamExt::chain(first, then)
}

/// An injected status as an error status: 400 to 599 as given, anything
/// else (1xx, 2xx, 3xx or not a status) as 500.
fn error_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status)
        .ok()
        .filter(|s| s.is_client_error() || s.is_server_error())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An error page as a CDN or load balancer sends it: HTML, not an envelope.
fn html_error(status: u16) -> Response {
    let status = error_status(status);
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(Body::from(format!(
            "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\n\
             <body><h1>{code} {reason}</h1><p>The upstream server did not answer.</p>\
             <hr><p>edge-proxy</p></body></html>\n"
        )))
        .unwrap_or_default()
}
