//! Reads what differs per operation out of the OpenAPI document, and checks
//! the rules the generated glue relies on (provenance on every operation, a
//! named envelope per response, pagination that matches the parameters).

use openapiv3::{
    OpenAPI, Operation, Parameter, ReferenceOr, RequestBody, Response, Schema, SchemaKind, Type,
};
use serde_json::Value;

/// A rule of this generator broken by the spec.
#[derive(Debug)]
pub struct SpecError {
    pub operation: Option<String>,
    pub message: String,
}

fn op_error(operation: &str, message: impl Into<String>) -> SpecError {
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

fn ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

impl Model {
    pub fn from_document(document: &OpenAPI) -> Result<Model, SpecError> {
        let mut operations = Vec::new();
        let mut error_schema: Option<String> = None;
        for (path, item) in &document.paths.paths {
            let ReferenceOr::Item(item) = item else {
                return Err(SpecError {
                    operation: None,
                    message: format!("path `{path}` is a $ref; write it out"),
                });
            };
            for (method, operation) in item.iter() {
                let model =
                    OperationModel::read(document, path, method, operation, &mut error_schema)?;
                operations.push(model);
            }
        }
        let error_schema = error_schema.ok_or_else(|| SpecError {
            operation: None,
            message: "no operation declares an error response".into(),
        })?;
        let mut envelopes: Vec<(String, String)> = Vec::new();
        for op in &operations {
            if !envelopes.iter().any(|(name, _)| name == &op.envelope) {
                let data = envelope_data_schema(document, &op.envelope)
                    .map_err(|m| op_error(&op.id, m))?;
                envelopes.push((op.envelope.clone(), data));
            }
        }
        envelopes.sort();
        let order_lookup = read_order_lookup(document, &operations)?;
        let listing = |has: fn(&PaginationModel) -> bool, extension: &str| {
            let found: Vec<&OperationModel> = operations
                .iter()
                .filter(|op| op.pagination.as_ref().is_some_and(has))
                .collect();
            match found.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(one.id.clone())),
                _ => Err(SpecError {
                    operation: None,
                    message: format!("at most one operation may carry `{extension}`"),
                }),
            }
        };
        let order_listing = listing(|p| p.order_listing.is_some(), "x-aurpay-order-listing")?;
        let transaction_listing = listing(
            |p| p.transaction_listing.is_some(),
            "x-aurpay-transaction-listing",
        )?;
        for op in &operations {
            let Some(intent) = &op.intent else { continue };
            let (available, extension) = match intent.evidence {
                Evidence::Orders => (&order_listing, "x-aurpay-order-listing"),
                Evidence::Transactions => (&transaction_listing, "x-aurpay-transaction-listing"),
            };
            if available.is_none() {
                return Err(op_error(
                    &op.id,
                    format!("its `x-aurpay-intent` needs a list marked `{extension}`"),
                ));
            }
        }
        Ok(Model {
            operations,
            error_schema,
            envelopes,
            order_lookup,
            order_listing,
            transaction_listing,
        })
    }
}

