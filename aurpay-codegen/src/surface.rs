//! A compact, reviewable summary of the generated public surface: one sorted
//! line per public method, type, field, variant and operation-table entry.
//! Snapshotting this (rather than the whole generated file) makes a spec
//! change show up as a short, readable diff.

use quote::ToTokens;
use syn::{Expr, Fields, GenericParam, ImplItem, Item, Type, Visibility};

use crate::Generated;

/// Sorted lines describing every public item of both generated files.
///
/// Lines look like:
///
/// ```text
/// fn Client::get_orders() -> builder::GetOrders
/// fn builder::GetOrders::page(i64) -> Self
/// struct types::OrderPage { max_page: i64 }
/// op get_orders: GET /api/v2/order/ tag=Order moves_money=false paginated=true provenance=Confirmed
/// ```
pub fn surface(generated: &Generated) -> Result<Vec<String>, syn::Error> {
    let mut lines = Vec::new();
    let client: syn::File = syn::parse_file(&generated.client)?;
    items(&client.items, "", &mut lines);
    let operations: syn::File = syn::parse_file(&generated.operations)?;
    operation_lines(&operations.items, &mut lines);
    lines.sort();
    lines.dedup();
    Ok(lines)
}

/// Renders a type or expression without token spacing and without the
/// standard-library paths that only add noise.
fn simplify(tokens: impl ToTokens) -> String {
    let mut text: String = tokens
        .to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for (long, short) in [
        ("::std::string::", ""),
        ("::std::vec::", ""),
        ("::std::option::", ""),
        ("::std::collections::", ""),
        ("::std::result::", ""),
        ("::std::convert::", ""),
        ("::std::num::", ""),
        ("std::convert::", ""),
        ("::serde_json::", "serde_json::"),
        ("super::", ""),
        (",>", ">"),
        (",)", ")"),
        ("::std::", "std::"),
        ("&'a", "&"),
        ("<'a>", ""),
        ("<'_>", ""),
    ] {
        text = text.replace(long, short);
    }
    text
}

fn is_public(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn items(list: &[Item], module: &str, lines: &mut Vec<String>) {
    for item in list {
        match item {
            Item::Mod(m) if is_public(&m.vis) => {
                let name = format!("{module}{}::", m.ident);
                if let Some((_, inner)) = &m.content {
                    items(inner, &name, lines);
                }
            }
            Item::Struct(s) if is_public(&s.vis) => {
                let name = format!("{module}{}", s.ident);
                match &s.fields {
                    Fields::Named(fields) => {
                        lines.push(format!("struct {name}"));
                        for field in &fields.named {
                            if is_public(&field.vis) {
                                let field_name = field
                                    .ident
                                    .as_ref()
                                    .map(|i| i.to_string())
                                    .unwrap_or_default();
                                lines.push(format!(
                                    "struct {name} {{ {field_name}: {} }}",
                                    simplify(&field.ty)
                                ));
                            }
                        }
                    }
                    Fields::Unnamed(fields) => {
                        let types: Vec<String> =
                            fields.unnamed.iter().map(|f| simplify(&f.ty)).collect();
                        lines.push(format!("struct {name}({})", types.join(", ")));
                    }
                    Fields::Unit => lines.push(format!("struct {name}")),
                }
            }
            Item::Enum(e) if is_public(&e.vis) => {
                let name = format!("{module}{}", e.ident);
                lines.push(format!("enum {name}"));
                for variant in &e.variants {
                    let payload = match &variant.fields {
                        Fields::Unit => String::new(),
                        other => simplify(other),
                    };
                    lines.push(format!("enum {name}::{}{payload}", variant.ident));
                }
            }
            Item::Type(t) if is_public(&t.vis) => {
                lines.push(format!("type {module}{} = {}", t.ident, simplify(&t.ty)));
            }
            Item::Use(u) if is_public(&u.vis) => {
                lines.push(format!("use {module}{}", simplify(&u.tree)));
            }
            Item::Impl(imp) => impl_lines(imp, module, lines),
            _ => {}
        }
    }
}

fn impl_lines(imp: &syn::ItemImpl, module: &str, lines: &mut Vec<String>) {
    let self_ty = match &*imp.self_ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        other => simplify(other),
    };
    if self_ty == crate::restrict::TRANSPORT {
        // progenitor's client is crate-private: its impls are not surface.
        return;
    }
    if let Some((trait_path, _)) = &imp.trait_ {
        // Trait impls are part of the surface only by name; conversions are
        // listed so a removed `From`/`TryFrom` shows up. A self type given
        // by a full path (`::std::string::String`) is not in this module.
        let target = match &*imp.self_ty {
            Type::Path(p) if p.path.segments.first().is_some_and(|s| s.ident == "super") => {
                // `super::X` seen from `types::builder::` is `types::X`.
                let parent = module
                    .trim_end_matches("::")
                    .rsplit_once("::")
                    .map_or(String::new(), |(parent, _)| format!("{parent}::"));
                format!("{parent}{self_ty}")
            }
            Type::Path(p) if p.path.leading_colon.is_some() || p.path.segments.len() > 1 => {
                simplify(&imp.self_ty)
            }
            _ => format!("{module}{self_ty}"),
        };
        lines.push(format!("impl {} for {target}", simplify(trait_path)));
        return;
    }
    for item in &imp.items {
        let ImplItem::Fn(f) = item else { continue };
        if !is_public(&f.vis) {
            continue;
        }
        // Setters are generic over `V: TryInto<T>` (inline or in a where
        // clause); show `T`.
        let mut bounds: Vec<(String, String)> = f
            .sig
            .generics
            .params
            .iter()
            .filter_map(|p| match p {
                GenericParam::Type(t) => t
                    .bounds
                    .iter()
                    .next()
                    .map(|b| (t.ident.to_string(), simplify(b))),
                _ => None,
            })
            .collect();
        if let Some(where_clause) = &f.sig.generics.where_clause {
            for predicate in &where_clause.predicates {
                if let syn::WherePredicate::Type(p) = predicate
                    && let Some(bound) = p.bounds.iter().next()
                {
                    bounds.push((simplify(&p.bounded_ty), simplify(bound)));
                }
            }
        }
        let bounds: Vec<(String, String)> = bounds
            .into_iter()
            .map(|(name, bound)| {
                let target = bound
                    .strip_prefix("TryInto<")
                    .and_then(|b| b.strip_suffix('>'))
                    .map(|b| format!("impl TryInto<{b}>"))
                    .unwrap_or_else(|| format!("impl {bound}"));
                (name, target)
            })
            .collect();
        let args: Vec<String> = f
            .sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                syn::FnArg::Typed(t) => {
                    let ty = simplify(&t.ty);
                    Some(
                        bounds
                            .iter()
                            .find(|(name, _)| *name == ty)
                            .map(|(_, bound)| bound.clone())
                            .unwrap_or(ty),
                    )
                }
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let ret = match &f.sig.output {
            syn::ReturnType::Default => String::new(),
            syn::ReturnType::Type(_, ty) => format!(" -> {}", simplify(ty)),
        };
        let asyncness = if f.sig.asyncness.is_some() {
            "async "
        } else {
            ""
        };
        lines.push(format!(
            "{asyncness}fn {module}{self_ty}::{}({}){ret}",
            f.sig.ident,
            args.join(", ")
        ));
    }
}

