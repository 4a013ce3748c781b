//! Turns the spec's examples into each operation's rustdoc example: the
//! builder calls a user writes, with the example's parameter values and
//! request body, sent through `.call()`. The example runs as a doctest
//! against the sandbox seeded with the spec's examples
//! (`Sandbox::builder().examples()`), so a spec example the SDK cannot send,
//! or the sandbox cannot answer, fails the tests.
//!
//! progenitor's own example (an `ignore`d snippet with placeholder
//! variables) is replaced.

use std::collections::BTreeSet;

use serde_json::Value;
use syn::{ImplItem, Item};

use crate::spec::{Model, OperationModel, ParamKind};

/// An example the generator cannot write as Rust.
fn unsupported(op: &OperationModel, what: &str, value: &Value) -> String {
    format!(
        "operation `{}`: example {what} = {value} cannot be written as a Rust literal \
         (use a string, integer, boolean or a component such as Amount)",
        op.id
    )
}

/// `aurpay_api::X` for a hand-written replacement type, if `component` is one.
fn replacement_name(component: &str) -> Option<&'static str> {
    crate::REPLACEMENTS
        .iter()
        .find(|(schema, _)| *schema == component)
        .and_then(|(_, path)| path.strip_prefix("crate::"))
}

fn string_literal(text: &str) -> String {
    format!("{text:?}")
}

/// The Rust expression for one body property's example value.
fn property_literal(
    op: &OperationModel,
    name: &str,
    component: Option<&str>,
    value: &Value,
    uses: &mut BTreeSet<&'static str>,
) -> Result<String, String> {
    if let Some(rust) = component.and_then(replacement_name) {
        uses.insert(rust);
        return match value {
            Value::Number(n) if rust == "Amount" && n.is_i64() => Ok(format!("Amount::from({n})")),
            Value::Number(n) => Ok(format!(
                "{}.parse::<{rust}>()?",
                string_literal(&n.to_string())
            )),
            Value::String(s) => Ok(format!("{}.parse::<{rust}>()?", string_literal(s))),
            other => Err(unsupported(op, name, other)),
        };
    }
    match value {
        Value::String(s) => Ok(string_literal(s)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) if n.is_i64() => Ok(n.to_string()),
        other => Err(unsupported(op, name, other)),
    }
}

fn param_literal(
    op: &OperationModel,
    name: &str,
    kind: ParamKind,
    value: &Value,
) -> Result<String, String> {
    match (kind, value) {
        (ParamKind::String, Value::String(s)) => Ok(string_literal(s)),
        (ParamKind::Boolean, Value::Bool(b)) => Ok(b.to_string()),
        // `u64` converts into both of progenitor's integer parameter types
        // (`i64` and `NonZeroU64` for a minimum of 1).
        (ParamKind::Integer, Value::Number(n)) if n.is_u64() => Ok(format!("{n}u64")),
        (ParamKind::Integer, Value::Number(n)) if n.is_i64() => Ok(format!("{n}i64")),
        (_, other) => Err(unsupported(op, name, other)),
    }
}

/// The rustdoc example of one operation, as Markdown.
pub fn doc_example(op: &OperationModel) -> Result<String, String> {
    let mut uses: BTreeSet<&'static str> = BTreeSet::new();
    let mut calls = vec![format!("    .{}()", op.id)];
    for param in &op.params {
        match &param.example {
            Some(value) => calls.push(format!(
                "    .{}({})",
                param.name,
                param_literal(op, &param.name, param.kind, value)?
            )),
            None if param.required => {
                return Err(format!(
                    "operation `{}`: required parameter `{}` needs an example",
                    op.id, param.name
                ));
            }
            None => {}
        }
    }
    if let Some(body) = &op.body {
        uses.insert("types");
        let Value::Object(example) = &body.example else {
            return Err(unsupported(op, "body", &body.example));
        };
        let mut setters = Vec::new();
        for (name, value) in example {
            if value.is_null() {
                continue;
            }
            let component = body
                .property_refs
                .iter()
                .find(|(property, _)| property == name)
                .map(|(_, component)| component.as_deref())
                .ok_or_else(|| {
                    format!(
                        "operation `{}`: body example has `{name}`, which `{}` does not declare",
                        op.id, body.schema
                    )
                })?;
            let literal = property_literal(op, name, component, value, &mut uses)?;
            setters.push(format!("            .{name}({literal})"));
        }
        calls.push("    .body(".to_owned());
        calls.push(format!("        types::{}::builder()", body.schema));
        let last = setters.len().saturating_sub(1);
        for (index, setter) in setters.into_iter().enumerate() {
            calls.push(if index == last {
                format!("{setter},")
            } else {
                setter
            });
        }
        calls.push("    )".to_owned());
    }
    calls.push("    .call()".to_owned());
    calls.push("    .await?;".to_owned());
    let uses = match uses.len() {
        0 => String::new(),
        _ => format!(
            "use aurpay_api::{{{}}};\n",
            uses.into_iter().collect::<Vec<_>>().join(", ")
        ),
    };
    Ok(format!(
        "Example, with the spec's example values (it runs as a test against \
         the sandbox, feature `sandbox`, seeded with the spec's examples):\n\n\
         ```\n\
         {uses}\
         # #[tokio::main(flavor = \"current_thread\")]\n\
         # async fn main() -> Result<(), Box<dyn std::error::Error>> {{\n\
         # let sandbox = aurpay_api::sandbox::Sandbox::builder().examples().start().await?;\n\
         # let client = sandbox.client()?;\n\
         let data = client\n{}\n\
         println!(\"{{data:?}}\");\n\
         # Ok(())\n\
         # }}\n\
         ```",
        calls.join("\n")
    ))
}

/// Replaces progenitor's example in the rustdoc of every `Client` method
/// with [`doc_example`].
pub fn insert_doc_examples(file: &mut syn::File, model: &Model) -> Result<(), String> {
    for item in &mut file.items {
        let Item::Impl(block) = item else { continue };
        let is_client = matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client || block.trait_.is_some() {
            continue;
        }
        for impl_item in &mut block.items {
            let ImplItem::Fn(function) = impl_item else {
                continue;
            };
            let Some(op) = model
                .operations
                .iter()
                .find(|op| function.sig.ident == op.id)
            else {
                continue;
            };
            let example = doc_example(op)?;
            replace_example(&mut function.attrs, &example);
        }
    }
    Ok(())
}

fn replace_example(attrs: &mut Vec<syn::Attribute>, example: &str) {
    let mut text = String::new();
    attrs.retain(|attr| {
        if !attr.path().is_ident("doc") {
            return true;
        }
        if let syn::Meta::NameValue(pair) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(line),
                ..
            }) = &pair.value
        {
            text.push_str(&line.value());
            text.push('\n');
        }
        false
    });
    let kept = match text.rfind("```ignore") {
        Some(start) => text[..start].trim_end(),
        None => text.trim_end(),
    };
    let doc = format!("{kept}\n\n{example}");
    attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
}
