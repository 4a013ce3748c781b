//! Documents what progenitor leaves undocumented, so that the published
//! crate passes `missing_docs` with no exception for generated code:
//! the `builder()` functions, the type builders and their setters (from the
//! field's own documentation, which comes from the spec's property
//! descriptions), and the operation builders' setters (from the spec's
//! parameter descriptions).

use std::collections::BTreeMap;

use syn::{Attribute, ImplItem, Item, ItemMod};

/// Parameter descriptions per operation builder: builder struct name ->
/// parameter name -> description.
pub type ParameterDocs = BTreeMap<String, BTreeMap<String, String>>;

/// Parameter descriptions of every operation, keyed by builder name.
pub fn parameter_docs(document: &openapiv3::OpenAPI) -> ParameterDocs {
    let mut out = ParameterDocs::new();
    for (_, item) in document.paths.iter() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, operation) in item.iter() {
            let Some(id) = &operation.operation_id else {
                continue;
            };
            let params = out.entry(crate::spec::upper_camel(id)).or_default();
            for parameter in item.parameters.iter().chain(&operation.parameters) {
                let resolved = match parameter {
                    openapiv3::ReferenceOr::Item(p) => Some(p),
                    openapiv3::ReferenceOr::Reference { reference } => reference
                        .strip_prefix("#/components/parameters/")
                        .and_then(|name| document.components.as_ref()?.parameters.get(name))
                        .and_then(|p| p.as_item()),
                };
                if let Some(parameter) = resolved {
                    let data = parameter.parameter_data_ref();
                    let text = data.description.clone().unwrap_or_default();
                    params.insert(data.name.clone(), text);
                }
            }
        }
    }
    out
}

fn doc_attr(text: &str) -> Attribute {
    syn::parse_quote!(#[doc = #text])
}

fn has_doc(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

fn doc_text(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(pair) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &pair.value
        {
            lines.push(text.value());
        }
    }
    lines.join("\n")
}

/// The first paragraph of a doc text, trimmed.
fn first_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Field docs per type: struct name -> field name -> doc text.
fn field_docs(types: &ItemMod) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Some((_, items)) = &types.content else {
        return out;
    };
    for item in items {
        if let Item::Struct(s) = item
            && let syn::Fields::Named(fields) = &s.fields
        {
            let docs = fields
                .named
                .iter()
                .filter_map(|f| Some((f.ident.as_ref()?.to_string(), doc_text(&f.attrs))))
                .collect();
            out.insert(s.ident.to_string(), docs);
        }
    }
    out
}

fn setter_name(function: &syn::ImplItemFn) -> String {
    let name = function.sig.ident.to_string();
    name.strip_prefix("r#").unwrap_or(&name).to_owned()
}

/// Adds the missing docs to the generated client file.
pub fn document(file: &mut syn::File, parameters: &ParameterDocs) {
    for item in &mut file.items {
        let Item::Mod(module) = item else { continue };
        if module.ident == "types" {
            document_types(module);
        } else if module.ident == "builder" {
            document_operation_builders(module, parameters);
        }
    }
}

fn document_types(types: &mut ItemMod) {
    let Some((_, items)) = &mut types.content else {
        return;
    };
    // An envelope's `data` is a `$ref` in the spec, which cannot carry a
    // description of its own (OpenAPI 3.0.3 ignores siblings of `$ref`).
    for item in items.iter_mut() {
        if let Item::Struct(s) = item
            && s.ident.to_string().ends_with("Envelope")
            && let syn::Fields::Named(fields) = &mut s.fields
        {
            for field in fields.named.iter_mut() {
                if field.ident.as_ref().is_some_and(|i| i == "data") && !has_doc(&field.attrs) {
                    field.attrs.insert(
                        0,
                        doc_attr("The operation's result: present when `code` is 0."),
                    );
                }
            }
        }
    }
    let fields = field_docs(types);
    let Some((_, items)) = &mut types.content else {
        return;
    };
    for item in items.iter_mut() {
        match item {
            Item::Impl(block) if block.trait_.is_none() => {
                let name = type_name(&block.self_ty);
                for impl_item in &mut block.items {
                    if let ImplItem::Fn(f) = impl_item
                        && f.sig.ident == "builder"
                        && !has_doc(&f.attrs)
                    {
                        f.attrs.insert(0, doc_attr(&format!(
                            "A builder for [`{name}`]: set the fields by name, then pass it where a `{name}` is expected (or convert it with `try_into()`, which checks that every required field is set)."
                        )));
                    }
                }
            }
            Item::Mod(builders) if builders.ident == "builder" => {
                let Some((_, items)) = &mut builders.content else {
                    continue;
                };
                for item in items.iter_mut() {
                    match item {
                        Item::Struct(s) if !has_doc(&s.attrs) => {
                            let name = s.ident.to_string();
                            s.attrs.insert(0, doc_attr(&format!(
                                "Builder for [`{name}`](super::{name}), made by [`{name}::builder`](super::{name}::builder)."
                            )));
                        }
                        Item::Impl(block) if block.trait_.is_none() => {
                            let name = type_name(&block.self_ty);
                            for impl_item in &mut block.items {
                                let ImplItem::Fn(f) = impl_item else { continue };
                                if has_doc(&f.attrs) {
                                    continue;
                                }
                                let field = setter_name(f);
                                let about = fields
                                    .get(&name)
                                    .and_then(|docs| docs.get(&field))
                                    .map(|d| first_paragraph(d))
                                    .unwrap_or_default();
                                let text = if about.is_empty() {
                                    format!("Sets [`{field}`](super::{name}::{field}).")
                                } else {
                                    format!("Sets [`{field}`](super::{name}::{field}): {about}")
                                };
                                f.attrs.insert(0, doc_attr(&text));
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

fn document_operation_builders(builders: &mut ItemMod, parameters: &ParameterDocs) {
    let Some((_, items)) = &mut builders.content else {
        return;
    };
    for item in items.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let name = type_name(&block.self_ty);
        let params = parameters.get(&name);
        for impl_item in &mut block.items {
            let ImplItem::Fn(f) = impl_item else { continue };
            if has_doc(&f.attrs) || !matches!(f.vis, syn::Visibility::Public(_)) {
                continue;
            }
            let setter = setter_name(f);
            let text = match setter.as_str() {
                "body" => "Sets the request body: the body type or its builder (`Type::builder()...`); it is checked when the request is sent.".to_owned(),
                "body_map" => "Changes the request body's builder in place (starting from an empty builder if none was set).".to_owned(),
                _ => {
                    let about = params
                        .and_then(|p| p.get(&setter))
                        .map(|d| first_paragraph(d))
                        .unwrap_or_default();
                    if about.is_empty() {
                        format!("Sets the `{setter}` parameter.")
                    } else {
                        format!("Sets the `{setter}` parameter: {about}")
                    }
                }
            };
            f.attrs.insert(0, doc_attr(&text));
        }
    }
}

/// `Foo` for `Foo` or `Foo<'a>`.
fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}
