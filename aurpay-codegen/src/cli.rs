//! Emits `generated_cli.rs`: every operation as a subcommand of the `aurpay`
//! command (feature `cli`): its name, help, example and flags as a table,
//! and the dispatch that fills the operation's typed request builder from
//! the flags (or a JSON body) and sends it. aurpay-api's `cli` module is
//! generic over both; it names no operation.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::cli_model::{CallbackFields, CliArg, CliOperation, Place};
use crate::spec::Model;

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `get_payment_url` -> `get-payment-url`: subcommand and flag names.
pub fn kebab(name: &str) -> String {
    name.replace('_', "-")
}

/// Flags every subcommand (or the command) already has.
const RESERVED_FLAGS: &[&str] = &[
    "body",
    "paginate",
    "page-size",
    "output",
    "base-url",
    "help",
    "version",
];

/// What a value looks like in `--help`, from its Rust type.
fn value_name(ty: &syn::Type) -> String {
    let name = match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    };
    match name.as_str() {
        "String" => "TEXT".to_owned(),
        "bool" => "true|false".to_owned(),
        "Amount" => "DECIMAL".to_owned(),
        "NonZeroU64" | "u64" | "i64" | "u32" | "i32" => "N".to_owned(),
        "FiatCurrency" => "FIAT".to_owned(),
        "CryptoCurrency" => "CRYPTO".to_owned(),
        other => other.to_ascii_uppercase(),
    }
}

/// A value as a person types it in a POSIX shell.
fn shell_word(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@,+=%".contains(c));
    Some(if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    })
}

/// The example command line: the spec's example values, required flags
/// first; a `true` boolean as the bare flag, a `false` one left out.
fn example(operation: &CliOperation<'_>) -> String {
    let mut words = vec!["aurpay".to_owned(), kebab(&operation.op.id)];
    let mut ordered: Vec<&CliArg> = operation.args.iter().filter(|a| a.required).collect();
    ordered.extend(operation.args.iter().filter(|a| !a.required));
    for arg in ordered {
        let Some(value) = &arg.example else { continue };
        let flag = format!("--{}", kebab(&arg.name));
        match value {
            Value::Bool(true) => words.push(flag),
            Value::Bool(false) => {}
            value => {
                if let Some(word) = shell_word(value) {
                    words.push(flag);
                    words.push(word);
                }
            }
        }
    }
    words.join(" ")
}

fn help(arg: &CliArg) -> String {
    let text = arg
        .description
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text = if text.is_empty() {
        format!("`{}`", arg.name)
    } else {
        text
    };
    if arg.required {
        format!("{text} [required]")
    } else {
        text
    }
}

fn arg_entry(arg: &CliArg) -> TokenStream {
    let name = &arg.name;
    let flag = kebab(&arg.name);
    let help = help(arg);
    let required = arg.required;
    let secret = arg.secret;
    let schema = &arg.schema_json;
    let value = value_name(&arg.rust_type);
    let is_bool = value == "true|false";
    let place = match arg.place {
        Place::Path => quote!(Place::Path),
        Place::Query => quote!(Place::Query),
        Place::Body => quote!(Place::Body),
    };
    quote! {
        Arg {
            name: #name,
            flag: #flag,
            place: #place,
            required: #required,
            help: #help,
            value_name: #value,
            boolean: #is_bool,
            secret: #secret,
            schema: #schema,
        }
    }
}

