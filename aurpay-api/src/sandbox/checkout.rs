//! The hosted checkout page: what the buyer sees at an order's `pay_url`.
//!
//! Aurpay's `pay_url` has the form `{base}/#/cashier/{order_id}`; the
//! fragment never reaches a server, so `GET /` answers a small page whose
//! inline script moves the browser to `/__sandbox/checkout/{order_id}` (it
//! also lists the link for a browser without JavaScript). That page is plain
//! HTML with inline CSS and four forms, so it works without JavaScript and
//! loads nothing from outside the sandbox:
//!
//! * pay in full, pay partially or overpay (amounts in the order's crypto
//!   currency), each as [`Sandbox::pay`](super::Sandbox::pay) does it, firing
//!   the paid callback; a full or over-payment then redirects the browser to
//!   the order's `succeed_url`; or pay and leave the payment waiting for
//!   confirmations, then confirm it;
//! * let it expire, as [`Sandbox::expire`](super::Sandbox::expire) does,
//!   firing the timeout callback and redirecting to `timeout_url`; pay an
//!   expired order late;
//! * as the merchant: resolve an expired order's underpayment, or
//!   terminate an order.
//!
//! The actions are `POST /__sandbox/checkout/{order_id}/pay` (form fields
//! `payment` = `full` | `partial` | `overpaid`, `amount` for the last two,
//! and `confirmations` = `waiting` to leave it unconfirmed) and
//! `POST /__sandbox/checkout/{order_id}/{confirm|expire|resolve|terminate}`,
//! described in `spec/sandbox.yaml`. Each stage of the table in
//! [`payments`](super::payments) is one button.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use rust_decimal::Decimal;

use super::model::{Order, OrderKind, Shared};
use super::payments::{Confirmations, Payment};
use crate::{Amount, OrderStatus};

