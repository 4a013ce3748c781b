//! Calls that cannot be told apart are `Ambiguous` until a person settles
//! one; an answered call is recorded and never sent again, and a lost call
//! alike cannot take what it made.

use std::collections::BTreeSet;

use aurpay_api::processor::{IntentStatus, Settlement};
use aurpay_api::sandbox::{Fault, Repeat};

use super::run_all;
use super::world::{ALL, Money, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_calls_alike_are_ambiguous_until_a_person_settles_one() {
    run_all(ALL.into_iter().map(ambiguous_until_settled)).await;
}

async fn ambiguous_until_settled(money: Money) {
    let world = world().await;
    let before = world.listed(money).await;
    // Two alike, one unlike: all three made, none answered.
    world
        .sandbox
        .inject(money.operation(), Fault::DropConnection, Repeat::Times(3));
    let (first, second, other) = ("alike-1", "alike-2", "unlike");
    for (reference, variant) in [(first, 0), (second, 0), (other, 1)] {
        let (status, _) = world.submit(money, reference, variant).await;
        assert_eq!(status, IntentStatus::Unknown, "{money:?} {reference}");
    }
    assert_eq!(world.calls(money), 3);
    let made: BTreeSet<String> = world.made_since(money, &before).await.into_iter().collect();
    assert_eq!(made.len(), 3, "{money:?}");

    let settled = world.reconcile().await;
    let status_of = |reference: &str| {
        settled
            .iter()
            .find(|(r, _, _)| r == reference)
            .map(|(_, s, e)| (s.clone(), e.clone()))
    };
    // The unlike one is found and linked; the alike ones are not
    // guessed at.
    let (other_status, other_made) = status_of(other).expect("the unlike call settled");
    assert_eq!(other_status, IntentStatus::Applied, "{money:?}");
    let other_made = other_made.unwrap();
    assert!(made.contains(&other_made));
    let alike: Vec<String> = made
        .iter()
        .filter(|id| **id != other_made)
        .cloned()
        .collect();
    for reference in [first, second] {
        assert_eq!(
            status_of(reference),
            Some((
                IntentStatus::Ambiguous {
                    candidates: alike.clone()
                },
                None
            )),
            "{money:?} {reference}"
        );
    }
    // Reported once: the next pass finds nothing new.
    assert!(world.reconcile().await.is_empty(), "{money:?}");

    // A person decides the first; the second then has one candidate
    // left and no rival.
    let decided = world
        .processor
        .settle(
            first,
            Settlement::Applied {
                evidence: alike[0].clone(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(decided.status, IntentStatus::Applied);
    let settled = world.reconcile().await;
    assert_eq!(
        settled,
        vec![(
            second.to_owned(),
            IntentStatus::Applied,
            Some(alike[1].clone())
        )],
        "{money:?}"
    );
    if money.makes_orders() {
        assert_eq!(
            world
                .processor
                .reference_of(&alike[0])
                .await
                .unwrap()
                .as_deref(),
            Some(first)
        );
        assert_eq!(
            world
                .processor
                .reference_of(&alike[1])
                .await
                .unwrap()
                .as_deref(),
            Some(second)
        );
    }
    assert_eq!(world.calls(money), 3, "{money:?}: nothing sent again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_call_is_recorded_and_never_sent_again() {
    run_all(ALL.into_iter().map(answered_once)).await;
}

async fn answered_once(money: Money) {
    let world = world().await;
    let before = world.listed(money).await;
    let (status, evidence) = world.submit(money, "answered", 0).await;
    assert_eq!(status, IntentStatus::Applied, "{money:?}");
    let made = world.made_since(money, &before).await;
    assert_eq!(made.len(), 1);
    match money {
        // Where the answer names what it made, the intent says so.
        Money::PaymentInfo | Money::LightningOrder | Money::Withdraw => {
            assert_eq!(evidence.as_deref(), Some(made[0].as_str()), "{money:?}");
        }
        _ => {}
    }
    // A call alike, answered or not, cannot take what this one made.
    let lost = world.submit_through(money, "lost", Fault::Reset).await;
    assert_eq!(lost, IntentStatus::Unknown);
    let settled = world.reconcile().await;
    let lost_made: Vec<String> = world
        .listed(money)
        .await
        .difference(&before)
        .filter(|id| **id != made[0])
        .cloned()
        .collect();
    let lost_now = world.intent("lost").await;
    if evidence.is_some() {
        assert_eq!(
            (lost_now.status, lost_now.evidence),
            (IntentStatus::Applied, Some(lost_made[0].clone())),
            "{money:?}: {settled:?}"
        );
    } else {
        // The answer did not name what it made (a refund, a Lightning
        // withdrawal): the two cannot be told apart, so the lost one
        // is not guessed at, and the answered one stays applied.
        let mut both = vec![made[0].clone(), lost_made[0].clone()];
        both.sort();
        assert_eq!(
            lost_now.status,
            IntentStatus::Ambiguous { candidates: both },
            "{money:?}: {settled:?}"
        );
        let answered = world.intent("answered").await;
        assert_eq!(answered.status, IntentStatus::Applied, "{money:?}");
    }
    for _ in 0..3 {
        world.submit(money, "answered", 0).await;
    }
    assert_eq!(world.calls(money), 2, "{money:?}: each reference sent once");
}
