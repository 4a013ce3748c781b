//! `aurpay sandbox`: the standalone sandbox, and subcommands that drive a
//! running one through its HTTP controls (`spec/sandbox.yaml`,
//! `sandbox/controls.rs`), so a team without Rust can run and steer it.
//!
//! The server's first three lines on stdout are parsed by scripts
//! (`.ci/sandbox-lib.sh` and the other-language checks) and must not
//! change:
//!
//! ```text
//! sandbox http://127.0.0.1:PORT api-key KEY
//! callbacks token TOKEN secret SECRET
//! signature api-token TOKEN api-secret SECRET
//! ```

use std::io::IsTerminal as _;

use clap::{Arg, ArgAction, ArgMatches, Command};

use super::failure::Exit;
use super::{Failure, Settings, output};
use crate::clock::ManualClock;
use crate::sandbox::Sandbox;

fn order_id() -> Arg {
    Arg::new("order_id")
        .required(true)
        .value_name("ORDER_ID")
        .help("The order's id")
}

fn times() -> Arg {
    Arg::new("times")
        .long("times")
        .value_name("N")
        .value_parser(clap::value_parser!(u32))
        .help("For the next N calls (default: until cleared)")
}

fn delay() -> Arg {
    Arg::new("delay")
        .long("delay")
        .value_name("DURATION")
        .help("How long, e.g. 500ms, 3s")
}

fn control(name: &'static str, about: &'static str, example: &'static str) -> Command {
    Command::new(name)
        .about(about)
        .after_help(format!("Example:\n  {example}"))
}

pub(crate) fn subcommand() -> Command {
    Command::new("sandbox")
        .about("Run the sandbox (a fake Aurpay on 127.0.0.1), or drive a running one")
        .long_about(
            "Without a subcommand: runs the sandbox until Ctrl-C and prints its URL and \
             credentials. With one: drives the sandbox at --base-url (or AURPAY_BASE_URL) \
             through its HTTP controls.",
        )
        .after_help(
            "Example:\n  aurpay sandbox --examples\n  \
             AURPAY_BASE_URL=http://127.0.0.1:PORT aurpay sandbox pay 20240806071926377966",
        )
        .args_conflicts_with_subcommands(true)
        .arg(
            Arg::new("examples")
                .long("examples")
                .action(ArgAction::SetTrue)
                .help("Seed the spec's examples: every example request of the spec succeeds"),
        )
        .arg(
            Arg::new("listen")
                .long("listen")
                .value_name("ADDR")
                .env("AURPAY_SANDBOX_ADDR")
                .default_value("127.0.0.1:0")
                .help("Where to listen (port 0: any free port)"),
        )
        .arg(
            Arg::new("manual_clock")
                .long("manual-clock")
                .action(ArgAction::SetTrue)
                .help("Time moves only with `aurpay sandbox advance` (orders expire on it)"),
        )
        .subcommand(
            control(
                "pay",
                "Pay an order (in full, partly, or more than due)",
                "aurpay sandbox pay 20240806071926377966 --partial 0.0001",
            )
            .arg(order_id())
            .arg(
                Arg::new("partial")
                    .long("partial")
                    .value_name("AMOUNT")
                    .conflicts_with("overpaid")
                    .help("Pay this much, less than due (CRYPTO)"),
            )
            .arg(
                Arg::new("overpaid")
                    .long("overpaid")
                    .value_name("AMOUNT")
                    .help("Pay this much, more than due (CRYPTO)"),
            )
            .arg(
                Arg::new("unconfirmed")
                    .long("unconfirmed")
                    .action(ArgAction::SetTrue)
                    .help("Seen on chain, waiting for confirmations (then `confirm`)"),
            ),
        )
        .subcommand(
            control(
                "confirm",
                "Confirm an order's unconfirmed payments",
                "aurpay sandbox confirm ORDER_ID",
            )
            .arg(order_id()),
        )
        .subcommand(
            control(
                "expire",
                "Let an open order time out now (timeout callback)",
                "aurpay sandbox expire ORDER_ID",
            )
            .arg(order_id()),
        )
        .subcommand(
            control(
                "resolve",
                "Accept an expired order's underpayment (paid callback)",
                "aurpay sandbox resolve ORDER_ID",
            )
            .arg(order_id()),
        )
        .subcommand(
            control(
                "terminate",
                "End an unpaid order (timeout callback)",
                "aurpay sandbox terminate ORDER_ID",
            )
            .arg(order_id()),
        )
        .subcommand(
            control(
                "advance",
                "Move a --manual-clock sandbox's time forward",
                "aurpay sandbox advance 31m",
            )
            .arg(
                Arg::new("duration")
                    .required(true)
                    .value_name("DURATION")
                    .help("How far, e.g. 90s, 31m, 2h"),
            ),
        )
        .subcommand(control(
            "clock",
            "Show the sandbox's time",
            "aurpay sandbox clock",
        ))
        .subcommand(
            control(
                "report",
                "Make the API report a status or an amount for an order (no callback)",
                "aurpay sandbox report ORDER_ID --status CONFIRMING",
            )
            .arg(order_id())
            .arg(Arg::new("status").long("status").value_name("STATUS"))
            .arg(Arg::new("amount").long("amount").value_name("DECIMAL"))
            .arg(
                Arg::new("form")
                    .long("form")
                    .value_parser(["number", "string"])
                    .help("The amount's JSON form"),
            ),
        )
        .subcommand(
            control(
                "fault",
                "Inject a fault into an operation's answers",
                "aurpay sandbox fault get-orders http_status --status 503 --times 2",
            )
            .arg(
                Arg::new("operation")
                    .required(true)
                    .value_name("OPERATION")
                    .help("An operation, e.g. get-orders"),
            )
            .arg(Arg::new("fault").required(true).value_parser([
                "latency",
                "stall",
                "http_status",
                "html_error",
                "code",
                "drop_connection",
                "reset",
                "truncated",
                "garbled",
                "slow_body",
            ]))
            .arg(
                Arg::new("status")
                    .long("status")
                    .value_name("HTTP_STATUS")
                    .help("For http_status and html_error"),
            )
            .arg(
                Arg::new("code")
                    .long("code")
                    .value_name("CODE")
                    .help("For code: the envelope code"),
            )
            .arg(
                Arg::new("message")
                    .long("message")
                    .value_name("TEXT")
                    .help("For code: the message"),
            )
            .arg(delay())
            .arg(times()),
        )
        .subcommand(control(
            "clear-faults",
            "Clear every injected fault",
            "aurpay sandbox clear-faults",
        ))
        .subcommand(
            control(
                "redeliver",
                "Send an order's callback again",
                "aurpay sandbox redeliver ORDER_ID --event paid",
            )
            .arg(order_id())
            .arg(
                Arg::new("event")
                    .long("event")
                    .required(true)
                    .value_parser(["paid", "timeout"]),
            ),
        )
        .subcommand(control(
            "hold",
            "Hold callbacks until released",
            "aurpay sandbox hold",
        ))
        .subcommand(
            control(
                "release",
                "Send the held callbacks",
                "aurpay sandbox release --reversed",
            )
            .arg(
                Arg::new("reversed")
                    .long("reversed")
                    .action(ArgAction::SetTrue)
                    .help("Newest first"),
            ),
        )
        .subcommand(
            control(
                "callback-fault",
                "Drop, duplicate or delay the next callbacks",
                "aurpay sandbox callback-fault drop",
            )
            .arg(
                Arg::new("fault")
                    .required(true)
                    .value_parser(["drop", "duplicate", "delay"]),
            )
            .arg(delay())
            .arg(times()),
        )
        .subcommand(control(
            "clear-callback-faults",
            "Clear the callback faults",
            "aurpay sandbox clear-callback-faults",
        ))
        .subcommand(control(
            "deliveries",
            "List every callback delivery attempt",
            "aurpay sandbox deliveries --output table",
        ))
        .subcommand(control(
            "calls",
            "Count the requests each operation received",
            "aurpay sandbox calls",
        ))
}

