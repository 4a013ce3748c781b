//! [`ErrorKind`]: what went wrong, every text in it masked and bounded.

use std::time::Duration;

use crate::redact;

/// What went wrong, as distinct cases to match on (see [`Error::kind`](crate::Error::kind)).
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Aurpay answered with an error envelope: a non-zero `code` (even with
    /// HTTP 200), or an error status with an envelope.
    Api {
        /// HTTP status.
        status: u16,
        /// Aurpay's `code` (non-zero, or 0 under an error status).
        code: i64,
        /// Aurpay's `message` (or `msg`), secrets masked.
        message: String,
    },
    /// The credentials were rejected: HTTP 401/403, or envelope `code` 401.
    Authentication {
        /// HTTP status.
        status: u16,
        /// Aurpay's `code`, when there was an envelope.
        code: Option<i64>,
        /// Aurpay's message (or the start of the body), secrets masked.
        message: String,
    },
    /// HTTP 429. Read calls were already retried as far as the retry policy
    /// allows; calls that move money are never retried.
    RateLimited {
        /// How long Aurpay asked to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
    },
    /// An HTTP error status with a body that is not Aurpay's envelope (a
    /// proxy's or CDN's HTML page, an empty 504).
    Http {
        /// HTTP status.
        status: u16,
        /// The first bytes of the body (secrets masked, at most 200
        /// characters).
        snippet: String,
    },
    /// The server answered with a redirect (3xx). The SDK never follows
    /// one: credentials go only to the configured base URL.
    Redirect {
        /// HTTP status (301, 302, 303, 307, 308, ...).
        status: u16,
        /// Where it pointed (the `Location` header), secrets masked.
        location: Option<String>,
    },
    /// No complete answer within the timeout (waiting for the headers or
    /// reading the body), on every attempt.
    Timeout {
        /// Attempts made.
        attempts: u32,
    },
    /// The connection could not be opened (refused, DNS, TLS handshake) on
    /// every attempt: nothing was sent.
    NotConnected {
        /// Attempts made.
        attempts: u32,
    },
    /// The connection failed after the request may have been written
    /// (reset, closed mid-answer, a body cut short), on every attempt.
    ConnectionLost {
        /// Attempts made.
        attempts: u32,
    },
    /// The answer was larger than the client's limit
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
    /// Reading stopped at the limit.
    ResponseTooLarge {
        /// HTTP status.
        status: u16,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The answer could not be decoded: not JSON, truncated, empty, or not
    /// Aurpay's envelope.
    Undecodable {
        /// HTTP status.
        status: u16,
        /// The first bytes of the body (secrets masked, control characters
        /// escaped, at most 200 characters).
        snippet: String,
        /// Why decoding failed.
        reason: String,
    },
    /// Aurpay answered success (`code: 0`), but `data` does not have the
    /// documented shape. The effect happened ([`Outcome::Applied`](crate::Outcome::Applied)); the raw
    /// `data` is kept in [`Error::data`](crate::Error::data).
    UnexpectedData {
        /// HTTP status.
        status: u16,
        /// Why `data` did not decode.
        reason: String,
    },
    /// The request was not sent because it is invalid (a required parameter
    /// missing, an argument out of range, no credentials).
    InvalidRequest {
        /// What is wrong.
        message: String,
    },
    /// The client could not be configured (a missing environment variable,
    /// a malformed or insecure base URL, a malformed credential).
    Config {
        /// What is wrong, naming the variable or setting.
        message: String,
    },
    /// The answer means different things depending on how it is read: an
    /// object repeats a key (`{"code":1,"code":0}`: one parser keeps the
    /// first, another the last), or the envelope contradicts itself
    /// (`code` not 0 with `result: true`). Aurpay may have acted
    /// ([`Outcome::Unknown`](crate::Outcome::Unknown)).
    Ambiguous {
        /// HTTP status.
        status: u16,
        /// What is ambiguous.
        reason: String,
    },
}

/// The longest text any field of an [`ErrorKind`] carries, in characters
/// (after masking): an Aurpay message, a body's snippet, a `Location`, a
/// decoder's reason. Longer texts are cut, with `...` at the end, so an
/// error's `Display` stays a few KiB whatever the server sent.
pub const MAX_ERROR_TEXT_CHARS: usize = 512;

/// How much of a text is masked before it is cut to
/// [`MAX_ERROR_TEXT_CHARS`]: far more than what is shown, so that whatever
/// is shown was masked with its surroundings.
const MASK_WINDOW_BYTES: usize = 128 * 1024;

/// `text` masked ([`redact::text_with`]) and cut to
/// [`MAX_ERROR_TEXT_CHARS`]: masked first, so a secret across the cut is
/// masked, not shown in part.
pub(crate) fn bounded_text(text: &str, extra: &[String]) -> String {
    let mut end = text.len().min(MASK_WINDOW_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let masked = redact::text_with(&text[..end], extra);
    match masked.char_indices().nth(MAX_ERROR_TEXT_CHARS) {
        Some((cut, _)) => format!("{}...", &masked[..cut]),
        None if end < text.len() => format!("{masked}..."),
        None => masked,
    }
}

impl ErrorKind {
    /// The same kind with every text field masked and bounded
    /// ([`bounded_text`]): the fields are public, so they must be safe to
    /// print on their own.
    pub(crate) fn masked(self, extra: &[String]) -> ErrorKind {
        let mask = |text: String| bounded_text(&text, extra);
        let reason = |text: String| bounded_text(&redact::without_quoted_values(&text), extra);
        match self {
            ErrorKind::Api {
                status,
                code,
                message,
            } => ErrorKind::Api {
                status,
                code,
                message: mask(message),
            },
            ErrorKind::Authentication {
                status,
                code,
                message,
            } => ErrorKind::Authentication {
                status,
                code,
                message: mask(message),
            },
            ErrorKind::Http { status, snippet } => ErrorKind::Http {
                status,
                snippet: mask(snippet),
            },
            ErrorKind::Redirect { status, location } => ErrorKind::Redirect {
                status,
                location: location.map(mask),
            },
            ErrorKind::Undecodable {
                status,
                snippet,
                reason: why,
            } => ErrorKind::Undecodable {
                status,
                snippet: mask(snippet),
                reason: reason(why),
            },
            ErrorKind::UnexpectedData {
                status,
                reason: why,
            } => ErrorKind::UnexpectedData {
                status,
                reason: reason(why),
            },
            ErrorKind::Ambiguous {
                status,
                reason: why,
            } => ErrorKind::Ambiguous {
                status,
                reason: reason(why),
            },
            ErrorKind::InvalidRequest { message } => ErrorKind::InvalidRequest {
                message: mask(message),
            },
            ErrorKind::Config { message } => ErrorKind::Config {
                message: mask(message),
            },
            other @ (ErrorKind::RateLimited { .. }
            | ErrorKind::Timeout { .. }
            | ErrorKind::NotConnected { .. }
            | ErrorKind::ConnectionLost { .. }
            | ErrorKind::ResponseTooLarge { .. }) => other,
        }
    }
}
