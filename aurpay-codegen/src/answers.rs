//! How a generated send gets its answer: from the transport, read whole.
//!
//! progenitor's send hands the request to its `exec` hook, gets a
//! `reqwest::Response` back and reads the body again with
//! `ResponseValue::from_response`. aurpay-api's transport has already read
//! the body (under the size limit, inside the retry loop), so each send is
//! rewritten to take it as it is:
//!
//! * `client.exec(request, &info)` becomes `client.exchange(request,
//!   &info)`, which returns `aurpay-api`'s `BufferedAnswer`;
//! * `client.post(&result, &info).await?;` goes: aurpay-api's `post` hook
//!   is progenitor's default, which does nothing;
//! * `ResponseValue::from_response(response)` becomes
//!   `crate::call::checked_response(response)` for an operation that moves
//!   money (decoded and checked for repeated keys in one pass,
//!   `call/checked.rs`) and `crate::call::decoded_response(response)` for
//!   the others (`call/read.rs`);
//! * `Error::UnexpectedResponse(response)`, the one place that keeps a
//!   `reqwest::Response`, gets `response.into_response()`.
//!
//! Each rewrite counts what it replaced and panics when a send does not
//! have exactly the shape it expects, so a progenitor upgrade that changes
//! it fails `cargo xtask regen` rather than producing a send that
//! half-works (the compiler would catch most of it too).

use proc_macro2::{Group, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{ImplItem, Item};

use crate::restrict::{SEND_UNCHECKED, module_items};

/// Applies the rewrites to every builder's send (`money`: the builder
/// names of the operations that move money).
///
/// Panics unless every money builder's send was rewritten: the transport
/// leaves a money call's small answers unscanned because
/// `checked_response` checks them, so a money send left on the plain
/// decoding would let a repeated unknown key through.
pub fn exchanged_answers(file: &mut syn::File, money: &[String]) {
    let Some(builders) = module_items(&mut file.items, "builder") else {
        assert!(
            money.is_empty(),
            "no `builder` module, yet money operations {money:?}"
        );
        return;
    };
    let mut checked = Vec::new();
    for item in builders.iter_mut() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(path) = &*block.self_ty else {
            continue;
        };
        let Some(name) = path.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for impl_item in &mut block.items {
            let ImplItem::Fn(function) = impl_item else {
                continue;
            };
            if function.sig.ident == SEND_UNCHECKED {
                let moves_money = money.contains(&name);
                rewrite_send(function, &name, moves_money);
                if moves_money {
                    checked.push(name.clone());
                }
            }
        }
    }
    let unchecked: Vec<&String> = money.iter().filter(|m| !checked.contains(m)).collect();
    assert!(
        unchecked.is_empty(),
        "money builders without a send to decode through `checked_response`: {unchecked:?}"
    );
}

fn rewrite_send(function: &mut syn::ImplItemFn, name: &str, moves_money: bool) {
    let before = function.block.stmts.len();
    function.block.stmts.retain(|stmt| {
        !stmt
            .to_token_stream()
            .to_string()
            .starts_with("client . post (& result")
    });
    assert_eq!(
        before - function.block.stmts.len(),
        1,
        "builder `{name}`: progenitor's send no longer calls the `post` hook once"
    );
    let reader = if moves_money {
        quote::quote!(crate::call::checked_response)
    } else {
        quote::quote!(crate::call::decoded_response)
    };
    let mut counts = Counts::default();
    let body = rewritten(function.block.to_token_stream(), &reader, &mut counts);
    assert_eq!(
        counts.exec, 1,
        "builder `{name}`: progenitor's send no longer calls `client.exec` once"
    );
    assert!(
        counts.from_response > 0,
        "builder `{name}`: progenitor's send no longer reads its answer with `ResponseValue::from_response`"
    );
    assert_eq!(
        counts.unexpected, 1,
        "builder `{name}`: progenitor's send no longer ends in `Error::UnexpectedResponse(response)`"
    );
    function.block = syn::parse2(body).expect("the rewrites keep the function body parseable");
}

/// How many of each rewrite were made.
#[derive(Default)]
struct Counts {
    exec: usize,
    from_response: usize,
    unexpected: usize,
}

fn is_ident(tree: &TokenTree, name: &str) -> bool {
    matches!(tree, TokenTree::Ident(ident) if ident == name)
}

fn is_punct(tree: &TokenTree, c: char) -> bool {
    matches!(tree, TokenTree::Punct(punct) if punct.as_char() == c)
}

