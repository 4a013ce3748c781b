//! `aurpay callback send|verify|replay|register`: one signed callback to a
//! URL; why a received callback does (not) verify; the journaled
//! deliveries again; an order's callback URLs for `aurpay listen`.

use std::io::Read as _;
use std::sync::Arc;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};

use super::deliver::{Callback, Forwarder};
use super::failure::Exit;
use super::flags::{parse_duration, policy, policy_args};
use super::journal::{DeliveryRecord, Event, Journal, KnownOrder};
use super::verify::{Hints, explain};
use super::{Failure, Settings};
use crate::callback::CallbackRequest;

/// The largest captured request or body read.
const MAX_REQUEST_BYTES: u64 = 1024 * 1024;

fn event_arg() -> Arg {
    Arg::new("event")
        .long("event")
        .required(true)
        .value_parser(["paid", "timeout"])
        .help("The paid or the timed-out callback")
}

pub(crate) fn subcommand() -> Command {
    Command::new("callback")
        .about("Send, verify, replay or register callbacks")
        .subcommand_required(true)
        .subcommand(
            Command::new("send")
                .about("Send one signed callback for an order to a URL, as Aurpay would")
                .after_help("Example:\n  aurpay callback send 20240806071926377966 --event paid \\\n    --url 'http://127.0.0.1:4242/aurpay/callback?ref=cart-1&event=paid'")
                .arg(Arg::new("order_id").required(true).value_name("ORDER_ID"))
                .arg(event_arg())
                .arg(Arg::new("url").long("url").required(true).value_name("URL").help("The callback URL to call (it is what is signed)"))
                .arg(Arg::new("post").long("post").action(ArgAction::SetTrue).help("POST with the order as body (read from the API, or --body)"))
                .arg(Arg::new("body").long("body").value_name("JSON|@FILE|-").requires("post").help("The POST body instead of the order from the API"))
                .args(policy_args()),
        )
        .subcommand(
            Command::new("verify")
                .about("Say whether a callback verifies, and if not why")
                .long_about(
                    "Checks a callback with AURPAY_CALLBACK_TOKEN and AURPAY_CALLBACK_SECRET: the token, \
                     the Signature over `Date | URL`, and the Date's freshness. For a bad signature it \
                     tries the same URL with another scheme, host, port (from the Host and X-Forwarded-* \
                     headers and --try-host/--try-port), query order or trailing slash, and names the \
                     one that matches: what a reverse proxy produces.",
                )
                .after_help(
                    "Example:\n  aurpay callback verify --url 'https://shop.example/cb?ref=1&event=paid' \\\n    \
                     --header 'Callback-Token: ...' --header 'Date: 2025-02-07T04:00:00Z' --header 'Signature: ...'\n  \
                     aurpay callback verify --request captured.http",
                )
                .arg(Arg::new("url").long("url").value_name("URL").help("The full URL the callback was sent to (default: from --request's Host)"))
                .arg(Arg::new("method").long("method").value_name("METHOD").default_value("GET"))
                .arg(Arg::new("header").long("header").short('H').value_name("NAME: VALUE").action(ArgAction::Append).help("A request header (repeat)"))
                .arg(Arg::new("body").long("body").value_name("JSON|@FILE|-").help("The request body"))
                .arg(Arg::new("request").long("request").value_name("FILE|-").help("A captured HTTP request: request line, headers, blank line, body"))
                .arg(Arg::new("scheme").long("scheme").value_name("SCHEME").default_value("http").value_parser(["http", "https"]).help("With --request and no --url: the scheme of the rebuilt URL"))
                .arg(Arg::new("freshness").long("freshness").value_name("DURATION").default_value("5m").help("How far Date may be from now, either way (0s: any)"))
                .arg(Arg::new("try_host").long("try-host").value_name("HOST").action(ArgAction::Append).help("Another host the URL may have had"))
                .arg(Arg::new("try_port").long("try-port").value_name("PORT").action(ArgAction::Append).value_parser(clap::value_parser!(u16)).help("Another port the URL may have had")),
        )
        .subcommand(
            Command::new("replay")
                .about("Deliver the journaled callbacks of a recent window again")
                .after_help("Example:\n  aurpay callback replay --since 10m")
                .arg(Arg::new("since").long("since").required(true).value_name("DURATION").help("Deliveries journaled this long ago or later"))
                .arg(Arg::new("forward_to").long("forward-to").value_name("URL").help("Where to (default: where each went)"))
                .arg(Arg::new("order_id").long("order").value_name("ORDER_ID").help("Only this order's"))
                .args(policy_args()),
        )
        .subcommand(
            Command::new("register")
                .about("Record an order's callback URLs for `aurpay listen` (orders created elsewhere)")
                .after_help("Example:\n  aurpay callback register 20240806071926377966 \\\n    --paid-url 'https://shop.example/cb?ref=cart-1&event=paid' --timeout-url 'https://shop.example/cb?ref=cart-1&event=timeout'")
                .arg(Arg::new("order_id").required(true).value_name("ORDER_ID"))
                .arg(Arg::new("paid_url").long("paid-url").value_name("URL").required_unless_present("timeout_url"))
                .arg(Arg::new("timeout_url").long("timeout-url").value_name("URL"))
                .arg(Arg::new("post").long("post").action(ArgAction::SetTrue).help("Its callbacks are POST (enable_post_callback)")),
        )
}

