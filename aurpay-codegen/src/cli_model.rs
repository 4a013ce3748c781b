//! Reads what the `aurpay` command shows and sends for each operation: the
//! operation's description, every parameter and body property with its
//! description, whether it is required, and its Rust type as progenitor
//! generated it; and, for operations that create orders, which request
//! fields carry the callback URLs (the spec's `callbacks` expressions and
//! `x-aurpay-post-callbacks`).

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type};
use serde_json::Value;

use crate::spec::{Model, OperationModel};

/// Where an argument goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    Query,
    Body,
}

/// One flag of a subcommand: a path or query parameter or a body property.
#[derive(Debug)]
pub struct CliArg {
    /// The spec's name (`order_id`, `vs_price`).
    pub name: String,
    pub place: Place,
    pub required: bool,
    pub description: String,
    /// The value's Rust type, as the generated setter takes it.
    pub rust_type: syn::Type,
    /// The spec's example value, for the subcommand's example.
    pub example: Option<Value>,
    /// `format: password`: read it, never echo it.
    pub secret: bool,
    /// A parameter's schema as JSON, `$ref`s inlined (its bounds are
    /// checked before sending); empty for a body property (the whole body
    /// is checked against the body's schema).
    pub schema_json: String,
}

/// The request fields the callbacks of an order-creating operation are
/// configured by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackFields {
    /// The body field with the paid callback's URL.
    pub paid: String,
    /// The body field with the timed-out callback's URL.
    pub timeout: String,
    /// The boolean body field that makes both callbacks POST
    /// (`x-aurpay-post-callbacks`); without it they are GET.
    pub post_when: Option<String>,
}

/// One operation as a subcommand.
#[derive(Debug)]
pub struct CliOperation<'m> {
    pub op: &'m OperationModel,
    pub description: String,
    pub args: Vec<CliArg>,
    pub callbacks: Option<CallbackFields>,
    /// The required fields of what the answer lists (a page's items) or
    /// is: identity, status and principal amount, by the spec's
    /// tolerant-reader policy; a table shows them first.
    pub key_fields: Vec<String>,
}

/// Every operation of `model`, read for the command.
pub fn read<'m>(
    model: &'m Model,
    document: &OpenAPI,
    client: &syn::File,
    callbacks: &BTreeMap<String, CallbackFields>,
) -> Result<Vec<CliOperation<'m>>, String> {
    model
        .operations
        .iter()
        .map(|op| {
            let mut operation =
                read_operation(op, document, client, callbacks.get(&op.id).cloned())?;
            let data = model
                .envelopes
                .iter()
                .find(|(envelope, _)| envelope == &op.envelope)
                .map(|(_, data)| data.clone())
                .unwrap_or_default();
            let shown = op
                .pagination
                .as_ref()
                .map_or(data, |p| p.item_schema.clone());
            operation.key_fields = match crate::spec::object_schema(document, &shown) {
                Ok(schema) => match &schema.schema_kind {
                    SchemaKind::Type(Type::Object(object)) => object.required.clone(),
                    _ => Vec::new(),
                },
                Err(_) => Vec::new(),
            };
            Ok(operation)
        })
        .collect()
}

fn read_operation<'m>(
    op: &'m OperationModel,
    document: &OpenAPI,
    client: &syn::File,
    callbacks: Option<CallbackFields>,
) -> Result<CliOperation<'m>, String> {
    let fail = |message: String| format!("operation `{}`: {message}", op.id);
    let operation = find_operation(document, &op.id).ok_or_else(|| fail("not found".into()))?;
    let builder_fields =
        struct_fields(client, &["builder"], &op.builder_name()).ok_or_else(|| {
            fail(format!(
                "no builder `{}` in progenitor's output",
                op.builder_name()
            ))
        })?;
    let mut args = Vec::new();
    for param in &op.params {
        let description = operation
            .parameters
            .iter()
            .filter_map(|p| crate::spec::resolve_parameter(document, p))
            .map(|p| p.parameter_data_ref())
            .find(|data| data.name == param.name)
            .and_then(|data| data.description.clone())
            .unwrap_or_default();
        let (rust_type, _) = builder_field_type(&builder_fields, &param.name)
            .ok_or_else(|| fail(format!("the builder has no field `{}`", param.name)))?;
        args.push(CliArg {
            name: param.name.clone(),
            place: if param.in_path {
                Place::Path
            } else {
                Place::Query
            },
            required: param.required,
            description,
            rust_type,
            example: param.example.clone(),
            secret: false,
            schema_json: param.schema_json.clone(),
        });
    }
    if let Some(body) = &op.body {
        let schema = crate::spec::object_schema(document, &body.schema)?;
        let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
            return Err(fail(format!("`{}` must be an object", body.schema)));
        };
        let type_fields = struct_fields(client, &["types"], &body.schema)
            .ok_or_else(|| fail(format!("no type `{}` in progenitor's output", body.schema)))?;
        for (name, property) in &object.properties {
            let (description, secret) = match property {
                ReferenceOr::Item(schema) => (
                    schema.schema_data.description.clone().unwrap_or_default(),
                    matches!(&schema.schema_kind,
                        SchemaKind::Type(Type::String(s))
                            if matches!(&s.format, openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Password))),
                ),
                ReferenceOr::Reference { .. } => (String::new(), false),
            };
            let rust_type = type_fields
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, ty)| unwrap_generic(ty, "Option").unwrap_or_else(|| ty.clone()))
                .ok_or_else(|| fail(format!("`{}` has no field `{name}`", body.schema)))?;
            if args.iter().any(|a: &CliArg| &a.name == name) {
                return Err(fail(format!(
                    "body property `{name}` has the name of a parameter: the command needs one flag each"
                )));
            }
            args.push(CliArg {
                name: name.clone(),
                place: Place::Body,
                required: object.required.contains(name),
                description,
                rust_type,
                example: body.example.get(name).filter(|v| !v.is_null()).cloned(),
                secret,
                schema_json: String::new(),
            });
        }
    }
    if let Some(fields) = &callbacks {
        let body_field = |name: &str| {
            args.iter()
                .any(|a| a.place == Place::Body && a.name == name)
        };
        for field in [
            Some(&fields.paid),
            Some(&fields.timeout),
            fields.post_when.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if !body_field(field) {
                return Err(fail(format!(
                    "its callbacks name `{field}`, which its request body does not have"
                )));
            }
        }
    }
    Ok(CliOperation {
        op,
        description: operation.description.clone().unwrap_or_default(),
        args,
        callbacks,
        key_fields: Vec::new(),
    })
}