impl Model {
    /// Every path and query parameter is a string, integer or boolean with
    /// an inline schema: what the sandbox's routing and the rustdoc examples
    /// are generated for.
    pub fn check_scalar_params(&self) -> Result<(), SpecError> {
        for op in &self.operations {
            if let Some(param) = op.params.iter().find(|p| p.kind == ParamKind::Unsupported) {
                return Err(op_error(
                    &op.id,
                    format!(
                        "parameter `{}` must have an inline string, integer or boolean schema",
                        param.name
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl OperationModel {
    fn read(
        document: &OpenAPI,
        path: &str,
        method: &str,
        operation: &Operation,
        error_schema: &mut Option<String>,
    ) -> Result<OperationModel, SpecError> {
        let id = operation.operation_id.clone().ok_or_else(|| SpecError {
            operation: Some(format!("{} {path}", method.to_uppercase())),
            message: "missing operationId".into(),
        })?;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(op_error(&id, "operationId must be snake_case"));
        }
        let summary = operation
            .summary
            .clone()
            .ok_or_else(|| op_error(&id, "missing summary (the docs' title)"))?;
        let [tag] = operation.tags.as_slice() else {
            return Err(op_error(&id, "needs exactly one tag"));
        };
        let provenance = read_provenance(&id, operation.extensions.get("x-aurpay-provenance"))?;
        let moves_money = match operation.extensions.get("x-aurpay-moves-money") {
            Some(Value::Bool(b)) => *b,
            _ => {
                return Err(op_error(
                    &id,
                    "needs `x-aurpay-moves-money: true|false` (it decides retry safety)",
                ));
            }
        };
        let authenticated = match &operation.security {
            Some(requirements) => !requirements.is_empty(),
            None => document.security.as_ref().is_some_and(|s| !s.is_empty()),
        };
        let mut body_model = None;
        let has_body = match &operation.request_body {
            None => false,
            Some(body) => {
                let body = resolve_body(document, body).map_err(|m| op_error(&id, m))?;
                if body.content.len() != 1 || !body.content.contains_key("application/json") {
                    return Err(op_error(&id, "request body must be application/json only"));
                }
                let media = &body.content["application/json"];
                let example = media
                    .example
                    .clone()
                    .or_else(|| {
                        media
                            .examples
                            .values()
                            .find_map(|e| e.as_item()?.value.clone())
                    })
                    .ok_or_else(|| op_error(&id, "request body needs an example"))?;
                let schema = match &media.schema {
                    Some(ReferenceOr::Reference { reference }) => ref_name(reference),
                    _ => None,
                }
                .ok_or_else(|| {
                    op_error(&id, "request body schema must be a $ref to a component")
                })?;
                let property_refs =
                    property_refs(document, schema).map_err(|m| op_error(&id, m))?;
                let schema_json = inlined_schema_json(
                    document,
                    &serde_json::json!({ "$ref": format!("#/components/schemas/{schema}") }),
                )
                .map_err(|m| op_error(&id, m))?;
                body_model = Some(BodyModel {
                    schema: schema.to_owned(),
                    example,
                    property_refs,
                    schema_json,
                });
                true
            }
        };

        let mut envelope = None;
        for (status, response) in &operation.responses.responses {
            let status = status.to_string();
            let response = resolve_response(document, response).map_err(|m| op_error(&id, m))?;
            let name = json_schema_ref(response).ok_or_else(|| {
                op_error(
                    &id,
                    format!("response {status} must be application/json with a $ref schema"),
                )
            })?;
            let media = &response.content["application/json"];
            if media.example.is_none() && media.examples.is_empty() {
                return Err(op_error(&id, format!("response {status} needs an example")));
            }
            if status.starts_with('2') {
                if envelope.replace(name.to_owned()).is_some() {
                    return Err(op_error(&id, "exactly one success response is supported"));
                }
            } else {
                match error_schema {
                    Some(existing) if existing != name => {
                        return Err(op_error(
                            &id,
                            format!("error responses must all use `{existing}`, not `{name}`"),
                        ));
                    }
                    _ => *error_schema = Some(name.to_owned()),
                }
            }
        }
        if operation.responses.default.is_some() {
            return Err(op_error(
                &id,
                "`default` responses are not supported; use 4XX/5XX",
            ));
        }
        let envelope = envelope.ok_or_else(|| op_error(&id, "no success (2xx) response"))?;

        let pagination = match operation.extensions.get("x-aurpay-pagination") {
            None => None,
            Some(value) => Some(read_pagination(document, &id, operation, &envelope, value)?),
        };

        let params = read_params(document, &id, operation)?;
        let intent = read_intent(
            document,
            &id,
            operation,
            moves_money,
            body_model.as_ref(),
            &envelope,
        )?;

        Ok(OperationModel {
            id,
            method: method.to_uppercase(),
            path: path.to_owned(),
            summary,
            tag: tag.clone(),
            moves_money,
            authenticated,
            has_body,
            provenance,
            envelope,
            pagination,
            params,
            body: body_model,
            intent,
        })
    }
}

fn read_params(
    document: &OpenAPI,
    id: &str,
    operation: &Operation,
) -> Result<Vec<ParamModel>, SpecError> {
    let mut params = Vec::new();
    for parameter in &operation.parameters {
        let parameter = resolve_parameter(document, parameter)
            .ok_or_else(|| op_error(id, "unresolvable parameter $ref"))?;
        let (in_path, data) = match parameter {
            Parameter::Path { parameter_data, .. } => (true, parameter_data),
            Parameter::Query { parameter_data, .. } => (false, parameter_data),
            // Headers and cookies are the transport's business (auth,
            // signing), not the operation's.
            _ => continue,
        };
        let schema = match &data.format {
            openapiv3::ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) => Some(schema),
            _ => None,
        };
        let kind = match schema.map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::String(_))) => ParamKind::String,
            Some(SchemaKind::Type(Type::Integer(_))) => ParamKind::Integer,
            Some(SchemaKind::Type(Type::Boolean(_))) => ParamKind::Boolean,
            _ => ParamKind::Unsupported,
        };
        let schema_json = match &data.format {
            openapiv3::ParameterSchemaOrContent::Schema(schema) => {
                let value = serde_json::to_value(schema)
                    .map_err(|e| op_error(id, format!("parameter `{}`: {e}", data.name)))?;
                inlined_schema_json(document, &value).map_err(|m| op_error(id, m))?
            }
            openapiv3::ParameterSchemaOrContent::Content(_) => "{}".to_owned(),
        };
        params.push(ParamModel {
            schema_json,
            name: data.name.clone(),
            in_path,
            required: data.required,
            kind,
            example: data
                .example
                .clone()
                .or_else(|| schema.and_then(|s| s.schema_data.example.clone())),
        });
    }
    Ok(params)
}

/// Exactly one operation must be `x-aurpay-order-lookup: true`: a GET with
/// one path parameter (the order id).
fn read_order_lookup(
    document: &OpenAPI,
    operations: &[OperationModel],
) -> Result<(String, String), SpecError> {
    let mut found = Vec::new();
    for item in document
        .paths
        .paths
        .values()
        .filter_map(ReferenceOr::as_item)
    {
        for (method, op) in item.iter() {
            if op.extensions.get("x-aurpay-order-lookup") != Some(&Value::Bool(true)) {
                continue;
            }
            let id = op.operation_id.clone().unwrap_or_default();
            let path_params: Vec<String> = op
                .parameters
                .iter()
                .filter_map(|p| resolve_parameter(document, p))
                .filter_map(|p| match p {
                    Parameter::Path { parameter_data, .. } => Some(parameter_data.name.clone()),
                    _ => None,
                })
                .collect();
            let [param] = path_params.as_slice() else {
                return Err(op_error(
                    &id,
                    "the order lookup needs exactly one path parameter",
                ));
            };
            if method != "get" {
                return Err(op_error(&id, "the order lookup must be a GET"));
            }
            found.push((id, param.clone()));
        }
    }
    match found.as_slice() {
        [one] if operations.iter().any(|op| op.id == one.0) => Ok(one.clone()),
        _ => Err(SpecError {
            operation: None,
            message: format!(
                "exactly one operation must be `x-aurpay-order-lookup: true`, found {}",
                found.len()
            ),
        }),
    }
}

fn read_provenance(id: &str, value: Option<&Value>) -> Result<Provenance, SpecError> {
    let value = value.ok_or_else(|| op_error(id, "missing `x-aurpay-provenance`"))?;
    let text = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned())
    };
    let confirmed = match text("status").as_deref() {
        Some("confirmed") => true,
        Some("inferred") => false,
        _ => {
            return Err(op_error(
                id,
                "`x-aurpay-provenance.status` must be `confirmed` or `inferred`",
            ));
        }
    };
    let source = text("source")
        .filter(|s| s.starts_with("https://"))
        .ok_or_else(|| op_error(id, "`x-aurpay-provenance.source` must be the docs URL"))?;
    let basis = text("basis");
    if !confirmed && basis.is_none() {
        return Err(op_error(
            id,
            "an inferred operation needs `x-aurpay-provenance.basis`",
        ));
    }
    Ok(Provenance {
        confirmed,
        source,
        basis,
        notes: text("notes"),
    })
}

