//! When a failed attempt is tried again. Money is never at risk: a request
//! that may have reached Aurpay is repeated only when the operation is
//! read-only.

use std::time::Duration;

use reqwest::StatusCode;

/// Retry settings: exponential back-off with jitter, at most
/// `max_attempts` attempts, all within `deadline`.
///
/// What is retried:
/// * read-only calls (GET, moving no money): connection failures, timeouts
///   (waiting for the headers or reading the body), connections lost
///   mid-answer, and HTTP 408, 425, 429, 500, 502, 503 and 504, honouring
///   `Retry-After` up to `max_backoff`;
/// * every call, including those that move money: a connection that could
///   not be opened, so that nothing was sent.
///
/// Never retried: redirects, answers over the size limit, and any other
/// answer. A call that creates an order or moves funds is never sent twice:
/// once it may have reached Aurpay, a failure is returned as is, with
/// [`Outcome::Unknown`](crate::Outcome::Unknown).
///
/// The defaults ([`RetryPolicy::default`]): 3 attempts, back-off from
/// 200 ms doubling up to 5 s (with jitter), no retry starting after 60 s.
///
/// ```
/// use std::time::Duration;
/// use aurpay_api::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(100))
///     .deadline(Duration::from_secs(60));
/// let never = RetryPolicy::none();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    deadline: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, back-off from 200 ms up to 5 s, 60 s overall.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// At most this many attempts in all (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first back-off; it doubles with every retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest back-off, and the longest `Retry-After` honoured.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// No retry starts after this much time since the first attempt, and
    /// none whose wait would end after it.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The deadline, for capping a `Retry-After`.
    pub(crate) fn deadline_value(&self) -> Duration {
        self.deadline
    }

    /// The back-off before retry number `attempt` (1-based): exponential,
    /// with "equal jitter" (between half and all of the exponential value).
    fn backoff(&self, attempt: u32) -> Duration {
        let exponential = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_backoff);
        let half = exponential / 2;
        half + half.mul_f64(jitter())
    }

    pub(crate) fn verdict(
        &self,
        retryable: Retryable,
        idempotent: bool,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Verdict {
        if attempt >= self.max_attempts {
            return Verdict::Return;
        }
        let retry = match retryable {
            // Nothing was sent: safe for every call.
            Retryable::NothingSent => true,
            Retryable::Transient => idempotent,
            Retryable::Final => false,
        };
        if !retry {
            return Verdict::Return;
        }
        let delay = match retry_after {
            Some(wait) if wait > self.max_backoff => return Verdict::Return,
            Some(wait) => wait,
            None => self.backoff(attempt),
        };
        if elapsed + delay >= self.deadline {
            return Verdict::Return;
        }
        Verdict::RetryAfter(delay)
    }
}

/// How a failed attempt may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retryable {
    /// The connection never opened: nothing was sent.
    NothingSent,
    /// The request may have arrived; a transient failure (timeout before
    /// the whole body, connection lost mid-answer, 408/425/429/5xx).
    Transient,
    /// An answer that another attempt would not change.
    Final,
}

pub(crate) enum Verdict {
    Return,
    RetryAfter(Duration),
}

/// Statuses a read call is retried on.
pub(crate) fn is_transient_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 425 | 429 | 500 | 502 | 503 | 504)
}

/// A number in [0, 1) for jitter: clients retrying together spread out.
fn jitter() -> f64 {
    crate::random::unit_f64()
}

/// A short description of a transport error for logs, without the URL.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_connect() {
        "connect"
    } else if error.is_timeout() {
        "timeout"
    } else if error.is_body() || error.is_decode() {
        "body"
    } else {
        "request"
    };
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("{kind}: {cause}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_within_jitter_and_cap() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        for _ in 0..100 {
            let first = policy.backoff(1);
            assert!(
                first >= Duration::from_millis(50) && first <= Duration::from_millis(100),
                "{first:?}"
            );
            let third = policy.backoff(3);
            assert!(
                third >= Duration::from_millis(200) && third <= Duration::from_millis(400),
                "{third:?}"
            );
            let capped = policy.backoff(30);
            assert!(
                capped >= Duration::from_millis(500) && capped <= Duration::from_millis(1000),
                "{capped:?}"
            );
        }
    }

    /// The invariant behind "a money-moving request is sent at most once":
    /// a call that is not idempotent is retried only when nothing was sent,
    /// whatever the attempt, timing or `Retry-After`.
    #[test]
    fn calls_that_move_money_are_retried_only_when_nothing_was_sent() {
        let policy = RetryPolicy::default()
            .max_attempts(10)
            .initial_backoff(Duration::from_millis(1));
        for class in [
            Retryable::NothingSent,
            Retryable::Transient,
            Retryable::Final,
        ] {
            for attempt in 1..12 {
                for hint in [None, Some(Duration::ZERO), Some(Duration::from_millis(5))] {
                    for elapsed in [Duration::ZERO, Duration::from_secs(59)] {
                        let verdict = policy.verdict(class, false, attempt, elapsed, hint);
                        if matches!(verdict, Verdict::RetryAfter(_)) {
                            assert_eq!(class, Retryable::NothingSent, "attempt {attempt}");
                            assert!(attempt < 10);
                        }
                        if class == Retryable::Final {
                            assert!(matches!(
                                policy.verdict(class, true, attempt, elapsed, hint),
                                Verdict::Return
                            ));
                        }
                    }
                }
            }
        }
        // And reads are retried on transient failures.
        assert!(matches!(
            policy.verdict(Retryable::Transient, true, 1, Duration::ZERO, None),
            Verdict::RetryAfter(_)
        ));
    }

    #[test]
    fn jitter_stays_in_unit_interval() {
        for _ in 0..10_000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
