//! The claim rule, and the links between merchant references and Aurpay
//! orders: the one place these rules live, written over a [`Store`]'s
//! compare-and-set, so every store keeps them the same way.
//!
//! * One change of an order at a time: while a claim is unfinished and its
//!   lease runs, every other claim of the order waits (`InProgress`).
//! * A lease is never shorter than asked (microseconds, rounded up; at
//!   least [`MIN_LEASE`]), measured on the store's clock where it has one,
//!   else the processor's.
//! * An unfinished claim whose lease ran out (its claimer died, or its
//!   effect failed and gave it up) is taken over by a claim of the same
//!   state or a later one; what was applied before it is kept.
//! * A finished state is followed only by a later one.
//! * Each claim has a token: only the claim holding it completes or gives
//!   it up, so a claimer slower than its lease cannot undo the one that
//!   took over.
//! * A reference names one order and an order has one reference; each
//!   link is written in both directions and read only when both agree.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::state::OrderState;
use super::store::{RecordKind, Store, StoreError, Stored, Write};
use crate::Timestamp;

/// The shortest lease: a shorter one would let a second delivery take
/// over a claim whose effect has barely started.
pub const MIN_LEASE: Duration = Duration::from_secs(1);

/// How many times a compare-and-set is retried when another writer got
/// there first (each retry reads again, so this bounds contention, not
/// correctness).
const CAS_ATTEMPTS: usize = 16;

/// An order's record: the last state claimed or applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrderRecord {
    pub(crate) state: OrderState,
    /// Whether its effect completed.
    pub(crate) done: bool,
    /// Microseconds since the epoch when the claim's lease ends (0:
    /// released).
    pub(crate) lease_until: i64,
    pub(crate) token: u64,
    /// The last state applied before this one.
    pub(crate) from: Option<OrderState>,
}

/// What a claim came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Claimed: run the effect, then complete (or release if it failed).
    Claimed {
        previous: Option<OrderState>,
        token: u64,
    },
    /// The order is already at this state or past it.
    AlreadyApplied { current: OrderState },
    /// A change of this order is claimed by another caller and its lease
    /// has not run out.
    InProgress,
}

/// A lease in microseconds: never shorter than asked, at least
/// [`MIN_LEASE`].
pub(crate) fn lease_micros(lease: Duration) -> i64 {
    let lease = lease.max(MIN_LEASE);
    let micros = lease.as_micros() + u128::from(!lease.subsec_nanos().is_multiple_of(1000));
    i64::try_from(micros).unwrap_or(i64::MAX)
}

/// The one decision: the claim's result, and the record to write when it
/// is granted.
pub(crate) fn decide(
    recorded: Option<&OrderRecord>,
    to: &OrderState,
    now: &Timestamp,
    lease: Duration,
    token: u64,
) -> (Claim, Option<OrderRecord>) {
    let now = now.unix_micros();
    let claim = |from: Option<OrderState>| {
        (
            Claim::Claimed {
                previous: from.clone(),
                token,
            },
            Some(OrderRecord {
                state: to.clone(),
                done: false,
                lease_until: now.saturating_add(lease_micros(lease)),
                token,
                from,
            }),
        )
    };
    match recorded {
        None => claim(None),
        Some(row) if !row.done => {
            let live = now < row.lease_until;
            if live || to.rank() < row.state.rank() {
                // Someone is on it; or this report is older than the
                // unfinished change (a stale page): retry later.
                (Claim::InProgress, None)
            } else {
                claim(row.from.clone())
            }
        }
        Some(row) if to.rank() > row.state.rank() => claim(Some(row.state.clone())),
        Some(row) => (
            Claim::AlreadyApplied {
                current: row.state.clone(),
            },
            None,
        ),
    }
}

fn decode<T: for<'de> Deserialize<'de>>(stored: &Stored) -> Result<T, StoreError> {
    serde_json::from_str(&stored.value).map_err(StoreError::new)
}

fn encode(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::new)
}

/// The order's record and its version.
pub(crate) async fn order_record<S: Store>(
    store: &S,
    order_id: &str,
) -> Result<Option<(OrderRecord, u64)>, StoreError> {
    match store.get(RecordKind::OrderState, order_id).await? {
        None => Ok(None),
        Some(stored) => Ok(Some((decode(&stored)?, stored.version))),
    }
}