fn read_pagination(
    document: &OpenAPI,
    id: &str,
    operation: &Operation,
    envelope: &str,
    value: &Value,
) -> Result<PaginationModel, SpecError> {
    let field = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| op_error(id, format!("`x-aurpay-pagination.{key}` is missing")))
    };
    let page_param = field("page_param")?;
    let size_param = field("size_param")?;
    let items_field = field("items")?;
    let max_page_field = field("max_page")?;
    for param in [&page_param, &size_param] {
        let found = operation.parameters.iter().any(|p| {
            matches!(resolve_parameter(document, p), Some(Parameter::Query { parameter_data, .. })
                if &parameter_data.name == param && !parameter_data.required)
        });
        if !found {
            return Err(op_error(
                id,
                format!("pagination parameter `{param}` is not an optional query parameter"),
            ));
        }
    }
    let data_schema = envelope_data_schema(document, envelope).map_err(|m| op_error(id, m))?;
    let page = object_schema(document, &data_schema).map_err(|m| op_error(id, m))?;
    let SchemaKind::Type(Type::Object(page)) = &page.schema_kind else {
        return Err(op_error(id, format!("`{data_schema}` must be an object")));
    };
    for key in [&max_page_field, &"page".to_owned(), &"total".to_owned()] {
        if !page.properties.contains_key(key.as_str()) || !page.required.contains(key) {
            return Err(op_error(
                id,
                format!("`{data_schema}` needs a required `{key}`"),
            ));
        }
    }
    let items = page
        .properties
        .get(&items_field)
        .and_then(ReferenceOr::as_item)
        .ok_or_else(|| op_error(id, format!("`{data_schema}.{items_field}` is missing")))?;
    let SchemaKind::Type(Type::Array(array)) = &items.schema_kind else {
        return Err(op_error(
            id,
            format!("`{data_schema}.{items_field}` must be an array"),
        ));
    };
    let item_schema = match array.items.as_ref() {
        Some(ReferenceOr::Reference { reference }) => ref_name(reference).map(str::to_owned),
        _ => None,
    }
    .ok_or_else(|| {
        op_error(
            id,
            format!("`{data_schema}.{items_field}` items must be a $ref"),
        )
    })?;
    let order_listing = match operation.extensions.get("x-aurpay-order-listing") {
        None => None,
        Some(listing) => Some(read_listing(
            document,
            id,
            &item_schema,
            listing,
            "x-aurpay-order-listing",
            &ORDER_LISTING_ROLES,
        )?),
    };
    let transaction_listing = match operation.extensions.get("x-aurpay-transaction-listing") {
        None => None,
        Some(listing) => Some(read_listing(
            document,
            id,
            &item_schema,
            listing,
            "x-aurpay-transaction-listing",
            &TRANSACTION_LISTING_ROLES,
        )?),
    };
    Ok(PaginationModel {
        page_param,
        size_param,
        items_field,
        max_page_field,
        page_field: "page".into(),
        total_field: "total".into(),
        item_schema,
        order_listing,
        transaction_listing,
    })
}

