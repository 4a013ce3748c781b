//! The sandbox's controls over HTTP, for clients in other languages: the
//! same as [`Sandbox`](super::Sandbox)'s methods, described in
//! `spec/sandbox.yaml` (generate a client from it). Every answer is an
//! Aurpay-style envelope; a refused control has a non-zero `code` from
//! [`codes`](super::codes).
//!
//! | control | does |
//! |---|---|
//! | `POST /__sandbox/pay/{order_id}?payment=full\|partial\|overpaid&amount=X&confirmations=confirmed\|waiting` | [`Sandbox::pay`](super::Sandbox::pay), [`Sandbox::pay_unconfirmed`](super::Sandbox::pay_unconfirmed) |
//! | `POST /__sandbox/confirm/{order_id}` | [`Sandbox::confirm`](super::Sandbox::confirm) |
//! | `POST /__sandbox/expire/{order_id}` | [`Sandbox::expire`](super::Sandbox::expire) |
//! | `POST /__sandbox/resolve/{order_id}` | [`Sandbox::resolve`](super::Sandbox::resolve) |
//! | `POST /__sandbox/terminate/{order_id}` | [`Sandbox::terminate`](super::Sandbox::terminate) |
//! | `GET /__sandbox/clock`, `POST /__sandbox/clock/advance?seconds=N` | the sandbox's time; [`Sandbox::advance`](super::Sandbox::advance) (a sandbox started with a manual clock) |
//! | `POST /__sandbox/report/{order_id}?status=S&amount=X&form=number\|string` | [`Sandbox::report_status`](super::Sandbox::report_status), [`Sandbox::report_amount`](super::Sandbox::report_amount) |
//! | `POST /__sandbox/faults/{operation_id}?fault=..&times=N` | [`Sandbox::inject`](super::Sandbox::inject) |
//! | `POST /__sandbox/faults/clear` | [`Sandbox::clear_faults`](super::Sandbox::clear_faults) |
//! | `POST /__sandbox/callbacks/redeliver/{order_id}?event=paid\|timeout` | [`Sandbox::redeliver`](super::Sandbox::redeliver) |
//! | `POST /__sandbox/callbacks/hold`, `POST /__sandbox/callbacks/release?order=in-order\|reversed` | hold and release |
//! | `POST /__sandbox/callbacks/fault?fault=drop\|duplicate\|delay&delay_ms=N&times=N`, `POST /__sandbox/callbacks/clear` | callback faults |
//! | `GET /__sandbox/deliveries` | [`Sandbox::deliveries`](super::Sandbox::deliveries) |
//! | `GET /__sandbox/calls` | [`Sandbox::calls`](super::Sandbox::calls), for every operation |

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::codes;
use super::delivery::{CallbackFault, Release};
use super::errors::SandboxError;
use super::faults::{Fault, Repeat};
use super::model::Shared;
use super::payments::{Confirmations, Payment};
use super::route::{Failure, Request};
use crate::{Amount, Operation};

const DELAY_MS: &str = r#"{"type":"integer","minimum":0,"maximum":60000}"#;
const TIMES: &str = r#"{"type":"integer","minimum":0,"maximum":1000000}"#;
const ERROR_STATUS: &str = r#"{"type":"integer","minimum":400,"maximum":599}"#;
const AMOUNT: &str = r#"{"type":"string","pattern":"^-?[0-9]+(\\.[0-9]+)?$"}"#;
const ANY: &str = "{}";
const STATUS: &str = r#"{"type":"string","minLength":1,"maxLength":64}"#;
const SECONDS: &str = r#"{"type":"integer","minimum":0,"maximum":31536000}"#;

