//! What an optional field's builder setter accepts.

use crate::Amount;

/// A value for an optional field of a request or response builder: the
/// value, `None`/`Some(value)`, or for text fields a `&str`.
///
/// ```
/// use aurpay_api::{Amount, types};
///
/// let request: types::PaymentInfoRequest = types::PaymentInfoRequest::builder()
///     .chain("ETH")
///     .currency("USDT-ERC20")
///     .vs_currency("USD")
///     .vs_price(Amount::from(10))
///     .callback_url("https://shop.example/aurpay/callback?ref=1&event=paid") // &str
///     .enable_post_callback(true)                                         // bool
///     .succeed_url(None::<String>)                                        // None
///     .try_into()?;
/// assert_eq!(request.enable_post_callback, Some(true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptionalField<T>(pub Option<T>);

impl<T> From<T> for OptionalField<T> {
    fn from(value: T) -> Self {
        OptionalField(Some(value))
    }
}

impl<T> From<Option<T>> for OptionalField<T> {
    fn from(value: Option<T>) -> Self {
        OptionalField(value)
    }
}

impl From<&str> for OptionalField<String> {
    fn from(value: &str) -> Self {
        OptionalField(Some(value.to_owned()))
    }
}

impl From<Option<&str>> for OptionalField<String> {
    fn from(value: Option<&str>) -> Self {
        OptionalField(value.map(str::to_owned))
    }
}

impl From<rust_decimal::Decimal> for OptionalField<Amount> {
    fn from(value: rust_decimal::Decimal) -> Self {
        OptionalField(Some(Amount::from(value)))
    }
}
