//! Post-processing of progenitor's output so that the generated client has
//! exactly one public way to send a request: aurpay-api's `.call()`.
//!
//! progenitor gives every request builder a public `send()` that returns
//! `Ok` for Aurpay's refusals (HTTP 200 with `code != 0`) and a
//! `progenitor_client::Error` users cannot name; and `Client::new` /
//! `new_with_client` and each builder's `new`, which are either uncallable
//! (they need the crate's `ClientContext`) or a second way to make a
//! builder. Here `send` becomes the crate-private `send_unchecked` (sending
//! without the envelope check, which the runtime adds), `Client::new` is
//! removed (it would bypass the builder's transport policy), the other
//! constructors become crate-private, and the rustdoc examples say
//! `.call()`.

use proc_macro2::{Group, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{ImplItem, Item, Visibility};

/// The name progenitor's `send` gets, crate-private.
pub const SEND_UNCHECKED: &str = "send_unchecked";

fn crate_visible() -> Visibility {
    syn::parse_quote!(pub(crate))
}

/// Applies the policy to the generated client file.
pub fn restrict(file: &mut syn::File) {
    for item in &mut file.items {
        restrict_item(item, false);
    }
}

fn restrict_item(item: &mut Item, in_builder_mod: bool) {
    match item {
        Item::Mod(module) => {
            let is_builder = module.ident == "builder";
            if let Some((_, items)) = &mut module.content {
                for item in items {
                    restrict_item(item, in_builder_mod || is_builder);
                }
            }
        }
        Item::Impl(block) if block.trait_.is_none() => {
            let is_client =
                matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
            if is_client {
                // `Client::new` builds its own reqwest client with none of
                // the SDK's transport policy; the crate uses
                // `new_with_client` from `ClientBuilder` only.
                block
                    .items
                    .retain(|item| !matches!(item, ImplItem::Fn(f) if f.sig.ident == "new"));
            }
            for impl_item in &mut block.items {
                let ImplItem::Fn(function) = impl_item else {
                    continue;
                };
                let name = function.sig.ident.to_string();
                let constructor = name == "new" || name == "new_with_client";
                if in_builder_mod && name == "send" {
                    function.sig.ident = syn::Ident::new(SEND_UNCHECKED, function.sig.ident.span());
                    function.vis = crate_visible();
                } else if constructor && (is_client || in_builder_mod) {
                    function.vis = crate_visible();
                }
                rewrite_docs(&mut function.attrs);
            }
        }
        _ => {}
    }
}

/// `.send()` becomes `.call()` in rustdoc text.
fn rewrite_docs(attrs: &mut [syn::Attribute]) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("doc")) {
        let syn::Meta::NameValue(pair) = &mut attr.meta else {
            continue;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &mut pair.value
        else {
            continue;
        };
        if text.value().contains(".send()") {
            *text = syn::LitStr::new(&text.value().replace(".send()", ".call()"), text.span());
        }
    }
}

/// Optional fields' setters in the type builders take
/// `impl Into<OptionalField<T>>` instead of progenitor's
/// `TryInto<Option<T>>`, so that `.callback_url("https://...")`, a value,
/// `Some(value)` or `None` all work (a `&str` is not `TryInto<Option<String>>`).
pub fn optional_setters(file: &mut syn::File) {
    let Some(types) = module_items(&mut file.items, "types") else {
        return;
    };
    let Some(builders) = module_items(types, "builder") else {
        return;
    };
    for item in builders.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        for impl_item in &mut block.items {
            let ImplItem::Fn(function) = impl_item else {
                continue;
            };
            if let Some(inner) = optional_inner(function) {
                let name = &function.sig.ident;
                let attrs = &function.attrs;
                *function = syn::parse_quote! {
                    #(#attrs)*
                    pub fn #name<T>(mut self, value: T) -> Self
                    where
                        T: ::std::convert::Into<crate::OptionalField<#inner>>,
                    {
                        self.#name = Ok(value.into().0);
                        self
                    }
                };
            }
        }
    }
}

