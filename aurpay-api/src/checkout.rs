//! Hosted checkout: the Aurpay order behind a cashier page URL.
//!
//! Get Payment URL answers with the cashier page only
//! (`https://dashboard.aurpay.net/#/cashier/<order_id>`); the order id the
//! rest of the API (details, refunds, callbacks) needs is the last segment
//! of its fragment. Aurpay's order ids are digit strings (20 digits in every
//! documented example).

use crate::generated::types;

/// The Aurpay order id in a cashier page URL (`.../#/cashier/<order_id>`),
/// or `None` when the URL has another shape (for example a plugin's
/// `#/cashier/choose?token=...`, which names no order yet).
pub(crate) fn order_id_from_pay_url(pay_url: &str) -> Option<&str> {
    let (_, after) = pay_url.split_once("#/cashier/")?;
    let id = after.split(['?', '/', '&', '#']).next().unwrap_or_default();
    (!id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

impl types::PaymentUrl {
    /// The Aurpay order id of this hosted-checkout order, read from
    /// [`pay_url`](types::PaymentUrl::pay_url) (`.../#/cashier/<order_id>`),
    /// or `None` when the URL has another shape (for example a plugin's
    /// `#/cashier/choose?token=...`, which names no order yet). Store it
    /// under your own reference to resolve callbacks and reconcile.
    ///
    /// ```
    /// let answer: aurpay_api::types::PaymentUrl = serde_json::from_str(
    ///     r#"{"pay_url":"https://dashboard.aurpay.net/#/cashier/20240426103947614609"}"#,
    /// ).unwrap();
    /// assert_eq!(answer.order_id(), Some("20240426103947614609"));
    /// let plugin: aurpay_api::types::PaymentUrl = serde_json::from_str(
    ///     r#"{"pay_url":"https://dashboard.aurpay.net/#/cashier/choose?token=x"}"#,
    /// ).unwrap();
    /// assert_eq!(plugin.order_id(), None);
    /// ```
    pub fn order_id(&self) -> Option<&str> {
        order_id_from_pay_url(&self.pay_url)
    }
}