fn find_operation<'d>(document: &'d OpenAPI, id: &str) -> Option<&'d openapiv3::Operation> {
    document
        .paths
        .paths
        .values()
        .filter_map(ReferenceOr::as_item)
        .flat_map(|item| item.iter().map(|(_, op)| op))
        .find(|op| op.operation_id.as_deref() == Some(id))
}

/// The named fields of struct `name` inside the nested modules `modules`.
fn struct_fields(
    file: &syn::File,
    modules: &[&str],
    name: &str,
) -> Option<Vec<(String, syn::Type)>> {
    let mut items = &file.items;
    for module in modules {
        items = items.iter().find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == module => m.content.as_ref().map(|(_, items)| items),
            _ => None,
        })?;
    }
    items.iter().find_map(|item| match item {
        syn::Item::Struct(s) if s.ident == name => Some(
            s.fields
                .iter()
                .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
                .collect(),
        ),
        _ => None,
    })
}

/// A builder field is `Result<T, String>` or `Result<Option<T>, String>`:
/// the setter's value type `T`, and whether it is optional.
fn builder_field_type(fields: &[(String, syn::Type)], name: &str) -> Option<(syn::Type, bool)> {
    let (_, ty) = fields.iter().find(|(field, _)| field == name)?;
    let inner = unwrap_generic(ty, "Result")?;
    match unwrap_generic(&inner, "Option") {
        Some(value) => Some((value, true)),
        None => Some((inner, false)),
    }
}

/// `T` of `Wrapper<T, ..>` (any path ending in `Wrapper`).
fn unwrap_generic(ty: &syn::Type, wrapper: &str) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(inner) => Some(inner.clone()),
        _ => None,
    })
}

/// The callback fields of every order-creating operation, read from the
/// raw document before its callbacks are stripped: each callback's
/// expression `{$request.body#/FIELD}` names the field, its operationIds
/// (`{operation}_paid_callback_get`, `..._timeout_callback_get`) the event,
/// and the operation's `x-aurpay-post-callbacks` the field that makes them
/// POST.
pub fn read_callbacks(
    document: &serde_yaml::Value,
) -> Result<BTreeMap<String, CallbackFields>, String> {
    let mut found = BTreeMap::new();
    let Some(paths) = document.get("paths").and_then(|p| p.as_mapping()) else {
        return Ok(found);
    };
    for item in paths.values().filter_map(|i| i.as_mapping()) {
        for operation in item.values().filter_map(|o| o.as_mapping()) {
            let Some(id) = operation.get("operationId").and_then(|v| v.as_str()) else {
                continue;
            };
            let Some(callbacks) = operation.get("callbacks").and_then(|c| c.as_mapping()) else {
                continue;
            };
            let (mut paid, mut timeout) = (None, None);
            for expressions in callbacks.values().filter_map(|c| c.as_mapping()) {
                for (expression, methods) in expressions {
                    let field = expression
                        .as_str()
                        .and_then(|e| e.strip_prefix("{$request.body#/"))
                        .and_then(|e| e.strip_suffix('}'))
                        .ok_or_else(|| {
                            format!("operation `{id}`: callback expression {expression:?} is not {{$request.body#/FIELD}}")
                        })?;
                    let ids: Vec<&str> = methods
                        .as_mapping()
                        .into_iter()
                        .flat_map(|m| m.values())
                        .filter_map(|callback| callback.get("operationId")?.as_str())
                        .collect();
                    let event = if ids.iter().all(|c| c.contains("_paid_callback_")) {
                        &mut paid
                    } else if ids.iter().all(|c| c.contains("_timeout_callback_")) {
                        &mut timeout
                    } else {
                        return Err(format!(
                            "operation `{id}`: the callbacks of `{field}` must be named `{id}_paid_callback_*` or `{id}_timeout_callback_*`"
                        ));
                    };
                    if event.replace(field.to_owned()).is_some() {
                        return Err(format!("operation `{id}`: two callbacks for one event"));
                    }
                }
            }
            let post_when = match operation.get("x-aurpay-post-callbacks") {
                None => None,
                Some(value) => Some(value.as_str().map(str::to_owned).ok_or_else(|| {
                    format!("operation `{id}`: `x-aurpay-post-callbacks` names a body field")
                })?),
            };
            match (paid, timeout) {
                (Some(paid), Some(timeout)) => {
                    found.insert(
                        id.to_owned(),
                        CallbackFields {
                            paid,
                            timeout,
                            post_when,
                        },
                    );
                }
                _ => {
                    return Err(format!(
                        "operation `{id}`: declares callbacks, but not one paid and one timed-out callback"
                    ));
                }
            }
        }
    }
    Ok(found)
}
