//! Per-operation facts, generated from the spec into
//! `generated_operations.rs`, and the traits that connect each generated
//! builder to the generic runtime.

use std::future::Future;
use std::num::NonZeroU64;

use progenitor_client::ResponseValue;
use reqwest::Method;

use crate::envelope::{DataEnvelope, Envelope};

/// Whether an operation's shape is documented by Aurpay or a best guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProvenanceStatus {
    /// Method and path are documented in Aurpay's published docs.
    Confirmed,
    /// Not publicly documented (or with an undocumented request body); the
    /// shape is a best guess. See [`Provenance::basis`].
    Inferred,
}

/// Where an operation's description comes from (`x-aurpay-provenance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
pub struct Operation {
    /// The spec's `operationId`, which is also the client method's name.
    pub id: &'static str,
    /// The docs' title.
    pub summary: &'static str,
    /// The docs' section (Order, Wallets, Bitcoin Lightning Network, Auth).
    pub tag: &'static str,
    /// HTTP method.
    pub method: Method,
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
    /// assert_eq!(op.path, "/api/v2/order/");
    /// assert!(op.is_idempotent());
    /// ```
    pub fn find(id: &str) -> Option<&'static Operation> {
        Self::all().iter().find(|op| op.id == id)
    }

    /// Whether sending the same request twice has the same effect as once:
    /// read-only methods that move no money. Only these may be retried after
    /// the request was sent.
    pub fn is_idempotent(&self) -> bool {
        !self.moves_money && matches!(self.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }
}

/// Sealing the traits the generated code implements: nothing outside this
/// crate can implement them, nor call their crate-internal methods.
pub(crate) mod sealed {
    /// The supertrait of every trait the generated code implements.
    pub trait Sealed {}

    /// Proof that the caller is this crate: only code here can make one,
    /// so [`Call::send_unchecked`](super::Call::send_unchecked) (the
    /// generated send, without the envelope check) is not callable from
    /// outside. The one public way to send is `CallExt::call`.
    #[derive(Debug)]
    pub struct Token(pub(crate) ());
}

/// One generated request builder: which operation it sends and what comes
/// back. Implemented for every builder in `generated_operations.rs`; sealed.
/// Send a request with [`CallExt::call`](crate::CallExt::call).
pub trait Call: Sized + sealed::Sealed {
    /// The success envelope.
    type Envelope: DataEnvelope;
    /// The error body declared for 4XX/5XX responses.
    type ErrorBody: Envelope;
    /// The operation this builder sends.
    const OPERATION: &'static Operation;

    /// Sends the request as generated, without the envelope check (crate
    /// internal: the token cannot be made outside the crate).
    #[doc(hidden)]
    fn send_unchecked(
        self,
        token: sealed::Token,
    ) -> impl Future<
        Output = Result<ResponseValue<Self::Envelope>, progenitor_client::Error<Self::ErrorBody>>,
    > + Send;
}

/// One page of a paged list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// This page's number, from 1.
    pub page: i64,
    /// Number of the last page.
    pub max_page: i64,
    /// Number of items in all pages.
    pub total: i64,
    /// The items on this page.
    pub items: Vec<T>,
}

/// A builder for a paged list (`x-aurpay-pagination` in the spec).
pub trait Paginated: Call {
    /// One item of the list.
    type Item;

    /// Asks for page `page` (from 1).
    fn with_page(self, page: NonZeroU64) -> Self;

    /// Asks for `size` items per page.
    fn with_page_size(self, size: NonZeroU64) -> Self;

    /// Splits a page's `data` into the page numbers and the items.
    fn into_page(data: <Self::Envelope as DataEnvelope>::Data) -> Page<Self::Item>;
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

/// The call that fetches one order by id (`x-aurpay-order-lookup` in the
/// spec), used to confirm a callback's unsigned body. Implemented for the
/// client by generated code; sealed.
pub trait OrderLookup: sealed::Sealed {
    /// The order as the lookup returns it.
    type Order;
    /// The lookup's request builder.
    type Lookup<'a>: crate::CallExt + Call<Envelope: DataEnvelope<Data = Self::Order>>
    where
        Self: 'a;

    /// A request for the order with this id.
    fn order_lookup<'a>(&'a self, order_id: &str) -> Self::Lookup<'a>;
}
