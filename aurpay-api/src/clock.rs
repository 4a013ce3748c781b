//! The one clock. Everything in the SDK that depends on time reads an
//! injected [`Clock`]: the signature's `Date`, retry back-off and
//! `Retry-After`, the callback freshness window, the processor's leases,
//! reconciliation passes and the intent journal, and the sandbox's order
//! expiry and callback retries. Production code uses [`SystemClock`]; a test
//! injects a [`ManualClock`] and moves time with
//! [`advance`](ManualClock::advance) instead of sleeping.
//!
//! ```
//! use std::time::Duration;
//! use aurpay_api::clock::{Clock, ManualClock};
//!
//! let clock = ManualClock::starting_at("2025-02-07T04:00:00Z".parse()?);
//! clock.advance(Duration::from_secs(30 * 60));
//! assert_eq!(clock.now().as_str(), "2025-02-07T04:30:00");
//! # Ok::<(), aurpay_api::ParseTimestampError>(())
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::Timestamp;

/// A future a [`Clock`] completes when the time has come.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of time. Implement it to drive the SDK from your own test
/// clock; [`SystemClock`] and [`ManualClock`] cover most needs.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time (UTC).
    fn now(&self) -> Timestamp;

    /// Completes once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The system's clock, and tokio's timer for sleeping.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::system_now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The system clock, shared.
pub(crate) fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A clock that moves only when told to: [`advance`](ManualClock::advance)
/// (or [`set`](ManualClock::set)) moves it forward and wakes every
/// [`sleep`](Clock::sleep) whose time has come. Time never moves back.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use aurpay_api::clock::{Clock, ManualClock};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let clock = ManualClock::starting_at("2025-02-07T04:00:00Z".parse().unwrap());
/// let sleeping = clock.sleep(Duration::from_secs(60));
/// let mover = Arc::clone(&clock);
/// tokio::spawn(async move { mover.advance(Duration::from_secs(60)) });
/// sleeping.await; // done as soon as the clock reached 04:01
/// assert_eq!(clock.now().as_str(), "2025-02-07T04:01:00");
/// # }
/// ```
pub struct ManualClock {
    now: Mutex<Timestamp>,
    moved: tokio::sync::watch::Sender<Timestamp>,
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

impl ManualClock {
    /// A clock showing `start` until it is moved.
    pub fn starting_at(start: Timestamp) -> Arc<ManualClock> {
        let (moved, _) = tokio::sync::watch::channel(start.clone());
        Arc::new(ManualClock {
            now: Mutex::new(start),
            moved,
        })
    }

    /// A clock starting at the system's current time.
    pub fn starting_now() -> Arc<ManualClock> {
        ManualClock::starting_at(SystemClock.now())
    }

    /// Moves the clock forward by `duration` and wakes the sleeps whose
    /// time has come.
    pub fn advance(&self, duration: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.later_by(duration);
        self.moved.send_replace(now.clone());
    }

    /// Sets the clock to `time`, if that is later than now (time never
    /// moves back), and wakes the sleeps whose time has come.
    pub fn set(&self, time: Timestamp) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        if time > *now {
            *now = time;
            self.moved.send_replace(now.clone());
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.now.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let until = self.now().later_by(duration);
        let mut moved = self.moved.subscribe();
        Box::pin(async move {
            loop {
                if *moved.borrow_and_update() >= until {
                    return;
                }
                if moved.changed().await.is_err() {
                    // The clock is gone: nothing will ever move it again.
                    std::future::pending::<()>().await;
                }
            }
        })
    }
}

/// How long ago `earlier` was, on `clock` (zero if it is in the future).
pub(crate) fn elapsed_since(clock: &dyn Clock, earlier: &Timestamp) -> Duration {
    clock
        .now()
        .duration_since(earlier)
        .unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sleeps_end_when_the_clock_reaches_them_and_not_before() {
        let clock = ManualClock::starting_at("2025-01-01T00:00:00Z".parse().unwrap());
        let mut short = clock.sleep(Duration::from_millis(500));
        let mut long = clock.sleep(Duration::from_secs(2));
        let pending = |sleep: &mut Sleep| {
            let waker = futures_util::task::noop_waker();
            let mut context = std::task::Context::from_waker(&waker);
            sleep.as_mut().poll(&mut context).is_pending()
        };
        assert!(pending(&mut short) && pending(&mut long));
        clock.advance(Duration::from_millis(499));
        assert!(pending(&mut short), "499 ms of 500");
        clock.advance(Duration::from_millis(1));
        assert!(!pending(&mut short));
        assert!(pending(&mut long));
        clock.set("2024-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(clock.now().as_str(), "2025-01-01T00:00:00.500");
        clock.advance(Duration::from_millis(1500));
        assert!(!pending(&mut long));
    }
}