/// A listing extension (`x-aurpay-order-listing`,
/// `x-aurpay-transaction-listing`): a map from each of `roles` to a
/// property of the list's item schema (whose types the compiler then checks
/// in the generated impl).
fn read_listing(
    document: &OpenAPI,
    id: &str,
    item_schema: &str,
    listing: &Value,
    extension: &str,
    roles: &[&str],
) -> Result<Vec<(String, String)>, SpecError> {
    let map = listing
        .as_object()
        .ok_or_else(|| op_error(id, format!("`{extension}` must map roles to item fields")))?;
    if let Some(extra) = map.keys().find(|k| !roles.contains(&k.as_str())) {
        return Err(op_error(
            id,
            format!("`{extension}.{extra}` is not a role (expected {roles:?})"),
        ));
    }
    let item = object_schema(document, item_schema).map_err(|m| op_error(id, m))?;
    let SchemaKind::Type(Type::Object(item)) = &item.schema_kind else {
        return Err(op_error(id, format!("`{item_schema}` must be an object")));
    };
    roles
        .iter()
        .map(|role| {
            let field = map
                .get(*role)
                .and_then(Value::as_str)
                .ok_or_else(|| op_error(id, format!("`{extension}.{role}` is missing")))?;
            if !item.properties.contains_key(field) {
                return Err(op_error(
                    id,
                    format!("`{extension}.{role}`: `{item_schema}` has no `{field}`"),
                ));
            }
            Ok(((*role).to_owned(), field.to_owned()))
        })
        .collect()
}