pub(crate) async fn run(matches: &ArgMatches, settings: &Settings) -> Result<Exit, Failure> {
    match matches.subcommand() {
        None => serve(matches).await,
        Some((name, sub)) => super::sandbox_controls::drive(name, sub, settings).await,
    }
}

async fn serve(matches: &ArgMatches) -> Result<Exit, Failure> {
    let addr = matches
        .get_one::<String>("listen")
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let mut builder = Sandbox::builder().listen(addr.clone());
    if matches.get_flag("examples") {
        builder = builder.examples();
    }
    if matches.get_flag("manual_clock") {
        builder = builder.manual_clock(ManualClock::starting_now());
    }
    let sandbox = builder
        .start()
        .await
        .map_err(|e| Failure::failed(format!("cannot listen on {addr}: {e}")))?;
    let config = sandbox.config();
    output::write_stdout(&format!(
        "sandbox {} api-key {}\ncallbacks token {} secret {}\nsignature api-token {} api-secret {}\n",
        sandbox.base_url(),
        config.api_key,
        config.callback_token,
        config.callback_secret,
        config.api_token,
        config.api_secret
    ))?;
    if std::io::stderr().is_terminal() {
        eprintln!(
            "serving until Ctrl-C; drive it from another terminal with\n  \
             export AURPAY_BASE_URL={} AURPAY_API_KEY={}\n  aurpay sandbox --help",
            sandbox.base_url(),
            config.api_key
        );
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::failed(format!("cannot wait for Ctrl-C: {e}")))?;
    sandbox.stop();
    Ok(Exit::Success)
}
