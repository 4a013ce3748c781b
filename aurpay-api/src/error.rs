//! The one error type of the SDK.

use std::fmt;
use std::time::Duration;

/// Everything that can go wrong in a call, as distinct cases to match on.
///
/// Every case names the operation (the spec's `operationId`, e.g.
/// `get_orders`), except [`Error::Config`], which comes from building a
/// client. `Display` never prints a secret, a signature or a header map.
///
/// The case that needs care is [`Error::OutcomeUnknown`]: a call that
/// creates an order or moves funds was sent, but no answer came back. Do not
/// simply try again: look the order (or the balance) up first.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Aurpay answered with an error: a non-zero `code` in the envelope
    /// (even with HTTP 200), or an error status with an envelope.
    Api {
        /// The operation.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Aurpay's `code` (non-zero).
        code: i64,
        /// Aurpay's `message` (or `msg`).
        message: String,
    },
    /// The credentials were rejected: HTTP 401/403, or envelope `code` 401.
    Authentication {
        /// The operation.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Aurpay's `code`, when there was an envelope.
        code: Option<i64>,
        /// Aurpay's message, when there was one.
        message: String,
    },
    /// HTTP 429. Read-only calls were already retried as far as the retry
    /// policy allows; calls that move money are never retried.
    RateLimited {
        /// The operation.
        operation: &'static str,
        /// How long Aurpay asked to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
    },
    /// A read-only call, or one that was never sent, timed out on every
    /// attempt.
    Timeout {
        /// The operation.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
    },
    /// The connection failed (refused, reset, TLS, DNS) on every attempt, for
    /// a call that is safe to repeat or that was never sent.
    Transport {
        /// The operation.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        source: reqwest::Error,
    },
    /// A call that creates an order or moves funds was sent (or may have
    /// been), and no answer came back: a timeout after sending, or a
    /// connection dropped mid-request. Aurpay may or may not have acted on
    /// it, and the SDK never retries it.
    ///
    /// To reconcile: list recent orders (`get_orders`) or look the order up
    /// (`get_orders_details`), or check the balance for withdrawals, before
    /// deciding to send the request again.
    OutcomeUnknown {
        /// The operation.
        operation: &'static str,
        /// What happened after sending.
        cause: OutcomeUnknownCause,
        /// The underlying failure.
        source: reqwest::Error,
    },
    /// The answer could not be decoded: not JSON (for example a proxy's
    /// HTML error page), truncated, empty, or not the documented shape.
    Undecodable {
        /// The operation.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// The first bytes of the body, for diagnosis (control characters
        /// escaped, at most 200 characters).
        snippet: String,
        /// Why decoding failed.
        reason: String,
    },
    /// The request was not sent because it is invalid (a required parameter
    /// missing, an argument out of range).
    InvalidRequest {
        /// The operation.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The client could not be configured (a missing environment variable,
    /// a malformed base URL or credential).
    Config {
        /// What is wrong, naming the variable or setting.
        message: String,
    },
}

/// Why the outcome of a sent request is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutcomeUnknownCause {
    /// The request was sent and the answer did not arrive in time.
    TimedOut,
    /// The connection failed after the request may have been written.
    ConnectionLost,
}

impl Error {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    /// The operation this error belongs to (`None` for [`Error::Config`]).
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Api { operation, .. }
            | Error::Authentication { operation, .. }
            | Error::RateLimited { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Transport { operation, .. }
            | Error::OutcomeUnknown { operation, .. }
            | Error::Undecodable { operation, .. }
            | Error::InvalidRequest { operation, .. } => Some(operation),
            Error::Config { .. } => None,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::Authentication { status, .. }
            | Error::Undecodable { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Aurpay's envelope `code`, when there was one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Api { code, .. } => Some(*code),
            Error::Authentication { code, .. } => *code,
            _ => None,
        }
    }
}

