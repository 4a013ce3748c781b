//! Request bodies held as the body type, not as its builder.
//!
//! progenitor's operation builder keeps a body as the body type's
//! *builder* (`Result<types::builder::X, String>`): `body(value)` turns
//! the `X` a caller gives back into a builder, and the send turns that
//! builder into an `X` again, checking every field a second time and
//! moving the whole body twice per call. With `body_map` gone
//! (`restrict::hide_transport`) nothing edits a builder in place, so the
//! operation builder keeps what `body` was given, as `X`:
//!
//! * the field becomes `Result<Option<types::X>, String>`, `Ok(None)`
//!   until `body` is called (so making a builder allocates nothing);
//! * `body(value)` keeps `value.try_into()` as it is;
//! * the send takes that `X`, and without a body it checks the empty
//!   builder, exactly as before: an operation whose body has required
//!   fields says which one is missing.
//!
//! Each rewrite checks the shape it replaces and panics on another, so a
//! progenitor upgrade that changes it fails `cargo xtask regen` rather
//! than producing a builder that half-works.

use std::collections::HashMap;

use quote::ToTokens;
use syn::{ImplItem, Item};

/// Applies the rewrite to the builders of the generated client file.
pub fn typed_bodies(file: &mut syn::File) {
    let builders = crate::restrict::module_items(&mut file.items, "builder")
        .expect("progenitor's output has a `builder` module");
    let mut bodies = HashMap::new();
    for item in builders.iter_mut() {
        if let Item::Struct(strukt) = item
            && let Some(schema) = typed_field(strukt)
        {
            bodies.insert(strukt.ident.to_string(), schema);
        }
    }
    let mut rewritten = HashMap::new();
    for item in builders.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let Some(name) = self_name(block) else {
            continue;
        };
        let Some(schema) = bodies.get(&name) else {
            continue;
        };
        for impl_item in &mut block.items {
            if let ImplItem::Fn(function) = impl_item {
                let done = match function.sig.ident.to_string().as_str() {
                    "new" => unset_at_first(function),
                    "body" => kept_as_given(function),
                    crate::restrict::SEND_UNCHECKED => taken_as_given(function, schema),
                    _ => continue,
                };
                *rewritten.entry(name.clone()).or_insert(0) += u32::from(done);
            }
        }
    }
    for name in bodies.keys() {
        let count = rewritten.get(name).copied().unwrap_or(0);
        assert_eq!(
            count, 3,
            "builder `{name}`: progenitor's `new`, `body` or send no longer has the shape typed_bodies rewrites"
        );
    }
}

/// The builder's name, e.g. `GetPaymentInfo` of `GetPaymentInfo<'a>`.
fn self_name(block: &syn::ItemImpl) -> Option<String> {
    match &*block.self_ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `body: Result<types::builder::X, String>` becomes
/// `body: Result<Option<types::X>, String>`; returns `X`.
fn typed_field(strukt: &mut syn::ItemStruct) -> Option<syn::Ident> {
    let field = strukt
        .fields
        .iter_mut()
        .find(|f| f.ident.as_ref().is_some_and(|i| i == "body"))?;
    let schema = builder_schema(&field.ty)?;
    field.ty = syn::parse_quote!(Result<Option<types::#schema>, String>);
    Some(schema)
}

/// `X` of `Result<types::builder::X, String>`.
fn builder_schema(ty: &syn::Type) -> Option<syn::Ident> {
    let syn::Type::Path(result) = ty else {
        return None;
    };
    let last = result.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(syn::Type::Path(inner))) = arguments.args.first() else {
        return None;
    };
    let segments: Vec<String> = inner
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segments.as_slice() {
        [types, builder, _] if types == "types" && builder == "builder" => {
            inner.path.segments.last().map(|s| s.ident.clone())
        }
        _ => None,
    }
}

/// In `new`, `body: Ok(Default::default())` becomes `body: Ok(None)`.
fn unset_at_first(function: &mut syn::ImplItemFn) -> bool {
    let Some(syn::Stmt::Expr(syn::Expr::Struct(literal), None)) = function.block.stmts.last_mut()
    else {
        return false;
    };
    let Some(field) = literal
        .fields
        .iter_mut()
        .find(|f| matches!(&f.member, syn::Member::Named(name) if name == "body"))
    else {
        return false;
    };
    if !tokens(&field.expr).contains("Default :: default ()") {
        return false;
    }
    field.expr = syn::parse_quote!(Ok(None));
    true
}

/// In `body(value)`, `.map(From::from)` (to the builder) becomes
/// `.map(Some)`: the value is kept as the caller's conversion made it.
fn kept_as_given(function: &mut syn::ImplItemFn) -> bool {
    let before = function.block.to_token_stream().to_string();
    const TO_BUILDER: &str = ". map (From :: from)";
    if before.matches(TO_BUILDER).count() != 1 {
        return false;
    }
    function.block = syn::parse_str(&before.replacen(TO_BUILDER, ". map (Some)", 1))
        .expect("replacing a call keeps the function body parseable");
    true
}

/// In the send, `let body = body.and_then(|v| X::try_from(v)...)...?;`
/// becomes a `let` that takes the `X` as given, or checks the empty
/// builder when no body was given.
fn taken_as_given(function: &mut syn::ImplItemFn, schema: &syn::Ident) -> bool {
    let Some(stmt) = function.block.stmts.iter_mut().find(|stmt| {
        matches!(stmt, syn::Stmt::Local(local)
            if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "body"))
    }) else {
        return false;
    };
    let text = tokens(stmt);
    if !(text.contains("and_then") && text.contains("try_from") && text.contains("InvalidRequest"))
    {
        return false;
    }
    *stmt = syn::parse_quote! {
        let body = match body {
            Ok(Some(body)) => body,
            Ok(None) => types::#schema::try_from(types::builder::#schema::default())
                .map_err(|e| Error::InvalidRequest(e.to_string()))?,
            Err(e) => return Err(Error::InvalidRequest(e)),
        };
    };
    true
}

fn tokens(node: &impl ToTokens) -> String {
    node.to_token_stream().to_string()
}
