//! Per-operation facts, generated from the spec into
//! `generated_operations.rs`, and the sealed traits that connect each
//! generated request builder to the generic runtime.
//!
//! You rarely name these traits: every builder has its own `.call()` (and a
//! paged list its own `.items()`). They appear as bounds of the generic
//! helpers ([`reconcile`](crate::reconcile), the
//! [`Processor`](crate::processor::Processor)), which take any builder of
//! the right kind.

use std::future::Future;
use std::num::NonZeroU64;

use crate::Error;

/// Whether an operation's shape is documented by Aurpay or a best guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProvenanceStatus {
    /// Method and path are documented in Aurpay's published docs.
    Confirmed,
    /// Not publicly documented (or with an undocumented request body); the
    /// shape is a best guess. See [`Provenance::basis`].
    Inferred,
}

/// Where an operation's description comes from (`x-aurpay-provenance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Provenance {
    /// Confirmed or inferred.
    pub status: ProvenanceStatus,
    /// The docs page it is taken from.
    pub source: &'static str,
    /// For inferred operations, what the guess is based on.
    pub basis: Option<&'static str>,
    /// Caveats about partly documented details.
    pub notes: Option<&'static str>,
}

/// One Aurpay API operation, as described by the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// The spec's `operationId`, which is also the client method's name.
    pub id: &'static str,
    /// The docs' title.
    pub summary: &'static str,
    /// The docs' section (Order, Wallets, Bitcoin Lightning Network, Auth).
    pub tag: &'static str,
    /// The HTTP method, upper case (`GET`, `POST`).
    pub method: &'static str,
    /// Path template, e.g. `/api/v2/order/detail/{order_id}`.
    pub path: &'static str,
    /// Whether the request has a JSON body.
    pub has_body: bool,
    /// Whether the call needs credentials (all but Get API-Key).
    pub authenticated: bool,
    /// Whether the call creates an order or moves funds. Such calls are
    /// never retried automatically: a retry could charge or pay twice.
    pub moves_money: bool,
    /// Whether the call returns one page of a paged list.
    pub paginated: bool,
    /// Where this description comes from.
    pub provenance: Provenance,
    /// For a call that moves money: how an unknown outcome is resolved
    /// from Aurpay's own state (`x-aurpay-intent` in the spec).
    pub(crate) intent: Option<&'static crate::intent::spec::IntentSpec>,
}

impl Operation {
    /// Every operation the SDK offers, in spec order.
    ///
    /// ```
    /// let ids: Vec<&str> = aurpay_api::Operation::all().iter().map(|op| op.id).collect();
    /// assert!(ids.contains(&"get_orders"));
    /// ```
    pub fn all() -> &'static [Operation] {
        &crate::generated_operations::OPERATIONS
    }

    /// The operation with this `operationId`.
    ///
    /// ```
    /// let op = aurpay_api::Operation::find("get_orders").unwrap();
    /// assert_eq!((op.method, op.path), ("GET", "/api/v2/order/"));
    /// ```
    pub fn find(id: &str) -> Option<&'static Operation> {
        Self::all().iter().find(|op| op.id == id)
    }

    /// Whether sending the same request twice has the same effect as once:
    /// read-only methods that move no money. Only these are retried after
    /// the request may have arrived.
    pub(crate) fn is_idempotent(&self) -> bool {
        !self.moves_money && matches!(self.method, "GET" | "HEAD" | "OPTIONS")
    }
}

/// Sealing: nothing outside this crate can implement the traits below, nor
/// call their hidden methods (they take a [`Token`](sealed::Token) only the
/// crate can make).
pub(crate) mod sealed {
    /// The supertrait of every trait the generated code implements.
    pub trait Sealed {}

    /// Proof that the caller is this crate.
    #[derive(Debug, Clone, Copy)]
    pub struct Token(pub(crate) ());

    /// One page of a paged list, as the runtime walks it.
    #[derive(Debug)]
    pub struct Page<T> {
        pub(crate) page: i64,
        pub(crate) max_page: i64,
        pub(crate) items: Vec<T>,
    }

    /// What a request carries, recorded before a call that moves money is
    /// sent (the intent journal keeps it, never sends it again).
    #[derive(Debug, Clone)]
    pub struct Request {
        /// Path and query parameters, as set.
        pub(crate) params: Vec<(&'static str, String)>,
        /// The JSON body, as it will be sent.
        pub(crate) body: Option<String>,
    }
}

/// One generated request builder: which operation it sends and what comes
/// back. Implemented for every builder in `generated_operations.rs`;
/// sealed. Send a request with the builder's own `.call()`.
pub trait Call: sealed::Sealed + Sized + Send {
    /// What a successful call returns: the envelope's `data`.
    type Data: Send;
    /// The operation this builder sends.
    const OPERATION: &'static Operation;

