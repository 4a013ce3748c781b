//! A fault after Aurpay processed a money call is linked, by one
//! reconciliation pass, to what Aurpay made, once; a fault before is
//! settled "not applied" once its window is well past.

use std::future::Future;

use aurpay_api::processor::{IntentStatus, OrderState};
use aurpay_api::sandbox::Fault;

use super::world::{ALL, Money, world};
use super::{SLOW, WELL_PAST, run_all};

/// Faults that strike after Aurpay processed the call.
fn after_processing() -> Vec<Fault> {
    vec![
        Fault::DropConnection,
        Fault::Reset,
        Fault::Truncated,
        Fault::SlowBody(SLOW),
        Fault::Latency(SLOW),
    ]
}

/// Runs `case` for each money call with each fault (and the fault's
/// index, for distinct references), [`run_all`]'s few at a time.
async fn for_every_money_and_fault<F: Future<Output = ()>>(
    faults: &[Fault],
    case: impl Fn(Money, usize, Fault) -> F + Copy,
) {
    let cases = ALL.into_iter().flat_map(|money| {
        faults
            .iter()
            .cloned()
            .enumerate()
            .map(move |(n, fault)| case(money, n, fault))
    });
    run_all(cases).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_after_processing_is_linked_to_what_aurpay_made_once() {
    for_every_money_and_fault(&after_processing(), linked_once).await;
}

async fn linked_once(money: Money, n: usize, fault: Fault) {
    let world = world().await;
    let before = world.listed(money).await;
    let reference = format!("ref-{money:?}-{n}");
    let status = world.submit_through(money, &reference, fault.clone()).await;
    assert_eq!(status, IntentStatus::Unknown, "{money:?} {fault:?}");
    assert_eq!(world.calls(money), 1, "{money:?} {fault:?}: sent once");

    let made = world.made_since(money, &before).await;
    assert_eq!(
        made.len(),
        1,
        "{money:?} {fault:?}: Aurpay made one thing: {made:?}"
    );
    let settled = world.reconcile().await;
    assert_eq!(
        settled,
        vec![(
            reference.clone(),
            IntentStatus::Applied,
            Some(made[0].clone())
        )],
        "{money:?} {fault:?}"
    );
    assert_eq!(world.intent(&reference).await.status, IntentStatus::Applied);
    if money.makes_orders() {
        assert_eq!(
            world
                .processor
                .order_of(&reference)
                .await
                .unwrap()
                .as_deref(),
            Some(made[0].as_str()),
            "{money:?}: the reference is linked, so the order's callbacks bind"
        );
        assert_eq!(
            world.processor.state_of(&made[0]).await.unwrap(),
            Some((OrderState::AwaitingPayment, true)),
            "{money:?}: its current status was applied"
        );
    }
    // Linked once: later passes and a second submit change nothing and
    // send nothing.
    assert!(world.reconcile().await.is_empty(), "{money:?} {fault:?}");
    let (again, evidence) = world.submit(money, &reference, 0).await;
    assert_eq!(
        (again, evidence),
        (IntentStatus::Applied, Some(made[0].clone()))
    );
    assert_eq!(
        world.calls(money),
        1,
        "{money:?} {fault:?}: still sent once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_before_processing_is_settled_not_applied_after_its_window() {
    let before_processing = [
        Fault::Stall(SLOW),
        Fault::HttpStatus(503),
        Fault::HtmlError(502),
    ];
    for_every_money_and_fault(&before_processing, not_applied).await;
}

async fn not_applied(money: Money, n: usize, fault: Fault) {
    let world = world().await;
    let before = world.listed(money).await;
    let reference = format!("ref-{money:?}-{n}");
    let status = world.submit_through(money, &reference, fault.clone()).await;
    assert!(
        matches!(
            status,
            IntentStatus::Unknown | IntentStatus::NotApplied { .. }
        ),
        "{money:?} {fault:?}: {status:?}"
    );
    if matches!(fault, Fault::Stall(_)) {
        // Timed out after sending: the client cannot know.
        assert_eq!(status, IntentStatus::Unknown, "{money:?}");
    }
    assert_eq!(world.calls(money), 1, "{money:?} {fault:?}");
    if status == IntentStatus::Unknown {
        // Nothing shows it yet, but it could still appear.
        assert!(world.reconcile().await.is_empty(), "{money:?} {fault:?}");
        assert_eq!(world.intent(&reference).await.status, IntentStatus::Unknown);
        world.sandbox.advance(WELL_PAST);
        let settled = world.reconcile().await;
        assert_eq!(settled.len(), 1, "{money:?} {fault:?}: {settled:?}");
        assert!(
            matches!(settled[0].1, IntentStatus::NotApplied { .. }),
            "{money:?} {fault:?}: {settled:?}"
        );
    }
    assert_eq!(
        world.listed(money).await,
        before,
        "{money:?} {fault:?}: nothing made"
    );
    assert_eq!(world.processor.order_of(&reference).await.unwrap(), None);
    assert_eq!(world.calls(money), 1, "{money:?} {fault:?}: sent once");
}
