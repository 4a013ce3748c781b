//! The `aurpay` command (feature `cli`; `cargo install aurpay-api --features
//! cli`): every operation of the spec as a subcommand, the standalone
//! sandbox and its controls, and the callbacks Aurpay would send delivered
//! to a local receiver.
//!
//! * `aurpay get-orders --paginate`, `aurpay get-payment-info --chain ETH
//!   ...`: each operation (names from the spec's operationIds), its
//!   parameters and body fields as flags or `--body @file.json`, answered
//!   with `data` as JSON, amounts exactly as Aurpay sent them (or
//!   `--output table`). Credentials come from the environment, as for
//!   [`Client::from_env`](crate::Client::from_env). Calls that move money
//!   say so in `--help` and are never retried.
//! * `aurpay sandbox [--examples]` runs the [sandbox](crate::sandbox);
//!   `aurpay sandbox pay ORDER_ID` and the other subcommands drive a
//!   running one over its HTTP controls.
//! * `aurpay listen --forward-to http://127.0.0.1:4242` polls the account
//!   for paid and timed-out orders and delivers the callback Aurpay would
//!   send, signed with the merchant's callback credentials, journaled so
//!   it is delivered once; `aurpay callback replay --since 10m` delivers
//!   them again.
//! * `aurpay callback send|verify|register` and `aurpay completions`.
//!
//! Exit codes: 0 done, 1 a check did not pass, 2 usage error, and one per
//! [`Outcome`](crate::Outcome) of a failed API call: 3 not sent, 4
//! refused, 5 unknown (Aurpay may have acted), 6 applied.
//!
//! The binary is `fn main() -> ExitCode { aurpay_api::cli::main() }`;
//! [`run`] takes the arguments instead of reading the process's:
//!
//! ```
//! use std::process::ExitCode;
//! assert_eq!(aurpay_api::cli::run(["aurpay", "--version"]), ExitCode::SUCCESS);
//! assert_eq!(aurpay_api::cli::run(["aurpay", "no-such-command"]), ExitCode::from(2));
//! ```

mod callbacks;
mod deliver;
mod failure;
mod flags;
mod journal;
mod listen;
pub(crate) mod operations;
mod output;
mod sandbox;
mod sandbox_controls;
mod settings;
mod subcommand;
mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::ArgMatches;

pub(crate) use failure::Failure;
use failure::{EXIT_CODES, Exit};
pub(crate) use settings::Settings;

use crate::generated_cli::{COMMANDS, ORDER_LISTING_COMMAND, TRANSACTION_LISTING_COMMAND};

const ABOUT: &str = "Aurpay from the command line: every API operation, the sandbox, and callbacks delivered to localhost";

const START: &str = "\
Start here:
  aurpay sandbox --examples          # a fake Aurpay: prints its URL and keys
  export AURPAY_BASE_URL=http://127.0.0.1:PORT AURPAY_API_KEY=KEY
  aurpay get-orders --paginate -o table            # any operation
  aurpay listen --forward-to http://127.0.0.1:4242  # callbacks to you

Credentials come from the environment: AURPAY_API_KEY, or
AURPAY_API_TOKEN and AURPAY_API_SECRET (and AURPAY_SIGNATURE_ALGORITHM:
HMAC-SHA256 or HMAC-SHA3_256); AURPAY_BASE_URL (default
https://dashboard.aurpay.net); for callbacks AURPAY_CALLBACK_TOKEN and
AURPAY_CALLBACK_SECRET.";

/// The whole command tree.
fn command() -> clap::Command {
    let mut command = clap::Command::new("aurpay")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .after_help(START)
        .after_long_help(format!("{START}\n\n{EXIT_CODES}"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(settings::global_args());
    for operation in &COMMANDS {
        command = command.subcommand(operation.subcommand());
    }
    command
        .subcommand(sandbox::subcommand())
        .subcommand(listen::subcommand())
        .subcommand(callbacks::subcommand())
        .subcommand(
            clap::Command::new("completions")
                .about("Print shell completions")
                .arg(
                    clap::Arg::new("shell")
                        .required(true)
                        .value_parser(["bash", "zsh", "fish", "elvish", "powershell"]),
                )
                .after_help(
                    "Example:\n  aurpay completions bash > ~/.local/share/bash-completion/completions/aurpay",
                ),
        )
}

/// Runs the command on the process's arguments.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     aurpay_api::cli::main()
/// }
/// ```
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

/// Runs the command on `args` (the first is the program's name), printing
/// to stdout and stderr, and returns its exit code.
///
/// ```
/// use std::process::ExitCode;
/// // Completions for fish, on stdout.
/// assert_eq!(aurpay_api::cli::run(["aurpay", "completions", "fish"]), ExitCode::SUCCESS);
/// // A money call with a body field that is not a decimal: a usage error,
/// // nothing sent.
/// let code = aurpay_api::cli::run([
///     "aurpay", "create-bln-order", "--price", "twenty", "--currency", "USD",
/// ]);
/// assert_eq!(code, ExitCode::from(2));
/// ```
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(Exit::Usage.code()));
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(Exit::Failed.code());
        }
    };
    let result = runtime.block_on(dispatch(&matches));
    // Deliveries and servers still running are not waited for.
    runtime.shutdown_background();
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(failure) => {
            report(&failure);
            ExitCode::from(failure.exit().code())
        }
    }
}

/// Prints a failure: what went wrong, then what its outcome means; for an
/// applied call, the raw `data` on stdout (it may hold the new order's id).
fn report(failure: &Failure) {
    eprintln!("error: {failure}");
    if let Failure::Api(error) = failure {
        eprintln!(
            "{}",
            failure::advice(error, ORDER_LISTING_COMMAND, TRANSACTION_LISTING_COMMAND)
        );
        if let Some(data) = error.data() {
            println!("{data:#}");
        }
    }
}

async fn dispatch(matches: &ArgMatches) -> Result<Exit, Failure> {
    let settings = Settings::from_matches(matches)?;
    let Some((name, sub)) = matches.subcommand() else {
        return Err(Failure::usage("no command given: aurpay --help"));
    };
    if let Some(index) = COMMANDS.iter().position(|c| c.name == name) {
        let input = operations::Input {
            command: &COMMANDS[index],
            matches: sub,
            settings: &settings,
        };
        crate::generated_cli::send(index, &input).await?;
        return Ok(Exit::Success);
    }
    match name {
        "sandbox" => sandbox::run(sub, &settings).await,
        "listen" => listen::run(sub, &settings).await,
        "callback" => callbacks::run(sub, &settings).await,
        "completions" => {
            let shell = sub.get_one::<String>("shell").map(String::as_str);
            completions(shell.unwrap_or_default())
        }
        other => Err(Failure::usage(format!("no command {other}"))),
    }
}

fn completions(shell: &str) -> Result<Exit, Failure> {
    use clap_complete::Shell;
    let shell = match shell {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        "elvish" => Shell::Elvish,
        "powershell" => Shell::PowerShell,
        other => return Err(Failure::usage(format!("no completions for {other}"))),
    };
    clap_complete::generate(shell, &mut command(), "aurpay", &mut std::io::stdout());
    Ok(Exit::Success)
}