    /// Sends the request through the client's transport policy and maps
    /// the answer to `data` or the typed error.
    #[doc(hidden)]
    fn send_call(
        self,
        token: sealed::Token,
    ) -> impl Future<Output = Result<Self::Data, Error>> + Send;

    /// The request's parameters and body, as they would be sent; an error
    /// when the builder is incomplete (nothing is sent then either).
    #[doc(hidden)]
    fn request(&self, token: sealed::Token) -> Result<sealed::Request, String>;

    /// The clock of the client this builder sends through.
    #[doc(hidden)]
    fn clock(&self, token: sealed::Token) -> std::sync::Arc<dyn crate::clock::Clock>;
}

/// A builder for a paged list (`x-aurpay-pagination` in the spec); sealed.
pub trait Paginated: Call + Clone {
    /// One item of the list.
    type Item: Send;

    /// Asks for page `page` (from 1).
    #[doc(hidden)]
    fn with_page(self, page: NonZeroU64, token: sealed::Token) -> Self;

    /// Asks for `size` items per page.
    #[doc(hidden)]
    fn with_page_size(self, size: NonZeroU64, token: sealed::Token) -> Self;

    /// Splits a page's `data` into the page numbers and the items.
    #[doc(hidden)]
    fn into_page(data: Self::Data, token: sealed::Token) -> sealed::Page<Self::Item>;
}

/// An order as a paged list of orders returns it (`x-aurpay-order-listing`
/// in the spec, which names the field playing each role): what
/// [`reconcile`](crate::reconcile) reads. Implemented by generated code for
/// the list's item type; sealed.
pub trait ListedOrder: sealed::Sealed {
    /// Aurpay's order id.
    fn order_id(&self) -> &str;
    /// The order's status.
    fn status(&self) -> &crate::OrderStatus;
    /// When the order was created (Aurpay's clock), when Aurpay said.
    fn created_at(&self) -> Option<&crate::Timestamp>;
    /// When the order last changed (Aurpay's clock), when Aurpay said.
    fn updated_at(&self) -> Option<&crate::Timestamp>;
    /// The order's price in FIAT (the currency of
    /// [`fiat_currency`](ListedOrder::fiat_currency)), when Aurpay said.
    fn fiat_price(&self) -> Option<&crate::Amount>;
    /// The fiat currency of [`fiat_price`](ListedOrder::fiat_price).
    fn fiat_currency(&self) -> Option<&str>;
}

/// A transaction as a paged list of transactions returns it
/// (`x-aurpay-transaction-listing` in the spec): what the intent journal
/// reads to find the refund or withdrawal a call with an unknown outcome
/// may have made. Implemented by generated code; sealed.
pub trait ListedTransaction: sealed::Sealed {
    /// Aurpay's transaction id.
    fn tx_id(&self) -> &str;
    /// Its kind (`ORDER`, `WITHDRAW`, `REST`, ...), when Aurpay said.
    fn kind(&self) -> Option<&str>;
    /// Its chain, when Aurpay said.
    fn chain(&self) -> Option<&str>;
    /// Its CRYPTO currency, when Aurpay said.
    fn currency(&self) -> Option<&str>;
    /// Its CRYPTO amount, when Aurpay said.
    fn amount(&self) -> Option<&crate::Amount>;
    /// The address it went to, when Aurpay said.
    fn address(&self) -> Option<&str>;
    /// When it was created (Aurpay's clock), when Aurpay said.
    fn created_at(&self) -> Option<&crate::Timestamp>;
}

/// A builder of a call that moves money (`x-aurpay-moves-money: true`):
/// what the [`Processor`](crate::processor::Processor)'s intent journal
/// sends. Implemented by generated code; sealed.
pub trait MovesMoney: Call {}

/// The lists the runtime reads Aurpay's state from (generated for the
/// client from `x-aurpay-order-listing` and
/// `x-aurpay-transaction-listing`).
pub(crate) trait Listings {
    /// The paged list of orders.
    type Orders<'a>: Paginated<Item: ListedOrder>
    where
        Self: 'a;
    /// The paged list of transactions.
    type Transactions<'a>: Paginated<Item: ListedTransaction>
    where
        Self: 'a;

    /// A request for the first page of orders.
    fn orders(&self) -> Self::Orders<'_>;

    /// A request for the first page of transactions.
    fn transactions(&self) -> Self::Transactions<'_>;
}

/// The call that fetches one order by id (`x-aurpay-order-lookup` in the
/// spec), used to confirm a callback's unsigned body. Implemented for the
/// client by generated code.
pub(crate) trait OrderLookup {
    /// The lookup's request builder.
    type Lookup<'a>: Call<Data = crate::types::OrderDetail>
    where
        Self: 'a;

    /// A request for the order with this id.
    fn order_lookup<'a>(&'a self, order_id: &str) -> Self::Lookup<'a>;
}
