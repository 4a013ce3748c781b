//! Emits `tests/tests/generated/components.rs`: a function that decodes a
//! JSON value as the Rust type generated for a named component schema and
//! encodes it back, and one that gives that type's JSON Schema. The spec-examples test calls it for every example in
//! the spec, so a component added to the spec is checked with no edit to
//! the tests.

use proc_macro2::TokenStream;
use quote::quote;

/// The Rust type of component `name`, as a user of `aurpay_api` names it.
fn rust_type(name: &str, nullable: bool) -> TokenStream {
    let base: TokenStream = match crate::REPLACEMENTS
        .iter()
        .find(|(schema, _)| *schema == name)
    {
        Some((_, path)) => path
            .replacen("crate::", "aurpay_api::", 1)
            .parse()
            .unwrap_or_else(|_| quote!(())),
        None => {
            let ident = proc_macro2::Ident::new(name, proc_macro2::Span::call_site());
            quote!(aurpay_api::types::#ident)
        }
    };
    // A nullable component replaced by a plain type (see REPLACEMENTS)
    // stands for `Option<T>` wherever it appears on its own.
    if nullable
        && crate::REPLACEMENTS
            .iter()
            .any(|(schema, _)| *schema == name)
    {
        quote!(::std::option::Option<#base>)
    } else {
        base
    }
}

/// Whether a schema accepts null: marked `nullable` (or `x-nullable`)
/// itself or in one of its `oneOf`/`anyOf` branches (the spec's way to write a nullable
/// union).
fn accepts_null(schema: &openapiv3::Schema) -> bool {
    use openapiv3::SchemaKind;
    schema.schema_data.nullable
        // A schema without `type` (an amount: string or number) cannot be
        // `nullable` in OpenAPI 3.0; `x-nullable` says it admits null.
        || schema.schema_data.extensions.get("x-nullable") == Some(&serde_json::Value::Bool(true))
        || match &schema.schema_kind {
            SchemaKind::OneOf { one_of: branches } | SchemaKind::AnyOf { any_of: branches } => {
                branches
                    .iter()
                    .filter_map(openapiv3::ReferenceOr::as_item)
                    .any(accepts_null)
            }
            _ => false,
        }
}

/// The file's tokens.
pub fn tokens(document: &openapiv3::OpenAPI) -> TokenStream {
    let arms = document
        .components
        .iter()
        .flat_map(|components| &components.schemas)
        .map(|(name, schema)| {
            let nullable = schema.as_item().is_some_and(accepts_null);
            let ty = rust_type(name, nullable);
            quote!(#name => via::<#ty>(example),)
        });
    let schema_arms = document
        .components
        .iter()
        .flat_map(|components| &components.schemas)
        .map(|(name, schema)| {
            let nullable = schema.as_item().is_some_and(accepts_null);
            let ty = rust_type(name, nullable);
            quote!(#name => schema_of::<#ty>(),)
        });
    quote! {
        //! Included by `examples.rs`.

        use serde::Serialize;
        use serde::de::DeserializeOwned;
        use serde_json::Value;

        /// Decodes `example` as the Rust type of component `schema` and
        /// encodes it back; `None` if the spec has no such component.
        pub fn round_trip(schema: &str, example: &Value) -> Option<Result<Value, serde_json::Error>> {
            fn via<T: DeserializeOwned + Serialize>(example: &Value) -> Result<Value, serde_json::Error> {
                serde_json::to_value(serde_json::from_value::<T>(example.clone())?)
            }
            Some(match schema {
                #(#arms)*
                _ => return None,
            })
        }

        /// The JSON Schema of the Rust type of component `schema` (as
        /// schemars derives it); `None` if the spec has no such component.
        pub fn json_schema(schema: &str) -> Option<Value> {
            fn schema_of<T: schemars::JsonSchema>() -> Value {
                serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null)
            }
            Some(match schema {
                #(#schema_arms)*
                _ => return None,
            })
        }
    }
}