/// One line per entry of the generated `OPERATIONS` table, plus the glue
/// impls (which builder implements `Call` / `Paginated`).
fn operation_lines(items: &[Item], lines: &mut Vec<String>) {
    for item in items {
        match item {
            Item::Static(s) => {
                let Expr::Array(array) = &*s.expr else {
                    continue;
                };
                for element in &array.elems {
                    let Expr::Struct(entry) = element else {
                        continue;
                    };
                    let field = |name: &str| {
                        entry
                            .fields
                            .iter()
                            .find(|f| simplify(&f.member) == name)
                            .map(|f| match &f.expr {
                                Expr::Lit(syn::ExprLit {
                                    lit: syn::Lit::Str(s),
                                    ..
                                }) => s.value(),
                                other => simplify(other),
                            })
                            .unwrap_or_default()
                    };
                    let status = entry
                        .fields
                        .iter()
                        .find(|f| simplify(&f.member) == "provenance")
                        .and_then(|f| match &f.expr {
                            Expr::Struct(p) => p
                                .fields
                                .iter()
                                .find(|f| simplify(&f.member) == "status")
                                .map(|f| simplify(&f.expr).replace("ProvenanceStatus::", "")),
                            _ => None,
                        })
                        .unwrap_or_default();
                    lines.push(format!(
                        "op {}: {} {} tag={} body={} authenticated={} moves_money={} paginated={} provenance={status}",
                        field("id"),
                        field("method").replace("Method::", ""),
                        field("path"),
                        field("tag"),
                        field("has_body"),
                        field("authenticated"),
                        field("moves_money"),
                        field("paginated"),
                    ));
                }
            }
            Item::Impl(imp) => {
                if let Some((trait_path, _)) = &imp.trait_ {
                    lines.push(format!(
                        "impl {} for {}",
                        simplify(trait_path),
                        simplify(&imp.self_ty).replace("<'a>", "")
                    ));
                } else {
                    // The builders' own `call` and `items`.
                    if matches!(&*imp.self_ty, Type::Path(p) if p.path.segments.first().is_some_and(|s| s.ident == "builder"))
                    {
                        impl_lines(imp, "builder::", lines);
                    }
                    // The named operation constants (`Operation::GET_ORDERS`).
                    for item in &imp.items {
                        if let syn::ImplItem::Const(constant) = item
                            && is_public(&constant.vis)
                        {
                            lines.push(format!(
                                "const {}::{}: {}",
                                simplify(&imp.self_ty),
                                constant.ident,
                                simplify(&constant.ty).replace("'static", "'static ")
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
