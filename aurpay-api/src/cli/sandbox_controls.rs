//! `aurpay sandbox <control>`: one control of a running sandbox over HTTP
//! (`/__sandbox/...`, `spec/sandbox.yaml`), through the SDK's raw requests
//! (bounded, no redirects), its answer printed like an operation's.

use clap::ArgMatches;

use super::failure::Exit;
use super::{Failure, Settings, output};

/// A path segment, percent-encoded (order ids are digits, but a typo must
/// not become another path).
fn segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The operation named on the command line (`get-orders` or `get_orders`).
fn operation_id(name: &str) -> Result<&'static str, Failure> {
    let id = name.replace('-', "_");
    crate::Operation::find(&id)
        .map(|op| op.id)
        .ok_or_else(|| Failure::usage(format!("no operation {name}")))
}

pub(crate) async fn drive(
    name: &str,
    sub: &ArgMatches,
    settings: &Settings,
) -> Result<Exit, Failure> {
    let text = |id: &str| sub.try_get_one::<String>(id).ok().flatten().cloned();
    let order = || segment(&text("order_id").unwrap_or_default());
    let mut query: Vec<(&str, String)> = Vec::new();
    let mut add = |key: &'static str, value: Option<String>| {
        if let Some(value) = value {
            query.push((key, value));
        }
    };
    let millis = |id: &str| -> Result<Option<String>, Failure> {
        text(id)
            .map(|d| super::flags::parse_duration(&d).map(|d| d.as_millis().to_string()))
            .transpose()
    };
    let times = sub
        .try_get_one::<u32>("times")
        .ok()
        .flatten()
        .map(u32::to_string);
    let (method, path) = match name {
        "pay" => {
            if let Some(amount) = text("partial") {
                add("payment", Some("partial".into()));
                add("amount", Some(amount));
            } else if let Some(amount) = text("overpaid") {
                add("payment", Some("overpaid".into()));
                add("amount", Some(amount));
            }
            if sub.get_flag("unconfirmed") {
                add("confirmations", Some("waiting".into()));
            }
            ("POST", format!("/__sandbox/pay/{}", order()))
        }
        "confirm" | "expire" | "resolve" | "terminate" => {
            ("POST", format!("/__sandbox/{name}/{}", order()))
        }
        "advance" => {
            let duration = super::flags::parse_duration(&text("duration").unwrap_or_default())?;
            add("seconds", Some(duration.as_secs().to_string()));
            ("POST", "/__sandbox/clock/advance".to_owned())
        }
        "clock" => ("GET", "/__sandbox/clock".to_owned()),
        "report" => {
            add("status", text("status"));
            add("amount", text("amount"));
            add("form", text("form"));
            ("POST", format!("/__sandbox/report/{}", order()))
        }
        "fault" => {
            let operation = operation_id(&text("operation").unwrap_or_default())?;
            add("fault", text("fault"));
            add("status", text("status"));
            add("code", text("code"));
            add("message", text("message"));
            add("delay_ms", millis("delay")?);
            add("times", times);
            ("POST", format!("/__sandbox/faults/{operation}"))
        }
        "clear-faults" => ("POST", "/__sandbox/faults/clear".to_owned()),
        "redeliver" => {
            add("event", text("event"));
            (
                "POST",
                format!("/__sandbox/callbacks/redeliver/{}", order()),
            )
        }
        "hold" => ("POST", "/__sandbox/callbacks/hold".to_owned()),
        "release" => {
            if sub.get_flag("reversed") {
                add("order", Some("reversed".into()));
            }
            ("POST", "/__sandbox/callbacks/release".to_owned())
        }
        "callback-fault" => {
            add("fault", text("fault"));
            add("delay_ms", millis("delay")?);
            add("times", times);
            ("POST", "/__sandbox/callbacks/fault".to_owned())
        }
        "clear-callback-faults" => ("POST", "/__sandbox/callbacks/clear".to_owned()),
        "deliveries" => ("GET", "/__sandbox/deliveries".to_owned()),
        "calls" => ("GET", "/__sandbox/calls".to_owned()),
        other => return Err(Failure::usage(format!("no sandbox control {other}"))),
    };
    let client = settings.sandbox_client()?;
    let mut request = client.raw(method, &path);
    for (key, value) in &query {
        request = request.query(key, value);
    }
    if method == "GET" {
        request = request.read_only();
    }
    let data: serde_json::Value = request.call().await?;
    let text = serde_json::to_string_pretty(&data)
        .map_err(|e| Failure::failed(format!("cannot print the answer: {e}")))?;
    output::print_data(&text, settings.format)?;
    Ok(Exit::Success)
}