/// Claims the change of `order_id` to `to` (see the module docs).
pub(crate) async fn claim<S: Store>(
    store: &S,
    now: &Timestamp,
    order_id: &str,
    to: &OrderState,
    lease: Duration,
) -> Result<Claim, StoreError> {
    for _ in 0..CAS_ATTEMPTS {
        let current = order_record(store, order_id).await?;
        let (claim, write) = decide(
            current.as_ref().map(|(row, _)| row),
            to,
            now,
            lease,
            crate::random::next_u64(),
        );
        let Some(row) = write else {
            return Ok(claim);
        };
        let value = encode(&row)?;
        let expected = current.map(|(_, version)| version);
        if store
            .put(
                RecordKind::OrderState,
                order_id,
                Write::new(expected, false, &value),
            )
            .await?
        {
            return Ok(claim);
        }
        // Another writer got there first: decide again on what it wrote.
    }
    Ok(Claim::InProgress)
}

/// Finishes the claim holding `token`: `done` marks it applied; otherwise
/// it is given up (its lease ends now, the change stays unapplied).
/// Nothing happens if another claim has taken over.
pub(crate) async fn finish<S: Store>(
    store: &S,
    order_id: &str,
    to: &OrderState,
    token: u64,
    done: bool,
) -> Result<(), StoreError> {
    for _ in 0..CAS_ATTEMPTS {
        let Some((mut row, version)) = order_record(store, order_id).await? else {
            return Ok(());
        };
        if row.state != *to || row.token != token || row.done {
            return Ok(());
        }
        if done {
            row.done = true;
        } else {
            row.lease_until = 0;
        }
        let value = encode(&row)?;
        if store
            .put(
                RecordKind::OrderState,
                order_id,
                Write::new(Some(version), false, &value),
            )
            .await?
        {
            return Ok(());
        }
    }
    Err(StoreError::new(format!(
        "order {order_id}: the claim could not be finished ({CAS_ATTEMPTS} concurrent writes in a row)"
    )))
}

/// The record of `key` as text, if any.
async fn text<S: Store>(
    store: &S,
    kind: RecordKind,
    key: &str,
) -> Result<Option<String>, StoreError> {
    store
        .get(kind, key)
        .await?
        .map(|stored| decode::<String>(&stored))
        .transpose()
}

/// The order a reference names: only when both directions of the link
/// agree (a link half written by a process that died names nothing).
pub(crate) async fn order_of<S: Store>(
    store: &S,
    reference: &str,
) -> Result<Option<String>, StoreError> {
    let Some(order_id) = text(store, RecordKind::Reference, reference).await? else {
        return Ok(None);
    };
    let back = text(store, RecordKind::OrderReference, &order_id).await?;
    Ok((back.as_deref() == Some(reference)).then_some(order_id))
}

/// The reference an order has, when both directions of the link agree.
pub(crate) async fn reference_of<S: Store>(
    store: &S,
    order_id: &str,
) -> Result<Option<String>, StoreError> {
    let Some(reference) = text(store, RecordKind::OrderReference, order_id).await? else {
        return Ok(None);
    };
    let forth = text(store, RecordKind::Reference, &reference).await?;
    Ok((forth.as_deref() == Some(order_id)).then_some(reference))
}

/// What linking came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Linked {
    /// The reference names the order (now, or it already did).
    Yes,
    /// The reference already names another order.
    ReferenceTaken { order_id: String },
    /// The order already has another reference.
    OrderTaken { reference: String },
}

