//! What went wrong in a command, and the exit code a script reads it by:
//! one per [`Outcome`] of an API call, one for usage errors, one for a
//! check that did not pass.

use std::fmt;

use crate::{Error, Outcome};

/// The command's exit codes. Stable: scripts branch on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Done.
    Success = 0,
    /// A check did not pass: a callback that does not verify, a receiver
    /// that did not answer 200, a sandbox that could not start.
    Failed = 1,
    /// The command line is wrong (clap's own code for usage errors).
    Usage = 2,
    /// [`Outcome::NotSent`]: nothing reached Aurpay.
    NotSent = 3,
    /// [`Outcome::Refused`]: Aurpay refused; nothing happened.
    Refused = 4,
    /// [`Outcome::Unknown`]: Aurpay may have acted.
    Unknown = 5,
    /// [`Outcome::Applied`]: Aurpay acted, its answer could not be read.
    Applied = 6,
}

impl Exit {
    /// The process exit code.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// For an API error, the code of its outcome.
    pub(crate) fn of(outcome: Outcome) -> Exit {
        match outcome {
            Outcome::NotSent => Exit::NotSent,
            Outcome::Refused => Exit::Refused,
            Outcome::Unknown => Exit::Unknown,
            Outcome::Applied => Exit::Applied,
        }
    }
}

/// The exit codes, as `--help` lists them.
pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  a check did not pass (a callback not verified or not accepted)
  2  usage error
  3  not sent: nothing reached Aurpay; safe to retry
  4  refused: Aurpay refused; nothing happened
  5  unknown: Aurpay may have acted (timeout, lost connection, 5xx);
     for a call that moves money, look it up before retrying
  6  applied: Aurpay acted, its answer could not be read;
     never repeat a call that moves money";

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A wrong command line or input file.
    Usage(String),
    /// An API call failed; its outcome says whether Aurpay acted.
    Api(Error),
    /// A check did not pass, or something local failed.
    Failed(String),
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure::Usage(message.into())
    }

    pub(crate) fn failed(message: impl Into<String>) -> Failure {
        Failure::Failed(message.into())
    }

    pub(crate) fn exit(&self) -> Exit {
        match self {
            Failure::Usage(_) => Exit::Usage,
            Failure::Api(error) => Exit::of(error.outcome()),
            Failure::Failed(_) => Exit::Failed,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Api(error)
    }
}

/// What a person must know about an API error's outcome before doing
/// anything else, for the listing commands `orders` and `transactions`
/// (the subcommands where what a money call made would appear).
pub(crate) fn advice(error: &Error, orders: Option<&str>, transactions: Option<&str>) -> String {
    let look = |what: &str, command: Option<&str>| match command {
        Some(command) => format!("{what}: look it up (`aurpay {command}`) before retrying"),
        None => format!("{what}: look it up before retrying"),
    };
    match (error.outcome(), error.moves_money()) {
        (Outcome::NotSent, _) => "not sent: nothing reached Aurpay; safe to retry".to_owned(),
        (Outcome::Refused, _) => "refused: Aurpay refused the request; nothing happened".to_owned(),
        (Outcome::Unknown, true) => {
            let creates_order = error
                .operation()
                .and_then(crate::Operation::find)
                .and_then(|op| op.intent)
                .is_some_and(|intent| intent.evidence == crate::intent::spec::Evidence::Orders);
            if creates_order {
                format!(
                    "unknown outcome: {}",
                    look("Aurpay may have created this order", orders)
                )
            } else {
                format!(
                    "unknown outcome: {}",
                    look("Aurpay may have moved these funds", transactions)
                )
            }
        }
        (Outcome::Unknown, false) => {
            "unknown outcome: no definite answer (a read: safe to retry)".to_owned()
        }
        (Outcome::Applied, true) => {
            "applied: Aurpay acted but its answer could not be read; do not repeat this call"
                .to_owned()
        }
        (Outcome::Applied, false) => {
            "applied: Aurpay answered success in an unexpected shape".to_owned()
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) | Failure::Failed(message) => f.write_str(message),
            Failure::Api(error) => write!(f, "{error}"),
        }
    }
}
