//! The one error type of the SDK, and the question every error answers:
//! did Aurpay act?

mod kind;
mod outcome;

use std::fmt;

pub use kind::{ErrorKind, MAX_ERROR_TEXT_CHARS};
pub use outcome::Outcome;

use crate::redact;

/// Everything that can go wrong, with the answer to "did Aurpay act?".
///
/// * [`Error::kind`]: what went wrong, to match on;
/// * [`Error::outcome`]: whether Aurpay acted (the table on [`Outcome`]);
/// * [`Error::is_retryable`]: whether trying the same call again later is
///   both safe (it cannot duplicate an effect) and likely to help;
/// * [`Error::operation`], [`Error::http_status`], [`Error::code`]: context.
///
/// `Display`, `Debug` and the text fields of [`ErrorKind`] never carry a
/// configured secret or the call's request signature (in any of the forms
/// a server may echo it in: as is, JSON- or percent-escaped), nor a header
/// map.
///
/// ```
/// use aurpay_api::{Error, Outcome};
///
/// fn after_create_order(result: Result<(), Error>) {
///     match result {
///         Ok(()) => {}
///         Err(e) if e.outcome() == Outcome::Unknown => {
///             // Sent, no definite answer: the order may exist. Look it up
///             // (get_orders) before creating it again.
///         }
///         Err(e) if e.outcome() == Outcome::Applied => {
///             // Created, but the answer was not the documented shape.
///             let raw_order_id = e.data().and_then(|d| d.get("order_id"));
///         }
///         Err(e) => eprintln!("not created ({}): {e}", e.outcome()),
///     }
/// }
/// ```
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    operation: Option<&'static str>,
    moves_money: bool,
    data: Option<serde_json::Value>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of this kind for an operation. `moves_money` decides
    /// whether it is safe to retry.
    pub(crate) fn new(kind: ErrorKind, operation: &'static str, moves_money: bool) -> Self {
        Error(Box::new(Inner {
            kind: kind.masked(&[]),
            operation: Some(operation),
            moves_money,
            data: None,
            source: None,
        }))
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            kind: ErrorKind::Config {
                message: redact::text(&message.into()),
            },
            operation: None,
            moves_money: false,
            data: None,
            source: None,
        }))
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_data(mut self, data: serde_json::Value) -> Self {
        self.0.data = Some(data);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// Whether Aurpay acted on the request (see the table on [`Outcome`]).
    pub fn outcome(&self) -> Outcome {
        match &self.0.kind {
            ErrorKind::InvalidRequest { .. }
            | ErrorKind::Config { .. }
            | ErrorKind::NotConnected { .. } => Outcome::NotSent,
            ErrorKind::Authentication { .. } | ErrorKind::RateLimited { .. } => Outcome::Refused,
            ErrorKind::Api { status, code, .. } if *status < 500 && *code != 0 => Outcome::Refused,
            ErrorKind::UnexpectedData { .. } => Outcome::Applied,
            ErrorKind::Api { .. }
            | ErrorKind::Http { .. }
            | ErrorKind::Redirect { .. }
            | ErrorKind::Timeout { .. }
            | ErrorKind::ConnectionLost { .. }
            | ErrorKind::ResponseTooLarge { .. }
            | ErrorKind::Undecodable { .. }
            | ErrorKind::Ambiguous { .. } => Outcome::Unknown,
        }
    }

    /// Whether sending the same request again cannot duplicate an effect:
    /// always for read calls; for calls that move money, only when nothing
    /// was sent or Aurpay refused it.
    pub(crate) fn is_safe_to_retry(&self) -> bool {
        !self.0.moves_money || matches!(self.outcome(), Outcome::NotSent | Outcome::Refused)
    }

    /// Whether trying the same call again later is both safe (for a call
    /// that moves money: nothing was sent, or Aurpay refused it) and likely
    /// to help:
    /// a transient failure (a timeout, a lost or refused connection, HTTP
    /// 5xx or an answer that could not be read, rate limiting). An invalid
    /// request, rejected credentials or a definite refusal will fail the
    /// same way again, and a call that moves money with an unknown outcome
    /// must be reconciled first, so neither is retryable.
    ///
    /// The SDK has already retried read calls as far as its
    /// [`RetryPolicy`](crate::RetryPolicy) allows; this is for the
    /// caller's next step (a job queue's retry, or answering 503 to a
    /// callback so Aurpay delivers it again).
    ///
    /// ```
    /// use aurpay_api::{sandbox::{Fault, Repeat, Sandbox}, Operation};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sandbox = Sandbox::builder().start().await?;
    /// sandbox.inject(Operation::GET_ORDERS, Fault::HttpStatus(503), Repeat::UntilCleared);
    /// let error = sandbox.client()?.get_orders().call().await.unwrap_err();
    /// assert!(error.is_retryable());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_retryable(&self) -> bool {
        if !self.is_safe_to_retry() {
            return false;
        }
        match &self.0.kind {
            ErrorKind::RateLimited { .. }
            | ErrorKind::Timeout { .. }
            | ErrorKind::NotConnected { .. }
            | ErrorKind::ConnectionLost { .. }
            | ErrorKind::Undecodable { .. }
            | ErrorKind::Ambiguous { .. }
            | ErrorKind::ResponseTooLarge { .. } => true,
            ErrorKind::Api { status, .. } | ErrorKind::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Whether Aurpay said the thing asked for does not exist: HTTP 404, or
    /// an error envelope with `code` 404. Aurpay publishes no error-code
    /// table; that it answers a missing order with code 404, as it answers
    /// a missing key with code 401, is INFERRED (the sandbox does).
    pub fn is_not_found(&self) -> bool {
        matches!(&self.0.kind, ErrorKind::Api { code: 404, .. }) || self.http_status() == Some(404)
    }

    /// Whether the credentials were rejected (HTTP 401/403 or envelope
    /// `code` 401): fix the configuration, retrying will not help.
    pub fn is_authentication(&self) -> bool {
        matches!(&self.0.kind, ErrorKind::Authentication { .. })
    }

    /// Whether the failed call creates an order or moves funds.
    pub fn moves_money(&self) -> bool {
        self.0.moves_money
    }

    /// The operation this error belongs to (`None` for
    /// [`ErrorKind::Config`]).
    pub fn operation(&self) -> Option<&'static str> {
        self.0.operation
    }

    /// The HTTP status Aurpay (or whatever answered) sent, when a response
    /// arrived.
    pub fn http_status(&self) -> Option<u16> {
        match &self.0.kind {
            ErrorKind::Api { status, .. }
            | ErrorKind::Authentication { status, .. }
            | ErrorKind::Http { status, .. }
            | ErrorKind::Redirect { status, .. }
            | ErrorKind::ResponseTooLarge { status, .. }
            | ErrorKind::Undecodable { status, .. }
            | ErrorKind::Ambiguous { status, .. }
            | ErrorKind::UnexpectedData { status, .. } => Some(*status),
            ErrorKind::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Aurpay's envelope `code`, when there was one.
    pub fn code(&self) -> Option<i64> {
        match &self.0.kind {
            ErrorKind::Api { code, .. } => Some(*code),
            ErrorKind::Authentication { code, .. } => *code,
            _ => None,
        }
    }

    /// For [`Outcome::Applied`]: the raw `data` of the success answer, to
    /// read what the typed decode could not (for example the new order's
    /// `order_id`). Kept only when it is at most 64 KiB of JSON (a larger
    /// `data` is not kept, and the error's reason says so).
    pub fn data(&self) -> Option<&serde_json::Value> {
        self.0.data.as_ref()
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = self.0.operation {
            write!(f, "{operation}: ")?;
        }
        match &self.0.kind {
            ErrorKind::Api {
                status,
                code,
                message,
            } => write!(f, "Aurpay error code {code} (HTTP {status}): {message}")?,
            ErrorKind::Authentication {
                status,
                code,
                message,
            } => {
                write!(f, "authentication failed (HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, ", code {code}")?;
                }
                write!(f, "): {message}")?;
            }
            ErrorKind::RateLimited { retry_after } => {
                write!(f, "rate limited by Aurpay (HTTP 429)")?;
                if let Some(wait) = retry_after {
                    write!(f, "; retry after {} s", wait.as_secs())?;
                }
            }
            ErrorKind::Http { status, snippet } => write!(
                f,
                "HTTP {status} without an Aurpay answer; body starts: {snippet:?}"
            )?,
            ErrorKind::Redirect { status, location } => {
                write!(f, "the server answered with a redirect (HTTP {status})")?;
                if let Some(location) = location {
                    write!(f, " to {location}")?;
                }
                f.write_str(", which the SDK does not follow")?;
                if location
                    .as_deref()
                    .is_some_and(|l| l.starts_with("https://"))
                {
                    f.write_str("; if that is Aurpay, set the base URL to it (use https)")?;
                }
            }
            ErrorKind::Timeout { attempts } => {
                write!(f, "no complete answer in time ({attempts} attempt(s))")?
            }
            ErrorKind::NotConnected { attempts } => {
                write!(f, "could not connect ({attempts} attempt(s))")?;
            }
            ErrorKind::ConnectionLost { attempts } => {
                write!(f, "connection lost ({attempts} attempt(s))")?;
            }
            ErrorKind::ResponseTooLarge { status, limit } => write!(
                f,
                "the answer (HTTP {status}) is larger than the limit of {limit} bytes"
            )?,
            ErrorKind::Undecodable {
                status,
                snippet,
                reason,
            } => write!(
                f,
                "undecodable answer (HTTP {status}): {reason}; body starts: {snippet:?}"
            )?,
            ErrorKind::UnexpectedData { status, reason } => write!(
                f,
                "Aurpay answered success (HTTP {status}) but `data` has an unexpected shape: {reason}"
            )?,
            ErrorKind::Ambiguous { status, reason } => {
                write!(f, "ambiguous answer (HTTP {status}): {reason}")?
            }
            ErrorKind::InvalidRequest { message } => write!(f, "invalid request: {message}")?,
            ErrorKind::Config { message } => write!(f, "invalid configuration: {message}")?,
        }
        if let Some(source) = &self.0.source
            && matches!(
                self.0.kind,
                ErrorKind::NotConnected { .. }
                    | ErrorKind::ConnectionLost { .. }
                    | ErrorKind::Timeout { .. }
            )
        {
            write!(f, ": {}", innermost(source.as_ref()))?;
        }
        match (self.outcome(), self.0.moves_money) {
            (Outcome::Unknown, true) => f.write_str(
                "; outcome unknown: the request may have reached Aurpay, look the order up before trying again",
            ),
            (Outcome::Applied, true) => {
                f.write_str("; Aurpay applied it: do not send it again")
            }
            _ => Ok(()),
        }
    }
}

/// What `data` looks like, without its values: `object {order_id, status}`,
/// `string (35 chars)`, ...
fn shape(data: &serde_json::Value) -> String {
    use serde_json::Value;
    match data {
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(32).collect();
            format!("Some(object {{{}}})", keys.join(", "))
        }
        Value::Array(items) => format!("Some(array of {})", items.len()),
        Value::String(text) => format!("Some(string ({} chars))", text.chars().count()),
        Value::Number(_) => "Some(number)".to_owned(),
        Value::Bool(_) => "Some(bool)".to_owned(),
        Value::Null => "Some(null)".to_owned(),
    }
}

/// The innermost cause of an error chain (without reqwest's URL).
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Renders through [`Error::describe`] into a string, then masks it.
struct Described<'a>(&'a Error);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.describe(f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact::text(&Described(self).to_string()))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only the shape of `data`: it may hold a credential nobody
        // configured (a fresh key from Get API-Key). `Error::data` has it.
        let data = self
            .0
            .data
            .as_ref()
            .map_or_else(|| "None".to_owned(), shape);
        let raw = format!(
            "Error {{ kind: {:?}, operation: {:?}, outcome: {:?}, moves_money: {}, data: {data}, source: {:?} }}",
            self.0.kind,
            self.0.operation,
            self.outcome(),
            self.0.moves_money,
            self.0.source.as_deref().map(|e| innermost(e)),
        );
        f.write_str(&redact::text(&raw))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
