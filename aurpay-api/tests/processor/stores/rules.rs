//! The processor's rules over every store: links both ways, one claim at a
//! time, a failed effect released, states only forward, a late claimer
//! unable to undo the claim that took over; and leases never shorter than
//! asked, on a manual clock.

use std::sync::Arc;
use std::time::Duration;

use aurpay_api::Client;
use aurpay_api::OrderStatus;
use aurpay_api::clock::Clock;
use aurpay_api::processor::{OrderState, Processed, Processor, Store};

use super::{applied_from, apply, clock, hold, in_progress, processor};

/// The processor's rules over the store.
pub(super) async fn rules<S: Store + 'static>(store: S) {
    let clock = clock();
    let processor = processor(store, &clock);

    // Links: a reference names one order, an order has one reference.
    assert!(processor.link("ref-1", "order-1").await.unwrap());
    assert!(
        processor.link("ref-1", "order-1").await.unwrap(),
        "the same link again"
    );
    assert!(!processor.link("ref-1", "order-9").await.unwrap());
    assert!(!processor.link("ref-2", "order-1").await.unwrap());
    assert_eq!(
        processor.order_of("ref-1").await.unwrap().as_deref(),
        Some("order-1")
    );
    assert_eq!(processor.order_of("ref-2").await.unwrap(), None);
    assert_eq!(
        processor.reference_of("order-1").await.unwrap().as_deref(),
        Some("ref-1")
    );
    assert_eq!(processor.reference_of("order-9").await.unwrap(), None);

    // One change at a time: while a claim is held, the same change and a
    // later one wait.
    let held = hold(&processor, "order-1", OrderState::PartiallyPaid).await;
    assert_eq!(
        processor.state_of("order-1").await.unwrap(),
        Some((OrderState::PartiallyPaid, false))
    );
    for to in [OrderState::PartiallyPaid, OrderState::Paid] {
        assert!(
            in_progress(&apply(&processor, "order-1", to.clone()).await),
            "{to:?}"
        );
    }
    assert!(applied_from(&held.end(true).await.unwrap()).is_some());
    assert_eq!(
        processor.state_of("order-1").await.unwrap(),
        Some((OrderState::PartiallyPaid, true))
    );

    // A failed effect: released, still unapplied, claimable again at once,
    // what was applied before kept.
    let held = hold(&processor, "order-1", OrderState::Paid).await;
    assert!(held.end(false).await.is_err());
    assert_eq!(
        processor.state_of("order-1").await.unwrap(),
        Some((OrderState::Paid, false))
    );
    assert_eq!(
        applied_from(&apply(&processor, "order-1", OrderState::Paid).await),
        Some(Some(OrderState::PartiallyPaid))
    );
    // States only move forward.
    for backwards in [
        OrderState::Paid,
        OrderState::PartiallyPaid,
        OrderState::AwaitingPayment,
        OrderState::Expired,
    ] {
        assert_eq!(
            apply(&processor, "order-1", backwards.clone()).await,
            Processed::AlreadyApplied {
                order_id: "order-1".into(),
                state: OrderState::Paid
            },
            "{backwards:?}"
        );
    }
    assert_eq!(
        applied_from(&apply(&processor, "order-1", OrderState::Refunded).await),
        Some(Some(OrderState::Paid))
    );
    // Expired, then paid (an underpayment the merchant resolved).
    apply(&processor, "order-2", OrderState::Expired).await;
    assert_eq!(
        applied_from(&apply(&processor, "order-2", OrderState::Paid).await),
        Some(Some(OrderState::Expired))
    );
    // An unknown status is ignored, never applied.
    let ignored = processor
        .apply(
            "order-3",
            None,
            &OrderStatus::from("CONFIRMING"),
            |_| async { Ok::<(), std::io::Error>(()) },
        )
        .await
        .unwrap();
    assert!(matches!(ignored, Processed::Ignored { .. }));
    assert_eq!(processor.state_of("order-3").await.unwrap(), None);

    // A claimer slower than its lease cannot undo the claim that took over.
    let slow = hold(&processor, "order-4", OrderState::Paid).await;
    clock.advance(Duration::from_secs(61)); // the default lease is 60 s
    assert!(applied_from(&apply(&processor, "order-4", OrderState::Paid).await).is_some());
    assert_eq!(
        processor.state_of("order-4").await.unwrap(),
        Some((OrderState::Paid, true))
    );
    let _ = slow.end(false).await; // its release is not the current claim's
    assert_eq!(
        processor.state_of("order-4").await.unwrap(),
        Some((OrderState::Paid, true))
    );
    assert!(matches!(
        apply(&processor, "order-4", OrderState::Paid).await,
        Processed::AlreadyApplied { .. }
    ));
}

/// Leases never shorter than asked, on the processor's clock.
pub(super) async fn leases<S: Store + 'static>(store: S) {
    let clock = clock();
    let mut processor = Arc::new(Processor::new(
        Client::builder()
            .clock(Arc::clone(&clock) as Arc<dyn Clock>)
            .build()
            .unwrap(),
        store,
    ));
    let micros = Duration::from_micros;
    let leases = [
        (Duration::from_millis(300), Duration::from_secs(1)), // raised to the least
        (Duration::from_secs(1), Duration::from_secs(1)),
        (Duration::from_millis(1_250), Duration::from_millis(1_250)),
        (Duration::from_millis(2_500), Duration::from_millis(2_500)),
        (Duration::from_secs(30), Duration::from_secs(30)),
        // Nanoseconds round up: never shorter.
        (Duration::new(1, 1), micros(1_000_001)),
    ];
    let offsets = [micros(0), micros(100_000), micros(900_000), micros(999_999)];
    let mut case = 0;
    for (asked, effective) in leases {
        let owned = Arc::try_unwrap(processor).map_err(|_| "shared").unwrap();
        processor = Arc::new(owned.lease(asked));
        for offset in offsets {
            case += 1;
            // To the next whole second, then into it by `offset`.
            let now = clock.now();
            let into_second = now
                .duration_since(&"2030-01-01T00:00:00Z".parse().unwrap())
                .unwrap();
            let to_next = Duration::from_secs(into_second.as_secs() + 5) - into_second;
            clock.advance(to_next + offset);
            let order_id = format!("lease-{case}");
            let first = hold(&processor, &order_id, OrderState::Paid).await;
            clock.advance(effective - micros(1));
            assert!(
                in_progress(&apply(&processor, &order_id, OrderState::Paid).await),
                "lease {asked:?} claimed {offset:?} into a second: taken over 1 µs early"
            );
            clock.advance(micros(1));
            assert!(
                applied_from(&apply(&processor, &order_id, OrderState::Paid).await).is_some(),
                "lease {asked:?} claimed {offset:?} into a second: not taken over at its end"
            );
            let _ = first.end(true).await;
            assert_eq!(
                processor.state_of(&order_id).await.unwrap(),
                Some((OrderState::Paid, true))
            );
        }
    }
}