/// The items of the inline module `name` among `items`.
pub fn module_items<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(module) if module.ident == name => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
}

/// `X` when the setter's bound is `T: TryInto<Option<X>>`.
fn optional_inner(function: &syn::ImplItemFn) -> Option<syn::Type> {
    let clause = function.sig.generics.where_clause.as_ref()?;
    for predicate in &clause.predicates {
        let syn::WherePredicate::Type(bound) = predicate else {
            continue;
        };
        let syn::Type::Path(bounded) = &bound.bounded_ty else {
            continue;
        };
        if !bounded.path.is_ident("T") {
            continue;
        }
        for trait_bound in &bound.bounds {
            let syn::TypeParamBound::Trait(t) = trait_bound else {
                continue;
            };
            let last = t.path.segments.last()?;
            if last.ident != "TryInto" {
                continue;
            }
            let option = single_generic(&last.arguments)?;
            let syn::Type::Path(option) = option else {
                continue;
            };
            let segment = option.path.segments.last()?;
            if segment.ident == "Option" {
                return single_generic(&segment.arguments).cloned();
            }
        }
    }
    None
}

fn single_generic(arguments: &syn::PathArguments) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(ty) if args.args.len() == 1 => Some(ty),
        _ => None,
    }
}

/// Every request and response type is `#[non_exhaustive]`, so that Aurpay
/// adding a field is not a breaking change for users: outside the crate
/// they are built with their builders (`Type::builder()`), never with a
/// struct literal, and matched with `..`.
pub fn non_exhaustive_types(file: &mut syn::File) {
    let Some(types) = module_items(&mut file.items, "types") else {
        return;
    };
    for item in types.iter_mut() {
        let attrs = match item {
            Item::Struct(s) => &mut s.attrs,
            Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
            attrs.push(syn::parse_quote!(#[non_exhaustive]));
        }
    }
}

/// The name progenitor's `Client` struct gets: crate-private, so that
/// neither reqwest's client nor progenitor's hook traits (`ClientInfo`,
/// `ClientHooks`, whose methods take reqwest's request and response) are
/// reachable from the public API. The public `Client` is hand-written
/// (`aurpay-api/src/client.rs`) and holds one.
pub const TRANSPORT: &str = "Transport";

/// Every `Client` identifier in `tokens` (code, not doc strings; not
/// `reqwest::Client`) becomes [`TRANSPORT`].
fn rename_client(tokens: TokenStream) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    for tree in tokens {
        let renamed = match tree {
            TokenTree::Ident(ident) if ident == "Client" && !after_reqwest_path(&out) => {
                TokenTree::Ident(proc_macro2::Ident::new(TRANSPORT, ident.span()))
            }
            TokenTree::Group(group) => {
                let mut renamed = Group::new(group.delimiter(), rename_client(group.stream()));
                renamed.set_span(group.span());
                TokenTree::Group(renamed)
            }
            other => other,
        };
        out.push(renamed);
    }
    out.into_iter().collect()
}

/// Whether the tokens so far end in `reqwest ::`.
fn after_reqwest_path(tokens: &[TokenTree]) -> bool {
    match tokens {
        [
            ..,
            TokenTree::Ident(krate),
            TokenTree::Punct(a),
            TokenTree::Punct(b),
        ] => krate == "reqwest" && a.as_char() == ':' && b.as_char() == ':',
        _ => false,
    }
}

fn renamed<T: ToTokens + syn::parse::Parse>(item: &T) -> T {
    syn::parse2(rename_client(item.to_token_stream()))
        .expect("renaming an identifier keeps the item parseable")
}

fn self_type_is(block: &syn::ItemImpl, name: &str) -> bool {
    matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident(name))
}