/// Runs the control at `rest` (the path after `/__sandbox/`).
pub(crate) fn run(
    shared: &Arc<Shared>,
    method: &str,
    rest: &str,
    request: &Request<'_>,
) -> Result<Value, Failure> {
    let segments: Vec<&str> = rest.split('/').collect();
    shared.expire_due();
    match (method, segments.as_slice()) {
        ("POST", ["pay", order_id]) => {
            request.only_query(&["payment", "amount", "confirmations"])?;
            let amount = request
                .optional_query::<String>("amount", AMOUNT)?
                .map(|a| a.parse::<Amount>())
                .transpose()
                .map_err(|_| Failure::bad_request("amount must be a decimal"))?;
            let kind = request.optional_query::<String>("payment", ANY)?;
            let payment = match (kind.as_deref(), amount) {
                (None | Some("full"), None) => Payment::Full,
                (Some("partial"), Some(amount)) => Payment::Partial(amount),
                (Some("overpaid"), Some(amount)) => Payment::Overpaid(amount),
                _ => {
                    return Err(Failure::bad_request(
                        "payment is full (no amount), or partial or overpaid with an amount",
                    ));
                }
            };
            let confirmations = match request
                .optional_query::<String>("confirmations", ANY)?
                .as_deref()
            {
                None | Some("confirmed") => Confirmations::Confirmed,
                Some("waiting") => Confirmations::Waiting,
                Some(_) => {
                    return Err(Failure::bad_request(
                        "confirmations is confirmed or waiting",
                    ));
                }
            };
            let status = shared
                .pay(order_id, payment, confirmations)
                .map_err(refused)?;
            Ok(json!({"order_id": order_id, "status": status}))
        }
        (
            "POST",
            [
                stage @ ("confirm" | "resolve" | "terminate" | "expire"),
                order_id,
            ],
        ) => {
            request.only_query(&[])?;
            let status = match *stage {
                "confirm" => shared.confirm(order_id),
                "resolve" => shared.resolve(order_id),
                "terminate" => shared.terminate(order_id),
                _ => shared.expire(order_id),
            }
            .map_err(refused)?;
            Ok(json!({"order_id": order_id, "status": status}))
        }
        ("GET", ["clock"]) => {
            request.only_query(&[])?;
            Ok(json!({"now": shared.clock.now(), "manual": shared.manual_clock.is_some()}))
        }
        ("POST", ["clock", "advance"]) => {
            request.only_query(&["seconds"])?;
            let seconds = request.required_query::<u64>("seconds", SECONDS)?;
            let Some(clock) = &shared.manual_clock else {
                return Err(Failure::new(
                    codes::INVALID_STATE,
                    "the sandbox runs on the system clock: start it with a manual clock to move time",
                ));
            };
            clock.advance(Duration::from_secs(seconds));
            shared.expire_due();
            Ok(json!({"now": shared.clock.now()}))
        }
        ("POST", ["report", order_id]) => {
            request.only_query(&["status", "amount", "form"])?;
            let status = request.optional_query::<String>("status", STATUS)?;
            if status.as_deref().is_some_and(|s| {
                !s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            }) {
                return Err(Failure::bad_request(
                    "status is upper-case letters, digits and underscores, as Aurpay writes them",
                ));
            }
            let status = status.map(|s| crate::OrderStatus::from(s.as_str()));
            let amount = request
                .optional_query::<String>("amount", AMOUNT)?
                .map(|a| a.parse::<Amount>())
                .transpose()
                .map_err(|_| Failure::bad_request("amount must be a decimal"))?;
            let amount = match (
                amount,
                request.optional_query::<String>("form", ANY)?.as_deref(),
            ) {
                (amount, None | Some("number")) => amount,
                (Some(amount), Some("string")) => {
                    Some(amount.with_json_form(crate::JsonForm::String))
                }
                _ => {
                    return Err(Failure::bad_request(
                        "form is number or string, and needs an amount",
                    ));
                }
            };
            if status.is_none() && amount.is_none() {
                return Err(Failure::bad_request("report a status, an amount, or both"));
            }
            shared.report(order_id, status, amount).map_err(refused)?;
            Ok(json!({"order_id": order_id}))
        }
        ("POST", ["faults", "clear"]) => {
            request.only_query(&[])?;
            shared.clear_faults();
            Ok(json!({}))
        }
        ("POST", ["faults", operation_id]) => {
            request.only_query(&["fault", "status", "code", "message", "delay_ms", "times"])?;
            let operation = Operation::all()
                .iter()
                .find(|op| op.id == *operation_id)
                .ok_or_else(|| Failure::bad_request(format!("no operation {operation_id}")))?;
            let delay = || -> Result<Duration, Failure> {
                Ok(Duration::from_millis(
                    request.required_query::<u64>("delay_ms", DELAY_MS)?,
                ))
            };
            let fault = match request.required_query::<String>("fault", ANY)?.as_str() {
                "latency" => Fault::Latency(delay()?),
                "stall" => Fault::Stall(delay()?),
                "http_status" => {
                    Fault::HttpStatus(request.required_query::<u16>("status", ERROR_STATUS)?)
                }
                "html_error" => {
                    Fault::HtmlError(request.required_query::<u16>("status", ERROR_STATUS)?)
                }
                "code" => Fault::Code(
                    request
                        .required_query::<i64>("code", r#"{"type":"integer"}"#)
                        .and_then(|code| {
                            if code == 0 {
                                Err(Failure::bad_request("an injected code is non-zero"))
                            } else {
                                Ok(code)
                            }
                        })?,
                    request
                        .optional_query::<String>("message", ANY)?
                        .unwrap_or_else(|| "injected".to_owned()),
                ),
                "drop_connection" => Fault::DropConnection,
                "reset" => Fault::Reset,
                "truncated" => Fault::Truncated,
                "garbled" => Fault::Garbled,
                "slow_body" => Fault::SlowBody(delay()?),
                other => return Err(Failure::bad_request(format!("no fault {other}"))),
            };
            shared.inject(operation.id, fault, repeat(request)?);
            Ok(json!({"operation_id": operation.id}))
        }
        ("POST", ["callbacks", "redeliver", order_id]) => {
            request.only_query(&["event"])?;
            let paid = match request.required_query::<String>("event", ANY)?.as_str() {
                "paid" => true,
                "timeout" => false,
                _ => return Err(Failure::bad_request("event is paid or timeout")),
            };
            shared.redeliver(order_id, paid).map_err(refused)?;
            Ok(json!({"order_id": order_id}))
        }
        ("POST", ["callbacks", "hold"]) => {
            request.only_query(&[])?;
            shared.hold_callbacks();
            Ok(json!({}))
        }
        ("POST", ["callbacks", "release"]) => {
            request.only_query(&["order"])?;
            let order = match request.optional_query::<String>("order", ANY)?.as_deref() {
                None | Some("in-order") => Release::InOrder,
                Some("reversed") => Release::Reversed,
                Some(_) => return Err(Failure::bad_request("order is in-order or reversed")),
            };
            shared.release_callbacks(order);
            Ok(json!({}))
        }
        ("POST", ["callbacks", "clear"]) => {
            request.only_query(&[])?;
            shared.clear_callback_faults();
            Ok(json!({}))
        }
        ("POST", ["callbacks", "fault"]) => {
            request.only_query(&["fault", "delay_ms", "times"])?;
            let fault = match request.required_query::<String>("fault", ANY)?.as_str() {
                "drop" => CallbackFault::Drop,
                "duplicate" => CallbackFault::Duplicate,
                "delay" => CallbackFault::Delay(Duration::from_millis(
                    request.required_query::<u64>("delay_ms", DELAY_MS)?,
                )),
                other => return Err(Failure::bad_request(format!("no callback fault {other}"))),
            };
            shared.inject_callback_fault(fault, repeat(request)?);
            Ok(json!({}))
        }
        ("GET", ["calls"]) => {
            request.only_query(&[])?;
            let calls = shared.lock().calls.clone();
            Ok(json!(calls))
        }
        ("GET", ["deliveries"]) => {
            request.only_query(&[])?;
            let deliveries: Vec<Value> = shared
                .deliveries()
                .into_iter()
                .map(|d| {
                    json!({
                        "order_id": d.order_id,
                        "event": if d.paid { "paid" } else { "timeout" },
                        "method": d.method,
                        "url": d.url,
                        "attempt": d.attempt,
                        "status": d.status,
                        "error": d.error,
                    })
                })
                .collect();
            Ok(Value::Array(deliveries))
        }
        _ => Err(Failure::no_route(format!(
            "no control {method} /__sandbox/{rest}"
        ))),
    }
}

/// `times=N` (N calls), or until cleared when absent.
fn repeat(request: &Request<'_>) -> Result<Repeat, Failure> {
    Ok(match request.optional_query::<u32>("times", TIMES)? {
        Some(n) => Repeat::Times(n),
        None => Repeat::UntilCleared,
    })
}

fn refused(error: SandboxError) -> Failure {
    let code = match &error {
        SandboxError::UnknownOrder(_) | SandboxError::NoSuchCallback(_) => codes::ORDER_NOT_FOUND,
        SandboxError::InvalidPayment { .. } => codes::AMOUNT_OUT_OF_RANGE,
        _ => codes::INVALID_STATE,
    };
    Failure::new(code, error.to_string())
}

#[cfg(test)]
mod tests {
    /// The schemas written here are JSON (one that did not parse would
    /// check nothing).
    #[test]
    fn control_schemas_parse() {
        for schema in [
            super::DELAY_MS,
            super::TIMES,
            super::ERROR_STATUS,
            super::AMOUNT,
            super::ANY,
            super::STATUS,
            super::SECONDS,
        ] {
            let value: serde_json::Value = serde_json::from_str(schema).expect(schema);
            assert!(value.is_object(), "{schema}");
        }
        let amount: serde_json::Value = serde_json::from_str(super::AMOUNT).unwrap();
        assert_eq!(amount["pattern"], r"^-?[0-9]+(\.[0-9]+)?$");
    }
}
