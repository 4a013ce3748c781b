//! What an answer's JSON could turn into, checked before anything decodes
//! it: a bound on the values it holds (so decoding an answer of up to the
//! size limit stays within a few times that size in memory, whatever its
//! shape), a bound on its depth, and no object that repeats a key (an
//! answer whose meaning depends on which duplicate a parser keeps is
//! ambiguous, never a success).
//!
//! The answers of calls that move money are [`scan`]ned: one pass over the
//! bytes, without building anything: values are skipped (and checked as
//! JSON writes them), keys borrowed from the body unless escaped. A body
//! that is not JSON is left to the decoder, which says why. (`reference.rs`,
//! a test, checks this scanner against the same checks made through
//! serde_json's parser.) The transport scans a money call's large answers,
//! its error answers and raw requests' answers; a generated money call's
//! small success answer is scanned only when its checked decoding reaches
//! what the typed decoding does not check, or fails (`checked.rs`). A
//! read's answer is only bounded, and only when it is large
//! ([`values_at_most`]): its typed decoding refuses a repeated known field,
//! and a repeated unknown one means nothing to it.

use std::borrow::Cow;
use std::collections::HashSet;

/// A read call's answer longer than this has what it could decode into
/// bounded ([`values_at_most`]); a call that moves money has every answer
/// scanned whole. Decoding a 64 KiB answer cannot take more than a few
/// MiB whatever its shape, and read calls' typed decoding refuses
/// repeated known fields itself.
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
    let mut scanner = Scanner {
        text: body,
        // All ASCII (the usual answer): valid UTF-8 once, not string by
        // string.
        ascii: body.is_ascii(),
        at: 0,
        values: 0,
        // Room for an order's keys and its envelope's: one allocation.
        keys: Vec::with_capacity(FEW_KEYS),
        repeated: String::new(),
    };
    scanner.skip_whitespace();
    match scanner.value(0) {
        Err(Stop::Repeated) => Shape::RepeatedKey(scanner.repeated),
        Err(Stop::Values) => Shape::TooComplex(format!(
            "the answer holds more than {MAX_VALUES} JSON values"
        )),
        Err(Stop::Depth) => {
            Shape::TooComplex(format!("the answer nests deeper than {MAX_DEPTH} levels"))
        }
        // Not JSON (the decoder says why), or within the bounds.
        Err(Stop::NotJson) | Ok(()) => Shape::Fine,
    }
}

/// At least as many as the JSON values `body` holds, counted without
/// parsing it: every value but the first follows a `,`, a `:` or an
/// opening bracket, so one more than the number of those bytes (inside
/// strings too) is never fewer than the values. What bounds a read
/// call's large answer in memory; its typed decoding refuses repeated
/// known fields, and serde_json's recursion limit bounds the depth.
pub(crate) fn values_at_most(body: &[u8]) -> usize {
    // A byte count per block of 255 (no overflow): counts the compiler
    // keeps in vector registers.
    body.chunks(255)
        .map(|block| {
            block
                .iter()
                .map(|&b| u8::from(matches!(b, b',' | b':' | b'[' | b'{')))
                .fold(0u8, u8::wrapping_add) as usize
        })
        .sum::<usize>()
        + 1
}

/// The reason a large read answer is refused by [`values_at_most`].
pub(crate) fn too_many_values() -> String {
    format!(
        "the answer could hold more than {MAX_VALUES} JSON values (counting its commas, colons and opening brackets)"
    )
}

/// An object's keys kept on the shared stack before they go to a hash set
/// (Aurpay's objects have under 30).
const FEW_KEYS: usize = 32;

/// Why the scan stopped early: one byte, so that every `?` of the scan
/// is cheap (the repeated key is kept in the scanner).
#[derive(Debug, Clone, Copy)]
enum Stop {
    Repeated,
    Values,
    Depth,
    /// Not JSON: left to the decoder.
    NotJson,
}

/// One key of an object being read: its text as JSON means it (escapes
/// decoded), and a hash of that text compared first, so that telling
/// keys apart costs one comparison of numbers.
struct Key<'t> {
    hash: u64,
    text: Cow<'t, [u8]>,
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

