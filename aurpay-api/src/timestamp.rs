//! Aurpay's timestamps: ISO-8601 without a zone (`2025-02-06T00:00:00`).

#[cfg(feature = "schemars")]
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

mod written;

use written::{Text, TextCell};

/// A point in time as Aurpay writes it.
///
/// Aurpay's timestamps carry no zone (`2025-02-06T00:00:00`); the zone is not
/// documented and is presumed to be UTC (**inferred**). A zoned form
/// (`2025-02-06T00:00:00Z`, `...+08:00`) is accepted too. The text Aurpay
/// sent is kept and serialized back unchanged.
///
/// Timestamps compare by the instant they denote; times the SDK makes
/// itself (from a [`Clock`](crate::clock::Clock)) are written in the same
/// zoneless form, with a fraction only when there is one.
///
/// ```
/// use std::time::Duration;
/// use aurpay_api::Timestamp;
///
/// let t: Timestamp = "2025-02-06T00:00:00".parse()?;
/// assert_eq!(t.to_string(), "2025-02-06T00:00:00");
///
/// let zoned: Timestamp = "2025-02-06T08:00:00+08:00".parse()?;
/// assert_eq!(zoned, t); // the same instant
/// assert_eq!(zoned.as_str(), "2025-02-06T08:00:00+08:00"); // as written
/// assert_eq!(t.later_by(Duration::from_millis(1500)).as_str(), "2025-02-06T00:00:01.500");
/// assert_eq!(t.later_by(Duration::from_secs(90)).duration_since(&t), Some(Duration::from_secs(90)));
/// # Ok::<(), aurpay_api::ParseTimestampError>(())
/// ```
#[derive(Clone)]
pub struct Timestamp {
    /// As Aurpay wrote it; for a time the SDK makes (a clock reading, a
    /// time moved by a duration), written from `naive` when first asked
    /// for: most clock readings (a call's retry deadline) are never shown.
    text: TextCell,
    /// The date and time as written, in the zone of `offset`.
    naive: NaiveDateTime,
    /// The zone it was written in; UTC when it was written without one
    /// (Aurpay's zone is inferred to be UTC). Not an `Option`: that would
    /// make every timestamp 8 bytes larger for what UTC already says.
    offset: FixedOffset,
}

/// Why a text is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTimestampError {
    input: String,
}

impl fmt::Display for ParseTimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.input.chars().take(40).collect();
        write!(f, "not an ISO-8601 date and time: {shown:?}")
    }
}

impl std::error::Error for ParseTimestampError {}

/// The offset of a time written without a zone.
const UTC: FixedOffset = match FixedOffset::east_opt(0) {
    Some(utc) => utc,
    None => unreachable!(),
};

impl Timestamp {
    /// The instant, reading a zoneless timestamp as UTC (Aurpay does not
    /// document its zone; UTC is inferred).
    pub(crate) fn to_utc(&self) -> DateTime<Utc> {
        if self.offset == UTC {
            return self.naive.and_utc();
        }
        (self.naive - self.offset).and_utc()
    }

    /// The text as Aurpay sent it.
    pub fn as_str(&self) -> &str {
        self.text.get(&self.naive)
    }
}

impl FromStr for Timestamp {
    type Err = ParseTimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = || ParseTimestampError {
            input: s.to_owned(),
        };
        let text = trimmed(s);
        // Aurpay's own form, `2025-02-06T00:00:00`, read without a format
        // string: this is the hot path when decoding pages of orders.
        if let Some(naive) = parse_plain(text) {
            return Ok(Timestamp {
                text: TextCell::Given(Text::new(text)),
                naive,
                offset: UTC,
            });
        }
        if let Ok(zoned) = DateTime::parse_from_rfc3339(text) {
            return Ok(Timestamp {
                text: TextCell::Given(Text::new(text)),
                naive: zoned.naive_local(),
                offset: *zoned.offset(),
            });
        }
        // Zoneless, with `T` or a space, with or without fractions.
        for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
                return Ok(Timestamp {
                    text: TextCell::Given(Text::new(text)),
                    naive,
                    offset: UTC,
                });
            }
        }
        Err(error())
    }
}

/// `YYYY-MM-DDTHH:MM:SS` exactly, or `None`.
fn parse_plain(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    let time = chrono::NaiveTime::from_hms_opt(number(11..13)?, number(14..16)?, number(17..19)?)?;
    Some(NaiveDateTime::new(date, time))
}

impl Timestamp {
    /// The system's current time: only [`SystemClock`](crate::clock::SystemClock)
    /// reads it; everything else asks the injected clock.
    pub(crate) fn system_now() -> Timestamp {
        let now = std::time::SystemTime::now();
        let since_epoch = now.duration_since(std::time::UNIX_EPOCH).ok();
        match since_epoch.and_then(|d| written::unix_instant(d.as_secs(), d.subsec_nanos())) {
            Some(naive) => Timestamp::unwritten(naive),
            // Before 1970 or after 9999: chrono's way.
            None => Timestamp::from_utc(DateTime::<Utc>::from(now)),
        }
    }

    /// How long after `earlier` this instant is; `None` if it is before.
    pub fn duration_since(&self, earlier: &Timestamp) -> Option<std::time::Duration> {
        (self.to_utc() - earlier.to_utc()).to_std().ok()
    }

    /// Microseconds since the Unix epoch (how the SQL stores keep times).
    pub(crate) fn unix_micros(&self) -> i64 {
        self.to_utc().timestamp_micros()
    }

    /// The instant `micros` microseconds after the Unix epoch.
    pub(crate) fn from_unix_micros(micros: i64) -> Timestamp {
        Timestamp::from_utc(DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default())
    }

