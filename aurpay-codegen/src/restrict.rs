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
