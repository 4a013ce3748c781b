//! A timestamp's text: kept as Aurpay wrote it, or written by the SDK for
//! its own times (clock readings, times moved by a duration) in Aurpay's
//! zoneless form.
//!
//! The SDK reads the clock on every call (the retry deadline, a
//! signature's `Date`), so a reading is made straight from the seconds
//! since the Unix epoch (days to a civil date by arithmetic), and its text
//! (digits two at a time) is written only when something asks for it: a
//! call that needs no retry never does.

use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A timestamp's text, kept inline when it is short (every form Aurpay
/// writes, and every clock reading): decoding an order's two times, or
/// reading the clock, allocates nothing.
#[derive(Clone)]
pub(super) enum Text {
    Inline { len: u8, bytes: [u8; INLINE_TEXT] },
    Boxed(Box<str>),
}

/// A timestamp's text: as it was given (parsed from Aurpay's answer), or
/// written from the instant the first time it is asked for (a time the SDK
/// makes). Two variants rather than one cell: filling a `OnceLock` costs a
/// synchronised initialisation, which every decoded timestamp would pay.
#[derive(Clone)]
pub(super) enum TextCell {
    Given(Text),
    Written(OnceLock<Text>),
}

impl TextCell {
    /// A cell for a time the SDK makes: nothing written yet.
    pub(super) fn unwritten() -> TextCell {
        TextCell::Written(OnceLock::new())
    }

    /// The text; for a time the SDK made, `naive` (UTC) as
    /// [`zoneless_text`] writes it, written once.
    pub(super) fn get(&self, naive: &NaiveDateTime) -> &str {
        match self {
            TextCell::Given(text) => text.as_str(),
            TextCell::Written(cell) => cell.get_or_init(|| zoneless_text(naive)).as_str(),
        }
    }

    /// The text if it is there already (tests: what was kept, and when).
    #[cfg(test)]
    pub(super) fn kept(&self) -> Option<&Text> {
        match self {
            TextCell::Given(text) => Some(text),
            TextCell::Written(cell) => cell.get(),
        }
    }
}

/// The longest text kept inline: a zoneless time with nanoseconds is 29.
/// No more: with 29 a `Text` is 32 bytes and a [`TextCell`] 48, so that a
/// `Timestamp` stays 64 (a decoded page moves two per order).
const INLINE_TEXT: usize = 29;

impl Text {
    pub(super) fn new(text: &str) -> Text {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE_TEXT => {
                let mut bytes = [0; INLINE_TEXT];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Text::Inline { len, bytes }
            }
            _ => Text::Boxed(text.into()),
        }
    }

    pub(super) fn as_str(&self) -> &str {
        match self {
            // A whole `&str` was copied in (or ASCII written): UTF-8.
            Text::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Text::Boxed(text) => text,
        }
    }
}

/// A civil date and time of day, UTC, in the range the zoneless writer
/// covers (years 0 to 9999, no leap second).
struct Fields {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
}