/// `x-aurpay-intent` of a call that moves money (required exactly then).
fn read_intent(
    document: &OpenAPI,
    id: &str,
    operation: &Operation,
    moves_money: bool,
    body: Option<&BodyModel>,
    envelope: &str,
) -> Result<Option<IntentModel>, SpecError> {
    let value = operation.extensions.get("x-aurpay-intent");
    let value = match (value, moves_money) {
        (None, false) => return Ok(None),
        (Some(_), false) => {
            return Err(op_error(
                id,
                "`x-aurpay-intent` belongs only on a call that moves money",
            ));
        }
        (None, true) => {
            return Err(op_error(
                id,
                "a call that moves money needs `x-aurpay-intent` (how an unknown outcome is resolved)",
            ));
        }
        (Some(value), true) => value,
    };
    let evidence = match value.get("evidence").and_then(Value::as_str) {
        Some("orders") => Evidence::Orders,
        Some("transactions") => Evidence::Transactions,
        _ => {
            return Err(op_error(
                id,
                "`x-aurpay-intent.evidence` must be `orders` or `transactions`",
            ));
        }
    };
    let roles: &[&str] = match evidence {
        Evidence::Orders => &ORDER_MATCH_ROLES,
        Evidence::Transactions => &TRANSACTION_MATCH_ROLES,
    };
    let matches = value
        .get("match")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| op_error(id, "`x-aurpay-intent.match` must map roles to sources"))?;
    let body_properties: Vec<&str> = body
        .map(|b| b.property_refs.iter().map(|(p, _)| p.as_str()).collect())
        .unwrap_or_default();
    let path_params: Vec<String> = operation
        .parameters
        .iter()
        .filter_map(|p| match resolve_parameter(document, p)? {
            Parameter::Path { parameter_data, .. } => Some(parameter_data.name.clone()),
            _ => None,
        })
        .collect();
    let mut read = Vec::new();
    for (role, source) in matches {
        if !roles.contains(&role.as_str()) {
            return Err(op_error(
                id,
                format!(
                    "`x-aurpay-intent.match.{role}` is not a role of the {evidence:?} listing (expected {roles:?})"
                ),
            ));
        }
        let source = source.as_str().ok_or_else(|| {
            op_error(
                id,
                format!("`x-aurpay-intent.match.{role}` must be a string"),
            )
        })?;
        let source = if let Some(field) = source.strip_prefix("body.") {
            if !body_properties.contains(&field) {
                return Err(op_error(
                    id,
                    format!("`x-aurpay-intent.match.{role}`: the body has no `{field}`"),
                ));
            }
            Source::Body(field.to_owned())
        } else if let Some(param) = source.strip_prefix("path.") {
            if !path_params.iter().any(|p| p == param) {
                return Err(op_error(
                    id,
                    format!("`x-aurpay-intent.match.{role}`: no path parameter `{param}`"),
                ));
            }
            Source::Path(param.to_owned())
        } else {
            Source::Const(source.to_owned())
        };
        read.push((role.clone(), source));
    }
    let result = match value.get("result") {
        None => None,
        Some(result) => {
            let map = result
                .as_object()
                .filter(|m| m.len() == 1)
                .ok_or_else(|| op_error(id, "`x-aurpay-intent.result` must name one field"))?;
            let (what, field) = map.iter().next().expect("one entry");
            let allowed: &[&str] = match evidence {
                Evidence::Orders => &["order_id", "pay_url"],
                Evidence::Transactions => &["tx_id"],
            };
            if !allowed.contains(&what.as_str()) {
                return Err(op_error(
                    id,
                    format!("`x-aurpay-intent.result.{what}`: expected one of {allowed:?}"),
                ));
            }
            let field = field
                .as_str()
                .ok_or_else(|| op_error(id, "`x-aurpay-intent.result` must name a field"))?;
            let data = envelope_data_schema(document, envelope).map_err(|m| op_error(id, m))?;
            let schema = object_schema(document, &data).map_err(|m| op_error(id, m))?;
            let has_field = matches!(&schema.schema_kind,
                SchemaKind::Type(Type::Object(object)) if object.properties.contains_key(field));
            if !has_field {
                return Err(op_error(
                    id,
                    format!("`x-aurpay-intent.result`: `{data}` has no `{field}`"),
                ));
            }
            Some((what.clone(), field.to_owned()))
        }
    };
    Ok(Some(IntentModel {
        evidence,
        matches: read,
        result,
    }))
}

pub(crate) fn resolve_parameter<'a>(
    document: &'a OpenAPI,
    parameter: &'a ReferenceOr<Parameter>,
) -> Option<&'a Parameter> {
    match parameter {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/parameters/")
            .and_then(|n| document.components.as_ref()?.parameters.get(n))
            .and_then(ReferenceOr::as_item),
    }
}

fn resolve_body<'a>(
    document: &'a OpenAPI,
    body: &'a ReferenceOr<RequestBody>,
) -> Result<&'a RequestBody, String> {
    match body {
        ReferenceOr::Item(b) => Ok(b),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/requestBodies/")
            .and_then(|n| document.components.as_ref()?.request_bodies.get(n))
            .and_then(ReferenceOr::as_item)
            .ok_or_else(|| format!("unresolvable request body `{reference}`")),
    }
}