/// `tokens` with the rewrites of the module docs, at any depth.
fn rewritten(tokens: TokenStream, reader: &TokenStream, counts: &mut Counts) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    let mut at = 0;
    while at < trees.len() {
        let rest = &trees[at..];
        // `client . exec (`: the hook progenitor sends through.
        if let [client, dot, exec, TokenTree::Group(_), ..] = rest
            && is_ident(client, "client")
            && is_punct(dot, '.')
            && is_ident(exec, "exec")
        {
            out.extend(quote::quote!(client.exchange));
            counts.exec += 1;
            at += 3;
            continue;
        }
        // `ResponseValue :: from_response`
        if let [a, c1, c2, b, ..] = rest
            && is_ident(a, "ResponseValue")
            && is_punct(c1, ':')
            && is_punct(c2, ':')
            && is_ident(b, "from_response")
        {
            out.extend(reader.clone());
            counts.from_response += 1;
            at += 4;
            continue;
        }
        // `Error :: UnexpectedResponse (response)`
        if let [a, c1, c2, b, TokenTree::Group(args), ..] = rest
            && is_ident(a, "Error")
            && is_punct(c1, ':')
            && is_punct(c2, ':')
            && is_ident(b, "UnexpectedResponse")
            && args.stream().to_string() == "response"
        {
            out.extend(quote::quote!(Error::UnexpectedResponse(
                response.into_response()
            )));
            counts.unexpected += 1;
            at += 5;
            continue;
        }
        match &trees[at] {
            TokenTree::Group(group) => {
                let mut inner =
                    Group::new(group.delimiter(), rewritten(group.stream(), reader, counts));
                inner.set_span(group.span());
                out.extend([TokenTree::Group(inner)]);
            }
            other => out.extend([other.clone()]),
        }
        at += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builders(send: TokenStream) -> syn::File {
        syn::parse_quote! {
            pub mod builder {
                impl<'a> Pay<'a> {
                    pub(crate) async fn send_unchecked(self) -> R { #send }
                }
                impl<'a> Read<'a> {
                    pub(crate) async fn send_unchecked(self) -> R { #send }
                }
            }
        }
    }

    fn progenitor_send() -> TokenStream {
        quote::quote! {
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }

    #[test]
    fn sends_take_the_transports_answer_money_checked_reads_decoded() {
        let mut file = builders(progenitor_send());
        exchanged_answers(&mut file, &["Pay".to_owned()]);
        let text = file.to_token_stream().to_string();
        for (expected, count) in [
            ("client . exchange (request , & info)", 2),
            ("crate :: call :: checked_response", 2),
            ("crate :: call :: decoded_response", 2),
            (
                "Error :: UnexpectedResponse (response . into_response ())",
                2,
            ),
            ("client . pre (", 2),
        ] {
            assert_eq!(text.matches(expected).count(), count, "{expected}: {text}");
        }
        for gone in ["client . exec", "client . post", "from_response"] {
            assert!(!text.contains(gone), "{gone}: {text}");
        }
    }

    /// The rewrite of progenitor's send with `from` replaced by `to`.
    fn rewrite_with(from: &str, to: &str) {
        let send = progenitor_send().to_string().replace(from, to);
        exchanged_answers(&mut builders(send.parse().unwrap()), &[]);
    }

    #[test]
    #[should_panic(expected = "without a send to decode through `checked_response`: [\"Refund\"]")]
    fn a_money_builder_whose_send_is_not_found_fails_the_rewrite() {
        let mut file = builders(progenitor_send());
        exchanged_answers(&mut file, &["Pay".to_owned(), "Refund".to_owned()]);
    }

    #[test]
    #[should_panic(expected = "no longer reads its answer")]
    fn a_send_that_reads_its_answer_another_way_fails_the_rewrite() {
        rewrite_with("from_response", "from_other");
    }

    #[test]
    #[should_panic(expected = "`post` hook")]
    fn a_send_without_the_post_hook_fails_the_rewrite() {
        rewrite_with("client . post (& result , & info) . await ? ;", "");
    }

    #[test]
    #[should_panic(expected = "`client.exec` once")]
    fn a_send_that_does_not_call_exec_fails_the_rewrite() {
        rewrite_with("client . exec", "client . send");
    }

    #[test]
    #[should_panic(expected = "`Error::UnexpectedResponse(response)`")]
    fn a_send_without_the_unexpected_status_branch_fails_the_rewrite() {
        rewrite_with("Err (Error :: UnexpectedResponse (response))", "todo ! ()");
    }
}
