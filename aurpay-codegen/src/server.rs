//! Emits the sandbox's routing glue into `generated_operations.rs`: a
//! `Handlers` trait with one method per operation, typed with the
//! operation's parameters, request body and response data, and the
//! `dispatch` function that decodes a matched request and calls the right
//! method.
//!
//! Because the trait has no default methods, adding an operation to the spec
//! and running regen leaves the sandbox failing to compile until it handles
//! the new operation ("not all trait items implemented, missing: ..."), and a
//! changed body or data type shows up as a type error in the handler. Nothing
//! routes by a hand-written string.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::spec::{Model, OperationModel, ParamKind};

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type of a component as the generated code names it:
/// `types::X`, or the hand-written replacement.
pub fn component_type(name: &str) -> TokenStream {
    match crate::REPLACEMENTS
        .iter()
        .find(|(schema, _)| *schema == name)
    {
        Some((_, path)) => path.parse().unwrap_or_else(|_| quote!(types::#name)),
        None => {
            let name = ident(name);
            quote!(types::#name)
        }
    }
}

fn param_type(kind: ParamKind) -> TokenStream {
    match kind {
        ParamKind::String => quote!(::std::string::String),
        ParamKind::Integer => quote!(i64),
        ParamKind::Boolean => quote!(bool),
        // Refused by `Model::check_scalar_params` before glue is generated.
        ParamKind::Unsupported => quote!(::std::string::String),
    }
}

/// The position of `{name}` among the path template's parameters.
fn path_index(path: &str, name: &str) -> usize {
    path.split('/')
        .filter(|segment| segment.starts_with('{') && segment.ends_with('}'))
        .position(|segment| &segment[1..segment.len() - 1] == name)
        .unwrap_or(usize::MAX)
}

struct Handler {
    signature: TokenStream,
    arm: TokenStream,
}

fn handler(op: &OperationModel, data: &str) -> Handler {
    let method = ident(&op.id);
    let id = &op.id;
    let data = component_type(data);
    let mut args = Vec::new();
    let mut decode = Vec::new();
    let mut names = Vec::new();
    let query_names: Vec<&str> = op
        .params
        .iter()
        .filter(|p| !p.in_path)
        .map(|p| p.name.as_str())
        .collect();
    for param in &op.params {
        let name = ident(&param.name);
        let text = &param.name;
        let ty = param_type(param.kind);
        let schema = &param.schema_json;
        if param.in_path {
            let index = path_index(&op.path, &param.name);
            args.push(quote!(#name: #ty));
            decode.push(quote!(let #name = request.path::<#ty>(#index, #text, #schema)?;));
        } else if param.required {
            args.push(quote!(#name: #ty));
            decode.push(quote!(let #name = request.required_query::<#ty>(#text, #schema)?;));
        } else {
            args.push(quote!(#name: ::std::option::Option<#ty>));
            decode.push(quote!(let #name = request.optional_query::<#ty>(#text, #schema)?;));
        }
        names.push(name);
    }
    if let Some(body) = &op.body {
        let ty = component_type(&body.schema);
        let schema = &body.schema_json;
        args.push(quote!(body: #ty));
        decode.push(quote!(let body = request.body::<#ty>(#schema)?;));
        names.push(ident("body"));
    } else {
        decode.push(quote!(request.no_body()?;));
    }
    let doc = format!("`{}` ({} {}): {}.", op.id, op.method, op.path, op.summary);
    Handler {
        signature: quote! {
            #[doc = #doc]
            fn #method(&self, #(#args),*) -> Result<#data, Failure>;
        },
        arm: quote! {
            #id => {
                request.only_query(&[#(#query_names),*])?;
                #(#decode)*
                respond(handlers.#method(#(#names),*)?)
            }
        },
    }
}

/// The `server` module of `generated_operations.rs`, compiled with the
/// `sandbox` feature only.
pub fn tokens(model: &Model, data_of: impl Fn(&str) -> String) -> TokenStream {
    let handlers: Vec<Handler> = model
        .operations
        .iter()
        .map(|op| handler(op, &data_of(&op.envelope)))
        .collect();
    let signatures = handlers.iter().map(|h| &h.signature);
    let arms = handlers.iter().map(|h| &h.arm);
    quote! {
        /// The sandbox's routing, generated from the spec: one handler
        /// method per operation and the dispatch that decodes a request for
        /// it.
        #[cfg(feature = "sandbox")]
        pub(crate) mod server {
            use crate::generated::types;
            use crate::operation::Operation;
            use crate::sandbox::route::{Failure, Request, respond};

            /// What a server must answer for every operation of the spec:
            /// the decoded parameters and body in, the operation's `data`
            /// out, or an Aurpay-style failure.
            pub(crate) trait Handlers {
                #(#signatures)*
            }

            /// Decodes `request` for `operation` (a row of
            /// [`OPERATIONS`](super::OPERATIONS) whose method and path it
            /// matched) and runs its handler; the answer is the envelope's
            /// `data`.
            pub(crate) fn dispatch(
                handlers: &impl Handlers,
                operation: &Operation,
                request: &Request<'_>,
            ) -> Result<Box<serde_json::value::RawValue>, Failure> {
                match operation.id {
                    #(#arms)*
                    other => Err(Failure::unrouted(other)),
                }
            }
        }
    }
}