/// Hides progenitor's client behind the hand-written public `Client`:
///
/// * progenitor's `Client` becomes the crate-private [`TRANSPORT`], with its
///   `ClientInfo` impl and hooks assertion;
/// * the operation methods stay on `Client` (now `crate::Client`, which
///   holds a `transport`) and hand it to the builders;
/// * the builders hold `&Transport`, their fields become crate-visible
///   (the generated glue records a money call's request before it is
///   sent), `body_map` goes (one way to give a body: `body`), and they no
///   longer send progenitor's `api-version` header, which is not part of
///   Aurpay's API;
/// * progenitor's `prelude` (a second path to `Client`) goes.
pub fn hide_transport(file: &mut syn::File) {
    let mut items = Vec::with_capacity(file.items.len() + 1);
    items.push(syn::parse_quote! {
        use crate::Client;
    });
    for item in std::mem::take(&mut file.items) {
        match item {
            Item::Mod(module) if module.ident == "prelude" => {}
            Item::Mod(module) if module.ident == "builder" => {
                let mut module = renamed(&module);
                if let Some((_, inner)) = &mut module.content {
                    for item in inner.iter_mut() {
                        builder_item(item);
                    }
                }
                items.push(Item::Mod(module));
            }
            Item::Struct(strukt) if strukt.ident == "Client" => {
                let mut strukt = renamed(&strukt);
                strukt.vis = crate_visible();
                strukt.attrs.retain(|a| !a.path().is_ident("doc"));
                strukt.attrs.insert(
                    0,
                    syn::parse_quote!(#[doc = "progenitor's client: the base URL, the HTTP client and the SDK's per-client settings. Crate-private; `crate::Client` holds one."]),
                );
                items.push(Item::Struct(strukt));
            }
            Item::Impl(block)
                if self_type_is(&block, "Client")
                    && (block.trait_.is_some()
                        || block.items.iter().any(
                            |i| matches!(i, ImplItem::Fn(f) if f.sig.ident == "new_with_client"),
                        )) =>
            {
                items.push(Item::Impl(renamed(&block)));
            }
            Item::Impl(mut block) if self_type_is(&block, "Client") => {
                for impl_item in &mut block.items {
                    if let ImplItem::Fn(function) = impl_item {
                        hand_over_transport(function);
                    }
                }
                items.push(Item::Impl(block));
            }
            Item::Const(constant) => items.push(Item::Const(renamed(&constant))),
            other => items.push(other),
        }
    }
    file.items = items;
}

/// `builder::X::new(self)` becomes `builder::X::new(&self.transport)`.
fn hand_over_transport(function: &mut syn::ImplItemFn) {
    let syn::ReturnType::Type(_, ty) = &function.sig.output else {
        return;
    };
    let syn::Type::Path(path) = &**ty else { return };
    let Some(builder) = path.path.segments.last().map(|s| s.ident.clone()) else {
        return;
    };
    function.block = syn::parse_quote!({
        builder::#builder::new(&self.transport)
    });
}

fn builder_item(item: &mut Item) {
    match item {
        Item::Struct(strukt) => {
            for field in strukt.fields.iter_mut() {
                field.vis = crate_visible();
            }
        }
        Item::Impl(block) if block.trait_.is_none() => {
            block
                .items
                .retain(|i| !matches!(i, ImplItem::Fn(f) if f.sig.ident == "body_map"));
            for impl_item in &mut block.items {
                if let ImplItem::Fn(function) = impl_item {
                    without_api_version(function);
                    one_segment_paths(function);
                }
            }
        }
        _ => {}
    }
}

/// Drops the statement that adds `api-version`; the header map it went
/// into goes too when nothing else is put into it.
fn without_api_version(function: &mut syn::ImplItemFn) {
    let mentions_version = |stmt: &syn::Stmt| {
        stmt.to_token_stream()
            .to_string()
            .contains("\"api-version\"")
    };
    let header_map = |stmt: &syn::Stmt| match stmt {
        syn::Stmt::Local(local) => {
            matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "header_map")
        }
        _ => false,
    };
    let mut stmts = Vec::with_capacity(function.block.stmts.len());
    for stmt in std::mem::take(&mut function.block.stmts) {
        if mentions_version(&stmt) {
            continue;
        }
        if header_map(&stmt) {
            stmts.push(syn::parse_quote! {
                let header_map = ::reqwest::header::HeaderMap::new();
            });
            continue;
        }
        stmts.push(stmt);
    }
    function.block.stmts = stmts;
    without_empty_header_map(function);
}

