//! Resolving references and reading schemas out of the document.

use super::ref_name;
use openapiv3::{OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema, SchemaKind, Type};
use serde_json::Value;

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

pub(super) fn resolve_body<'a>(
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

pub(super) fn resolve_response<'a>(
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

pub(super) fn json_schema_ref(response: &Response) -> Option<&str> {
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
pub(super) fn envelope_data_schema(document: &OpenAPI, envelope: &str) -> Result<String, String> {
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
pub(super) fn property_refs(
    document: &OpenAPI,
    name: &str,
) -> Result<Vec<(String, Option<String>)>, String> {
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
pub(super) fn inlined_schema_json(document: &OpenAPI, schema: &Value) -> Result<String, String> {
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
