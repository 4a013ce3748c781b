//! The spec's `x-aurpay-*` extensions and parameters, read per operation:
//! parameters, the order lookup, provenance, pagination and listings.

use super::{
    ORDER_LISTING_ROLES, OperationModel, PaginationModel, ParamKind, ParamModel, Provenance,
    SpecError, TRANSACTION_LISTING_ROLES, envelope_data_schema, inlined_schema_json, object_schema,
    op_error, ref_name, resolve_parameter,
};
use openapiv3::{OpenAPI, Operation, Parameter, ReferenceOr, SchemaKind, Type};
use serde_json::Value;

pub(super) fn read_params(
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
pub(super) fn read_order_lookup(
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

pub(super) fn read_provenance(id: &str, value: Option<&Value>) -> Result<Provenance, SpecError> {
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

pub(super) fn read_pagination(
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
pub(super) fn read_listing(
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