/// With nothing put into it, the header map is not made, and the request
/// builder (moved whole by each call of its chain) is not handed it.
fn without_empty_header_map(function: &mut syn::ImplItemFn) {
    const HANDED: &str = ". headers (header_map)";
    let text = function.block.to_token_stream().to_string();
    let made = "let header_map = :: reqwest :: header :: HeaderMap :: new () ;";
    if text.matches("header_map").count() != 2
        || text.matches(made).count() != 1
        || text.matches(HANDED).count() != 1
    {
        return;
    }
    function.block = syn::parse_str(&text.replacen(made, "", 1).replacen(HANDED, "", 1))
        .expect("dropping an unused header map keeps the function body parseable");
}

/// Every `encode_path(value)` becomes
/// `crate::path::segment(value).map_err(Error::InvalidRequest)?`.
/// progenitor's `encode_path` leaves `.` and `\` as they are, and a URL
/// parser turns them into structure (`..` climbs a level, `\` is `/` in
/// an `http` URL); `segment` encodes all but the unreserved characters and
/// refuses a value that cannot be one path segment (`aurpay-api/src/path.rs`).
fn one_segment_paths(function: &mut syn::ImplItemFn) {
    let tokens = function.block.to_token_stream();
    if !tokens.to_string().contains("encode_path") {
        return;
    }
    function.block = syn::parse2(segment_calls(tokens))
        .expect("replacing a call keeps the function body parseable");
}

/// The rewrite of [`one_segment_paths`], over tokens (the calls sit inside
/// `format!`, whose arguments syn keeps as tokens).
fn segment_calls(tokens: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Ident(ident) if ident == "encode_path" => {
                let Some(TokenTree::Group(args)) = trees.next_if(|next| {
                    matches!(next, TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Parenthesis)
                }) else {
                    out.extend([TokenTree::Ident(ident)]);
                    continue;
                };
                let args = Group::new(args.delimiter(), segment_calls(args.stream()));
                out.extend(quote::quote! {
                    crate::path::segment #args .map_err(Error::InvalidRequest)?
                });
            }
            TokenTree::Group(group) => {
                let mut rewritten = Group::new(group.delimiter(), segment_calls(group.stream()));
                rewritten.set_span(group.span());
                out.extend([TokenTree::Group(rewritten)]);
            }
            other => out.extend([other]),
        }
    }
    out
}

/// progenitor derives `schemars::JsonSchema` on every type (for users who
/// export the payloads' JSON Schemas); that derive is moved behind
/// aurpay-api's `schemars` feature, so the schemars major version is not a
/// dependency of everyone's build.
pub fn schemars_behind_feature(file: &mut syn::File) {
    let Some(types) = module_items(&mut file.items, "types") else {
        return;
    };
    for item in types.iter_mut() {
        let attrs = match item {
            Item::Struct(s) => &mut s.attrs,
            Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        let mut gated = false;
        for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let Ok(paths) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            let (schemars, rest): (Vec<syn::Path>, Vec<syn::Path>) = paths
                .into_iter()
                .partition(|p| p.segments.first().is_some_and(|s| s.ident == "schemars"));
            if !schemars.is_empty() {
                gated = true;
                *attr = syn::parse_quote!(#[derive(#(#rest),*)]);
            }
        }
        if gated {
            attrs.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
            ));
        }
    }
}

