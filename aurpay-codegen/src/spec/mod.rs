//! Reads what differs per operation out of the OpenAPI document, and checks
//! the rules the generated glue relies on (provenance on every operation, a
//! named envelope per response, pagination that matches the parameters).

mod extensions;
mod intent;
mod model;
mod schemas;

pub use model::*;

use extensions::*;
use intent::*;
use openapiv3::{OpenAPI, Operation, ReferenceOr};
use schemas::*;
pub(crate) use schemas::{object_schema, resolve_parameter};
use serde_json::Value;

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
