//! A money call's answer decoded and checked for repeated keys in one pass
//! where it can be.
//!
//! The typed decoding already refuses a repeated known field (serde's
//! derive reports a duplicate field), so an answer can only hide a repeated
//! key where the typed decoding does not look: in a field it ignores (one
//! the spec does not name), or in free-form content (a map, a
//! `serde_json::Value`, anything read through `deserialize_any`). [`Watch`]
//! wraps serde_json's deserializer and notes when the decoding reaches
//! either; only then, or when the decoding fails, is the answer
//! [`scan`](super::shape::scan)ned, and what the scan finds is recorded for
//! the call exactly as the transport records it for the answers it scans
//! itself (`client/send.rs`: large answers, error statuses, raw requests).
//! An answer of the documented shape is read once.
//!
//! The generated money operations decode every listed status through
//! [`checked_response`] (`aurpay-codegen` rewrites progenitor's
//! `ResponseValue::from_response` for them); an unlisted status is read by
//! `answer::unexpected`, which scans.

use std::cell::Cell;
use std::fmt;

use progenitor_client::ResponseValue;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess};

use super::record::{CallRecord, Failure};
use super::shape::{self, Shape};
use crate::client::BufferedAnswer;

/// progenitor's `ResponseValue::from_response`, with the check of the
/// module docs: the body (read whole by the transport) decoded as `T`
/// through [`Watch`], scanned when the decoding reached what it does not
/// check itself, or failed.
pub(crate) async fn checked_response<T: DeserializeOwned, E>(
    answer: BufferedAnswer,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>> {
    let status = answer.status();
    let full = answer.into_body();
    let unchecked = Cell::new(false);
    let decoded = decode::<T>(&full, &unchecked);
    if unchecked.get() || decoded.is_err() {
        let record = super::current_record();
        record_shape(&full, status.as_u16(), record.as_deref());
    }
    let inner = decoded.map_err(|e| progenitor_client::Error::InvalidResponsePayload(full, e))?;
    Ok(super::read::answer_value(inner, status))
}

/// `serde_json::from_slice`, through [`Watch`].
fn decode<T: DeserializeOwned>(body: &[u8], unchecked: &Cell<bool>) -> serde_json::Result<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = T::deserialize(Watch {
        inner: &mut deserializer,
        unchecked,
    })?;
    deserializer.end()?;
    Ok(value)
}

/// What [`shape::scan`] finds in `body`, recorded for the call as the
/// transport records it (the recorded failure wins over the decoded
/// answer, `answer::recorded_failure`).
pub(crate) fn record_shape(body: &[u8], status: u16, record: Option<&CallRecord>) {
    let failure = match shape::scan(body) {
        Shape::Fine => return,
        Shape::RepeatedKey(key) => Failure::RepeatedKey { status, key },
        Shape::TooComplex(reason) => Failure::TooComplex {
            status,
            reason,
            applied: matches!(super::head(body), super::HeadSays::Success(_)),
        },
    };
    if let Some(record) = record {
        record.fail(failure);
    }
}

/// A deserializer that notes (in `unchecked`) when the decoding reaches
/// content whose keys it does not check: an ignored field, a map, anything
/// read through `deserialize_any`, an enum or a tuple. Structs, sequences,
/// options, newtypes and scalars are followed, and their contents watched
/// in turn.
struct Watch<'c, D> {
    inner: D,
    unchecked: &'c Cell<bool>,
}

/// serde_json's raw value token ([`crate::amount`]): the exact text of a
/// value, which is not decoded here (an `Amount` that is an object fails).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl<'c, D> Watch<'c, D> {
    fn visitor<V>(&self, visitor: V) -> Watched<'c, V> {
        Watched {
            inner: visitor,
            unchecked: self.unchecked,
        }
    }
}

/// Forwards a scalar method unchanged: a scalar holds no keys.
macro_rules! scalars {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method(visitor)
        }
    )*};
}