/// A body builder's required field starts out "not supplied" without
/// allocating the message that says so: typify writes
/// `Err("no value supplied for chain".to_string())` into every builder's
/// `Default` (an allocation per required field, per request, only to be
/// dropped when the field is set). Here it starts as an empty error, and
/// the builder's `TryFrom` names the field when it is still unset (a
/// setter's own errors are never empty).
pub fn lazy_missing_fields(file: &mut syn::File) {
    const MISSING: &str = "no value supplied for ";
    let Some(types) = module_items(&mut file.items, "types") else {
        return;
    };
    let Some(builders) = module_items(types, "builder") else {
        return;
    };
    let trait_name = |block: &syn::ItemImpl| {
        block
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .map(|segment| segment.ident.to_string())
    };
    let type_name = |block: &syn::ItemImpl| block.self_ty.to_token_stream().to_string();
    // The required fields of each builder, from its `Default`.
    let mut required: std::collections::HashMap<String, Vec<syn::Member>> = Default::default();
    for item in builders.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if trait_name(block).as_deref() != Some("Default") {
            continue;
        }
        let name = type_name(block);
        for fields in struct_literals(block) {
            for field in fields.iter_mut() {
                let syn::Expr::Call(call) = &field.expr else {
                    continue;
                };
                let missing = call.args.first().and_then(|arg| match arg {
                    syn::Expr::MethodCall(to_string) => match &*to_string.receiver {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(text),
                            ..
                        }) => text.value().strip_prefix(MISSING).map(str::to_owned),
                        _ => None,
                    },
                    _ => None,
                });
                if missing.is_some() {
                    field.expr = syn::parse_quote!(Err(::std::string::String::new()));
                    required
                        .entry(name.clone())
                        .or_default()
                        .push(field.member.clone());
                }
            }
        }
    }
    // `TryFrom<Builder> for super::Type`: `value.field?` names an unset
    // required field.
    for item in builders.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if trait_name(block).as_deref() != Some("TryFrom") {
            continue;
        }
        let builder = block
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .and_then(|segment| match &segment.arguments {
                syn::PathArguments::AngleBracketed(args) => args.args.first(),
                _ => None,
            })
            .map(|arg| arg.to_token_stream().to_string());
        let Some(fields_required) = builder.and_then(|b| required.get(&b)) else {
            continue;
        };
        let fields_required = fields_required.clone();
        for fields in struct_literals(block) {
            for field in fields.iter_mut() {
                if !fields_required.contains(&field.member) {
                    continue;
                }
                let member = &field.member;
                let message = format!(
                    "{MISSING}{}",
                    member
                        .to_token_stream()
                        .to_string()
                        .trim_start_matches("r#")
                );
                field.expr = syn::parse_quote! {
                    value.#member.map_err(|e| {
                        if e.is_empty() {
                            super::error::ConversionError::from(#message)
                        } else {
                            super::error::ConversionError::from(e)
                        }
                    })?
                };
            }
        }
    }
}

/// The fields of the struct literals a trait impl's functions end with
/// (`Self { .. }` or `Ok(Self { .. })`).
fn struct_literals(
    block: &mut syn::ItemImpl,
) -> impl Iterator<Item = &mut syn::punctuated::Punctuated<syn::FieldValue, syn::Token![,]>> {
    block.items.iter_mut().filter_map(|impl_item| {
        let ImplItem::Fn(function) = impl_item else {
            return None;
        };
        let syn::Stmt::Expr(expr, None) = function.block.stmts.last_mut()? else {
            return None;
        };
        let literal = match expr {
            syn::Expr::Call(call) => call.args.first_mut()?,
            other => other,
        };
        match literal {
            syn::Expr::Struct(literal) => Some(&mut literal.fields),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encode_path_call_becomes_a_checked_segment() {
        let mut function: syn::ImplItemFn = syn::parse_quote! {
            async fn send(self) -> Result<(), Error<()>> {
                use progenitor_client::encode_path;
                let url = format!("{}/a/{}/b/{}", base, encode_path(&a.to_string()), encode_path(&b));
                Ok(())
            }
        };
        one_segment_paths(&mut function);
        let text = function.to_token_stream().to_string();
        assert_eq!(
            text.matches("crate :: path :: segment").count(),
            2,
            "{text}"
        );
        assert_eq!(
            text.matches(". map_err (Error :: InvalidRequest) ?")
                .count(),
            2,
            "{text}"
        );
        // The import is no call: left alone.
        assert!(
            text.contains("use progenitor_client :: encode_path ;"),
            "{text}"
        );
        assert_eq!(text.matches("encode_path").count(), 1, "{text}");
    }
}
