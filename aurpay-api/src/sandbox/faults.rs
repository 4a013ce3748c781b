//! Faults injected into an operation's calls.

use std::time::Duration;

use super::model::Shared;

/// A fault injected into an operation's calls (for how many, see
/// [`Repeat`]). Each says whether the request is processed, which is what
/// decides the SDK's [`Outcome`](crate::Outcome): a fault before processing
/// leaves nothing behind; one after it leaves an order or a withdrawal that
/// the client cannot see. Faults of the network (latency, stalls, slow
/// bodies) run in real time, whatever the sandbox's clock.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Process the request at once, then answer after this delay, whatever
    /// the client does meanwhile: a client that times out first has still
    /// made the order (or the withdrawal).
    Latency(Duration),
    /// Wait this long before processing the request: a client that gives
    /// up first leaves nothing behind; one that waits gets its answer.
    Stall(Duration),
    /// Answer with this HTTP status (400 to 599; anything else is sent as
    /// 500) and a JSON error envelope, without processing the request.
    HttpStatus(u16),
    /// Answer with this HTTP status (400 to 599; anything else is sent as
    /// 500) and an HTML error page, as a CDN or load balancer in front of
    /// Aurpay does, without processing the request.
    HtmlError(u16),
    /// Answer HTTP 200 with this non-zero envelope code and message, without
    /// processing the request.
    Code(i64, String),
    /// Process the request, then drop the connection before the answer's
    /// body is complete (chunked, broken off).
    DropConnection,
    /// Process the request, then close the connection without sending
    /// any answer: a reset after the request was read.
    Reset,
    /// Process the request, then send half of the answer under a
    /// `Content-Length` for all of it, and close.
    Truncated,
    /// Process the request, then answer HTTP 200 `application/json` with
    /// bytes that are not JSON.
    Garbled,
    /// Process the request, send the answer's first half, wait this long,
    /// then send the rest.
    SlowBody(Duration),
}

impl Fault {
    /// Whether the request is processed before this fault strikes.
    pub fn processes(&self) -> bool {
        !matches!(
            self,
            Fault::Stall(_) | Fault::HttpStatus(_) | Fault::HtmlError(_) | Fault::Code(..)
        )
    }
}

/// How many calls (or callbacks) an injected fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Repeat {
    /// The next one only.
    Once,
    /// The next this many (0 injects nothing).
    Times(u32),
    /// Every one until cleared.
    UntilCleared,
}

impl Repeat {
    /// How many it still applies to (`None`: until cleared), or `Some(0)`.
    pub(crate) fn count(self) -> Option<u32> {
        match self {
            Repeat::Once => Some(1),
            Repeat::Times(n) => Some(n),
            Repeat::UntilCleared => None,
        }
    }
}

impl Shared {
    pub(crate) fn inject(&self, operation_id: &'static str, fault: Fault, repeat: Repeat) {
        let mut state = self.lock();
        match repeat.count() {
            Some(0) => {
                state.faults.remove(operation_id);
            }
            remaining => {
                state.faults.insert(operation_id, (fault, remaining));
            }
        }
    }

    pub(crate) fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The fault for this call of the operation, counting it against the
    /// fault's repeat.
    pub(crate) fn take_fault(&self, operation_id: &str) -> Option<Fault> {
        let mut state = self.lock();
        let (fault, remaining) = state.faults.get_mut(operation_id)?;
        let fault = fault.clone();
        if let Some(left) = remaining {
            *left = left.saturating_sub(1);
            if *left == 0 {
                state.faults.remove(operation_id);
            }
        }
        Some(fault)
    }
}
