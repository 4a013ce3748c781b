//! A string from a deserializer, borrowed from the input when it can be:
//! serde's own `Cow<str>` always makes an owned copy, which decoding an
//! answer would pay for every enum, timestamp and amount field and every
//! key the shape check reads.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A string value: borrowed from the input if the deserializer lends it
/// (serde_json from a byte slice, when the string has no escape), owned
/// otherwise. Accepts what serde's `String` accepts.
pub(crate) struct Text<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Text<'de>, E> {
        std::str::from_utf8(v)
            .map(|s| Text(Cow::Borrowed(s)))
            .map_err(|_| E::invalid_value(de::Unexpected::Bytes(v), &self))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Text<'de>, E> {
        std::str::from_utf8(v)
            .map(|s| Text(Cow::Owned(s.to_owned())))
            .map_err(|_| E::invalid_value(de::Unexpected::Bytes(v), &self))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Text<'de>, E> {
        String::from_utf8(v)
            .map(|s| Text(Cow::Owned(s)))
            .map_err(|e| E::invalid_value(de::Unexpected::Bytes(e.as_bytes()), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_what_it_can() {
        let text: Text<'_> = serde_json::from_slice(br#""SUCCESS""#).unwrap();
        assert!(matches!(text.0, Cow::Borrowed("SUCCESS")));
        let escaped: Text<'_> = serde_json::from_slice(br#""S\u0055CCESS""#).unwrap();
        assert!(matches!(escaped.0, Cow::Owned(ref s) if s == "SUCCESS"));
        let value = serde_json::json!("x");
        let from_value = Text::deserialize(&value).unwrap();
        assert_eq!(from_value.0, "x");
        let error = serde_json::from_slice::<Text<'_>>(b"5").err().unwrap();
        let string_error = serde_json::from_slice::<String>(b"5").err().unwrap();
        assert_eq!(error.to_string(), string_error.to_string());
    }
}
