//! [`Store`]: where the processor keeps what it must not forget.
//!
//! A store keeps small records (JSON text), each under a [`RecordKind`] and
//! a key, with a version for compare-and-set. It knows nothing of claims,
//! leases, links or intents: those rules are the SDK's code above three
//! operations ([`Store::get`], [`Store::put`], [`Store::open_records`]),
//! so a store cannot get them wrong, and a new kind of record never needs a
//! new method. [`MemoryStore`](super::MemoryStore), `SqliteStore` and
//! `PostgresStore` (features `sqlite`, `postgres`) are the SDK's; any
//! database with an atomic compare-and-set per key (a row update with a
//! version condition, DynamoDB's conditional writes, Redis' `WATCH`) can
//! be one.
//!
//! The trait can grow without breaking a store written against it: new
//! methods come with a default, and the types it trades in are
//! `#[non_exhaustive]`.

use std::future::Future;

/// What a record is about. `#[non_exhaustive]`: a store keeps every kind the
/// same way, by its [`as_str`](RecordKind::as_str) name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// An order's applied (or claimed) state, keyed by Aurpay's order id.
    OrderState,
    /// The Aurpay order a merchant reference names, keyed by the reference.
    Reference,
    /// The merchant reference of an Aurpay order, keyed by the order id.
    OrderReference,
    /// A call that moves money, keyed by the merchant's reference for it.
    Intent,
    /// A transaction an intent was resolved to, keyed by Aurpay's
    /// transaction id (so two intents never take the same one).
    Evidence,
}

impl RecordKind {
    /// The name a store files the kind under: `order_state`, `reference`,
    /// `order_reference`, `intent`, `evidence`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::OrderState => "order_state",
            RecordKind::Reference => "reference",
            RecordKind::OrderReference => "order_reference",
            RecordKind::Intent => "intent",
            RecordKind::Evidence => "evidence",
        }
    }
}

/// A record as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stored {
    /// Its version: 1 when first written, one more on every write.
    pub version: u64,
    /// Whether it still needs attention (an intent whose outcome is not
    /// settled): what [`Store::open_records`] lists.
    pub open: bool,
    /// The record itself, JSON text the SDK wrote.
    pub value: String,
}

impl Stored {
    /// A record read back from a store.
    pub fn new(version: u64, open: bool, value: impl Into<String>) -> Self {
        Stored {
            version,
            open,
            value: value.into(),
        }
    }
}

/// A write the SDK asks of a store.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Write<'a> {
    /// Write only if the stored version is still this one (`None`: only if
    /// there is no record yet).
    pub expected: Option<u64>,
    /// Whether the record needs attention (listed by
    /// [`Store::open_records`]).
    pub open: bool,
    /// The record, JSON text, stored as is.
    pub value: &'a str,
}

/// Why a store failed.
#[derive(Debug)]
pub struct StoreError(Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// A store's own error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError(error.into())
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "order store: {}", self.0)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// Durable records with compare-and-set (see the [processor module docs](crate::processor)).
///
/// Every write is atomic with respect to every other user of the same
/// store (threads, processes, replicas): of two writes expecting the same
/// version, at most one succeeds.
///
/// ```
/// use aurpay_api::processor::{MemoryStore, RecordKind, Store, Write};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), aurpay_api::processor::StoreError> {
/// let store = MemoryStore::new();
/// let first = Write::new(None, false, r#"{"a":1}"#);
/// assert!(store.put(RecordKind::Intent, "cart-1", first).await?);
/// assert!(!store.put(RecordKind::Intent, "cart-1", first).await?, "already there");
/// let stored = store.get(RecordKind::Intent, "cart-1").await?.unwrap();
/// assert_eq!(stored.version, 1);
/// let second = Write::new(Some(1), true, r#"{"a":2}"#);
/// assert!(store.put(RecordKind::Intent, "cart-1", second).await?);
/// assert!(!store.put(RecordKind::Intent, "cart-1", second).await?, "version 1 is gone");
/// # Ok(()) }
/// ```
pub trait Store: Send + Sync {
    /// The record of `kind` under `key`, if any.
    fn get(
        &self,
        kind: RecordKind,
        key: &str,
    ) -> impl Future<Output = Result<Option<Stored>, StoreError>> + Send;

    /// Writes `write.value` under `key` if the stored version is still
    /// `write.expected` (`None`: if there is no record), as version
    /// `expected + 1` (or 1); answers whether it wrote.
    fn put(
        &self,
        kind: RecordKind,
        key: &str,
        write: Write<'_>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// At most `limit` records of `kind` marked open, with their keys, in
    /// the store's own key order (a database's collation will do), starting
    /// after `after` in that order: paging with the last key of each page
    /// sees every open record once.
    fn open_records(
        &self,
        kind: RecordKind,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(String, Stored)>, StoreError>> + Send;

    /// The store's own clock, if every user of the store shares it (a
    /// database server's): leases are then measured on it, so replicas
    /// whose clocks disagree still agree on when a lease ends. `None` (the
    /// default): the processor's injected clock.
    fn now(&self) -> impl Future<Output = Result<Option<crate::Timestamp>, StoreError>> + Send {
        async { Ok(None) }
    }
}

impl<'a> Write<'a> {
    /// A write of `value` expecting version `expected`.
    pub fn new(expected: Option<u64>, open: bool, value: &'a str) -> Self {
        Write {
            expected,
            open,
            value,
        }
    }
}