/// At most 200 characters of `body`, with control characters escaped, so
/// an HTML error page or binary garbage stays readable in a log line, and
/// the values of secret-looking JSON keys masked (an error snippet or a
/// trace log of Get API-Key's answer must not carry the token).
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = mask_secrets(&String::from_utf8_lossy(body));
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == MAX {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Masks the values of JSON keys that look like secrets, in log text.
fn mask_secrets(text: &str) -> String {
    const SECRET_KEYS: [&str; 5] = ["token", "secret", "password", "key", "signature"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let Some(end) = after[1..].find('"') else {
            out.push_str(after);
            return out;
        };
        let key = &after[1..=end];
        out.push_str(&after[..end + 2]);
        rest = &after[end + 2..];
        let is_secret = SECRET_KEYS
            .iter()
            .any(|k| key.to_ascii_lowercase().contains(k));
        let trimmed = rest.trim_start();
        if is_secret && trimmed.starts_with(':') {
            let value = trimmed[1..].trim_start();
            if let Some(inner) = value.strip_prefix('"') {
                let close = inner.find('"').map_or(inner.len(), |i| i + 1);
                out.push_str(": \"[redacted]\"");
                rest = &inner[close.min(inner.len())..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api {
                operation,
                status,
                code,
                message,
            } => write!(
                f,
                "{operation}: Aurpay error code {code} (HTTP {status}): {message}"
            ),
            Error::Authentication {
                operation,
                status,
                code,
                message,
            } => {
                write!(f, "{operation}: authentication failed (HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, ", code {code}")?;
                }
                write!(f, "): {message}")
            }
            Error::RateLimited {
                operation,
                retry_after,
            } => {
                write!(f, "{operation}: rate limited by Aurpay (HTTP 429)")?;
                if let Some(wait) = retry_after {
                    write!(f, "; retry after {} s", wait.as_secs())?;
                }
                Ok(())
            }
            Error::Timeout {
                operation,
                attempts,
            } => {
                write!(f, "{operation}: timed out ({attempts} attempt(s))")
            }
            Error::Transport {
                operation,
                attempts,
                source,
            } => write!(
                f,
                "{operation}: connection failed ({attempts} attempt(s)): {}",
                TransportCause(source)
            ),
            Error::OutcomeUnknown {
                operation, cause, ..
            } => {
                let what = match cause {
                    OutcomeUnknownCause::TimedOut => "no answer before the timeout",
                    OutcomeUnknownCause::ConnectionLost => "the connection was lost",
                };
                write!(
                    f,
                    "{operation}: outcome unknown: the request was sent but {what}; \
                     look the order up before trying again"
                )
            }
            Error::Undecodable {
                operation,
                status,
                snippet,
                reason,
            } => write!(
                f,
                "{operation}: undecodable response (HTTP {status}): {reason}; body starts: {snippet:?}"
            ),
            Error::InvalidRequest { operation, message } => {
                write!(f, "{operation}: invalid request: {message}")
            }
            Error::Config { message } => write!(f, "invalid configuration: {message}"),
        }
    }
}

/// The innermost cause of a reqwest error, without the URL.
struct TransportCause<'a>(&'a reqwest::Error);

impl fmt::Display for TransportCause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut cause: &dyn std::error::Error = self.0;
        while let Some(next) = cause.source() {
            cause = next;
        }
        write!(f, "{cause}")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } | Error::OutcomeUnknown { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippets_mask_secret_values_and_truncate() {
        let body = br#"{"code":1,"data":{"access_token":"eyJhbGciOi.secret","api_key":"k-123","order_id":"42"}}"#;
        let shown = snippet(body);
        assert!(
            !shown.contains("eyJhbGciOi") && !shown.contains("k-123"),
            "{shown}"
        );
        assert!(shown.contains(r#""order_id":"42""#), "{shown}");
        let long = vec![b'x'; 1000];
        assert_eq!(snippet(&long).chars().count(), 203);
        assert_eq!(snippet(b"a\nb"), "a\\nb");
    }
}