/// Answers the checkout routes; `None` for any other path.
pub(crate) fn handle(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Option<Response> {
    if path == "/" && method == Method::GET {
        return Some(html(StatusCode::OK, cashier_shell()));
    }
    let rest = path.strip_prefix("/__sandbox/checkout/")?;
    let (order_id, action) = match rest.split_once('/') {
        Some((id, action)) => (id, Some(action)),
        None => (rest, None),
    };
    let order = shared.lock().orders.get(order_id).cloned();
    let Some(order) = order else {
        return Some(html(
            StatusCode::NOT_FOUND,
            page(
                "Order not found",
                &format!("<p>No order {}.</p>", escape(order_id)),
            ),
        ));
    };
    Some(match (method, action) {
        (&Method::GET, None) => html(StatusCode::OK, checkout_page(shared, &order, None)),
        (&Method::POST, Some("pay")) => pay(shared, &order, body),
        (&Method::POST, Some(stage @ ("confirm" | "expire" | "resolve" | "terminate"))) => {
            let done = match stage {
                "confirm" => shared.confirm(&order.order_id),
                "resolve" => shared.resolve(&order.order_id),
                "terminate" => shared.terminate(&order.order_id),
                _ => shared.expire(&order.order_id),
            };
            match done {
                Ok(status) if status.is_paid() => {
                    redirect_or_page(shared, &order.order_id, order.succeed_url.as_deref())
                }
                Ok(OrderStatus::Overdue | OrderStatus::Terminated) => {
                    redirect_or_page(shared, &order.order_id, order.timeout_url.as_deref())
                }
                Ok(_) => see_other(&format!("/__sandbox/checkout/{}", order.order_id)),
                Err(e) => html(
                    StatusCode::CONFLICT,
                    checkout_page(shared, &order, Some(&e.to_string())),
                ),
            }
        }
        _ => html(
            StatusCode::METHOD_NOT_ALLOWED,
            page("Not allowed", "<p>Use the page's buttons.</p>"),
        ),
    })
}

fn pay(shared: &Arc<Shared>, order: &Order, body: &[u8]) -> Response {
    let form = form_fields(body);
    let field = |name: &str| {
        form.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let amount = field("amount").and_then(|a| a.parse::<Amount>().ok());
    let payment = match (field("payment").as_deref(), amount) {
        (Some("full"), _) => Payment::Full,
        (Some("partial"), Some(amount)) => Payment::Partial(amount),
        (Some("overpaid"), Some(amount)) => Payment::Overpaid(amount),
        _ => {
            return html(
                StatusCode::BAD_REQUEST,
                checkout_page(shared, order, Some("Choose a payment and a valid amount.")),
            );
        }
    };
    let confirmations = match field("confirmations").as_deref() {
        Some("waiting") => Confirmations::Waiting,
        _ => Confirmations::Confirmed,
    };
    match shared.pay(&order.order_id, payment, confirmations) {
        Ok(status) if status.is_paid() => {
            redirect_or_page(shared, &order.order_id, order.succeed_url.as_deref())
        }
        // Partly paid: back to the page, which shows what is still due.
        Ok(_) => see_other(&format!("/__sandbox/checkout/{}", order.order_id)),
        Err(e) => html(
            StatusCode::CONFLICT,
            checkout_page(shared, order, Some(&e.to_string())),
        ),
    }
}

/// To the merchant's page when it is an http(s) URL, else the order's page.
fn redirect_or_page(shared: &Arc<Shared>, order_id: &str, target: Option<&str>) -> Response {
    // Only an http(s) URL that is a valid header value (no control or
    // non-ASCII characters) is followed; anything else shows the page.
    let location = target
        .filter(|url| is_web_url(url) && url.bytes().all(|b| b.is_ascii_graphic()))
        .and_then(|url| axum::http::HeaderValue::from_str(url).ok());
    match location {
        Some(location) => Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header("location", location)
            .body(Body::empty())
            .unwrap_or_default(),
        None => {
            let order = shared.lock().orders.get(order_id).cloned();
            match order {
                Some(order) => html(StatusCode::OK, checkout_page(shared, &order, None)),
                None => see_other("/"),
            }
        }
    }
}

/// `http://` or `https://`, in any case.
fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header("location", location)
        .body(Body::empty())
        .unwrap_or_default()
}

fn html(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        // Nothing but the page itself: no script or style from elsewhere.
        .header(
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action *; img-src 'self'",
        )
        .body(Body::from(body))
        .unwrap_or_default()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn page(title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Aurpay sandbox</title><style>{STYLE}</style></head>\
         <body><main><p class=\"brand\">Aurpay sandbox checkout</p>{main}</main></body></html>\n",
        title = escape(title)
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;color:#1d2330}\
main{max-width:32rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:12px;\
box-shadow:0 2px 10px #0002}.brand{color:#6b7280;font-size:.85rem;margin:0}\
h1{font-size:1.4rem}.due{font-size:2rem;font-weight:700;margin:.2rem 0}\
code{word-break:break-all;background:#f1f2f4;padding:.2rem .35rem;border-radius:4px}\
form{margin:.6rem 0;display:flex;gap:.5rem}input{flex:1;padding:.45rem}\
button{padding:.5rem .9rem;border:0;border-radius:6px;background:#2f5bea;color:#fff;cursor:pointer}\
button.secondary{background:#6b7280}.note{color:#b42318}dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}\
dt{color:#6b7280}dd{margin:0}";

/// The page at `/`: moves `#/cashier/{id}` to the checkout page.
fn cashier_shell() -> String {
    page(
        "Cashier",
        "<h1>Cashier</h1><p id=\"where\">Open the order's checkout page: \
         <code>/__sandbox/checkout/&lt;order id&gt;</code>.</p>\
         <script>(function(){var m=/^#\\/cashier\\/([0-9A-Za-z_-]+)/.exec(location.hash);\
         if(m){location.replace('/__sandbox/checkout/'+m[1]);}})();</script>",
    )
}

fn checkout_page(shared: &Shared, order: &Order, note: Option<&str>) -> String {
    let paid_so_far = order.obtained.unwrap_or_default();
    let due = (order.amount - paid_so_far - order.unconfirmed).max(Decimal::ZERO);
    let open = order.is_open();
    let currency = escape(&order.currency);
    let mut main = String::new();
    let _ = write!(
        main,
        "<h1>Order {id}</h1><p>Status: <strong id=\"status\">{status}</strong></p>",
        id = escape(&order.order_id),
        status = escape(order.status.as_str()),
    );
    if let Some(note) = note {
        let _ = write!(
            main,
            "<p class=\"note\" role=\"alert\">{}</p>",
            escape(note)
        );
    }
    if open {
        let _ = write!(
            main,
            "<p>Pay</p><p class=\"due\" id=\"due\">{due} {currency}</p>",
        );
    }
    let _ = write!(
        main,
        "<dl><dt>Price</dt><dd>{price} {fiat}</dd><dt>Amount</dt><dd>{amount} {currency}</dd>\
         <dt>Received</dt><dd id=\"received\">{paid_so_far} {currency}</dd>\
         <dt>Waiting for confirmations</dt><dd id=\"unconfirmed\">{unconfirmed} {currency}</dd>",
        price = order.vs_price,
        fiat = escape(&order.vs_currency),
        amount = order.amount,
        unconfirmed = order.unconfirmed,
    );
    match (&order.kind, &order.payment_request) {
        (OrderKind::Lightning, Some(invoice)) => {
            let _ = write!(
                main,
                "<dt>Lightning invoice</dt><dd><code id=\"invoice\">{}</code></dd>",
                escape(invoice)
            );
        }
        _ => {
            let _ = write!(
                main,
                "<dt>Chain</dt><dd>{}</dd><dt>Address</dt><dd><code id=\"address\">{}</code></dd>",
                escape(&order.chain),
                escape(&order.address)
            );
        }
    }
    if open {
        let left = order
            .expires_at
            .duration_since(&shared.clock.now())
            .map_or(0, |d| d.as_secs());
        let _ = write!(
            main,
            "<dt>Time left</dt><dd id=\"time-left\">{:02}:{:02}</dd>",
            left / 60,
            left % 60
        );
    }
    main.push_str("</dl>");
    if open {
        let id = escape(&order.order_id);
        let partial = (due / Decimal::TWO).round_dp(8).normalize();
        let over = (due * Decimal::new(11, 1)).round_dp(8).normalize();
        let _ = write!(
            main,
            "<form method=\"post\" action=\"/__sandbox/checkout/{id}/pay\">\
             <input type=\"hidden\" name=\"payment\" value=\"full\">\
             <button id=\"pay-full\" type=\"submit\">Pay {due} {currency}</button></form>\
             <form method=\"post\" action=\"/__sandbox/checkout/{id}/pay\">\
             <input type=\"hidden\" name=\"payment\" value=\"partial\">\
             <input name=\"amount\" aria-label=\"Partial amount\" value=\"{partial}\">\
             <button id=\"pay-partial\" type=\"submit\">Pay partially</button></form>\
             <form method=\"post\" action=\"/__sandbox/checkout/{id}/pay\">\
             <input type=\"hidden\" name=\"payment\" value=\"overpaid\">\
             <input name=\"amount\" aria-label=\"Overpaid amount\" value=\"{over}\">\
             <button id=\"overpay\" type=\"submit\">Overpay</button></form>\
             <form method=\"post\" action=\"/__sandbox/checkout/{id}/pay\">\
             <input type=\"hidden\" name=\"payment\" value=\"full\">\
             <input type=\"hidden\" name=\"confirmations\" value=\"waiting\">\
             <button id=\"pay-unconfirmed\" type=\"submit\">Pay, not yet confirmed</button></form>\
             <form method=\"post\" action=\"/__sandbox/checkout/{id}/expire\">\
             <button id=\"expire\" class=\"secondary\" type=\"submit\">Let it expire</button></form>"
        );
    }
    let id = escape(&order.order_id);
    let button = |action: &str, label: &str| {
        format!(
            "<form method=\"post\" action=\"/__sandbox/checkout/{id}/{action}\">\
             <button id=\"{action}\" class=\"secondary\" type=\"submit\">{label}</button></form>"
        )
    };
    if order.unconfirmed > Decimal::ZERO {
        main.push_str(&button("confirm", "Confirm the payment (the chain)"));
    }
    if order.status == OrderStatus::Overdue {
        let _ = write!(
            main,
            "<form method=\"post\" action=\"/__sandbox/checkout/{id}/pay\">\
             <input type=\"hidden\" name=\"payment\" value=\"full\">\
             <button id=\"pay-late\" type=\"submit\">Pay {due} {currency} late</button></form>"
        );
        if paid_so_far > Decimal::ZERO {
            main.push_str(&button("resolve", "Resolve the underpayment (merchant)"));
        }
    }
    if open || order.status == OrderStatus::Overdue {
        main.push_str(&button("terminate", "Terminate the order (merchant)"));
    }
    if !open {
        let back = if order.status.is_paid() || order.status == OrderStatus::Refunded {
            order.succeed_url.as_deref()
        } else {
            order.timeout_url.as_deref()
        };
        if let Some(url) = back.filter(|u| is_web_url(u)) {
            let _ = write!(
                main,
                "<p><a id=\"back\" href=\"{}\">Back to the shop</a></p>",
                escape(url)
            );
        }
    }
    page(&format!("Order {}", order.order_id), &main)
}

/// `application/x-www-form-urlencoded` fields of a form post; a malformed
/// field is skipped.
fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((
                super::route::percent_decode(name).ok()?,
                super::route::percent_decode(value).ok()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn reads_form_fields() {
        assert_eq!(
            form_fields(b"payment=partial&amount=0.5&x=%41+b"),
            [
                ("payment".into(), "partial".into()),
                ("amount".into(), "0.5".into()),
                ("x".into(), "A b".into())
            ]
        );
    }
}
