//! Why a callback was rejected.

use std::fmt;
use std::time::Duration;

/// Why a callback was rejected. Each reason is its own case; none carries a
/// secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// A required header is missing (`Callback-Token`, `Date` or
    /// `Signature`).
    MissingHeader(&'static str),
    /// A header is present but not readable text, or present twice.
    InvalidHeader(&'static str),
    /// `Callback-Token` is not the merchant's token.
    WrongToken,
    /// `Signature` does not match the date and URL under the callback secret.
    BadSignature,
    /// `Date` is not an ISO-8601 date and time.
    UnparsableDate,
    /// `Date` is older than the freshness window (a possible replay).
    StaleDate {
        /// How old it is.
        age: Duration,
    },
    /// `Date` is further in the future than the freshness window allows.
    FutureDate {
        /// How far ahead it is.
        ahead: Duration,
    },
    /// The method is neither GET nor POST.
    MethodNotAllowed(String),
    /// A POST body that is not the order JSON (after the headers verified).
    MalformedBody(String),
    /// The unsigned body names another order than the one the signed URL
    /// refers to (a replayed signature with a forged body).
    OrderMismatch {
        /// The order the signed URL refers to.
        signed: String,
        /// The order the unsigned body names.
        body: String,
    },
    /// The signed URL carries a merchant reference, but no Aurpay order id
    /// was given for it to [`VerifiedCallback::bind`](crate::callback::VerifiedCallback::bind).
    UnknownReference(String),
    /// Nothing signed identifies the order: the URL carries no reference
    /// (build callback URLs with [`CallbackUrls`](crate::callback::CallbackUrls)). A POST body's order id
    /// is unsigned; [`VerifiedCallback::bind_to_unsigned_body`](crate::callback::VerifiedCallback::bind_to_unsigned_body) uses it
    /// only when you ask.
    NoOrder,
    /// The signed URL carries the reference or event parameter more than
    /// once, so which one Aurpay meant cannot be told.
    AmbiguousQuery(String),
}

impl Rejection {
    /// Whether the request is malformed (answer 400) rather than failing
    /// verification (answer 401).
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            Rejection::MalformedBody(_)
                | Rejection::MethodNotAllowed(_)
                | Rejection::NoOrder
                | Rejection::AmbiguousQuery(_)
        )
    }

    /// The HTTP status to answer with: 400 for a malformed request, 404 for
    /// a reference you do not know, 401 when verification failed (a bad
    /// signature, or a body that contradicts the signed URL).
    pub fn http_status(&self) -> u16 {
        match self {
            Rejection::UnknownReference(_) => 404,
            _ if self.is_malformed() => 400,
            _ => 401,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::MissingHeader(name) => write!(f, "missing header {name}"),
            Rejection::InvalidHeader(name) => write!(f, "unreadable or repeated header {name}"),
            Rejection::WrongToken => f.write_str("wrong Callback-Token"),
            Rejection::BadSignature => f.write_str("bad Signature"),
            Rejection::UnparsableDate => f.write_str("Date is not ISO-8601"),
            Rejection::StaleDate { age } => write!(f, "Date is {} s old (stale)", age.as_secs()),
            Rejection::FutureDate { ahead } => {
                write!(f, "Date is {} s in the future", ahead.as_secs())
            }
            Rejection::MethodNotAllowed(method) => write!(f, "method {method} not allowed"),
            Rejection::MalformedBody(reason) => write!(f, "malformed body: {reason}"),
            Rejection::OrderMismatch { signed, body } => write!(
                f,
                "the unsigned body names order {body:?}, the signed URL refers to order {signed:?}"
            ),
            Rejection::UnknownReference(reference) => {
                write!(f, "no order known for reference {reference:?}")
            }
            Rejection::NoOrder => {
                f.write_str("the callback identifies no order (no reference in its signed URL)")
            }
            Rejection::AmbiguousQuery(name) => {
                write!(f, "the signed URL carries `{name}` more than once")
            }
        }
    }
}

impl std::error::Error for Rejection {}
