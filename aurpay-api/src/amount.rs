//! Exact decimal amounts, as Aurpay sends them: sometimes JSON strings,
//! sometimes JSON numbers.

#[cfg(feature = "schemars")]
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::text::Text;

/// An exact decimal amount of money (fiat or crypto).
///
/// Aurpay is inconsistent about amounts: order lists send `"0.00102549"` (a
/// JSON string), Get Payment Info sends `18.0098` (a JSON number). `Amount`
/// accepts both, holds the value as a [`Decimal`] (never binary floating
/// point), and remembers which JSON form it came in, so that what Aurpay sent
/// serializes back unchanged, trailing zeros included (`"19.0"` stays
/// `"19.0"`).
///
/// Amounts you build yourself are sent as JSON numbers, which is what every
/// documented Aurpay request uses for prices.
///
/// Both forms are exact up to 28 significant digits (the range of
/// [`Decimal`]), decoding and encoding: a JSON number's digits are read
/// from the JSON text and written back verbatim, never through `f64`
/// (`20.123456789012345678` stays `20.123456789012345678`). This holds for
/// serde_json text (`from_str`, `from_slice`, `to_string`, `to_vec`, which
/// the SDK uses on the wire); through a `serde_json::Value` a number is a
/// float, exact to 15 digits.
///
/// ```
/// use aurpay_api::Amount;
/// use rust_decimal::Decimal;
///
/// let from_string: Amount = serde_json::from_str(r#""0.00000820392""#)?;
/// assert_eq!(from_string.to_string(), "0.00000820392");
/// assert_eq!(serde_json::to_string(&from_string)?, r#""0.00000820392""#);
///
/// let from_number: Amount = serde_json::from_str("18.0098")?;
/// assert_eq!(from_number.decimal(), Decimal::new(180098, 4));
/// assert_eq!(serde_json::to_string(&from_number)?, "18.0098");
///
/// let price = Amount::from(Decimal::new(1999, 2));
/// assert_eq!(serde_json::to_string(&price)?, "19.99");
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// Limit: through another deserializer than serde_json's text parser (a
/// `serde_json::Value`, another format), a number arrives as a float and is
/// exact to 15 significant digits.
#[derive(Clone, Copy)]
pub struct Amount {
    value: Decimal,
    form: JsonForm,
}

/// Which JSON form an [`Amount`] is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonForm {
    /// A JSON string, `"0.00102549"`.
    String,
    /// A JSON number, `18.0098`.
    Number,
}

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseAmountError {
    input: String,
}

impl fmt::Display for ParseAmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a decimal amount (or more than 28 significant digits): {:?}",
            self.input
        )
    }
}

impl std::error::Error for ParseAmountError {}

/// At most the first 48 characters of `text`, then `...`: what an error
/// keeps of an input that is not an amount.
fn shortened(text: &str) -> String {
    const KEPT: usize = 48;
    match text.char_indices().nth(KEPT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

impl Amount {
    /// An amount written as a JSON number (the form requests use).
    pub const fn new(value: Decimal) -> Self {
        Amount {
            value,
            form: JsonForm::Number,
        }
    }

    /// The exact value.
    pub const fn decimal(&self) -> Decimal {
        self.value
    }

    /// The JSON form this amount is serialized in.
    pub const fn json_form(&self) -> JsonForm {
        self.form
    }

    /// The same value, serialized in the given JSON form.
    pub const fn with_json_form(self, form: JsonForm) -> Self {
        Amount { form, ..self }
    }

    fn parse(text: &str, form: JsonForm) -> Result<Self, ParseAmountError> {
        let trimmed = crate::timestamp::trimmed(text);
        let value = Decimal::from_str_exact(trimmed)
            .or_else(|_| Decimal::from_scientific(trimmed))
            .map_err(|_| ParseAmountError {
                input: shortened(text),
            })?;
        Ok(Amount { value, form })
    }
}

impl From<Decimal> for Amount {
    fn from(value: Decimal) -> Self {
        Amount::new(value)
    }
}

impl From<Amount> for Decimal {
    fn from(amount: Amount) -> Self {
        amount.value
    }
}

impl From<i64> for Amount {
    fn from(value: i64) -> Self {
        Amount::new(Decimal::from(value))
    }
}

impl From<i32> for Amount {
    fn from(value: i32) -> Self {
        Amount::new(Decimal::from(value))
    }
}

impl From<u32> for Amount {
    fn from(value: u32) -> Self {
        Amount::new(Decimal::from(value))
    }
}

impl From<u64> for Amount {
    fn from(value: u64) -> Self {
        Amount::new(Decimal::from(value))
    }
}

impl FromStr for Amount {
    type Err = ParseAmountError;

    /// Parses decimal text (`"19.99"`, `"0.00000820392"`, `"1e-8"`); the
    /// result is sent as a JSON number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Amount::parse(s, JsonForm::Number)
    }
}

impl TryFrom<&str> for Amount {
    type Error = ParseAmountError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Equality is by value: `"19.0"` equals `19`, whatever the JSON form.
impl PartialEq for Amount {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for Amount {}

impl std::hash::Hash for Amount {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.normalize().hash(state);
    }
}

impl PartialOrd for Amount {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Amount {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl fmt::Display for Amount {
    /// The exact decimal text, with the scale Aurpay sent (`19.0`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.form {
            JsonForm::String => write!(f, "Amount({:?})", self.value.to_string()),
            JsonForm::Number => write!(f, "Amount({})", self.value),
        }
    }
}

/// serde_json's name for a raw JSON value (its `raw_value` feature): asking
/// for a newtype struct of this name makes serde_json hand over the exact
/// text of the value, and serializing one makes it write text verbatim.
/// Other formats see an ordinary newtype struct.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.form {
            JsonForm::String => serializer.serialize_str(&self.value.to_string()),
            JsonForm::Number => {
                // A whole number is written as one, without making its text.
                if self.value.scale() == 0
                    && let Ok(int) = i64::try_from(self.value.mantissa())
                {
                    return serializer.serialize_i64(int);
                }
                // The exact digits as a JSON number, never through f64:
                // serde_json writes a raw value verbatim (28 significant
                // digits stay 28). `Decimal` text is always a valid JSON
                // number.
                let text = self.value.to_string();
                match serde_json::value::RawValue::from_string(text) {
                    Ok(raw) => raw.serialize(serializer),
                    Err(_) => serializer.serialize_str(&self.value.to_string()),
                }
            }
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // From serde_json text this yields the number's exact digits
        // (`visit_map` below); any other deserializer calls
        // `visit_newtype_struct` and the value is read as usual.
        deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, AmountVisitor)
    }
}