pub(crate) async fn run(matches: &ArgMatches, settings: &Settings) -> Result<Exit, Failure> {
    match matches.subcommand() {
        Some(("send", sub)) => send(sub, settings).await,
        Some(("verify", sub)) => verify(sub, settings),
        Some(("replay", sub)) => replay(sub, settings).await,
        Some(("register", sub)) => register(sub, settings),
        _ => Err(Failure::usage(
            "aurpay callback send|verify|replay|register",
        )),
    }
}

fn text<'m>(matches: &'m ArgMatches, id: &str) -> Option<&'m str> {
    matches
        .try_get_one::<String>(id)
        .ok()
        .flatten()
        .map(String::as_str)
}

fn event(matches: &ArgMatches) -> Event {
    match text(matches, "event") {
        Some("timeout") => Event::Timeout,
        _ => Event::Paid,
    }
}

fn read_limited(source: &str, what: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    let read = match source {
        "-" => std::io::stdin()
            .take(MAX_REQUEST_BYTES + 1)
            .read_to_end(&mut bytes),
        path => {
            let path = path.strip_prefix('@').unwrap_or(path);
            std::fs::File::open(path)
                .and_then(|f| f.take(MAX_REQUEST_BYTES + 1).read_to_end(&mut bytes))
        }
    };
    read.map_err(|e| Failure::usage(format!("{what} {source}: {e}")))?;
    if bytes.len() as u64 > MAX_REQUEST_BYTES {
        return Err(Failure::usage(format!(
            "{what}: more than {MAX_REQUEST_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

/// A body argument: `-`, `@FILE`, or the text itself.
fn body_arg(source: &str) -> Result<Vec<u8>, Failure> {
    if source == "-" || source.starts_with('@') {
        read_limited(source, "--body")
    } else {
        Ok(source.as_bytes().to_vec())
    }
}

fn print_attempt(attempt: &super::deliver::Attempt<'_>) {
    println!("{attempt}");
}

async fn send(matches: &ArgMatches, settings: &Settings) -> Result<Exit, Failure> {
    let order_id = text(matches, "order_id").unwrap_or_default().to_owned();
    let url = text(matches, "url").unwrap_or_default().to_owned();
    let target = super::deliver::parse_target(&url)?;
    let body = match (matches.get_flag("post"), text(matches, "body")) {
        (false, _) => None,
        (true, Some(source)) => Some(String::from_utf8_lossy(&body_arg(source)?).into_owned()),
        (true, None) => Some(super::listen::order_body(&settings.client(true)?, &order_id).await?),
    };
    let forwarder = Forwarder::new(
        target.clone(),
        settings.callback_signer()?,
        Arc::clone(&settings.clock),
        policy(matches)?,
    )?;
    let callback = Callback {
        order_id,
        event: event(matches),
        url,
        body,
    };
    let delivered = forwarder.deliver(&callback, &target, print_attempt).await;
    Ok(if delivered.accepted() {
        Exit::Success
    } else {
        Exit::Failed
    })
}

/// A captured request: `METHOD TARGET HTTP/x`, headers, a blank line, the
/// body.
struct Captured {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn parse_captured(bytes: &[u8]) -> Result<Captured, Failure> {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| (at, 4))
        .or_else(|| {
            bytes
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|at| (at, 2))
        });
    let (head, body) = match split {
        Some((at, gap)) => (&bytes[..at], bytes[at + gap..].to_vec()),
        None => (bytes, Vec::new()),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let first = lines.next().unwrap_or_default();
    let mut words = first.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Err(Failure::usage(
            "--request: the first line is not `METHOD TARGET HTTP/1.1`",
        ));
    };
    let headers = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    Ok(Captured {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body,
    })
}

fn verify(matches: &ArgMatches, settings: &Settings) -> Result<Exit, Failure> {
    let captured = text(matches, "request")
        .map(|source| read_limited(source, "--request").and_then(|b| parse_captured(&b)))
        .transpose()?;
    let mut header_pairs: Vec<(String, String)> = captured
        .as_ref()
        .map(|c| c.headers.clone())
        .unwrap_or_default();
    for header in matches.get_many::<String>("header").into_iter().flatten() {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| Failure::usage(format!("--header {header:?} is not `Name: value`")))?;
        header_pairs.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut headers = http::HeaderMap::new();
    for (name, value) in &header_pairs {
        let name = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Failure::usage(format!("{name:?} is not a header name")))?;
        let value = http::HeaderValue::from_str(value)
            .map_err(|_| Failure::usage(format!("the value of {name} is not a header value")))?;
        headers.append(name, value);
    }
    let url = match (text(matches, "url"), &captured) {
        (Some(url), _) => url.to_owned(),
        (None, Some(captured)) if captured.target.contains("://") => captured.target.clone(),
        (None, Some(captured)) => {
            let host = headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .ok_or_else(|| Failure::usage("--request has no Host header: give --url"))?;
            format!(
                "{}://{host}{}",
                text(matches, "scheme").unwrap_or("http"),
                captured.target
            )
        }
        (None, None) => return Err(Failure::usage("give --url, or --request")),
    };
    let method = match (&captured, matches.value_source("method")) {
        (Some(captured), Some(clap::parser::ValueSource::DefaultValue)) => captured.method.clone(),
        _ => text(matches, "method").unwrap_or("GET").to_owned(),
    };
    let body = match (text(matches, "body"), captured) {
        (Some(source), _) => body_arg(source)?,
        (None, Some(captured)) => captured.body,
        (None, None) => Vec::new(),
    };
    let freshness = parse_duration(text(matches, "freshness").unwrap_or("5m"))?;
    let mut verifier = settings.callback_verifier()?;
    let window = (freshness > Duration::ZERO).then_some(freshness);
    verifier = match window {
        Some(window) => verifier.freshness(window),
        None => verifier.without_freshness(),
    };
    let mut hints = Hints::from_headers(&headers);
    for host in matches.get_many::<String>("try_host").into_iter().flatten() {
        hints.add_host(host);
    }
    hints
        .ports
        .extend(matches.get_many::<u16>("try_port").into_iter().flatten());
    let request = CallbackRequest::new(&method, &url, &headers, &body);
    let (verified, lines) = explain(
        &verifier,
        &settings.callback_signer()?,
        window,
        &request,
        &hints,
    );
    for line in lines {
        println!("{line}");
    }
    Ok(if verified {
        Exit::Success
    } else {
        Exit::Failed
    })
}

async fn replay(matches: &ArgMatches, settings: &Settings) -> Result<Exit, Failure> {
    let since = parse_duration(text(matches, "since").unwrap_or_default())?;
    let override_target = text(matches, "forward_to")
        .map(super::deliver::parse_target)
        .transpose()?;
    let only = text(matches, "order_id");
    let signer = settings.callback_signer()?;
    let policy = policy(matches)?;
    let mut journal = Journal::open(&settings.journal, &settings.api())?;
    let from = settings.clock.now().earlier_by(since);
    let chosen: Vec<DeliveryRecord> = journal
        .deliveries_since(&from)
        .into_iter()
        .filter(|d| !d.replay && only.is_none_or(|o| o == d.order_id))
        .cloned()
        .collect();
    println!(
        "replaying {} deliveries journaled since {from} (journal {})",
        chosen.len(),
        journal.path().display()
    );
    let mut refused = 0;
    for record in chosen {
        let target = match &override_target {
            Some(target) => target.clone(),
            None => super::deliver::parse_target(&record.sent_to)?,
        };
        let forwarder = Forwarder::new(
            target,
            signer.clone(),
            Arc::clone(&settings.clock),
            policy.clone(),
        )?;
        let to = forwarder.rewrite(&record.url)?;
        let callback = Callback {
            order_id: record.order_id.clone(),
            event: record.event,
            url: record.url.clone(),
            body: record.body.clone(),
        };
        let delivered = forwarder.deliver(&callback, &to, print_attempt).await;
        if !delivered.accepted() {
            refused += 1;
        }
        journal.record_delivery(
            settings.clock.now(),
            DeliveryRecord {
                sent_to: delivered.sent_to,
                answer: delivered.answer,
                error: delivered.error,
                attempts: delivered.attempts,
                replay: true,
                ..record
            },
        )?;
    }
    Ok(if refused == 0 {
        Exit::Success
    } else {
        Exit::Failed
    })
}

fn register(matches: &ArgMatches, settings: &Settings) -> Result<Exit, Failure> {
    let order = KnownOrder {
        order_id: text(matches, "order_id").unwrap_or_default().to_owned(),
        paid_url: text(matches, "paid_url").map(str::to_owned),
        timeout_url: text(matches, "timeout_url").map(str::to_owned),
        post: matches.get_flag("post"),
    };
    for url in [&order.paid_url, &order.timeout_url].into_iter().flatten() {
        reqwest::Url::parse(url)
            .map_err(|e| Failure::usage(format!("{url:?} is not a URL: {e}")))?;
    }
    let mut journal = Journal::open(&settings.journal, &settings.api())?;
    journal.record_order(settings.clock.now(), order.clone())?;
    println!(
        "registered order={} in {} for {}",
        order.order_id,
        journal.path().display(),
        settings.api()
    );
    Ok(Exit::Success)
}
