//! The shape checks made through serde_json's own parser, as the scanner
//! made them before it read the bytes itself: the reference the scanner is
//! tested against (`scanner_agrees_with_serde_json`).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{MAX_DEPTH, MAX_VALUES, Shape};

/// Scans `body` (see the module docs).
pub(super) fn scan(body: &[u8]) -> Shape {
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
struct State<'de> {
    values: usize,
    stopped: Option<Stop>,
    /// The keys of the objects being read, innermost last: one stack for
    /// the whole scan, so an object costs no allocation of its own.
    keys: Vec<Cow<'de, str>>,
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

struct Node<'s, 'de> {
    state: &'s mut State<'de>,
    depth: usize,
}

impl Node<'_, '_> {
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

impl<'de> DeserializeSeed<'de> for Node<'_, 'de> {
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

impl<'de> Visitor<'de> for Node<'_, 'de> {
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
        // This object's keys: on the shared stack from `start` while there
        // are few (Aurpay's objects have under 30), in a hash set once
        // there are many (so a hostile object of 250,000 keys costs linear
        // time, not quadratic).
        const FEW: usize = 32;
        let start = self.state.keys.len();
        let mut many: Option<HashSet<Cow<'de, str>>> = None;
        // Borrowed from the body unless the key has an escape.
        while let Some(crate::text::Text(key)) = map.next_key()? {
            // A key is a value too: an object of a million keys is as big
            // as an array of a million numbers.
            self.count()?;
            let repeated = match &many {
                Some(set) => set.contains(&key),
                None => self.state.keys[start..].contains(&key),
            };
            if repeated {
                let shown: String = key.chars().take(64).collect();
                self.state.stopped = Some(Stop::Repeated(shown));
                return Err(de::Error::custom(Stopped));
            }
            let keys = &mut self.state.keys;
            match &mut many {
                Some(set) => {
                    set.insert(key);
                }
                None if keys.len() - start < FEW => keys.push(key),
                None => {
                    let mut set: HashSet<_> = keys.drain(start..).collect();
                    set.insert(key);
                    many = Some(set);
                }
            }
            map.next_value_seed(Node {
                state: self.state,
                depth,
            })?;
        }
        self.state.keys.truncate(start);
        Ok(())
    }
}
