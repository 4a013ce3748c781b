//! [`Outcome`]: did Aurpay act?

use std::fmt;

/// Whether Aurpay acted on a request that failed: the first thing to ask
/// of an [`Error`](crate::Error) before doing anything else.
///
/// | Outcome | What happened | Retry? |
/// |---|---|---|
/// | [`NotSent`](Outcome::NotSent) | The request never left: invalid arguments, bad configuration, or a connection that could not be opened. | Safe. |
/// | [`Refused`](Outcome::Refused) | Aurpay answered with a definite refusal: an error envelope (`code != 0`) with an HTTP status below 500, HTTP 401/403 (authentication), or 429 (rate limited). Nothing happened. | Safe (it may be refused again). |
/// | [`Unknown`](Outcome::Unknown) | The request may have arrived and no definite answer came back: timeout, lost connection, a redirect, HTTP 5xx (with or without an envelope), an HTML, empty, truncated, garbled or oversized body, or an ambiguous one (a repeated key, an envelope that contradicts itself). | Only for read calls. For a call that moves money, **reconcile first**: look the order (or balance) up. |
/// | [`Applied`](Outcome::Applied) | Aurpay answered `code: 0` (success) but its `data` did not have the documented shape. The effect happened; [`Error::data`](crate::Error::data) holds the raw `data` so the order id can still be read. | Only for read calls. Never repeat a call that moves money: it succeeded. |
///
/// A call moves money when it creates an order or moves funds (create
/// order, refund, withdraw: [`Operation::moves_money`](crate::Operation::moves_money)).
/// The SDK itself never sends such a call twice; read calls are retried by
/// the [`RetryPolicy`](crate::RetryPolicy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Nothing was sent: Aurpay cannot have acted.
    NotSent,
    /// Aurpay answered with a definite refusal: nothing happened.
    Refused,
    /// Aurpay may or may not have acted: reconcile before retrying a call
    /// that moves money.
    Unknown,
    /// Aurpay acted (it answered success) but the answer could not be read
    /// in full.
    Applied,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::NotSent => "not sent",
            Outcome::Refused => "refused",
            Outcome::Unknown => "unknown",
            Outcome::Applied => "applied",
        })
    }
}