/// Notes unchecked content, then forwards unchanged.
macro_rules! unchecked {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.unchecked.set(true);
            self.inner.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Watch<'_, D> {
    type Error = D::Error;

    scalars!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_identifier,
    );

    unchecked!(deserialize_any, deserialize_map, deserialize_ignored_any);

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let visitor = self.visitor(visitor);
        self.inner.deserialize_option(visitor)
    }

    fn deserialize_unit_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        if name == RAW_VALUE_TOKEN {
            return self.inner.deserialize_newtype_struct(name, visitor);
        }
        let visitor = self.visitor(visitor);
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let visitor = self.visitor(visitor);
        self.inner.deserialize_seq(visitor)
    }

    fn deserialize_tuple<V: de::Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.unchecked.set(true);
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.unchecked.set(true);
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.visitor(visitor);
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.unchecked.set(true);
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// The visitor of a watched struct, sequence, option or newtype: hands
/// on a watched map, sequence or inner deserializer.
struct Watched<'c, V> {
    inner: V,
    unchecked: &'c Cell<bool>,
}

/// Forwards a visit of a scalar unchanged.
macro_rules! visits {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<Self::Value, E> {
            self.inner.$method(value)
        }
    )*};
}

impl<'de, V: de::Visitor<'de>> de::Visitor<'de> for Watched<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    visits!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(Watch {
            inner: deserializer,
            unchecked: self.unchecked,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(Watch {
            inner: deserializer,
            unchecked: self.unchecked,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_seq(Watched {
            inner: seq,
            unchecked: self.unchecked,
        })
    }

    /// A struct's fields: its keys are checked by the typed decoding (a
    /// repeated field fails it), its values watched.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(Watched {
            inner: map,
            unchecked: self.unchecked,
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.unchecked.set(true);
        self.inner.visit_enum(data)
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Watched<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.inner.next_element_seed(Watched {
            inner: seed,
            unchecked: self.unchecked,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Watched<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(seed)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.inner.next_value_seed(Watched {
            inner: seed,
            unchecked: self.unchecked,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Watched<'_, T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T::Value, D::Error> {
        self.inner.deserialize(Watch {
            inner: deserializer,
            unchecked: self.unchecked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Order {
        id: String,
        amount: crate::Amount,
        hashes: Vec<String>,
        note: Option<String>,
        inner: Option<Inner>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        a: i64,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Free {
        extra: serde_json::Map<String, serde_json::Value>,
    }

    fn watched<T: DeserializeOwned>(body: &str) -> (bool, bool) {
        let unchecked = Cell::new(false);
        let ok = decode::<T>(body.as_bytes(), &unchecked).is_ok();
        (ok, unchecked.get())
    }

    #[test]
    fn the_documented_shape_is_decoded_without_a_scan() {
        let body = r#"{"id":"1","amount":"0.5","hashes":["a","b"],"note":null,"inner":{"a":1}}"#;
        assert_eq!(watched::<Order>(body), (true, false));
        let number = r#"{"id":"1","amount":18.0098,"hashes":[],"inner":null}"#;
        assert_eq!(watched::<Order>(number), (true, false));
    }

    #[test]
    fn what_the_typed_decoding_does_not_check_is_noted() {
        // An unknown field, at the top or inside a known struct.
        let unknown = r#"{"id":"1","amount":"1","hashes":[],"x":{"a":1,"a":2}}"#;
        assert_eq!(watched::<Order>(unknown), (true, true));
        let deep = r#"{"id":"1","amount":"1","hashes":[],"inner":{"a":1,"b":[{"c":1,"c":2}]}}"#;
        assert_eq!(watched::<Order>(deep), (true, true));
        // Free-form content.
        assert_eq!(watched::<Free>(r#"{"extra":{"a":1,"a":2}}"#), (true, true));
        // A repeated known field fails the decoding itself.
        let repeated = r#"{"id":"1","id":"2","amount":"1","hashes":[]}"#;
        assert!(!watched::<Order>(repeated).0);
        // An amount that is an object fails too.
        let object = r#"{"id":"1","amount":{"a":1,"a":2},"hashes":[]}"#;
        assert!(!watched::<Order>(object).0);
    }

    #[test]
    fn decodes_as_serde_json_does() {
        let body = r#" {"id":"é\u00e9","amount":"2","hashes":["x"],"note":"n"} "#;
        let unchecked = Cell::new(false);
        let ours = decode::<Order>(body.as_bytes(), &unchecked).unwrap();
        let theirs: Order = serde_json::from_str(body).unwrap();
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
        // Trailing text is refused, as serde_json::from_slice refuses it.
        assert!(decode::<Order>(br#"{"id":"1","amount":"1","hashes":[]} x"#, &unchecked).is_err());
    }
}
