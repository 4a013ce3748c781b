//! The `Paginated` impls of paged lists, and the listing impls
//! (`ListedOrder`, `ListedTransaction`) their items get from the spec.

use proc_macro2::TokenStream;
use quote::quote;

use crate::operations::ident;
use crate::spec::OperationModel;

pub(crate) fn paginated_impl(op: &OperationModel, data_schema: &str) -> Option<TokenStream> {
    let p = op.pagination.as_ref()?;
    let builder = ident(&op.builder_name());
    let data = ident(data_schema);
    let item = ident(&p.item_schema);
    let page_param = ident(&p.page_param);
    let size_param = ident(&p.size_param);
    let items = ident(&p.items_field);
    let max_page = ident(&p.max_page_field);
    let page_field = ident(&p.page_field);
    let total = ident(&p.total_field);
    let listing = p.order_listing.as_ref().map(|roles| {
        let field = |role: &str| {
            let (_, field) = roles
                .iter()
                .find(|(r, _)| r == role)
                .expect("every role is read in spec::read_order_listing");
            ident(field)
        };
        let [
            order_id,
            status,
            created_at,
            updated_at,
            fiat_price,
            fiat_currency,
        ] = crate::spec::ORDER_LISTING_ROLES.map(field);
        quote! {
            impl Sealed for types::#item {}

            impl ListedOrder for types::#item {
                fn order_id(&self) -> &str {
                    &self.#order_id
                }

                fn status(&self) -> &crate::OrderStatus {
                    &self.#status
                }

                fn created_at(&self) -> Option<&crate::Timestamp> {
                    self.#created_at.as_ref()
                }

                fn updated_at(&self) -> Option<&crate::Timestamp> {
                    self.#updated_at.as_ref()
                }

                fn fiat_price(&self) -> Option<&crate::Amount> {
                    self.#fiat_price.as_ref()
                }

                fn fiat_currency(&self) -> Option<&str> {
                    self.#fiat_currency.as_ref().map(AsRef::as_ref)
                }
            }
        }
    });
    let _ = total;
    let transactions = p.transaction_listing.as_ref().map(|roles| {
        let field = |role: &str| {
            let (_, field) = roles
                .iter()
                .find(|(r, _)| r == role)
                .expect("every role is read in spec::read_listing");
            ident(field)
        };
        let [tx_id, kind, chain, currency, amount, address, created_at] =
            crate::spec::TRANSACTION_LISTING_ROLES.map(field);
        quote! {
            impl Sealed for types::#item {}

            impl ListedTransaction for types::#item {
                fn tx_id(&self) -> &str {
                    &self.#tx_id
                }

                fn kind(&self) -> Option<&str> {
                    self.#kind.as_ref().map(AsRef::as_ref)
                }

                fn chain(&self) -> Option<&str> {
                    self.#chain.as_ref().map(AsRef::as_ref)
                }

                fn currency(&self) -> Option<&str> {
                    self.#currency.as_ref().map(AsRef::as_ref)
                }

                fn amount(&self) -> Option<&crate::Amount> {
                    Some(&self.#amount)
                }

                fn address(&self) -> Option<&str> {
                    self.#address.as_deref()
                }

                fn created_at(&self) -> Option<&crate::Timestamp> {
                    self.#created_at.as_ref()
                }
            }
        }
    });
    Some(quote! {
        #listing

        #transactions

        impl<'a> Paginated for builder::#builder<'a> {
            type Item = types::#item;

            fn with_page(self, page: ::std::num::NonZeroU64, _: Token) -> Self {
                builder::#builder::#page_param(self, page)
            }

            fn with_page_size(self, size: ::std::num::NonZeroU64, _: Token) -> Self {
                builder::#builder::#size_param(self, size)
            }

            fn into_page(data: types::#data, _: Token) -> Page<types::#item> {
                Page {
                    page: data.#page_field,
                    max_page: data.#max_page,
                    items: data.#items,
                }
            }
        }

        impl<'a> builder::#builder<'a> {
            /// Every item of every page, one request per page of
            /// `page_size` items, as a [`Stream`](futures_util::Stream);
            /// it ends after the last page (or an empty one) and yields
            /// the first error. Pages are read as they are when fetched:
            /// when items are added meanwhile (a new order pushes every
            /// other one a place down) an item can come twice; to
            /// reconcile orders use
            /// [`reconcile::changed_since`](crate::reconcile::changed_since),
            /// which yields each once per pass.
            pub fn items(self, page_size: u64) -> impl futures_util::Stream<Item = Result<types::#item, crate::Error>> + Send + 'a {
                crate::call::items(self, page_size)
            }
        }
    })
}