struct AmountVisitor;

impl<'de> Visitor<'de> for AmountVisitor {
    type Value = Amount;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal amount as a JSON string or number")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<Amount, D::Error> {
        inner.deserialize_any(self)
    }

    /// serde_json's raw value: one entry, keyed by the token, whose value
    /// is the JSON text of the amount.
    fn visit_map<M: de::MapAccess<'de>>(self, mut map: M) -> Result<Amount, M::Error> {
        let key: Option<Text<'de>> = map.next_key()?;
        if key.as_ref().map(|k| k.0.as_ref()) != Some(RAW_VALUE_TOKEN) {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        let raw: Text<'de> = map.next_value()?;
        let raw = crate::timestamp::trimmed(&raw.0);
        if raw.starts_with('"') {
            // A JSON string serde_json has checked: without a backslash its
            // text is what lies between the quotes.
            if let Some(plain) = raw
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .filter(|r| !r.contains('\\'))
            {
                return self.visit_str(plain);
            }
            let text: String = serde_json::from_str(raw).map_err(de::Error::custom)?;
            return self.visit_str(&text);
        }
        if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            let mut amount = Amount::parse(raw, JsonForm::Number).map_err(de::Error::custom)?;
            // `100.0` keeps its decimal point when written back.
            if amount.value.scale() == 0 && raw.contains(['.', 'e', 'E']) {
                amount.value.rescale(1);
            }
            return Ok(amount);
        }
        // Only the start of what it was: the value may be megabytes (an
        // array where an amount belongs).
        Err(de::Error::invalid_value(
            de::Unexpected::Other(&shortened(raw)),
            &self,
        ))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
        Amount::parse(v, JsonForm::String).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
        Ok(Amount::new(Decimal::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
        Ok(Amount::new(Decimal::from(v)))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Amount, E> {
        Decimal::try_from_i128_with_scale(v, 0)
            .map(Amount::new)
            .map_err(|_| E::custom(format!("amount {v} is out of range")))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Amount, E> {
        i128::try_from(v)
            .map_err(|_| E::custom(format!("amount {v} is out of range")))
            .and_then(|v| self.visit_i128(v))
    }

    /// Only from deserializers that are not serde_json text (a
    /// `serde_json::Value`, another format): the float's shortest text,
    /// which is what was written for up to 15 significant digits.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
        if !v.is_finite() {
            return Err(E::custom("amount is not a finite number"));
        }
        let mut amount = Amount::parse(&v.to_string(), JsonForm::Number).map_err(E::custom)?;
        if amount.value.scale() == 0 {
            amount.value.rescale(1);
        }
        Ok(amount)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Amount {
    fn schema_name() -> Cow<'static, str> {
        "Amount".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An exact decimal amount, as a JSON string (\"0.00102549\") or number (18.0098).",
            "oneOf": [
                { "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$" },
                { "type": "number" }
            ]
        })
    }
}
