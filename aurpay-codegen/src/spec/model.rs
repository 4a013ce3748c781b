//! What the generator reads from the spec: the model of each operation.

use serde_json::Value;

/// A rule of this generator broken by the spec.
#[derive(Debug)]
pub struct SpecError {
    pub operation: Option<String>,
    pub message: String,
}

pub(super) fn op_error(operation: &str, message: impl Into<String>) -> SpecError {
    SpecError {
        operation: Some(operation.to_owned()),
        message: message.into(),
    }
}

/// Everything the generated glue needs, in spec order.
#[derive(Debug)]
pub struct Model {
    pub operations: Vec<OperationModel>,
    /// Name of the one error schema shared by every operation.
    pub error_schema: String,
    /// Envelope schema names, each with its `data` schema, sorted by name.
    pub envelopes: Vec<(String, String)>,
    /// The operation marked `x-aurpay-order-lookup`, and its path parameter.
    pub order_lookup: (String, String),
    /// The paged list of orders (`x-aurpay-order-listing`), if any.
    pub order_listing: Option<String>,
    /// The paged list of transactions (`x-aurpay-transaction-listing`),
    /// if any.
    pub transaction_listing: Option<String>,
}

#[derive(Debug)]
pub struct OperationModel {
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub tag: String,
    pub moves_money: bool,
    pub authenticated: bool,
    pub has_body: bool,
    pub provenance: Provenance,
    pub envelope: String,
    pub pagination: Option<PaginationModel>,
    /// Path and query parameters, in the spec's order.
    pub params: Vec<ParamModel>,
    /// The request body's schema name and its example, if the operation
    /// has a body.
    pub body: Option<BodyModel>,
    /// `x-aurpay-intent`: for a call that moves money, how an unknown
    /// outcome is resolved from Aurpay's state.
    pub intent: Option<IntentModel>,
}

/// Where what a money call did appears, and how to recognise it there.
#[derive(Debug)]
pub struct IntentModel {
    /// `orders` or `transactions`.
    pub evidence: Evidence,
    /// Each listed role and where its value comes from.
    pub matches: Vec<(String, Source)>,
    /// The field of the success `data` that identifies what the call made,
    /// and what it is (`order_id`, `pay_url`, `tx_id`).
    pub result: Option<(String, String)>,
}

/// The list a money call's effect appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    Orders,
    Transactions,
}

/// Where a matched value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Body(String),
    Path(String),
    Const(String),
}

/// The roles a money call's order can be matched on (order listing
/// roles), and a transaction's (transaction listing roles).
pub const ORDER_MATCH_ROLES: [&str; 2] = ["fiat_price", "fiat_currency"];
pub const TRANSACTION_MATCH_ROLES: [&str; 5] = ["kind", "chain", "currency", "amount", "address"];

/// The roles a transaction list's item fields play, in the order
/// `ListedTransaction`'s methods take them.
pub const TRANSACTION_LISTING_ROLES: [&str; 7] = [
    "tx_id",
    "kind",
    "chain",
    "currency",
    "amount",
    "address",
    "created_at",
];

/// A path or query parameter.
#[derive(Debug)]
pub struct ParamModel {
    pub name: String,
    pub in_path: bool,
    pub required: bool,
    pub kind: ParamKind,
    /// The spec's example value.
    pub example: Option<Value>,
    /// The parameter's schema as JSON, `$ref`s inlined.
    pub schema_json: String,
}

/// The JSON type of a parameter. The generated glue supports scalars only;
/// [`Model::check_scalar_params`] refuses the rest, after progenitor has had
/// its say (its own error for the shape is the more precise one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    String,
    Integer,
    Boolean,
    Unsupported,
}

/// A request body: the component it refers to and the example.
#[derive(Debug)]
pub struct BodyModel {
    pub schema: String,
    pub example: Value,
    /// Each property of the body's schema and the component it refers to
    /// (directly or through a one-element `allOf`), if any.
    pub property_refs: Vec<(String, Option<String>)>,
    /// The body's schema as JSON, `$ref`s inlined, for the sandbox's
    /// request validation.
    pub schema_json: String,
}

impl OperationModel {
    /// The name progenitor gives this operation's builder struct.
    pub fn builder_name(&self) -> String {
        upper_camel(&self.id)
    }
}

#[derive(Debug)]
pub struct Provenance {
    pub confirmed: bool,
    pub source: String,
    pub basis: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug)]
pub struct PaginationModel {
    pub page_param: String,
    pub size_param: String,
    pub items_field: String,
    pub max_page_field: String,
    pub page_field: String,
    pub total_field: String,
    pub item_schema: String,
    /// `x-aurpay-order-listing`: the list is of orders; each role
    /// (`ORDER_LISTING_ROLES`) names the item's field that plays it.
    pub order_listing: Option<Vec<(String, String)>>,
    /// `x-aurpay-transaction-listing`: the list is of transactions
    /// (`TRANSACTION_LISTING_ROLES`).
    pub transaction_listing: Option<Vec<(String, String)>>,
}

/// The roles an order list's item fields play for reconciliation, in the
/// order `ListedOrder`'s methods take them.
pub const ORDER_LISTING_ROLES: [&str; 6] = [
    "order_id",
    "status",
    "created_at",
    "updated_at",
    "fiat_price",
    "fiat_currency",
];

/// `get_orders_details` -> `GetOrdersDetails`, as progenitor names builders.
pub fn upper_camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

pub(super) fn ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}
