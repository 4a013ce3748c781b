//! The intent journal against the sandbox, for each of the six calls that
//! move money: a fault after Aurpay processed the call leaves an unknown
//! outcome that one reconciliation pass links to what Aurpay made, exactly
//! once; a fault before processing is settled "not applied" once its window
//! is well past (the clock moved, not slept) (`faults`); two calls that
//! cannot be told apart are `Ambiguous` until a person settles one, and an
//! answered call is never sent again (`ambiguity`). Every money request in
//! these tests is sent exactly once (`Sandbox::calls`).

mod ambiguity;
mod faults;
mod world;

use std::time::Duration;

use aurpay_api::{Amount, types};
use futures_util::StreamExt;

use world::{Money, world};

/// A client timeout far shorter than the slow faults, far longer than any
/// answer on loopback, even with [`AT_ONCE`] cases of two tests on two
/// cores that other builds load too (3 s was not: a request timed out
/// before the sandbox counted it).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the slow faults hold the answer (real time).
const SLOW: Duration = Duration::from_secs(30);
/// How many cases run at once: every case of a test (at most 30: six calls
/// times five faults), each with its own sandbox and clients, so that the
/// slow ones wait out [`CLIENT_TIMEOUT`] together rather than in turn (at
/// 6 at once the two fault tests took 23 s and 12 s; each now takes about
/// one timeout).
const AT_ONCE: usize = 32;
/// Past every intent's window and its `settle_after` (default 15 min).
const WELL_PAST: Duration = Duration::from_secs(40 * 60);

/// Runs `cases`, [`AT_ONCE`] at a time.
async fn run_all(cases: impl IntoIterator<Item = impl std::future::Future<Output = ()>>) {
    futures_util::stream::iter(cases.into_iter().map(Box::pin))
        .buffer_unordered(AT_ONCE)
        .collect::<Vec<()>>()
        .await;
}

#[tokio::test]
async fn a_reference_is_checked_before_anything_is_sent() {
    let world = world().await;
    for reference in [String::new(), "x".repeat(129)] {
        let submitted = world
            .processor
            .submit(
                &reference,
                world.client.create_bln_order().body(
                    types::BlnOrderRequest::builder()
                        .price(Amount::from(5))
                        .currency("USD"),
                ),
            )
            .await;
        assert!(submitted.is_err(), "{}", reference.len());
    }
    assert_eq!(world.calls(Money::LightningOrder), 0);
    // ManualClock is the only clock here: nothing in the journal slept.
    let _ = &world.clock;
}
