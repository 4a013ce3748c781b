//! Emits `generated_operations.rs`: the operation table and the glue that lets
//! aurpay-api's generic runtime drive every generated builder.
//!
//! The traits implemented here (`Envelope`, `Call`, `Paginated`) and the
//! `Operation` type are hand-written in aurpay-api; this module only states,
//! per operation, which types and parameters they connect.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::listings::paginated_impl;
use crate::spec::{Model, OperationModel};

pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn opt_str(value: &Option<String>) -> TokenStream {
    match value {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

fn operation_entry(op: &OperationModel) -> TokenStream {
    let OperationModel {
        id,
        path,
        summary,
        tag,
        moves_money,
        authenticated,
        has_body,
        ..
    } = op;
    let method = &op.method;
    let status = if op.provenance.confirmed {
        quote!(ProvenanceStatus::Confirmed)
    } else {
        quote!(ProvenanceStatus::Inferred)
    };
    let source = &op.provenance.source;
    let basis = opt_str(&op.provenance.basis);
    let notes = opt_str(&op.provenance.notes);
    let paginated = op.pagination.is_some();
    let intent = intent_entry(op);
    quote! {
        Operation {
            id: #id,
            summary: #summary,
            tag: #tag,
            method: #method,
            path: #path,
            has_body: #has_body,
            authenticated: #authenticated,
            moves_money: #moves_money,
            paginated: #paginated,
            provenance: Provenance {
                status: #status,
                source: #source,
                basis: #basis,
                notes: #notes,
            },
            intent: #intent,
        }
    }
}

/// The `IntentSpec` of a call that moves money, or `None`.
fn intent_entry(op: &OperationModel) -> TokenStream {
    use crate::spec::{Evidence, Source};
    let Some(intent) = &op.intent else {
        return quote!(None);
    };
    let evidence = match intent.evidence {
        Evidence::Orders => quote!(Evidence::Orders),
        Evidence::Transactions => quote!(Evidence::Transactions),
    };
    let matches = intent.matches.iter().map(|(role, source)| {
        let role = ident(&crate::spec::upper_camel(role));
        let source = match source {
            Source::Body(field) => quote!(Source::Body(#field)),
            Source::Path(param) => quote!(Source::Path(#param)),
            Source::Const(value) => quote!(Source::Const(#value)),
        };
        quote!((Role::#role, #source))
    });
    let result = match &intent.result {
        None => quote!(None),
        Some((what, field)) => {
            let what = ident(&crate::spec::upper_camel(what));
            quote!(Some(ResultId::#what(#field)))
        }
    };
    quote! {
        Some(&IntentSpec {
            evidence: #evidence,
            matches: &[#(#matches),*],
            result: #result,
        })
    }
}

fn call_impl(index: usize, op: &OperationModel, error_schema: &Ident, data: &Ident) -> TokenStream {
    let builder = ident(&op.builder_name());
    let envelope = ident(&op.envelope);
    let doc = format!("`{}` ({} {}): {}.", op.id, op.method, op.path, op.summary);
    let send = ident(crate::restrict::SEND_UNCHECKED);
    let params = op.params.iter().map(|param| {
        let name = &param.name;
        let field = ident(&param.name);
        if param.required {
            quote! { params.push((#name, self.#field.clone()?.to_string())); }
        } else {
            quote! {
                if let Some(value) = self.#field.clone()? {
                    params.push((#name, value.to_string()));
                }
            }
        }
    });
    let body = match &op.body {
        Some(body) => {
            let schema = ident(&body.schema);
            quote! {
                Some({
                    let body = match self.body.clone()? {
                        Some(body) => body,
                        None => types::#schema::try_from(types::builder::#schema::default())
                            .map_err(|e| e.to_string())?,
                    };
                    serde_json::to_string(&body).map_err(|e| e.to_string())?
                })
            }
        }
        None => quote!(None),
    };
    let money = if op.moves_money {
        "This call moves money: it is sent at most once, never retried once it may have \
         reached Aurpay; an error says whether Aurpay acted ([`Error::outcome`](crate::Error::outcome))."
    } else {
        "A read: transient failures are retried as the client's retry policy says."
    };
    let call_doc = format!(
        "Sends the request (authenticated, signed, bounded in size and time) and returns \
         the envelope's `data`, or the typed [`Error`](crate::Error). {money}"
    );
    quote! {
        impl<'a> Sealed for builder::#builder<'a> {}

        #[doc = #doc]
        impl<'a> Call for builder::#builder<'a> {
            type Data = types::#data;
            const OPERATION: &'static Operation = &OPERATIONS[#index];

            fn send_call(
                self,
                _: Token,
            ) -> impl ::std::future::Future<Output = Result<types::#data, crate::Error>> + Send {
                crate::call::send::<types::#envelope, types::#error_schema, _>(
                    Self::OPERATION,
                    crate::call::boxed(move || builder::#builder::#send(self)),
                )
            }

            #[allow(unused_mut)]
            fn request(&self, _: Token) -> Result<Request, String> {
                let mut params: Vec<(&'static str, String)> = Vec::new();
                #(#params)*
                Ok(Request { params, body: #body })
            }

            fn clock(&self, _: Token) -> ::std::sync::Arc<dyn crate::clock::Clock> {
                self.client.inner.clock()
            }
        }

        impl<'a> builder::#builder<'a> {
            #[doc = #call_doc]
            pub fn call(
                self,
            ) -> impl ::std::future::Future<Output = Result<types::#data, crate::Error>> + Send {
                Call::send_call(self, Token(()))
            }
        }
    }
}

/// Every envelope (success and error) exposes `code`, `message`/`msg` and
/// `result`; success envelopes also hand over their typed `data`.
fn envelope_impl(envelope: &str, data: Option<TokenStream>) -> TokenStream {
    let envelope = ident(envelope);
    let data_impl = data.map(|data| {
        quote! {
            impl DataEnvelope for types::#envelope {
                type Data = #data;

                fn take_data(&mut self) -> Option<#data> {
                    self.data.take()
                }
            }
        }
    });
    quote! {
        impl Sealed for types::#envelope {}

        impl Envelope for types::#envelope {
            fn code(&self) -> i64 {
                self.code
            }

            fn message(&self) -> Option<&str> {
                self.message.as_deref().or(self.msg.as_deref())
            }

            fn result(&self) -> Option<bool> {
                self.result
            }
        }

        #data_impl
    }
}

/// The whole `generated_operations.rs` module body.
pub fn tokens(model: &Model) -> TokenStream {
    let count = proc_macro2::Literal::usize_unsuffixed(model.operations.len());
    let entries = model.operations.iter().map(operation_entry);
    let named = model.operations.iter().enumerate().map(|(index, op)| {
        let name = ident(&op.id.to_ascii_uppercase());
        let doc = format!("`{}` ({} {}): {}.", op.id, op.method, op.path, op.summary);
        quote! {
            #[doc = #doc]
            pub const #name: &'static Operation = &OPERATIONS[#index];
        }
    });
    let error_schema = ident(&model.error_schema);
    let data_of = |envelope: &str| {
        model
            .envelopes
            .iter()
            .find(|(name, _)| name == envelope)
            .map(|(_, data)| data.as_str())
            .unwrap_or_default()
    };
    let calls: Vec<TokenStream> = model
        .operations
        .iter()
        .enumerate()
        .map(|(index, op)| call_impl(index, op, &error_schema, &ident(data_of(&op.envelope))))
        .collect();
    let pages = model
        .operations
        .iter()
        .filter_map(|op| paginated_impl(op, data_of(&op.envelope)));
    let envelopes = model.envelopes.iter().map(|(envelope, data)| {
        let data = ident(data);
        envelope_impl(envelope, Some(quote!(types::#data)))
    });
    let error_envelope = envelope_impl(&model.error_schema, None);
    let example_order_ids: std::collections::BTreeSet<&str> = model
        .operations
        .iter()
        .flat_map(|op| &op.params)
        .filter(|param| param.name == model.order_lookup.1)
        .filter_map(|param| param.example.as_ref()?.as_str())
        .collect();
    let example_order_ids = example_order_ids.into_iter();
    let server = crate::server::tokens(model, |envelope| data_of(envelope).to_owned());
    let lookup = {
        let (id, param) = &model.order_lookup;
        let op = model
            .operations
            .iter()
            .find(|op| &op.id == id)
            .expect("validated in spec::Model");
        let method = ident(id);
        let builder = ident(&op.builder_name());
        let setter = ident(param);
        quote! {
            impl OrderLookup for crate::Client {
                type Lookup<'a> = builder::#builder<'a>;

                fn order_lookup<'a>(&'a self, order_id: &str) -> builder::#builder<'a> {
                    self.#method().#setter(order_id)
                }
            }
        }
    };
    let builder_of = |id: &Option<String>| {
        id.as_ref().map(|id| {
            let op = model
                .operations
                .iter()
                .find(|op| &op.id == id)
                .expect("validated in spec::Model");
            (ident(id), ident(&op.builder_name()))
        })
    };
    let listings = {
        let orders = builder_of(&model.order_listing).map(|(method, builder)| {
            quote! {
                type Orders<'a> = builder::#builder<'a>;

                fn orders(&self) -> builder::#builder<'_> {
                    self.#method()
                }
            }
        });
        let transactions = builder_of(&model.transaction_listing).map(|(method, builder)| {
            quote! {
                type Transactions<'a> = builder::#builder<'a>;

                fn transactions(&self) -> builder::#builder<'_> {
                    self.#method()
                }
            }
        });
        quote! {
            impl Listings for crate::Client {
                #orders
                #transactions
            }
        }
    };
    let money = model
        .operations
        .iter()
        .filter(|op| op.moves_money)
        .map(|op| {
            let builder = ident(&op.builder_name());
            quote! {
                impl<'a> MovesMoney for builder::#builder<'a> {}
            }
        });
    quote! {
        use crate::envelope::{DataEnvelope, Envelope};
        use crate::generated::{builder, types};
        use crate::intent::spec::{Evidence, IntentSpec, ResultId, Role, Source};
        use crate::operation::{Call, ListedOrder, ListedTransaction, Listings, MovesMoney, OrderLookup, Operation, Paginated, Provenance, ProvenanceStatus};
        use crate::operation::sealed::{Page, Request, Sealed, Token};

        /// Every operation of spec/aurpay.yaml, in spec order.
        pub static OPERATIONS: [Operation; #count] = [#(#entries),*];

        /// Each operation by name, for APIs that take an operation (such
        /// as the sandbox's fault injection): a typo does not compile.
        impl Operation {
            #(#named)*
        }

        #(#calls)*

        #(#pages)*

        #(#envelopes)*

        #error_envelope

        #lookup

        #listings

        #(#money)*

        /// The order ids the spec's examples use (the order lookup's
        /// parameter): the sandbox seeded with the examples has these orders.
        #[cfg(feature = "sandbox")]
        pub(crate) const EXAMPLE_ORDER_IDS: &[&str] = &[#(#example_order_ids),*];

        #server
    }
}
