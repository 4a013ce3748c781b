//! What an answer's JSON could turn into, checked before anything decodes
//! it: a bound on the values it holds (so decoding an answer of up to the
//! size limit stays within a few times that size in memory, whatever its
//! shape), a bound on its depth, and no object that repeats a key (an
//! answer whose meaning depends on which duplicate a parser keeps is
//! ambiguous, never a success).
//!
//! One pass over the bytes with serde_json's parser, allocating nothing per
//! value but the keys of the object being read.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Answers at most this long are scanned only for calls that move money:
/// decoding a 64 KiB answer cannot take more than a few MiB whatever its
/// shape, and read calls' typed decoding refuses repeated known fields
/// itself.
pub(crate) const SCAN_ABOVE_BYTES: usize = 64 * 1024;

/// The most JSON values (scalars, arrays and objects) an answer may hold:
/// a page of 1,000 orders holds about 30,000. At about 64 bytes a value at
/// most once decoded, the decoded answer stays within 16 MiB.
pub(crate) const MAX_VALUES: usize = 250_000;

/// The deepest nesting an answer may have (Aurpay's is 4 deep).
pub(crate) const MAX_DEPTH: usize = 64;

/// What the scan found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Within the bounds, no repeated key (or not JSON at all: the decoder
    /// reports that).
    Fine,
    /// An object repeats a key.
    RepeatedKey(String),
    /// More values than [`MAX_VALUES`], or deeper than [`MAX_DEPTH`].
    TooComplex(String),
}

/// Scans `body` (see the module docs).
pub(crate) fn scan(body: &[u8]) -> Shape {
    let mut state = State::default();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    // serde_json's own recursion limit (128) is above ours; ours stops
    // first and says why.
    let result = Node {
        state: &mut state,
        depth: 0,
    }
    .deserialize(&mut deserializer);
    match (result, state.stopped) {
        (_, Some(Stop::Repeated(key))) => Shape::RepeatedKey(key),
        (_, Some(Stop::Values)) => Shape::TooComplex(format!(
            "the answer holds more than {MAX_VALUES} JSON values"
        )),
        (_, Some(Stop::Depth)) => {
            Shape::TooComplex(format!("the answer nests deeper than {MAX_DEPTH} levels"))
        }
        (_, None) => Shape::Fine,
    }
}

#[derive(Debug)]
enum Stop {
    Repeated(String),
    Values,
    Depth,
}

#[derive(Default)]
struct State {
    values: usize,
    stopped: Option<Stop>,
}

/// Why the scan stopped early, as a serde error (the reason is kept in
/// [`State::stopped`]).
#[derive(Debug)]
struct Stopped;

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("scan stopped")
    }
}

struct Node<'s> {
    state: &'s mut State,
    depth: usize,
}

impl Node<'_> {
    fn count<E: de::Error>(&mut self) -> Result<(), E> {
        self.state.values += 1;
        if self.state.values > MAX_VALUES {
            self.state.stopped = Some(Stop::Values);
            return Err(E::custom(Stopped));
        }
        Ok(())
    }

    fn enter<E: de::Error>(&mut self) -> Result<usize, E> {
        self.count()?;
        if self.depth >= MAX_DEPTH {
            self.state.stopped = Some(Stop::Depth);
            return Err(E::custom(Stopped));
        }
        Ok(self.depth + 1)
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

macro_rules! scalars {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method<E: de::Error>(mut self, _: $ty) -> Result<(), E> {
                self.count()
            }
        )*
    };
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    scalars!(
        visit_bool: bool,
        visit_i64: i64,
        visit_u64: u64,
        visit_i128: i128,
        visit_u128: u128,
        visit_f64: f64,
        visit_str: &str,
        visit_bytes: &[u8],
    );

    fn visit_unit<E: de::Error>(mut self) -> Result<(), E> {
        self.count()
    }

    fn visit_none<E: de::Error>(mut self) -> Result<(), E> {
        self.count()
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.enter()?;
        while seq
            .next_element_seed(Node {
                state: self.state,
                depth,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let depth = self.enter()?;
        let mut keys = Keys::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            // A key is a value too: an object of a million keys is as big
            // as an array of a million numbers.
            self.count()?;
            if let Err(key) = keys.insert(key) {
                let shown: String = key.chars().take(64).collect();
                self.state.stopped = Some(Stop::Repeated(shown));
                return Err(de::Error::custom(Stopped));
            }
            map.next_value_seed(Node {
                state: self.state,
                depth,
            })?;
        }
        Ok(())
    }
}

/// The keys of one object so far: a few in a list (Aurpay's objects have
/// under 30), many in a hash set (so a hostile object of 250,000 keys costs
/// linear time, not quadratic).
enum Keys<'de> {
    Few(Vec<Cow<'de, str>>),
    Many(std::collections::HashSet<Cow<'de, str>>),
}

impl Default for Keys<'_> {
    fn default() -> Self {
        Keys::Few(Vec::new())
    }
}

impl<'de> Keys<'de> {
    /// Adds `key`; gives it back if the object already had it.
    fn insert(&mut self, key: Cow<'de, str>) -> Result<(), Cow<'de, str>> {
        const FEW: usize = 32;
        match self {
            Keys::Few(list) if list.contains(&key) => Err(key),
            Keys::Few(list) if list.len() < FEW => {
                list.push(key);
                Ok(())
            }
            Keys::Few(list) => {
                let mut set: std::collections::HashSet<_> = list.drain(..).collect();
                set.insert(key);
                *self = Keys::Many(set);
                Ok(())
            }
            Keys::Many(set) if set.contains(&key) => Err(key),
            Keys::Many(set) => {
                set.insert(key);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_found_at_any_depth() {
        assert_eq!(
            scan(br#"{"code":1,"code":0,"data":{}}"#),
            Shape::RepeatedKey("code".into())
        );
        assert_eq!(
            scan(br#"{"code":0,"data":{"order_id":"1","x":[{"a":1,"a":2}]}}"#),
            Shape::RepeatedKey("a".into())
        );
        // The same key in sibling objects is no repetition; escaped forms
        // of one key are the same key.
        assert_eq!(scan(br#"[{"a":1},{"a":2}]"#), Shape::Fine);
        assert_eq!(
            scan(br#"{"code":0,"\u0063ode":1}"#),
            Shape::RepeatedKey("code".into())
        );
    }

    #[test]
    fn bounds_values_and_depth() {
        let many = format!("[{}0]", "0,".repeat(MAX_VALUES));
        assert!(matches!(scan(many.as_bytes()), Shape::TooComplex(_)));
        let fits = format!("[{}0]", "0,".repeat(MAX_VALUES - 2));
        assert_eq!(scan(fits.as_bytes()), Shape::Fine);
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(matches!(scan(deep.as_bytes()), Shape::TooComplex(_)));
        let keys: String = (0..MAX_VALUES).map(|i| format!("\"k{i}\":0,")).collect();
        let wide = format!("{{{keys}\"end\":0}}");
        assert!(matches!(scan(wide.as_bytes()), Shape::TooComplex(_)));
        // Many keys, then a repeat of an early one: found (in linear time).
        let keys: String = (0..1000).map(|i| format!("\"k{i}\":0,")).collect();
        let late = format!("{{{keys}\"k3\":1}}");
        assert_eq!(scan(late.as_bytes()), Shape::RepeatedKey("k3".into()));
    }

    #[test]
    fn what_is_not_json_is_left_to_the_decoder() {
        assert_eq!(scan(b"<html>502</html>"), Shape::Fine);
        assert_eq!(scan(b""), Shape::Fine);
    }
}