fn resolve_response<'a>(
    document: &'a OpenAPI,
    response: &'a ReferenceOr<Response>,
) -> Result<&'a Response, String> {
    match response {
        ReferenceOr::Item(r) => Ok(r),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/responses/")
            .and_then(|n| document.components.as_ref()?.responses.get(n))
            .and_then(ReferenceOr::as_item)
            .ok_or_else(|| format!("unresolvable response `{reference}`")),
    }
}

fn json_schema_ref(response: &Response) -> Option<&str> {
    if response.content.len() != 1 {
        return None;
    }
    match response.content.get("application/json")?.schema.as_ref()? {
        ReferenceOr::Reference { reference } => ref_name(reference),
        ReferenceOr::Item(_) => None,
    }
}

pub(crate) fn object_schema<'a>(document: &'a OpenAPI, name: &str) -> Result<&'a Schema, String> {
    document
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(name))
        .and_then(ReferenceOr::as_item)
        .ok_or_else(|| format!("schema `{name}` is not defined"))
}

/// The envelope must be `allOf: [$ref Envelope, {properties: {data: $ref X}}]`;
/// returns `X`.
fn envelope_data_schema(document: &OpenAPI, envelope: &str) -> Result<String, String> {
    let schema = object_schema(document, envelope)?;
    let shape_error = || {
        format!(
            "`{envelope}` must be `allOf: [$ref Envelope, {{properties: {{data: $ref <Data>}}}}]` \
             so that `data` is a named type"
        )
    };
    let SchemaKind::AllOf { all_of } = &schema.schema_kind else {
        return Err(shape_error());
    };
    let [
        ReferenceOr::Reference { reference: base },
        ReferenceOr::Item(extra),
    ] = all_of.as_slice()
    else {
        return Err(shape_error());
    };
    if ref_name(base) != Some("Envelope") {
        return Err(shape_error());
    }
    let SchemaKind::Type(Type::Object(extra)) = &extra.schema_kind else {
        return Err(shape_error());
    };
    match extra.properties.get("data") {
        Some(ReferenceOr::Reference { reference }) => ref_name(reference)
            .map(str::to_owned)
            .ok_or_else(shape_error),
        _ => Err(shape_error()),
    }
}

/// The properties of object schema `name`, each with the component it
/// refers to (`$ref: X` or `allOf: [$ref: X]`, the form used to describe a
/// property whose type is a component).
fn property_refs(document: &OpenAPI, name: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let schema = object_schema(document, name)?;
    let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
        return Err(format!("request body schema `{name}` must be an object"));
    };
    Ok(object
        .properties
        .iter()
        .map(|(property, schema)| {
            let target = match schema {
                ReferenceOr::Reference { reference } => ref_name(reference),
                ReferenceOr::Item(schema) => match &schema.schema_kind {
                    SchemaKind::AllOf { all_of } => match all_of.as_slice() {
                        [ReferenceOr::Reference { reference }] => ref_name(reference),
                        _ => None,
                    },
                    _ => None,
                },
            };
            (property.clone(), target.map(str::to_owned))
        })
        .collect())
}

/// `schema` as compact JSON with every `#/components/schemas/` reference
/// replaced by the component (request schemas are not recursive; a depth
/// limit guards against a spec where one is).
fn inlined_schema_json(document: &OpenAPI, schema: &Value) -> Result<String, String> {
    fn inline(document: &OpenAPI, value: &Value, depth: usize) -> Result<Value, String> {
        if depth > 32 {
            return Err("schema references nest more than 32 deep (recursive?)".into());
        }
        Ok(match value {
            Value::Object(object) => {
                if let Some(name) = object
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(ref_name)
                {
                    let component = document
                        .components
                        .as_ref()
                        .and_then(|c| c.schemas.get(name))
                        .ok_or_else(|| format!("schema `{name}` is not defined"))?;
                    let component = serde_json::to_value(component).map_err(|e| e.to_string())?;
                    return inline(document, &component, depth + 1);
                }
                Value::Object(
                    object
                        .iter()
                        // Documentation is not needed to validate.
                        .filter(|(key, _)| {
                            !matches!(key.as_str(), "description" | "example" | "examples")
                        })
                        .map(|(key, value)| Ok((key.clone(), inline(document, value, depth + 1)?)))
                        .collect::<Result<_, String>>()?,
                )
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| inline(document, item, depth + 1))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
    Ok(inline(document, schema, 0)?.to_string())
}
