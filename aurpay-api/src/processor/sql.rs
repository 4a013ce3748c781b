//! The statements both SQL stores run. `$1`-style placeholders are read by
//! PostgreSQL as positions and by SQLite as parameters numbered in order of
//! appearance, so one text serves both; only the table definitions differ
//! (column types).

use super::{OrderState, Recorded, StoreError};

/// A database error as a [`StoreError`].
pub(super) fn store_error(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError(Box::new(error))
}

/// A reference names one order and an order has one reference: a second
/// link of either is ignored (both columns are unique).
pub(super) const LINK: &str = "INSERT INTO aurpay_references (reference, order_id) VALUES ($1, $2)
     ON CONFLICT DO NOTHING";

pub(super) const ORDER_OF: &str = "SELECT order_id FROM aurpay_references WHERE reference = $1";

pub(super) const REFERENCE_OF: &str = "SELECT reference FROM aurpay_references WHERE order_id = $1
     ORDER BY reference LIMIT 1";

pub(super) const READ_STATE: &str = "SELECT state, done, claimed_at, claim_token, from_state
     FROM aurpay_order_states WHERE order_id = $1";

pub(super) const WRITE_STATE: &str =
    "INSERT INTO aurpay_order_states (order_id, state, done, claimed_at, claim_token, from_state)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (order_id) DO UPDATE SET
         state = excluded.state, done = excluded.done, claimed_at = excluded.claimed_at,
         claim_token = excluded.claim_token, from_state = excluded.from_state";

/// Only the claim holding the token completes it.
pub(super) const COMPLETE: &str = "UPDATE aurpay_order_states SET done = TRUE
     WHERE order_id = $1 AND state = $2 AND claim_token = $3";

/// Only the claim holding the token gives it up: its lease ends now, the
/// change stays unapplied.
pub(super) const RELEASE: &str = "UPDATE aurpay_order_states SET claimed_at = 0
     WHERE order_id = $1 AND state = $2 AND claim_token = $3 AND done = FALSE";

/// A stored row as the store read it. A state this version cannot read is
/// treated as the furthest along, so nothing is applied over it.
pub(super) fn recorded(
    state: &str,
    done: bool,
    claimed_at: i64,
    token: i64,
    from: Option<&str>,
) -> Recorded {
    Recorded {
        state: OrderState::parse(state).unwrap_or(OrderState::Refunded),
        done,
        claimed_at: u64::try_from(claimed_at).unwrap_or(0),
        token: token as u64,
        from: from.and_then(OrderState::parse),
    }
}

/// The token as the `BIGINT`/`INTEGER` column holds it (the same 64 bits).
pub(super) fn token(token: u64) -> i64 {
    token as i64
}

/// Seconds since the epoch as the `BIGINT`/`INTEGER` column stores them.
pub(super) fn claimed_at(row: &Recorded) -> i64 {
    i64::try_from(row.claimed_at).unwrap_or(i64::MAX)
}