/// Links `reference` and `order_id`. The reference's side is written
/// first and may be rewritten while it is unconfirmed; the order's side is
/// written once and decides.
pub(crate) async fn link<S: Store>(
    store: &S,
    reference: &str,
    order_id: &str,
) -> Result<Linked, StoreError> {
    let order_text = encode(&order_id)?;
    let reference_text = encode(&reference)?;
    // 1. The reference's side: written, or confirmed to say this order, or
    //    rewritten if what it says is unconfirmed.
    let mut written = false;
    for _ in 0..CAS_ATTEMPTS {
        match store.get(RecordKind::Reference, reference).await? {
            None => {
                if store
                    .put(
                        RecordKind::Reference,
                        reference,
                        Write::new(None, false, &order_text),
                    )
                    .await?
                {
                    written = true;
                    break;
                }
            }
            Some(stored) => {
                let named: String = decode(&stored)?;
                if named == order_id {
                    written = true;
                    break;
                }
                let back = text(store, RecordKind::OrderReference, &named).await?;
                if back.as_deref() == Some(reference) {
                    return Ok(Linked::ReferenceTaken { order_id: named });
                }
                if store
                    .put(
                        RecordKind::Reference,
                        reference,
                        Write::new(Some(stored.version), false, &order_text),
                    )
                    .await?
                {
                    written = true;
                    break;
                }
            }
        }
    }
    if !written {
        return Err(StoreError::new(format!(
            "reference {reference}: the link could not be written ({CAS_ATTEMPTS} concurrent writes in a row)"
        )));
    }
    // 2. The order's side, written once: it decides.
    store
        .put(
            RecordKind::OrderReference,
            order_id,
            Write::new(None, false, &reference_text),
        )
        .await?;
    match text(store, RecordKind::OrderReference, order_id).await? {
        Some(holder) if holder == reference => Ok(Linked::Yes),
        Some(holder) => Ok(Linked::OrderTaken { reference: holder }),
        None => Err(StoreError::new(format!(
            "order {order_id}: its link was written but cannot be read back"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(60);

    fn at(micros: i64) -> Timestamp {
        Timestamp::from_unix_micros(micros)
    }

    fn row(state: OrderState, done: bool, lease_until: i64) -> OrderRecord {
        OrderRecord {
            state,
            done,
            lease_until,
            token: 7,
            from: None,
        }
    }

    #[test]
    fn claims_move_forward_once() {
        let paid = row(OrderState::Paid, true, 0);
        let now = at(1_000_000);
        assert!(matches!(
            decide(None, &OrderState::Paid, &now, LEASE, 1).0,
            Claim::Claimed {
                previous: None,
                token: 1
            }
        ));
        assert_eq!(
            decide(Some(&paid), &OrderState::Paid, &now, LEASE, 1).0,
            Claim::AlreadyApplied {
                current: OrderState::Paid
            }
        );
        for to in [
            OrderState::AwaitingPayment,
            OrderState::PartiallyPaid,
            OrderState::Expired,
        ] {
            assert!(matches!(
                decide(Some(&paid), &to, &now, LEASE, 1).0,
                Claim::AlreadyApplied { .. }
            ));
        }
        assert!(matches!(
            decide(Some(&paid), &OrderState::Refunded, &now, LEASE, 1).0,
            Claim::Claimed {
                previous: Some(OrderState::Paid),
                ..
            }
        ));
        // An underpaid order that timed out, then resolved: paid after all.
        let expired = row(OrderState::Expired, true, 0);
        assert!(matches!(
            decide(Some(&expired), &OrderState::Paid, &now, LEASE, 1).0,
            Claim::Claimed { .. }
        ));
    }

    /// A lease is never shorter than asked, to the microsecond, whatever
    /// fraction of a second the claim started at.
    #[test]
    fn leases_run_their_whole_length() {
        for lease in [
            Duration::from_millis(1),
            Duration::from_millis(1500),
            Duration::from_secs(2),
            Duration::from_nanos(2_000_000_001),
            Duration::from_secs(60),
        ] {
            for start in [0i64, 900_000, 999_999, 1_700_000_000_123_456] {
                let (claim, write) = decide(None, &OrderState::Paid, &at(start), lease, 1);
                assert!(matches!(claim, Claim::Claimed { .. }));
                let held = write.unwrap();
                let length = Duration::from_micros((held.lease_until - start) as u64);
                assert!(
                    length >= lease.max(MIN_LEASE),
                    "{lease:?} from {start}: {length:?}"
                );
                let last = at(held.lease_until - 1);
                assert_eq!(
                    decide(Some(&held), &OrderState::Paid, &last, lease, 2).0,
                    Claim::InProgress,
                    "{lease:?} from {start}: taken over a microsecond early"
                );
                let end = at(held.lease_until);
                assert!(matches!(
                    decide(Some(&held), &OrderState::Paid, &end, lease, 2).0,
                    Claim::Claimed { token: 2, .. }
                ));
            }
        }
    }

    #[test]
    fn an_unfinished_claim_blocks_the_order_until_its_lease_ends() {
        let mut partial = row(OrderState::PartiallyPaid, false, 60_000_000);
        partial.from = Some(OrderState::AwaitingPayment);
        for to in [
            OrderState::PartiallyPaid,
            OrderState::Paid,
            OrderState::Refunded,
        ] {
            assert_eq!(
                decide(Some(&partial), &to, &at(59_999_999), LEASE, 1).0,
                Claim::InProgress,
                "{to:?}"
            );
        }
        let (claim, write) = decide(Some(&partial), &OrderState::Paid, &at(60_000_000), LEASE, 9);
        assert_eq!(
            claim,
            Claim::Claimed {
                previous: Some(OrderState::AwaitingPayment),
                token: 9
            }
        );
        assert_eq!(write.unwrap().from, Some(OrderState::AwaitingPayment));
        // A stale, earlier report does not take over a later change.
        assert_eq!(
            decide(
                Some(&partial),
                &OrderState::AwaitingPayment,
                &at(70_000_000),
                LEASE,
                1
            )
            .0,
            Claim::InProgress
        );
        // A released claim (lease 0) is taken over at once.
        let released = row(OrderState::Paid, false, 0);
        assert!(matches!(
            decide(Some(&released), &OrderState::Paid, &at(1), LEASE, 1).0,
            Claim::Claimed { .. }
        ));
    }
}
