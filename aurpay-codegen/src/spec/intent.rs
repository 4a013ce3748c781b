//! `x-aurpay-intent`: where a money call's effect appears, and how it is
//! recognised.

use super::{
    BodyModel, Evidence, IntentModel, ORDER_MATCH_ROLES, Source, SpecError,
    TRANSACTION_MATCH_ROLES, envelope_data_schema, object_schema, op_error, resolve_parameter,
};
use openapiv3::{OpenAPI, Operation, Parameter, SchemaKind, Type};
use serde_json::Value;

/// `x-aurpay-intent` of a call that moves money (required exactly then).
pub(super) fn read_intent(
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