/// `naive` as chrono's `%Y-%m-%dT%H:%M:%S%.f` writes it (a fraction of 3,
/// 6 or 9 digits, none when zero), without a format string for years 0 to
/// 9999.
pub(super) fn zoneless_text(naive: &NaiveDateTime) -> Text {
    use chrono::{Datelike as _, Timelike as _};
    let nanos = naive.nanosecond();
    // Other years, and a leap second: chrono's own form.
    match u32::try_from(naive.year()) {
        Ok(year @ 0..=9999) if nanos < 1_000_000_000 => write(&Fields {
            year,
            month: naive.month(),
            day: naive.day(),
            hour: naive.hour(),
            minute: naive.minute(),
            second: naive.second(),
            nanos,
        }),
        _ => Text::new(&naive.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
    }
}

/// The instant `secs` seconds and `nanos` nanoseconds after the Unix
/// epoch, by arithmetic rather than chrono's tables; `None` past the year
/// 9999 or for `nanos` of a second or more. Its text is
/// [`zoneless_text`]'s, written only when asked for.
pub(super) fn unix_instant(secs: u64, nanos: u32) -> Option<NaiveDateTime> {
    const SECS_PER_DAY: u64 = 86_400;
    let (year, month, day) = civil_from_days(secs / SECS_PER_DAY);
    let second_of_day = u32::try_from(secs % SECS_PER_DAY).ok()?;
    if year > 9999 || nanos >= 1_000_000_000 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let time = NaiveTime::from_num_seconds_from_midnight_opt(second_of_day, nanos)?;
    Some(NaiveDateTime::new(date, time))
}

/// The proleptic Gregorian (year, month, day) `days` days after
/// 1970-01-01: Howard Hinnant's `civil_from_days`, for days on or after
/// the epoch. The year saturates (a `u64` of days is far past 9999, which
/// the caller refuses).
fn civil_from_days(days: u64) -> (u32, u32, u32) {
    // Counted from 0000-03-01, so that a leap day ends its year; in eras
    // of 400 years (146,097 days), which repeat exactly.
    let since_march_0000 = days.saturating_add(719_468);
    let era = since_march_0000 / 146_097;
    let day_of_era = since_march_0000 % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months from March, of 153 days every five.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (
        u32::try_from(year).unwrap_or(u32::MAX),
        month as u32,
        day as u32,
    )
}

/// `fields` as `YYYY-MM-DDTHH:MM:SS[.fff[fff[fff]]]`: at most 29 bytes,
/// inline.
fn write(fields: &Fields) -> Text {
    let fraction = match fields.nanos {
        0 => None,
        nanos if nanos.is_multiple_of(1_000_000) => Some((nanos / 1_000_000, 3)),
        nanos if nanos.is_multiple_of(1_000) => Some((nanos / 1_000, 6)),
        nanos => Some((nanos, 9)),
    };
    let mut text = Writer {
        bytes: [0; INLINE_TEXT],
        len: 0,
    };
    text.digits(fields.year, 4);
    for (separator, value) in [
        (b'-', fields.month),
        (b'-', fields.day),
        (b'T', fields.hour),
        (b':', fields.minute),
        (b':', fields.second),
    ] {
        text.push(separator);
        text.digits(value, 2);
    }
    if let Some((value, width)) = fraction {
        text.push(b'.');
        text.digits(value, width);
    }
    Text::Inline {
        len: text.len,
        bytes: text.bytes,
    }
}

/// Writes a time's ASCII text into an inline buffer.
struct Writer {
    bytes: [u8; INLINE_TEXT],
    len: u8,
}

/// "00" to "99": two digits per division by a hundred.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

impl Writer {
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(usize::from(self.len)) {
            *slot = byte;
            self.len += 1;
        }
    }

    /// The last `width` decimal digits of `value`, zero-padded: written
    /// from the last, two at a time.
    fn digits(&mut self, mut value: u32, width: u32) {
        let start = usize::from(self.len);
        let end = (start + width as usize).min(INLINE_TEXT);
        let mut slots = self.bytes[start..end].rchunks_mut(2);
        for pair in slots.by_ref() {
            let at = (value % 100) as usize * 2;
            value /= 100;
            match pair {
                [tens, ones] => {
                    *tens = DIGIT_PAIRS[at];
                    *ones = DIGIT_PAIRS[at + 1];
                }
                [ones] => *ones = DIGIT_PAIRS[at + 1],
                _ => {}
            }
        }
        self.len = end as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use proptest::prelude::*;

    fn chrono_text(secs: u64, nanos: u32) -> String {
        let time = DateTime::from_timestamp(i64::try_from(secs).unwrap(), nanos).unwrap();
        time.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f").to_string()
    }

    #[test]
    fn readings_at_the_edges_of_days_months_leap_years_and_eras() {
        for (text, nanos) in [
            ("1970-01-01T00:00:00", 0),
            ("1999-12-31T23:59:59", 999_999_999),
            ("2000-02-29T12:00:00", 1),
            ("2000-03-01T00:00:00", 1_000),
            ("2024-02-29T23:59:59", 1_000_000),
            ("2100-02-28T23:59:59", 0),
            ("2100-03-01T00:00:00", 0),
            ("2400-02-29T00:00:00", 0),
            ("9999-12-31T23:59:59", 999_999_999),
        ] {
            let naive: NaiveDateTime = text.parse().unwrap();
            let secs = u64::try_from(naive.and_utc().timestamp()).unwrap();
            let read = unix_instant(secs, nanos).unwrap();
            assert_eq!(
                zoneless_text(&read).as_str(),
                chrono_text(secs, nanos),
                "{text}"
            );
            let with_nanos = chrono::Timelike::with_nanosecond(&naive, nanos).unwrap();
            assert_eq!(read, with_nanos, "{text}");
        }
    }

    #[test]
    fn past_the_year_9999_or_a_whole_second_of_nanos_is_refused() {
        let year_10000 = 253_402_300_800;
        assert!(unix_instant(year_10000, 0).is_none());
        assert!(unix_instant(year_10000 - 1, 0).is_some());
        assert!(unix_instant(0, 1_000_000_000).is_none());
        assert!(unix_instant(u64::MAX, 0).is_none());
    }

    proptest! {
        #[test]
        fn a_reading_is_what_chrono_makes_of_it(
            secs in 0u64..253_402_300_800,
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000, (0u32..1000).prop_map(|m| m * 1_000_000)],
        ) {
            let read = unix_instant(secs, nanos).unwrap();
            let chrono = DateTime::from_timestamp(i64::try_from(secs).unwrap(), nanos).unwrap().naive_utc();
            prop_assert_eq!(read, chrono);
            let written = zoneless_text(&read);
            prop_assert_eq!(written.as_str(), chrono_text(secs, nanos));
        }
    }
}