/// One pass over the text: values counted, depth bounded, each object's
/// keys compared as JSON means them (escapes decoded).
struct Scanner<'t> {
    text: &'t [u8],
    /// Whether the whole text is ASCII (then every string is UTF-8).
    ascii: bool,
    at: usize,
    values: usize,
    /// The keys of the objects being read, innermost last: one stack for
    /// the whole scan, so an object costs no allocation of its own.
    keys: Vec<Key<'t>>,
    /// The key found repeated, when the scan stops for one.
    repeated: String,
}

impl<'t> Scanner<'t> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    #[inline(always)]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    #[inline(always)]
    fn count(&mut self) -> Result<(), Stop> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(Stop::Values);
        }
        Ok(())
    }

    fn enter(&mut self, depth: usize) -> Result<usize, Stop> {
        self.count()?;
        if depth >= MAX_DEPTH {
            return Err(Stop::Depth);
        }
        self.at += 1;
        Ok(depth + 1)
    }

    /// The value at the cursor (no whitespace before it), and the
    /// whitespace after it.
    fn value(&mut self, depth: usize) -> Result<(), Stop> {
        match self.peek().ok_or(Stop::NotJson)? {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' => {
                self.count()?;
                let (start, end, escaped) = self.string()?;
                if escaped {
                    self.unescaped(start, end)?;
                }
            }
            b'-' | b'0'..=b'9' => {
                self.count()?;
                self.number()?;
            }
            _ => {
                self.count()?;
                self.literal()?;
            }
        }
        self.skip_whitespace();
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<(), Stop> {
        let depth = self.enter(depth)?;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.skip_whitespace();
                }
                Some(b']') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return Err(Stop::NotJson),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), Stop> {
        let depth = self.enter(depth)?;
        // This object's keys: on the shared stack from `start` while there
        // are few, in a hash set once there are many (so a hostile object
        // of 250,000 keys costs linear time, not quadratic).
        let start = self.keys.len();
        let mut many: Option<HashSet<Cow<'t, [u8]>>> = None;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(Stop::NotJson);
            }
            let key = self.key()?;
            // A key is a value too: an object of a million keys is as big
            // as an array of a million numbers.
            self.count()?;
            let repeated = match &many {
                Some(set) => set.contains(&key.text),
                None => self.keys[start..].contains(&key),
            };
            if repeated {
                let text = String::from_utf8_lossy(&key.text);
                self.repeated = text.chars().take(64).collect();
                return Err(Stop::Repeated);
            }
            match &mut many {
                Some(set) => {
                    set.insert(key.text);
                }
                None if self.keys.len() - start < FEW_KEYS => self.keys.push(key),
                None => {
                    let mut set: HashSet<_> = self.keys.drain(start..).map(|k| k.text).collect();
                    set.insert(key.text);
                    many = Some(set);
                }
            }
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(Stop::NotJson);
            }
            self.at += 1;
            self.skip_whitespace();
            self.value(depth)?;
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.skip_whitespace();
                }
                Some(b'}') => {
                    self.at += 1;
                    self.keys.truncate(start);
                    return Ok(());
                }
                _ => return Err(Stop::NotJson),
            }
        }
    }

    /// The string at the cursor, skipped: where its text starts and ends
    /// (between the quotes) and whether it has an escape. Its text is
    /// UTF-8 (checked here unless the whole body is ASCII).
    #[inline(always)]
    fn string(&mut self) -> Result<(usize, usize, bool), Stop> {
        let bytes = self.text;
        let start = self.at + 1;
        let mut at = start;
        let mut escaped = false;
        loop {
            at = special_at(bytes, at).ok_or(Stop::NotJson)?;
            match bytes[at] {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    at += 2;
                }
                // A control character must be escaped in JSON.
                _ => return Err(Stop::NotJson),
            }
        }
        if !self.ascii && std::str::from_utf8(&bytes[start..at]).is_err() {
            return Err(Stop::NotJson);
        }
        self.at = at + 1;
        Ok((start, at, escaped))
    }

    /// The escaped string between `start` and `end` as JSON means it
    /// (serde_json decodes it: escapes are rare, and must be read exactly).
    fn unescaped(&self, start: usize, end: usize) -> Result<String, Stop> {
        let quoted =
            std::str::from_utf8(&self.text[start - 1..end + 1]).map_err(|_| Stop::NotJson)?;
        serde_json::from_str::<String>(quoted).map_err(|_| Stop::NotJson)
    }

    /// The key at the cursor: borrowed from the body unless it has an
    /// escape.
    #[inline(always)]
    fn key(&mut self) -> Result<Key<'t>, Stop> {
        let (start, end, escaped) = self.string()?;
        let text = if escaped {
            Cow::Owned(self.unescaped(start, end)?.into_bytes())
        } else {
            Cow::Borrowed(&self.text[start..end])
        };
        Ok(Key {
            hash: hash(&text),
            text,
        })
    }

    /// A number as JSON writes it: `-`, digits without a leading zero, a
    /// fraction, an exponent.
    fn number(&mut self) -> Result<(), Stop> {
        let bytes = self.text;
        let digits = |at: &mut usize| {
            let from = *at;
            while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
                *at += 1;
            }
            *at > from
        };
        let mut at = self.at;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        if bytes.get(at) == Some(&b'0') {
            at += 1;
        } else if !digits(&mut at) {
            return Err(Stop::NotJson);
        }
        if bytes.get(at) == Some(&b'.') {
            at += 1;
            if !digits(&mut at) {
                return Err(Stop::NotJson);
            }
        }
        if let Some(b'e' | b'E') = bytes.get(at) {
            at += 1;
            if let Some(b'+' | b'-') = bytes.get(at) {
                at += 1;
            }
            if !digits(&mut at) {
                return Err(Stop::NotJson);
            }
        }
        self.at = at;
        Ok(())
    }

    fn literal(&mut self) -> Result<(), Stop> {
        let rest = self.text.get(self.at..).unwrap_or_default();
        for word in [&b"true"[..], b"false", b"null"] {
            if rest.starts_with(word) {
                self.at += word.len();
                return Ok(());
            }
        }
        Err(Stop::NotJson)
    }
}