    /// The same instant without its fraction of a second: how Aurpay
    /// writes times (the sandbox's answers).
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub(crate) fn whole_seconds(&self) -> Timestamp {
        Timestamp::from_utc(
            DateTime::<Utc>::from_timestamp(self.to_utc().timestamp(), 0).unwrap_or_default(),
        )
    }

    /// This instant moved back by `duration` (UTC, zoneless), or the
    /// earliest representable instant if that is before it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let t: aurpay_api::Timestamp = "2024-08-06T07:19:26".parse()?;
    /// assert_eq!(t.earlier_by(Duration::from_secs(26)).as_str(), "2024-08-06T07:19:00");
    /// # Ok::<(), aurpay_api::ParseTimestampError>(())
    /// ```
    pub fn earlier_by(&self, duration: std::time::Duration) -> Timestamp {
        let moved = chrono::TimeDelta::from_std(duration)
            .ok()
            .and_then(|delta| self.to_utc().checked_sub_signed(delta))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        Timestamp::from_utc(moved)
    }

    /// This instant moved forward by `duration` (UTC, zoneless), or the
    /// latest representable instant if that is after it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let t: aurpay_api::Timestamp = "2024-08-06T07:19:26".parse()?;
    /// assert_eq!(t.later_by(Duration::from_secs(34)).as_str(), "2024-08-06T07:20:00");
    /// # Ok::<(), aurpay_api::ParseTimestampError>(())
    /// ```
    pub fn later_by(&self, duration: std::time::Duration) -> Timestamp {
        let moved = chrono::TimeDelta::from_std(duration)
            .ok()
            .and_then(|delta| self.to_utc().checked_add_signed(delta))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Timestamp::from_utc(moved)
    }
}

impl Timestamp {
    /// Written in Aurpay's zoneless form, UTC, with a fraction of a second
    /// only when there is one.
    pub(crate) fn from_utc(time: DateTime<Utc>) -> Self {
        Timestamp::unwritten(time.naive_utc())
    }

    /// `naive` (UTC), its text written when first asked for.
    fn unwritten(naive: NaiveDateTime) -> Self {
        Timestamp {
            text: TextCell::unwritten(),
            naive,
            offset: UTC,
        }
    }
}

/// `text` without surrounding whitespace: `str::trim`, with a shortcut
/// for the usual text that has none (decoding calls this per field).
pub(crate) fn trimmed(text: &str) -> &str {
    let bare = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii() && !char::from(b).is_whitespace());
    if bare(text.as_bytes().first()) && bare(text.as_bytes().last()) {
        text
    } else {
        text.trim()
    }
}

/// Equal when they denote the same instant (zoneless read as UTC).
impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.to_utc() == other.to_utc()
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.to_utc().cmp(&other.to_utc())
    }
}

impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.to_utc().hash(state);
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.as_str())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = crate::text::Text::deserialize(deserializer)?;
        text.0.parse().map_err(de::Error::custom)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "ISO-8601 date and time, usually without a zone (2025-02-06T00:00:00).",
            "type": "string"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn text_is_kept_as_written_inline_or_boxed() {
        for text in [
            "2025-02-06T00:00:00",
            "2025-02-06 00:00:00.5",
            "2025-02-06T08:00:00+08:00",
            // 35 bytes: longer than the inline buffer (29).
            "2025-02-06T08:00:00.123456789+08:00",
        ] {
            let parsed: Timestamp = text.parse().unwrap();
            assert_eq!(parsed.as_str(), text);
            assert_eq!(parsed.to_string(), text);
            assert_eq!(parsed.clone().as_str(), text);
        }
        let long: Timestamp = "2025-02-06T08:00:00.123456789+08:00".parse().unwrap();
        assert!(matches!(long.text.kept(), Some(Text::Boxed(_))));
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_timestamp_stays_64_bytes() {
        // Decoded orders hold two; a larger one costs every page a copy
        // of each (the decode benchmark: +230 instructions per order at 72).
        assert_eq!(std::mem::size_of::<Timestamp>(), 64);
        assert_eq!(std::mem::size_of::<Option<Timestamp>>(), 64);
    }

    #[test]
    fn the_system_clock_is_read_as_chrono_reads_it() {
        let before = Utc::now();
        let now = Timestamp::system_now();
        let after = Utc::now();
        assert!(before <= now.to_utc() && now.to_utc() <= after);
        // Not written until asked for, then as chrono writes the instant.
        assert!(now.text.kept().is_none());
        let chrono = now
            .to_utc()
            .naive_utc()
            .format("%Y-%m-%dT%H:%M:%S%.f")
            .to_string();
        assert_eq!(now.as_str(), chrono);
        assert!(matches!(now.text.kept(), Some(Text::Inline { .. })));
        assert_eq!(now.clone().as_str(), chrono);
    }

    #[test]
    fn clock_readings_are_written_zoneless_to_the_nanosecond() {
        let t: Timestamp = "2025-02-06T00:00:00".parse().unwrap();
        for (later, text) in [
            (Duration::from_nanos(1), "2025-02-06T00:00:00.000000001"),
            (Duration::from_micros(20), "2025-02-06T00:00:00.000020"),
            (Duration::from_millis(300), "2025-02-06T00:00:00.300"),
            (Duration::from_secs(86_399), "2025-02-06T23:59:59"),
        ] {
            let moved = t.later_by(later);
            assert_eq!(moved.as_str(), text);
            assert!(matches!(moved.text.kept(), Some(Text::Inline { .. })));
        }
    }
}