fn callbacks_entry(callbacks: &Option<CallbackFields>) -> TokenStream {
    match callbacks {
        None => quote!(None),
        Some(fields) => {
            let paid = &fields.paid;
            let timeout = &fields.timeout;
            let post_when = match &fields.post_when {
                Some(field) => quote!(Some(#field)),
                None => quote!(None),
            };
            quote! {
                Some(CallbackFields { paid: #paid, timeout: #timeout, post_when: #post_when })
            }
        }
    }
}

fn command_entry(index: usize, operation: &CliOperation<'_>) -> TokenStream {
    let name = kebab(&operation.op.id);
    let description = operation.description.trim().to_owned();
    let example = example(operation);
    let args = operation.args.iter().map(arg_entry);
    let (body, body_schema) = match &operation.op.body {
        Some(body) => {
            let (schema, json) = (&body.schema, &body.schema_json);
            (quote!(Some(#schema)), quote!(Some(#json)))
        }
        None => (quote!(None), quote!(None)),
    };
    let callbacks = callbacks_entry(&operation.callbacks);
    let key_fields = &operation.key_fields;
    quote! {
        Command {
            operation: &OPERATIONS[#index],
            name: #name,
            description: #description,
            example: #example,
            args: &[#(#args),*],
            body: #body,
            body_schema: #body_schema,
            callbacks: #callbacks,
            key_fields: &[#(#key_fields),*],
        }
    }
}

/// One arm of `send`: every flag parsed and the body checked by its type
/// (before any credential is read or anything sent), then the builder
/// filled and sent.
fn send_arm(index: usize, operation: &CliOperation<'_>) -> TokenStream {
    let method = ident(&operation.op.id);
    let params: Vec<&CliArg> = operation
        .args
        .iter()
        .filter(|a| a.place != Place::Body)
        .collect();
    let parse_params = params.iter().map(|arg| {
        let (name, local, ty) = (
            &arg.name,
            ident(&format!("param_{}", arg.name)),
            &arg.rust_type,
        );
        quote! { let #local = input.value::<#ty>(#name)?; }
    });
    let set_params = params.iter().map(|arg| {
        let (setter, local) = (ident(&arg.name), ident(&format!("param_{}", arg.name)));
        quote! {
            let request = match #local {
                Some(value) => request.#setter(value),
                None => request,
            };
        }
    });
    let (parse_body, set_body) = match &operation.op.body {
        None => (None, None),
        Some(body) => {
            let schema = ident(&body.schema);
            let name = &body.schema;
            let fields = operation
                .args
                .iter()
                .filter(|a| a.place == Place::Body)
                .map(|arg| {
                    let (name, setter, ty) = (&arg.name, ident(&arg.name), &arg.rust_type);
                    quote! {
                        let body = match input.value::<#ty>(#name)? {
                            Some(value) => body.#setter(value),
                            None => body,
                        };
                    }
                });
            (
                Some(quote! {
                    let body: types::builder::#schema = input
                        .body::<types::#schema>()?
                        .map(Into::into)
                        .unwrap_or_default();
                    #(#fields)*
                    let body: types::#schema = body
                        .try_into()
                        .map_err(|e| Failure::usage(format!("{}: {e}", #name)))?;
                    input.check_body(&body)?;
                }),
                Some(quote! { let request = request.body(body); }),
            )
        }
    };
    let send = if operation.op.pagination.is_some() {
        quote!(input.send_paged(request).await)
    } else {
        quote!(input.send(request).await)
    };
    quote! {
        #index => {
            #(#parse_params)*
            #parse_body
            let client = input.client()?;
            let request = client.#method();
            #(#set_params)*
            #set_body
            #send
        }
    }
}

/// The whole `generated_cli.rs` module body.
pub fn tokens(
    model: &Model,
    document: &openapiv3::OpenAPI,
    client: &syn::File,
    callbacks: &BTreeMap<String, CallbackFields>,
) -> Result<TokenStream, String> {
    let operations = crate::cli_model::read(model, document, client, callbacks)?;
    for operation in &operations {
        if let Some(arg) = operation
            .args
            .iter()
            .find(|a| RESERVED_FLAGS.contains(&kebab(&a.name).as_str()))
        {
            return Err(format!(
                "operation `{}`: `{}` would be the flag --{}, which the command already has",
                operation.op.id,
                arg.name,
                kebab(&arg.name)
            ));
        }
    }
    let count = proc_macro2::Literal::usize_unsuffixed(operations.len());
    let entries = operations
        .iter()
        .enumerate()
        .map(|(index, op)| command_entry(index, op));
    let arms = operations
        .iter()
        .enumerate()
        .map(|(index, op)| send_arm(index, op));
    let listing = |id: &Option<String>| match id {
        Some(id) => {
            let name = kebab(id);
            quote!(Some(#name))
        }
        None => quote!(None),
    };
    let orders = listing(&model.order_listing);
    let transactions = listing(&model.transaction_listing);
    Ok(quote! {
        use crate::cli::operations::{Answer, Arg, CallbackFields, Command, Input, Place};
        use crate::cli::Failure;
        use crate::generated::types;
        use crate::generated_operations::OPERATIONS;

        /// Every operation of spec/aurpay.yaml as a subcommand, in spec order.
        pub(crate) static COMMANDS: [Command; #count] = [#(#entries),*];

        /// The subcommand listing orders (`x-aurpay-order-listing`): where
        /// an order whose creation had an unknown outcome is looked up.
        pub(crate) const ORDER_LISTING_COMMAND: Option<&str> = #orders;

        /// The subcommand listing transactions
        /// (`x-aurpay-transaction-listing`): where a refund or withdrawal
        /// with an unknown outcome is looked up.
        pub(crate) const TRANSACTION_LISTING_COMMAND: Option<&str> = #transactions;

        /// Sends `COMMANDS[index]` with the values `input` holds, through
        /// the operation's typed builder (so the request is checked before
        /// anything is sent).
        pub(crate) async fn send(index: usize, input: &Input<'_>) -> Result<Answer, Failure> {
            match index {
                #(#arms)*
                _ => Err(Failure::usage(format!("no operation number {index}"))),
            }
        }
    })
}
