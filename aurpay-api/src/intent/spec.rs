//! What the spec says about each call that moves money
//! (`x-aurpay-intent`), as generated into the operation table: where its
//! effect appears in Aurpay's state, and how to recognise it there.

/// The list a money call's effect appears in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// An order in the order list (calls that create orders).
    Orders,
    /// A transaction in the transaction list (refunds, withdrawals).
    Transactions,
}

/// A field a listed order or transaction is matched on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// An order's fiat price.
    FiatPrice,
    /// An order's fiat currency.
    FiatCurrency,
    /// A transaction's kind.
    Kind,
    /// A transaction's chain.
    Chain,
    /// A transaction's CRYPTO currency.
    Currency,
    /// A transaction's CRYPTO amount.
    Amount,
    /// The address a transaction went to.
    Address,
}

/// Where the value a role must equal comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A property of the request body.
    Body(&'static str),
    /// A path parameter (no money call of today's spec matches on one).
    #[allow(dead_code)]
    Path(&'static str),
    /// A fixed value.
    Const(&'static str),
}

/// The field of a success `data` that identifies what the call made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResultId {
    /// The new order's id.
    OrderId(&'static str),
    /// A cashier page URL naming the new order (`.../#/cashier/<id>`).
    PayUrl(&'static str),
    /// The transaction's id.
    TxId(&'static str),
}

/// One money call's `x-aurpay-intent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IntentSpec {
    /// Where its effect appears.
    pub(crate) evidence: Evidence,
    /// What must match there.
    pub(crate) matches: &'static [(Role, Source)],
    /// How a success names it, if it does.
    pub(crate) result: Option<ResultId>,
}