/// A hash of a key's text, eight bytes at a time (FxHash's mixing): keys
/// that differ almost always hash differently, so they are told apart
/// without comparing their texts.
#[inline(always)]
fn hash(text: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(K);
    let mut chunks = text.chunks_exact(8);
    let mut hash = text.len() as u64;
    for chunk in &mut chunks {
        hash = mix(
            hash,
            u64::from_le_bytes(chunk.try_into().unwrap_or_default()),
        );
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // Byte by byte: a copy of a few bytes would be a call to memcpy.
        let last = rest
            .iter()
            .rev()
            .fold(0u64, |word, &byte| word << 8 | u64::from(byte));
        hash = mix(hash, last);
    }
    hash
}

/// Where the next `"`, `\\` or control character is, from `from`: eight
/// bytes at a time.
#[inline(always)]
fn special_at(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The bytes of `x` below `n` (n <= 128), as their high bits: the
    // lowest set bit is exact (a false one only ever sits above a true
    // one), which is all that is used.
    let less = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let mut chunks = bytes.get(from..)?.chunks_exact(8);
    let mut at = from;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let special = less(word ^ (ONES * u64::from(b'"')), 1)
            | less(word ^ (ONES * u64::from(b'\\')), 1)
            | less(word, 0x20);
        if special != 0 {
            return Some(at + (special.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// JSON text, as a small tree rendered by hand: keys from a few
    /// spellings (escaped forms of one key among them), so that objects
    /// often repeat a key.
    #[derive(Clone, Debug)]
    enum Json {
        Scalar(&'static str),
        Array(Vec<Json>),
        Object(Vec<(&'static str, Json)>),
    }

    impl Json {
        /// The values it holds as the scanner counts them (keys too).
        fn values(&self) -> usize {
            match self {
                Json::Scalar(_) => 1,
                Json::Array(items) => 1 + items.iter().map(Json::values).sum::<usize>(),
                Json::Object(entries) => {
                    1 + entries.iter().map(|(_, v)| 1 + v.values()).sum::<usize>()
                }
            }
        }

        fn render(&self, out: &mut String) {
            match self {
                Json::Scalar(text) => out.push_str(text),
                Json::Array(items) => {
                    out.push('[');
                    for (i, item) in items.iter().enumerate() {
                        out.push_str(if i == 0 { "" } else { " ,\n" });
                        item.render(out);
                    }
                    out.push(']');
                }
                Json::Object(entries) => {
                    out.push_str("{ ");
                    for (i, (key, value)) in entries.iter().enumerate() {
                        out.push_str(if i == 0 { "" } else { "," });
                        out.push_str(key);
                        out.push_str(" :");
                        value.render(out);
                    }
                    out.push('}');
                }
            }
        }
    }

    fn json() -> impl Strategy<Value = Json> {
        let scalar = prop::sample::select(vec![
            "null",
            "true",
            "false",
            "0",
            "-12",
            "3.25",
            "1e5",
            "-0.5E-3",
            "\"\"",
            "\"x\"",
            "\"a\\\"b\"",
            "\"\\u00e9t\u{e9}\"",
            "\"\\\\\"",
        ])
        .prop_map(Json::Scalar);
        let key = prop::sample::select(vec![
            "\"a\"",
            "\"b\"",
            "\"code\"",
            "\"\\u0061\"",
            "\"c\\\"d\"",
            "\"\u{e9}\"",
        ]);
        scalar.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
                prop::collection::vec((key.clone(), inner), 0..5).prop_map(Json::Object),
            ]
        })
    }

    proptest! {
        /// The scanner finds what the checks through serde_json find, on
        /// JSON and on JSON cut short at any byte.
        #[test]
        fn scanner_agrees_with_serde_json(value in json(), cut in any::<prop::sample::Index>()) {
            let mut text = String::new();
            value.render(&mut text);
            prop_assert_eq!(scan(text.as_bytes()), reference::scan(text.as_bytes()), "{}", text);
            let cut = &text.as_bytes()[..cut.index(text.len() + 1)];
            prop_assert_eq!(scan(cut), reference::scan(cut), "{:?}", String::from_utf8_lossy(cut));
        }

        /// The count that bounds a read's large answer is never below the
        /// values it holds.
        #[test]
        fn values_at_most_never_counts_fewer(value in json()) {
            let mut text = String::new();
            value.render(&mut text);
            prop_assert!(values_at_most(text.as_bytes()) >= value.values(), "{}", text);
        }
    }

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
    fn finds_quotes_escapes_and_control_characters_at_any_offset() {
        for n in 0..24 {
            let pad = "x".repeat(n);
            let repeated = format!(r#"{{"{pad}\"q":1,"{pad}\"q":2}}"#);
            assert_eq!(
                scan(repeated.as_bytes()),
                Shape::RepeatedKey(format!("{pad}\"q"))
            );
            let control = format!("{{\"a\":\"{pad}\u{1}\",\"a\":1}}");
            assert_eq!(scan(control.as_bytes()), Shape::Fine, "not JSON");
            assert_eq!(reference::scan(control.as_bytes()), Shape::Fine);
        }
    }

    #[test]
    fn values_at_most_counts_what_could_be_values() {
        assert_eq!(values_at_most(b"0"), 1);
        assert_eq!(values_at_most(br#"{"a":[1,2],"b":{}}"#), 8);
        // Inside strings too: more, never fewer.
        assert_eq!(values_at_most(br#""a,b:c[d{""#), 5);
        let zeros = format!("[{}0]", "0,".repeat(MAX_VALUES));
        assert!(values_at_most(zeros.as_bytes()) > MAX_VALUES);
        // Blocks of 255 bytes are counted exactly.
        let commas = ",".repeat(1000);
        assert_eq!(values_at_most(commas.as_bytes()), 1001);
    }

    #[test]
    fn what_is_not_json_is_left_to_the_decoder() {
        assert_eq!(scan(b"<html>502</html>"), Shape::Fine);
        assert_eq!(scan(b""), Shape::Fine);
    }
}
